package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// Exporter makes the statistics export staff ask for with /export.
type Exporter interface {
	// Export returns the export of the days first through last, both
	// included; both are midnight in stats.DefaultLocation.
	Export(ctx context.Context, first, last time.Time) (Export, error)
}

// Export is a statistics export for staff.
type Export struct {
	// File is the workbook, e.g. "法治宣传统计_2026-01-01_2026-06-30.xlsx".
	File File
	// Summary gives the period's main totals in a sentence, for the
	// message that carries the file.
	Summary string
}

// What staff read of /export.
const (
	txtExportUsage = "用法：\n/export  今年1月1日至今天\n/export 2026  全年\n/export 2026-03  一个月\n" +
		"/export 2026-01-01 2026-06-30  任意起止日期（含首尾两日）"
	txtExportBadDate = "没看懂日期“%s”。" + "\n" + txtExportUsage
	txtExportOrder   = "结束日期 %s 早于开始日期 %s，请调换后再发。"
	txtExportFuture  = "%s 还没到，暂无统计。"
	txtExportEarly   = "统计从 2000 年起，请换一个日期。"
	txtExportOff     = "统计导出未开启，请联系管理员。"
	txtExportFailed  = "导出失败，请稍后再试；如持续出现请联系管理员。"
	txtExportCaption = "统计导出：%s 至 %s（北京时间，含首尾两日）\n%s\n表内按时间、类别、社区、渠道、法律援助、调解、满意度、普法活动、线下活动分表，每表首行写明统计口径。"
)

// export answers /export: the workbook of the period the argument names.
// The caller has checked that the sender is staff in a private chat.
func (c *Core) export(ctx context.Context, m Message, arg string) (Result, error) {
	if c.exporter == nil {
		return text(txtExportOff), nil
	}
	first, last, msg := exportPeriod(arg, c.now().In(stats.DefaultLocation()))
	if msg != "" {
		return text(msg), nil
	}
	x, err := c.exporter.Export(ctx, first, last)
	if err == nil && len(x.File.Data) > MaxFileSize {
		err = fmt.Errorf("file of %d bytes", len(x.File.Data))
	}
	if err != nil {
		return text(txtExportFailed), fmt.Errorf("bot: export %s..%s: %w", first.Format(time.DateOnly), last.Format(time.DateOnly), err)
	}
	c.log.Info("statistics exported", "staff", m.Resident, "from", first.Format(time.DateOnly), "to", last.Format(time.DateOnly))
	caption := fmt.Sprintf(txtExportCaption, first.Format(time.DateOnly), last.Format(time.DateOnly), x.Summary)
	return Result{Replies: []Reply{{Text: caption, File: &x.File}}}, nil
}

// exportPeriod reads /export's argument, with now in the statistics' zone:
// nothing (1 January to today), a year ("2026"), a month ("2026-03") or
// two dates ("2026-01-01 2026-06-30", also joined by 至, 到 or ~; "/" and
// "." may separate year, month and day). A period ends today at the
// latest. msg is a reply for staff when arg names no period.
func exportPeriod(arg string, now time.Time) (first, last time.Time, msg string) {
	loc := now.Location()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	norm := strings.NewReplacer("至", " ", "到", " ", "~", " ", "～", " ", "/", "-", ".", "-", "－", "-").Replace(arg)
	fields := strings.Fields(norm)
	switch len(fields) {
	case 0:
		first, last = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, loc), today
	case 1:
		f := fields[0]
		if y, err := time.ParseInLocation("2006", f, loc); err == nil {
			first, last = y, y.AddDate(1, 0, -1)
		} else if mo, err := time.ParseInLocation("2006-1", f, loc); err == nil {
			first, last = mo, mo.AddDate(0, 1, -1)
		} else if d, err := time.ParseInLocation("2006-1-2", f, loc); err == nil {
			first, last = d, d
		} else {
			return first, last, fmt.Sprintf(txtExportBadDate, short(arg, 40))
		}
	case 2:
		var err error
		for i, p := range []*time.Time{&first, &last} {
			if *p, err = time.ParseInLocation("2006-1-2", fields[i], loc); err != nil {
				return first, last, fmt.Sprintf(txtExportBadDate, short(fields[i], 40))
			}
		}
		if last.Before(first) {
			return first, last, fmt.Sprintf(txtExportOrder, last.Format(time.DateOnly), first.Format(time.DateOnly))
		}
	default:
		return first, last, fmt.Sprintf(txtExportBadDate, short(arg, 40))
	}
	switch {
	case first.Year() < 2000:
		return first, last, txtExportEarly
	case first.After(today):
		return first, last, fmt.Sprintf(txtExportFuture, first.Format(time.DateOnly))
	case last.After(today):
		last = today
	}
	return first, last, ""
}
