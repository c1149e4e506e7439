package campaign_test

import (
	"context"
	"testing"

	"github.com/lawbot/lawbot/campaign"
)

type nopSender struct{}

func (nopSender) Send(context.Context, int64, campaign.Message) error { return nil }

// BenchmarkBroadcast measures the bookkeeping of a broadcast to 1,000
// subscribers (claim, settle, and fsync or a Redis round trip) with an
// instant sender and no pacing.
func BenchmarkBroadcast(b *testing.B) {
	run := func(b *testing.B, s campaign.Store) {
		ctx := context.Background()
		seed(b, s, 1000)
		bc := campaign.NewBroadcaster(s, nopSender{}, campaign.BroadcastOptions{Rate: 1e9})
		b.ReportAllocs()
		for b.Loop() {
			c := &campaign.Campaign{Title: "t", Message: "m", Community: "hq"}
			if err := s.Put(ctx, c); err != nil {
				b.Fatal(err)
			}
			if _, err := bc.Run(ctx, c.ID); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, sync := range []bool{false, true} {
		name := "bolt/nosync"
		if sync {
			name = "bolt/fsync"
		}
		b.Run(name, func(b *testing.B) {
			s, err := campaign.Open(b.TempDir(), campaign.StoreOptions{NoSync: !sync})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			run(b, s)
		})
	}
	b.Run("redis", func(b *testing.B) { run(b, newTestStore(b, "redis").open(b)) })
}
