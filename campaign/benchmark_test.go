package campaign_test

import (
	"context"
	"testing"

	"github.com/lawbot/lawbot/campaign"
)

type nopSender struct{}

func (nopSender) Send(context.Context, int64, campaign.Message) error { return nil }

// BenchmarkBroadcast measures the bookkeeping of a broadcast to 1,000
// subscribers (claim, settle, fsync) with an instant sender and no pacing.
func BenchmarkBroadcast(b *testing.B) {
	for _, sync := range []bool{false, true} {
		name := "nosync"
		if sync {
			name = "fsync"
		}
		b.Run(name, func(b *testing.B) {
			s, err := campaign.Open(b.TempDir(), campaign.StoreOptions{NoSync: !sync})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			seed(b, s, 1000)
			bc := campaign.NewBroadcaster(s, nopSender{}, campaign.BroadcastOptions{Rate: 1e9})
			b.ReportAllocs()
			for b.Loop() {
				c := &campaign.Campaign{Title: "t", Message: "m", Community: "hq"}
				if err := s.Put(c); err != nil {
					b.Fatal(err)
				}
				if _, err := bc.Run(context.Background(), c.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
