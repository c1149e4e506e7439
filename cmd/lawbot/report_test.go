package main

import (
	"archive/zip"
	"context"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/report"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
	"github.com/xuri/excelize/v2"
)

// statsEnv keeps the statistics commands off the machine's own settings:
// a fixed resident key, any community, no Redis.
func statsEnv(t *testing.T) {
	t.Setenv("LAWBOT_RESIDENT_KEY", "00112233445566778899aabbccddeeff")
	t.Setenv("LAWBOT_COMMUNITIES", "")
	t.Setenv("LAWBOT_REDIS_URL", "")
}

// demoYear fills a new demo directory with 2025 and returns it.
func demoYear(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "demo")
	out, errs, code := lawbot(t, "demo", "-data", dir, "-year", "2025")
	if code != 0 || !strings.Contains(out, "已在") {
		t.Fatalf("demo = %d, %q, %q", code, out, errs)
	}
	return dir
}

// yearTotal reads the 2025 totals straight from the store in dir.
func yearTotal(t *testing.T, dir string) stats.Counts {
	t.Helper()
	s, err := boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		t.Fatalf("boltstore.Open(%s) = %v", dir, err)
	}
	defer s.Close()
	r, err := s.Query(context.Background(), report.YearQuery(2025, nil))
	if err != nil {
		t.Fatalf("Query(2025) = %v", err)
	}
	return r.Total
}

func TestDemoReportExport(t *testing.T) {
	statsEnv(t)
	dir := demoYear(t)
	total := yearTotal(t, dir)
	consultations := total.Events(stats.KindConsultation)
	if consultations < 1000 || total.Events(stats.KindLecture) == 0 || total.Events(stats.KindCampaignRead) == 0 ||
		total.Events(stats.KindLegalAid) == 0 || total.Quantity(stats.KindBanners) == 0 {
		t.Fatalf("demo year totals look implausible: %v", total.Counters)
	}
	rate, _ := total.Satisfaction()
	if rate < 0.9 || rate == 1 {
		t.Errorf("demo satisfaction = %v, want a plausible 90-99.99%%", rate)
	}
	signups, checkins := total.Events(stats.KindSignup), total.Events(stats.KindCheckIn)
	if checkins == 0 || checkins >= signups {
		t.Errorf("demo has %d check-ins for %d sign-ups, want some but fewer", checkins, signups)
	}

	out, errs, code := lawbot(t, "report", "-data", dir, "-year", "2025")
	if code != 0 {
		t.Fatalf("report = %d, %q", code, errs)
	}
	for _, want := range []string{demoBanner, "2025年，为群众提供法律咨询" + report.Approx(consultations) + "次",
		"法律咨询：" + report.Approx(consultations) + "次／实数 " + strconv.FormatInt(consultations, 10) + "次",
		"活动现场签到" + report.Approx(checkins) + "人次",
		"普法活动签到：" + report.Approx(checkins) + "人次／实数 " + strconv.FormatInt(checkins, 10) + "人次"} {
		if !strings.Contains(out, want) {
			t.Errorf("report output lacks %q:\n%s", want, out)
		}
	}

	md := filepath.Join(t.TempDir(), "report.md")
	if _, errs, code := lawbot(t, "report", "-data", dir, "-year", "2025", "-format", "md", "-o", md); code != 0 {
		t.Fatalf("report -format md = %d, %q", code, errs)
	}
	b, err := os.ReadFile(md)
	if err != nil || !strings.HasPrefix(string(b), demoBanner+"\n\n# 2025年度") || !strings.Contains(string(b), "| 项目 | 报告写法 | 实数 | 统计口径 |") {
		t.Errorf("report.md = %q, %v; want the banner, a title and the check table", b, err)
	}

	xlsx := filepath.Join(t.TempDir(), "export.xlsx")
	out, errs, code = lawbot(t, "export", "-data", dir, "-from", "2025-01-01", "-to", "2025-12-31", "-o", xlsx)
	if code != 0 || !strings.Contains(errs, demoBanner) {
		t.Fatalf("export = %d, %q, %q; want success and the demo banner", code, out, errs)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatalf("OpenFile(export.xlsx) = %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("按月统计")
	if err != nil {
		t.Fatalf("GetRows(按月统计) = %v", err)
	}
	last := rows[len(rows)-1]
	if len(rows) != report.FirstRow-1+13 || last[0] != "合计" || last[1] != strconv.FormatInt(consultations, 10) {
		t.Errorf("按月统计 has %d rows, last %q; want 12 months and a total of %d consultations", len(rows), last, consultations)
	}

	csvPath := filepath.Join(t.TempDir(), "march.csv")
	if _, errs, code := lawbot(t, "export", "-data", dir, "-from", "2025-03-01", "-to", "2025-03-31", "-o", csvPath); code != 0 {
		t.Fatalf("export csv = %d, %q", code, errs)
	}
	b, err = os.ReadFile(csvPath)
	if err != nil || !strings.HasPrefix(string(b), "\uFEFF【按日统计】") || !strings.Contains(string(b), "\r\n2025-03-31,") {
		t.Errorf("march.csv = %.200q, %v; want a BOM and March by day", b, err)
	}
}

// TestReportDocx writes the demo year's report as a Word document and
// reads its text back: the banner, the sentences and the exact figures.
func TestReportDocx(t *testing.T) {
	statsEnv(t)
	dir := demoYear(t)
	cons := yearTotal(t, dir).Events(stats.KindConsultation)
	path := filepath.Join(t.TempDir(), "2025年报告数据.docx")
	if _, errs, code := lawbot(t, "report", "-data", dir, "-year", "2025", "-format", "docx", "-o", path); code != 0 {
		t.Fatalf("report -format docx = %d, %q", code, errs)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("the report is not a docx (zip) file: %v", err)
	}
	defer zr.Close()
	f, err := zr.Open("word/document.xml")
	if err != nil {
		t.Fatalf("docx without word/document.xml: %v", err)
	}
	defer f.Close()
	var text strings.Builder
	d := xml.NewDecoder(f)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("word/document.xml: %v", err)
		}
		if c, ok := tok.(xml.CharData); ok {
			text.Write(c)
		}
	}
	for _, want := range []string{demoBanner, "2025年，为群众提供法律咨询" + report.Approx(cons) + "次", strconv.FormatInt(cons, 10) + "次"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("report.docx lacks %q", want)
		}
	}
}

func TestDemoRerunReplacesData(t *testing.T) {
	statsEnv(t)
	dir := demoYear(t)
	first := yearTotal(t, dir)
	if _, errs, code := lawbot(t, "demo", "-data", dir, "-year", "2025"); code != 0 {
		t.Fatalf("demo again = %d, %q", code, errs)
	}
	if again := yearTotal(t, dir); again.Events(stats.KindConsultation) != first.Events(stats.KindConsultation) {
		t.Errorf("consultations after a second demo = %d, want %d (replaced, not added)",
			again.Events(stats.KindConsultation), first.Events(stats.KindConsultation))
	}
}

func TestDemoRefusesRealData(t *testing.T) {
	statsEnv(t)
	dir := t.TempDir()
	real := filepath.Join(dir, boltstore.FileName)
	if err := os.WriteFile(real, []byte("real statistics"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, code := lawbot(t, "demo", "-data", dir)
	if code != 2 || !strings.Contains(errs, "已拒绝写入") {
		t.Errorf("demo on a real data directory = %d, %q; want a refusal", code, errs)
	}
	if b, _ := os.ReadFile(real); string(b) != "real statistics" {
		t.Errorf("stats.db = %q after the refusal, want it untouched", b)
	}
	if _, err := os.Stat(filepath.Join(dir, demoMarker)); err == nil {
		t.Errorf("demo marked a real data directory")
	}
	if _, errs, code := lawbot(t, "demo"); code != 2 || !strings.Contains(errs, "-data") {
		t.Errorf("demo without -data = %d, %q; want a usage error", code, errs)
	}
}

// TestDemoIgnoresRedis checks that demo data stay in their own directory
// when Redis holds the real statistics.
func TestDemoIgnoresRedis(t *testing.T) {
	statsEnv(t)
	t.Setenv("LAWBOT_REDIS_URL", "redis://127.0.0.1:1/0") // nothing listens there
	dir := demoYear(t)
	if _, errs, code := lawbot(t, "report", "-data", dir, "-year", "2025"); code != 0 {
		t.Errorf("report on demo data with Redis configured = %d, %q; want the demo store", code, errs)
	}
}

func TestReportExportUsage(t *testing.T) {
	statsEnv(t)
	dir := t.TempDir()
	next := strconv.Itoa(time.Now().Year() + 1)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"report", "-data", dir, "-format", "docx"}, "docx"},
		{[]string{"report", "-data", dir, "-format", "pdf"}, "未知格式"},
		{[]string{"report", "-data", dir, "-year", next}, "年份"},
		{[]string{"export", "-data", dir, "-o", "x.txt"}, ".xlsx"},
		{[]string{"export", "-data", dir, "-from", "2025/01/01", "-o", "x.csv"}, "-from"},
		{[]string{"export", "-data", dir, "-from", "2025-02-01", "-to", "2025-01-01", "-o", "x.csv"}, "早于"},
	}
	for _, tt := range tests {
		_, errs, code := lawbot(t, tt.args...)
		if code != 2 || !strings.Contains(errs, tt.want) {
			t.Errorf("lawbot %q = %d, %q; want usage error mentioning %q", tt.args, code, errs, tt.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("usage errors left %d files in the data directory", len(entries))
	}
}

func TestReportEmptyStore(t *testing.T) {
	statsEnv(t)
	out, errs, code := lawbot(t, "report", "-data", t.TempDir(), "-year", "2025")
	if code != 0 || !strings.Contains(out, "2025年，暂无统计数据。") || strings.Contains(out, demoBanner) {
		t.Errorf("report on an empty store = %d, %q, %q; want the no-data sentence", code, out, errs)
	}
}
