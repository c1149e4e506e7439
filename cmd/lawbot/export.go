package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/report"
	"github.com/lawbot/lawbot/stats"
)

// cmdExport writes the counts of a period as an Excel workbook or a CSV
// file, by the extension of -o.
func cmdExport(ctx context.Context, env *env, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	dataDir := dataFlag(fs)
	var sc statsConfig
	sc.flags(fs)
	loc := stats.DefaultLocation()
	now := time.Now().In(loc)
	from := fs.String("from", now.Format("2006")+"-01-01", "first day, YYYY-MM-DD (default: 1 January this year)")
	to := fs.String("to", now.Format("2006-01-02"), "last day, included, YYYY-MM-DD (default: today)")
	out := fs.String("o", "", "output file, .xlsx or .csv (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var export func(io.Writer, stats.Report) error
	switch strings.ToLower(filepath.Ext(*out)) {
	case ".xlsx":
		export = report.ExportXLSX
	case ".csv":
		export = report.ExportCSV
	default:
		return usageError("请用 -o 指定输出文件，扩展名为 .xlsx 或 .csv")
	}
	q, err := exportQuery(*from, *to, loc)
	if err != nil {
		return err
	}
	if useDemo(*dataDir, &sc) {
		fmt.Fprintln(env.stderr, demoBanner)
	}
	store, err := openStats(ctx, *dataDir, &sc)
	if err != nil {
		return err
	}
	defer store.Close()
	r, err := store.Query(ctx, q)
	if err != nil {
		return err
	}
	if err := writeOutput(env.stdout, *out, func(w io.Writer) error { return export(w, r) }); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "已导出 %s 至 %s 的统计：%s\n", *from, *to, *out)
	return nil
}

// exportQuery turns the inclusive dates staff type into a query: by day up
// to 31 days, else by month.
func exportQuery(from, to string, loc *time.Location) (stats.Query, error) {
	f, err := time.ParseInLocation("2006-01-02", from, loc)
	if err != nil {
		return stats.Query{}, usageError(fmt.Sprintf("-from %q：日期格式应为 2026-01-01", from))
	}
	t, err := time.ParseInLocation("2006-01-02", to, loc)
	if err != nil {
		return stats.Query{}, usageError(fmt.Sprintf("-to %q：日期格式应为 2026-12-31", to))
	}
	if t.Before(f) {
		return stats.Query{}, usageError(fmt.Sprintf("-to %s 早于 -from %s", to, from))
	}
	return report.PeriodQuery(f, t), nil
}

// statsExporter makes the workbook of the /export staff command from the
// statistics store, as `lawbot export -o FILE.xlsx` does.
type statsExporter struct{ store stats.Store }

// Export queries the days first through last and writes them as XLSX.
func (x statsExporter) Export(ctx context.Context, first, last time.Time) (bot.Export, error) {
	r, err := x.store.Query(ctx, report.PeriodQuery(first, last))
	if err != nil {
		return bot.Export{}, err
	}
	var buf bytes.Buffer
	if err := report.ExportXLSX(&buf, r); err != nil {
		return bot.Export{}, err
	}
	return bot.Export{
		File:    bot.File{Name: report.ExportName(first, last) + ".xlsx", Data: buf.Bytes()},
		Summary: report.Summary(r),
	}, nil
}
