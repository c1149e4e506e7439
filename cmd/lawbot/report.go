package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/lawbot/lawbot/report"
	"github.com/lawbot/lawbot/stats"
)

// cmdReport prints the year's figures in the wording of the annual
// rule-of-law report, each written figure beside its exact value.
func cmdReport(ctx context.Context, env *env, args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	dataDir := dataFlag(fs)
	var sc statsConfig
	sc.flags(fs)
	now := time.Now().In(stats.DefaultLocation())
	year := fs.Int("year", now.Year(), "year to report")
	format := fs.String("format", "text", "output format: text, md (Markdown) or docx (Word, needs -o)")
	out := fs.String("o", "", "write to this file instead of standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// write writes the report; banner heads it when the data are a demo's.
	var write func(w io.Writer, a *report.Annual, banner string) error
	switch *format {
	case "text", "txt":
		write = withBanner(report.WriteText)
	case "md", "markdown":
		write = withBanner(report.WriteMarkdown)
	case "docx":
		if *out == "" {
			return usageError("-format docx 需要用 -o 指定输出文件，例如 -o 2026年报告数据.docx")
		}
		write = report.WriteDocx
	default:
		return usageError(fmt.Sprintf("未知格式 %q：可用 text、md、docx", *format))
	}
	if *year < 2000 || *year > now.Year() {
		return usageError(fmt.Sprintf("年份 %d 无效：应在 2000 至 %d 之间", *year, now.Year()))
	}
	demo := useDemo(*dataDir, &sc)
	store, err := openStats(ctx, *dataDir, &sc)
	if err != nil {
		return err
	}
	defer store.Close()
	a, err := report.Year(ctx, store, *year, now)
	if err != nil {
		return err
	}
	banner := ""
	if demo {
		banner = demoBanner
	}
	return writeOutput(env.stdout, *out, func(w io.Writer) error { return write(w, a, banner) })
}

// withBanner makes a text writer write the banner, if any, in a paragraph
// of its own before the report.
func withBanner(write func(io.Writer, *report.Annual) error) func(io.Writer, *report.Annual, string) error {
	return func(w io.Writer, a *report.Annual, banner string) error {
		if banner != "" {
			if _, err := io.WriteString(w, banner+"\n\n"); err != nil {
				return err
			}
		}
		return write(w, a)
	}
}

// writeOutput runs write on stdout when path is empty, else on a temporary
// file beside path that replaces path only when write succeeded, so that a
// failed run never leaves half a file where the last good one was.
func writeOutput(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "" {
		return write(stdout)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("写入 %s：%w", path, err)
	}
	defer os.Remove(f.Name()) // fails harmlessly after the rename
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("写入 %s：%w", path, err)
	}
	return nil
}
