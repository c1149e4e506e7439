package boltstore_test

import (
	"testing"

	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
	"github.com/lawbot/lawbot/stats/statstest"
)

func openTemp(tb testing.TB, cfg stats.Config) stats.Store {
	tb.Helper()
	s, err := boltstore.Open(tb.TempDir(), boltstore.Options{Config: cfg})
	if err != nil {
		tb.Fatalf("Open() = %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	statstest.Run(t, openTemp)
}
