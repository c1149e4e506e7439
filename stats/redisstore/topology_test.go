package redisstore_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/redisstore"
	"github.com/lawbot/lawbot/stats/statstest"
	"github.com/redis/go-redis/v9"
)

// startServer runs redis-server with args on a free port and returns the
// port once it answers.
func startServer(t *testing.T, args ...string) int {
	t.Helper()
	port := freePort(t)
	args = append(args, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--logfile", "")
	cmd := exec.Command("redis-server", args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), MaxRetries: -1})
	defer rdb.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if rdb.Ping(context.Background()).Err() == nil {
			return port
		}
	}
	t.Fatalf("redis-server %v did not start", args)
	return 0
}

func needServer(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts redis-server processes; skipped with -short")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed")
	}
}

// conformanceAt runs the conformance suite against the store at url.
func conformanceAt(t *testing.T, url string) {
	statstest.Run(t, func(tb testing.TB, cfg stats.Config) stats.Store {
		s, err := redisstore.Open(context.Background(), url, redisstore.Options{
			Config: cfg, Prefix: "t" + strconv.FormatInt(time.Now().UnixNano(), 36), OutboxDir: tb.TempDir(), WriteTimeout: 10 * time.Second,
		})
		if err != nil {
			tb.Fatalf("Open(%s) = %v", url, err)
		}
		tb.Cleanup(func() { s.Close() })
		return s
	})
}

// TestSentinel runs the suite through a Sentinel watching one master.
func TestSentinel(t *testing.T) {
	needServer(t)
	master := startServer(t)
	conf := filepath.Join(t.TempDir(), "sentinel.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\n", master)), 0o600)
	sentinel := startServer(t, conf, "--sentinel")
	conformanceAt(t, fmt.Sprintf("redis+sentinel://127.0.0.1:%d/0?master_name=mymaster", sentinel))
}

// TestCluster runs the suite on a three-master Redis Cluster.
func TestCluster(t *testing.T) {
	needServer(t)
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli not installed")
	}
	var nodes []string
	for range 3 {
		dir := t.TempDir()
		port := startServer(t, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"), "--dir", dir)
		nodes = append(nodes, fmt.Sprintf("127.0.0.1:%d", port))
	}
	create := exec.Command("redis-cli", append(append([]string{"--cluster", "create"}, nodes...), "--cluster-replicas", "0", "--cluster-yes")...)
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, n := range nodes {
		rdb := redis.NewClient(&redis.Options{Addr: n})
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if info := rdb.ClusterInfo(context.Background()).Val(); strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cluster node %s not ok", n)
			}
		}
		rdb.Close()
	}
	conformanceAt(t, fmt.Sprintf("redis+cluster://%s?addr=%s&addr=%s", nodes[0], nodes[1], nodes[2]))
}
