// Package redistest holds what tests against Redis share. URL, Client and
// Prefix give a test a Redis (that of LAWBOT_TEST_REDIS_URL, else a
// miniredis), a client, and a key prefix of its own, cleaned up when it
// ends. Start, Sentinel and Cluster start real Redis servers: a single
// node on a free port, a Sentinel watching one, and a three-master
// Cluster. Tests that need them are skipped with -short or without
// redis-server.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Need skips t when servers cannot or should not be started.
func Need(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts redis-server processes; skipped with -short")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed")
	}
}

// FreePort returns a TCP port free on 127.0.0.1 a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs redis-server with args on a free port, keeping nothing on
// disk, and returns the port once it answers. It is killed when t ends.
func Start(t testing.TB, args ...string) int {
	t.Helper()
	port := FreePort(t)
	Run(t, port, append(args, "--save", "", "--appendonly", "no")...)
	return port
}

// Run runs redis-server with args on port of 127.0.0.1 and returns it once
// it answers. It is killed when t ends.
func Run(t testing.TB, port int, args ...string) *exec.Cmd {
	t.Helper()
	args = append(args, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--logfile", "")
	cmd := exec.Command("redis-server", args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), MaxRetries: -1})
	defer rdb.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if rdb.Ping(context.Background()).Err() == nil {
			return cmd
		}
	}
	t.Fatalf("redis-server %v did not start", args)
	return nil
}

// Sentinel starts a master and a Sentinel watching it as "mymaster", and
// returns the URL lawbot takes for it.
func Sentinel(t testing.TB) string {
	t.Helper()
	master := Start(t)
	conf := filepath.Join(t.TempDir(), "sentinel.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, "sentinel monitor mymaster 127.0.0.1 %d 1\n", master), 0o600); err != nil {
		t.Fatal(err)
	}
	sentinel := Start(t, conf, "--sentinel")
	return fmt.Sprintf("redis+sentinel://127.0.0.1:%d/0?master_name=mymaster", sentinel)
}

// Cluster starts a three-master Redis Cluster and returns the URL lawbot
// takes for it, once every node reports the cluster ok. It needs redis-cli
// and skips t without it.
func Cluster(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli not installed")
	}
	var nodes []string
	for range 3 {
		dir := t.TempDir()
		port := Start(t, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"), "--dir", dir)
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
	return fmt.Sprintf("redis+cluster://%s?addr=%s&addr=%s", nodes[0], nodes[1], nodes[2])
}
