package boltstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
)

func ExampleOpen() {
	dataDir, err := os.MkdirTemp("", "lawbot-data")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dataDir)
	// In lawbot the key comes from LAWBOT_STATS_KEY or stats.LoadOrCreateKey
	// on a path outside the data directory.
	key := []byte("example-key-do-not-use-in-production")
	now := time.Date(2025, 6, 15, 12, 0, 0, 0, stats.DefaultLocation())
	s, err := boltstore.Open(dataDir, boltstore.Options{Config: stats.Config{
		Communities: []string{"east", "west"},
		ResidentKey: key,
		Now:         func() time.Time { return now },
	}})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ctx := context.Background()
	e := stats.Event{
		ID: "tg:update:81523", Kind: stats.KindConsultation, Time: now,
		Community: "east", Channel: stats.ChannelTelegram, Resident: "tg:user:42",
		Category: "labor", Entry: "labor-unpaid-wages", Confidence: 0.92,
	}
	for range 2 { // Telegram delivered the update twice
		if err := s.Record(ctx, e); err != nil {
			log.Fatal(err)
		}
	}
	q, err := stats.ParsePeriod("2025-06", nil)
	if err != nil {
		log.Fatal(err)
	}
	r, err := s.Query(ctx, q)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Total.Events(stats.KindConsultation), r.Total.EventsBy(stats.KindConsultation, stats.DimCategory), r.Total.Residents)
	// Output: 1 map[labor:1] 1
}
