package stats_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lawbot/lawbot/stats"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// memStore is the smallest stats.Store: counters in memory, for testing
// what is built on the interface.
type memStore struct {
	stats.Store // methods not needed panic
	pol         *stats.Policy
	days        map[string]*stats.DayCounts
}

func (m *memStore) RecordBatch(_ context.Context, events []stats.Event) error {
	recs, err := m.pol.PrepareBatch(events)
	if err != nil {
		return err
	}
	for _, r := range recs {
		dc := m.days[r.Day]
		if dc == nil {
			dc = &stats.DayCounts{Day: r.Day}
			m.days[r.Day] = dc
		}
		dc.Counters = append(dc.Counters, r.Counters...)
		if r.Resident != "" {
			dc.Residents = append(dc.Residents, r.Resident)
		}
	}
	return nil
}

func (m *memStore) Query(_ context.Context, q stats.Query) (stats.Report, error) {
	q, _, err := m.pol.Span(q)
	if err != nil {
		return stats.Report{}, err
	}
	var days []stats.DayCounts
	for _, dc := range m.days {
		days = append(days, *dc)
	}
	return m.pol.Aggregate(q, days), nil
}

func TestWriteReportGolden(t *testing.T) {
	cst := stats.DefaultLocation()
	now := time.Date(2025, 12, 31, 12, 0, 0, 0, cst)
	pol, err := stats.NewPolicy(stats.Config{ResidentKey: []byte("golden-key-0123456789"), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	m := &memStore{pol: pol, days: map[string]*stats.DayCounts{}}
	at := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 10, 0, 0, 0, cst) }
	tg := stats.ChannelTelegram
	events := []stats.Event{
		{ID: "1", Kind: stats.KindConsultation, Time: at(1, 5), Community: "east", Channel: tg, Resident: "a", Category: "marriage", Confidence: 0.9},
		{ID: "2", Kind: stats.KindConsultation, Time: at(1, 6), Community: "west", Channel: stats.ChannelWeb, Resident: "b", Category: "labor", Confidence: 0.8},
		{ID: "3", Kind: stats.KindConsultation, Time: at(3, 1), Community: "east", Channel: tg, Resident: "a", Category: stats.Unanswered},
		{ID: "4", Kind: stats.KindRating, Time: at(3, 1), Community: "east", Channel: tg, Resident: "a", Rating: 5},
		{ID: "5", Kind: stats.KindLegalAid, Time: at(3, 2), Community: "east", Channel: tg, Resident: "a", Category: "labor"},
		{ID: "6", Kind: stats.KindCampaignDelivery, Time: at(4, 1), Community: "east", Channel: tg, Resident: "c", Campaign: "spring"},
		{ID: "7", Kind: stats.KindQuizAnswer, Time: at(4, 2), Community: "east", Channel: tg, Resident: "c", Campaign: "spring", Correct: true},
		{ID: "10", Kind: stats.KindCheckIn, Time: at(4, 5), Community: "east", Channel: tg, Resident: "c", Campaign: "spring"},
		{ID: "8", Kind: stats.KindLecture, Time: at(5, 20), Community: "west", Count: 60},
		{ID: "9", Kind: stats.KindLeaflets, Time: at(5, 20), Community: "west", Count: 300},
	}
	if err := m.RecordBatch(context.Background(), events); err != nil {
		t.Fatalf("RecordBatch() = %v", err)
	}
	q, err := stats.ParsePeriod("2025", cst)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := stats.WriteReport(context.Background(), &got, m, q); err != nil {
		t.Fatalf("WriteReport() = %v", err)
	}
	golden := filepath.Join("testdata", "report-2025.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("WriteReport() =\n%s\nwant (%s):\n%s", got.Bytes(), golden, want)
	}
}
