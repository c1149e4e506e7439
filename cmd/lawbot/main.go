// Command lawbot is a legal-publicity and legal-consultation assistant for
// a subdistrict office: it answers residents' questions from a curated
// knowledge base, shows the articles each answer rests on, and keeps the
// counts for the annual rule-of-law report.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// env is what a subcommand may touch of the outside world.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

type usageError string

func (e usageError) Error() string { return string(e) }

var commands = map[string]func(context.Context, *env, []string) error{
	"eval":       cmdEval,
	"ask":        cmdAsk,
	"import":     cmdImport,
	"check":      cmdCheck,
	"stats":      cmdStats,
	"bench":      cmdBench,
	"admin-hash": cmdAdminHash,
	"serve":      cmdServe,
	"campaign":   cmdCampaign,
	"report":     cmdReport,
	"export":     cmdExport,
	"demo":       cmdDemo,
}

// defaultMemoryLimit keeps the heap of a build of the 58k-article index
// within the 400 MB budget by making the collector work harder near it;
// GOMEMLIMIT overrides it.
const defaultMemoryLimit = 300 << 20

// serveGCPercent is GOGC for the long-running server; GOGC overrides it.
const serveGCPercent = 1000

// serveMemoryLimit is the heap limit of the long-running server. With the
// 58k-article statute index its live heap is about 170 MB; a little more
// room than other commands get means fewer collections, each of which slows
// the answers given while it marks (p99 of `lawbot bench chat` with the
// statutes imported: 72-156 ms at 300 MiB, 38-48 ms at 350 MiB), with peak
// RSS 389 MB, still within the 400 MB budget.
const serveMemoryLimit = 350 << 20

func main() {
	name, _ := commandName(os.Args[1:])
	server := name == "serve" || name == "bench"
	if os.Getenv("GOMEMLIMIT") == "" {
		if server {
			debug.SetMemoryLimit(serveMemoryLimit)
		} else {
			debug.SetMemoryLimit(defaultMemoryLimit)
		}
	}
	if os.Getenv("GOGC") == "" && server {
		// A chat server's live heap is small (about 35 MB, 170 MB with
		// the statutes) and steady: collect less often. Each collection
		// slows the answers given while it marks (with collection off,
		// `lawbot bench chat` had p99 20 ms). The memory limit above still
		// bounds the heap.
		debug.SetGCPercent(serveGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:]))
}

// commandName splits the subcommand off args; without one, or with flags
// first, the command is serve.
func commandName(args []string) (string, []string) {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		return args[0], args[1:]
	}
	return "serve", args
}

func run(ctx context.Context, e *env, args []string) int {
	name, args := commandName(args)
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(e.stderr, "lawbot: 未知命令 %q\n", name)
		return 2
	}
	err := cmd(ctx, e, args)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "lawbot %s: %v\n", name, err)
		return 2
	default:
		fmt.Fprintf(e.stderr, "lawbot %s: %v\n", name, err)
		return 1
	}
}

// dataFlag adds -data with its LAWBOT_DATA_DIR default.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", envOr("LAWBOT_DATA_DIR", "./data"), "data directory: index, imported statutes, statistics (LAWBOT_DATA_DIR)")
}
