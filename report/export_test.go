package report_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/lawbot/lawbot/report"
	"github.com/xuri/excelize/v2"
)

var wantSheets = []string{"按月统计", "按类别", "按社区", "按渠道", "法律援助转介", "调解申请", "满意度", "普法活动参与", "线下活动"}

// findRow returns the row whose leading cells are key, or fails.
func findRow(t *testing.T, rows [][]string, sheet string, key ...string) []string {
	t.Helper()
	for _, r := range rows[report.FirstRow-1:] {
		if len(r) >= len(key) && slices.Equal(r[:len(key)], key) {
			return r
		}
	}
	t.Fatalf("sheet %s: no row %q", sheet, key)
	return nil
}

func TestExportXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := report.ExportXLSX(&buf, fixtureReport(t)); err != nil {
		t.Fatalf("ExportXLSX() = %v", err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("excelize.OpenReader(export) = %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, wantSheets) {
		t.Fatalf("sheets = %q, want %q", got, wantSheets)
	}
	rows := map[string][][]string{}
	for _, name := range wantSheets {
		r, err := f.GetRows(name)
		if err != nil {
			t.Fatalf("GetRows(%s) = %v", name, err)
		}
		if len(r) < report.FirstRow || !strings.HasPrefix(r[report.RuleRow-1][0], "统计口径：") {
			t.Fatalf("sheet %s: first row %q, want the counting rule", name, r[0])
		}
		if got := r[report.PeriodRow-1][0]; got != "统计期间：2025-01-01 至 2025-12-31（北京时间，含首尾两日）" {
			t.Errorf("sheet %s: period row %q", name, got)
		}
		rows[name] = r
	}

	// Each check names a sheet, a row by its leading cells, a column by its
	// header and the value the fixture gives.
	tests := []struct {
		sheet  string
		row    []string
		column string
		want   string
	}{
		{"按月统计", []string{"2025-01"}, "法律咨询", "23"},
		{"按月统计", []string{"2025-12"}, "法律咨询", "22"},
		{"按月统计", []string{"合计"}, "法律咨询", "273"},
		{"按月统计", []string{"合计"}, "其中未能解答", "14"},
		{"按月统计", []string{"合计"}, "服务居民", "150"},
		{"按月统计", []string{"合计"}, "满意率", "99.31%"},
		{"按月统计", []string{"2025-01"}, "满意率", "92.30%"},
		{"按月统计", []string{"合计"}, "讲座人次", "3046"},
		{"按类别", []string{"未能解答"}, "法律咨询", "14"},
		{"按类别", []string{"劳动合同与工资"}, "法律援助转介", "15"},
		{"按类别", []string{"物业与邻里"}, "调解申请", "23"},
		{"按类别", []string{"合计"}, "占比", "100.00%"},
		{"按社区", []string{"east"}, "法律咨询", "91"},
		{"按社区", []string{"幸福里"}, "讲座人次", "1046"},
		{"按社区", []string{"合计"}, "悬挂横幅(幅)", "15"},
		{"按渠道", []string{"Telegram"}, "法律咨询", "137"},
		{"按渠道", []string{"网页"}, "法律咨询", "68"},
		{"按渠道", []string{"命令行"}, "法律咨询", "68"},
		{"法律援助转介", []string{"合计"}, "次数", "45"},
		{"法律援助转介", []string{"类别", "借贷与债务"}, "次数", "15"},
		{"法律援助转介", []string{"月份", "2025-01"}, "次数", "4"},
		{"调解申请", []string{"社区", "west"}, "次数", "8"},
		{"满意度", []string{"合计"}, "2分", "1"},
		{"满意度", []string{"合计"}, "满意(4-5分)", "144"},
		{"满意度", []string{"合计"}, "满意率", "99.31%"},
		{"普法活动参与", []string{"civil-code"}, "推送送达", "300"},
		{"普法活动参与", []string{"合计"}, "阅读率", "68.33%"},
		{"普法活动参与", []string{"其中答对"}, "知识问答", "100"},
		{"普法活动参与", []string{"合计"}, "活动签到", "29"},
		{"普法活动参与", []string{"civil-code"}, "活动签到", "15"},
		{"普法活动参与", []string{"anti-fraud"}, "活动报名", "18"},
		{"普法活动参与", []string{"anti-fraud"}, "活动签到", "14"},
		{"按月统计", []string{"合计"}, "活动签到", "29"},
		{"按社区", []string{"合计"}, "活动签到", "29"},
		{"按渠道", []string{"Telegram"}, "活动签到", "15"},
		{"线下活动", []string{"合计"}, "法治讲座(场)", "12"},
		{"线下活动", []string{"合计"}, "发放资料(份)", "5012"},
		{"线下活动", []string{"社区", "east"}, "法治讲座(场)", "4"},
	}
	for _, tt := range tests {
		r := rows[tt.sheet]
		col := slices.Index(r[report.HeaderRow-1], tt.column)
		if col < 0 {
			t.Errorf("sheet %s: no column %q in %q", tt.sheet, tt.column, r[report.HeaderRow-1])
			continue
		}
		row := findRow(t, r, tt.sheet, tt.row...)
		if col >= len(row) || row[col] != tt.want {
			t.Errorf("sheet %s row %q column %s = %q, want %q (row %q)", tt.sheet, tt.row, tt.column, at(row, col), tt.want, row)
		}
	}
}

func at(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

func TestExportCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := report.ExportCSV(&buf, fixtureReport(t)); err != nil {
		t.Fatalf("ExportCSV() = %v", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")) {
		t.Fatalf("ExportCSV() starts %q, want the UTF-8 byte-order mark", buf.Bytes()[:3])
	}
	golden(t, "export-2025.csv.golden", buf.Bytes())

	cr := csv.NewReader(bytes.NewReader(buf.Bytes()[3:]))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("reading the CSV back = %v", err)
	}
	var sections []string
	for i, r := range recs {
		if len(r) == 1 && strings.HasPrefix(r[0], "【") {
			sections = append(sections, strings.Trim(r[0], "【】"))
			if !strings.HasPrefix(recs[i+1][0], "统计口径：") {
				t.Errorf("section %s: rule row %q", r[0], recs[i+1])
			}
		}
	}
	if !slices.Equal(sections, wantSheets) {
		t.Errorf("CSV sections = %q, want %q", sections, wantSheets)
	}
}
