package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
)

// demoMarker is the file that marks a data directory as filled by
// `lawbot demo`. Only such a directory is ever written by demo, and report
// and export read it from its own embedded store even when Redis is
// configured, so demo figures never mix with real ones.
const demoMarker = "LAWBOT-DEMO-DATA"

// demoBanner heads whatever is produced from demo data.
const demoBanner = "【演示数据，并非真实统计】"

// demoCommunities are used when LAWBOT_COMMUNITIES names none.
var demoCommunities = []string{"幸福里社区", "和平社区", "光明社区", "新华社区", "建设路社区"}

// useDemo reports whether dataDir holds demo data, and if so points sc at
// the embedded store in it rather than at Redis.
func useDemo(dataDir string, sc *statsConfig) bool {
	if _, err := os.Stat(filepath.Join(dataDir, demoMarker)); err != nil {
		return false
	}
	sc.redisURL = ""
	return true
}

// cmdDemo fills a separate data directory with a plausible synthetic year
// of statistics, so that newcomers can try report, export and the
// dashboard before real use.
func cmdDemo(ctx context.Context, env *env, args []string) error {
	fset := flag.NewFlagSet("demo", flag.ContinueOnError)
	fset.SetOutput(env.stderr)
	// No LAWBOT_DATA_DIR default: that is where real data lives.
	dir := fset.String("data", "", "directory for the demo data, new or made by an earlier demo (required)")
	now := time.Now().In(stats.DefaultLocation())
	year := fset.Int("year", now.Year(), "year to fill; the current year is filled up to today")
	seed := fset.Uint64("seed", 1, "random seed; the same seed gives the same data")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return usageError("请用 -data 指定一个单独的演示数据目录")
	}
	if *year < 2000 || *year > now.Year() {
		return usageError(fmt.Sprintf("年份 %d 无效：应在 2000 至 %d 之间", *year, now.Year()))
	}
	if err := prepareDemoDir(*dir); err != nil {
		return err
	}
	sc := statsConfig{communities: os.Getenv("LAWBOT_COMMUNITIES")}
	// Demo residents are invented, so the hashing key may sit with them.
	sc.keyFile = filepath.Join(*dir, "demo-resident.key")
	communities := sc.communityList()
	if len(communities) == 0 {
		communities = demoCommunities
	}
	store, err := openStats(ctx, *dir, &sc) // sc.redisURL is empty: always the embedded store
	if err != nil {
		return err
	}
	defer store.Close()
	events := demoEvents(*year, now, communities, *seed)
	for len(events) > 0 {
		n := min(len(events), 4000)
		if err := store.RecordBatch(ctx, events[:n]); err != nil {
			return fmt.Errorf("写入演示数据：%w", err)
		}
		events = events[n:]
	}
	fmt.Fprintf(env.stdout, "已在 %s 生成 %d 年演示数据。\n查看：lawbot report -data %s -year %d\n导出：lawbot export -data %s -from %d-01-01 -to %d-12-31 -o 演示.xlsx\n",
		*dir, *year, *dir, *year, *dir, *year, *year)
	return nil
}

// prepareDemoDir makes dir ready for demo data: a new or empty directory
// is marked; one marked by an earlier demo loses its old statistics file;
// any other is refused, since it may hold real data.
func prepareDemoDir(dir string) error {
	marker := filepath.Join(dir, demoMarker)
	if _, err := os.Stat(marker); err == nil {
		err := os.Remove(filepath.Join(dir, boltstore.FileName))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("清除旧演示数据：%w", err)
		}
		return nil
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("创建演示目录：%w", err)
		}
	case err != nil:
		return fmt.Errorf("读取演示目录：%w", err)
	case len(entries) > 0:
		return usageError(fmt.Sprintf("%s 不是空目录，也不是演示目录（缺少 %s），可能存有真实数据，已拒绝写入；请指定一个新目录", dir, demoMarker))
	}
	text := "此目录由 lawbot demo 生成，数据均为虚构，仅供演示。\n"
	if err := os.WriteFile(marker, []byte(text), 0o644); err != nil {
		return fmt.Errorf("创建演示目录：%w", err)
	}
	return nil
}

// demoQuestions are invented unanswered questions for the dashboard.
var demoQuestions = []string{
	"小区电动车充电桩被物业拆了，能要求恢复吗？",
	"网购的二手手机是翻新机，商家不退怎么办？",
	"楼上装修每天早上七点就开始，可以投诉吗？",
	"公司让签自愿放弃社保的协议，签了有什么后果？",
	"父母的房子拆迁款兄弟姐妹怎么分？",
}

// demoCategoryWeights skew consultations towards what residents ask most.
var demoCategoryWeights = map[string]int{
	"labor": 16, "marriage": 14, "neighbor": 12, "rental": 10, "debt": 9, "inheritance": 7,
	"consumer": 7, "work_injury": 5, "elderly": 4, "traffic": 4, "fraud": 4, "custody": 3,
	"injury": 3, "public_order": 2, "domestic_violence": 2, "minors": 2, "land": 1, "services": 5,
}

// demoEvents invents a year of events up to now: consultations busier on
// weekdays and after the Spring Festival, ratings mostly satisfied, some
// referrals, a monthly campaign to a growing list of subscribers (some
// sign up for its event on the 15th, and most of those check in), and
// lectures, leaflets, banners and visits around the usual dates (3.15,
// 4.15, 12.4 Constitution Day).
func demoEvents(year int, now time.Time, communities []string, seed uint64) []stats.Event {
	r := rand.New(rand.NewPCG(seed, uint64(year)))
	loc := stats.DefaultLocation()
	var cats []string
	for _, c := range knowledge.Categories {
		for range demoCategoryWeights[c.Key] {
			cats = append(cats, c.Key)
		}
	}
	var es []stats.Event
	n := 0
	id := func(kind stats.Kind) string { n++; return "demo:" + string(kind) + ":" + strconv.Itoa(n) }
	end := time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
	if now.Before(end) {
		end = now.Add(-time.Minute)
	}
	at := func(day time.Time) time.Time {
		return day.Add(time.Duration(8*60+r.IntN(13*60)) * time.Minute)
	}
	residentEvent := func(kind stats.Kind, t time.Time) stats.Event {
		ch := stats.ChannelTelegram
		switch x := r.IntN(20); {
		case x == 0:
			ch = stats.ChannelCLI
		case x < 8:
			ch = stats.ChannelWeb
		}
		res := r.IntN(1500)
		return stats.Event{ID: id(kind), Kind: kind, Time: t, Channel: ch,
			Community: communities[res%len(communities)], Resident: "demo:" + strconv.Itoa(res)}
	}
	for day := time.Date(year, 1, 1, 0, 0, 0, 0, loc); day.Before(end); day = day.AddDate(0, 0, 1) {
		perDay := 7
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			perDay = 3
		}
		if day.Month() == 2 && day.Day() < 15 { // Spring Festival
			perDay = 2
		}
		for range perDay - 1 + r.IntN(3) {
			e := residentEvent(stats.KindConsultation, at(day))
			e.Category = cats[r.IntN(len(cats))]
			e.Entry, e.Confidence = e.Category+"-"+strconv.Itoa(1+r.IntN(6)), 0.55+0.45*r.Float64()
			if r.IntN(100) < 6 {
				e.Category, e.Entry, e.Confidence = stats.Unanswered, "", 0
				e.Question = demoQuestions[r.IntN(len(demoQuestions))]
			}
			es = append(es, e)
			if r.IntN(10) < 3 {
				rt := residentEvent(stats.KindRating, e.Time.Add(2*time.Minute))
				rt.Resident, rt.Community, rt.Channel = e.Resident, e.Community, e.Channel
				rt.Rating = []int{5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 3, 5, 5, 5, 5, 5, 4, 4, 4, 2}[r.IntN(40)]
				es = append(es, rt)
			}
			switch e.Category {
			case "labor", "work_injury", "debt", "traffic", "injury":
				if r.IntN(100) < 8 {
					a := residentEvent(stats.KindLegalAid, e.Time.Add(3*time.Minute))
					a.Resident, a.Community, a.Channel, a.Category = e.Resident, e.Community, e.Channel, e.Category
					es = append(es, a)
				}
			case "neighbor", "rental", "marriage", "inheritance":
				if r.IntN(100) < 6 {
					m := residentEvent(stats.KindMediation, e.Time.Add(3*time.Minute))
					m.Resident, m.Community, m.Channel, m.Category = e.Resident, e.Community, e.Channel, e.Category
					es = append(es, m)
				}
			}
		}
		es = append(es, demoOffline(r, day, communities, id)...)
		if day.Day() == 10 { // the month's campaign
			es = append(es, demoCampaign(r, day, residentEvent)...)
		}
	}
	// Offline activities are entered after the fact, and check-ins happen
	// at the event; drop any dated after now.
	kept := es[:0]
	for _, e := range es {
		if e.Time.Before(end) {
			kept = append(kept, e)
		}
	}
	return kept
}

func demoOffline(r *rand.Rand, day time.Time, communities []string, id func(stats.Kind) string) []stats.Event {
	var es []stats.Event
	com := communities[r.IntN(len(communities))]
	t := day.Add(15 * time.Hour)
	add := func(k stats.Kind, count int) {
		es = append(es, stats.Event{ID: id(k), Kind: k, Time: t, Community: com, Count: count})
	}
	m, d := day.Month(), day.Day()
	special := (m == 3 && d == 15) || (m == 4 && d == 15) || (m == 12 && d == 4)
	if special || (d == 20 && r.IntN(3) > 0) {
		add(stats.KindLecture, 40+r.IntN(260))
		add(stats.KindLeaflets, 200+r.IntN(600))
	}
	if special {
		add(stats.KindBanners, 2+r.IntN(4))
	}
	if d == 25 {
		add(stats.KindVisits, 10+r.IntN(40))
	}
	return es
}

func demoCampaign(r *rand.Rand, day time.Time, residentEvent func(stats.Kind, time.Time) stats.Event) []stats.Event {
	var es []stats.Event
	camp := day.Format("2006-01") + "-pufa"
	subscribers := 200 + int(day.Month())*50
	for range subscribers {
		t := day.Add(10 * time.Hour)
		d := residentEvent(stats.KindCampaignDelivery, t)
		d.Campaign = camp
		es = append(es, d)
		follow := func(k stats.Kind, after time.Duration) stats.Event {
			e := residentEvent(k, t.Add(after))
			e.Resident, e.Community, e.Channel, e.Campaign = d.Resident, d.Community, d.Channel, camp
			return e
		}
		if r.IntN(100) < 60 {
			es = append(es, follow(stats.KindCampaignRead, time.Hour))
			if r.IntN(100) < 40 {
				q := follow(stats.KindQuizAnswer, 2*time.Hour)
				q.Correct = r.IntN(100) < 80
				es = append(es, q)
			}
			if r.IntN(100) < 6 {
				es = append(es, follow(stats.KindSignup, 3*time.Hour))
				// Most come to the event on the 15th and scan the poster.
				if r.IntN(100) < 70 {
					es = append(es, follow(stats.KindCheckIn, 5*24*time.Hour+4*time.Hour+time.Duration(r.IntN(40))*time.Minute))
				}
			}
		}
	}
	return es
}
