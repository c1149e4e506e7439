package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
	"github.com/lawbot/lawbot/stats/redisstore"
)

// statsConfig is where statistics go and how residents are hashed.
type statsConfig struct {
	redisURL    string
	redisPrefix string
	keyFile     string
	communities string
}

func (c *statsConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.keyFile, "resident-key", envOr("LAWBOT_RESIDENT_KEY_FILE", defaultKeyFile()),
		"file holding the key that hashes resident ids; keep it outside the data directory (LAWBOT_RESIDENT_KEY_FILE)")
	fs.StringVar(&c.communities, "communities", os.Getenv("LAWBOT_COMMUNITIES"),
		"the subdistrict's communities, comma-separated (LAWBOT_COMMUNITIES); empty accepts any")
	c.redisURL = os.Getenv("LAWBOT_REDIS_URL") // may hold a password: env only
	fs.StringVar(&c.redisPrefix, "redis-prefix", envOr("LAWBOT_REDIS_PREFIX", "lawbot"),
		"first part of every Redis key, so that several offices can share one Redis (LAWBOT_REDIS_PREFIX)")
}

// communityList splits the -communities value.
func (c *statsConfig) communityList() []string {
	var out []string
	for _, s := range strings.Split(c.communities, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func defaultKeyFile() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "lawbot-resident.key"
	}
	return filepath.Join(dir, "lawbot", "resident.key")
}

// openStats opens the statistics store: Redis when LAWBOT_REDIS_URL is set
// (with an on-disk outbox in the data directory for outages), else the
// embedded store in the data directory.
func openStats(ctx context.Context, dataDir string, c *statsConfig) (stats.Store, error) {
	key, err := residentKey(c.keyFile)
	if err != nil {
		return nil, err
	}
	cfg := stats.Config{Communities: c.communityList(), ResidentKey: key}
	if c.redisURL != "" {
		return redisstore.Open(ctx, c.redisURL, redisstore.Options{Config: cfg, Prefix: c.redisPrefix, OutboxDir: filepath.Join(dataDir, "outbox")})
	}
	return boltstore.Open(dataDir, boltstore.Options{Config: cfg})
}

// residentKey reads the hashing key: LAWBOT_RESIDENT_KEY (hex) when set,
// else the key file, created on first use.
func residentKey(file string) ([]byte, error) {
	if v := os.Getenv("LAWBOT_RESIDENT_KEY"); v != "" {
		k, err := hex.DecodeString(strings.TrimSpace(v))
		if err != nil || len(k) < 16 {
			return nil, fmt.Errorf("LAWBOT_RESIDENT_KEY: want at least 32 hex digits")
		}
		return k, nil
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, fmt.Errorf("resident key: %w", err)
	}
	return stats.LoadOrCreateKey(file)
}

func cmdStats(ctx context.Context, env *env, args []string) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	dataDir := dataFlag(fs)
	var sc statsConfig
	sc.flags(fs)
	period := fs.String("period", "", "period: 2026, 2026-03, 2026-03-14 or FROM..TO (default: this year)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p := *period
	if p == "" {
		p = time.Now().In(stats.DefaultLocation()).Format("2006")
	}
	q, err := stats.ParsePeriod(p, nil)
	if err != nil {
		return usageError(err.Error())
	}
	store, err := openStats(ctx, *dataDir, &sc)
	if err != nil {
		return err
	}
	defer store.Close()
	return stats.WriteReport(ctx, env.stdout, store, q)
}
