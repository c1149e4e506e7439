package main

import (
	"context"
	"os"
	"testing"
)

func TestZZBenchRedis(t *testing.T) {
	e := &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if err := cmdBench(context.Background(), e, []string{"chat", "-data", t.TempDir(), "-redis", "redis://127.0.0.1:6399/3", "-chats", os.Getenv("CHATS")}); err != nil {
		t.Log(err)
	}
}
