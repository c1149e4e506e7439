package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lawbot/lawbot/stats"
	"github.com/xuri/excelize/v2"
)

// Layout of every sheet: the counting rule in row 1, the period in row 2,
// the header in row 3 and data from row 4.
const (
	RuleRow   = 1
	PeriodRow = 2
	HeaderRow = 3
	FirstRow  = 4
)

// ExportXLSX writes the tables of r (see Tables) to w as an Excel workbook,
// one sheet per table. Percentages are numbers formatted "0.00%", truncated
// to two decimals as in the report.
func ExportXLSX(w io.Writer, r stats.Report) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := writeWorkbook(f, periodLine(r), Tables(r)); err != nil {
		return fmt.Errorf("report: export xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("report: export xlsx: %w", err)
	}
	return nil
}

func writeWorkbook(f *excelize.File, period string, tables []Table) error {
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	if err != nil {
		return err
	}
	for i, t := range tables {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", t.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(t.Name); err != nil {
			return err
		}
		last, _ := excelize.ColumnNumberToName(len(t.Header))
		if err := f.SetCellStr(t.Name, "A1", t.Rule); err != nil {
			return err
		}
		if err := f.MergeCell(t.Name, "A1", last+"1"); err != nil {
			return err
		}
		if err := f.SetCellStyle(t.Name, "A1", "A1", wrap); err != nil {
			return err
		}
		// Tall enough for the rule to wrap onto a few lines.
		if err := f.SetRowHeight(t.Name, RuleRow, 60); err != nil {
			return err
		}
		if err := f.SetCellStr(t.Name, "A2", period); err != nil {
			return err
		}
		if err := f.SetSheetRow(t.Name, "A3", &t.Header); err != nil {
			return err
		}
		if err := f.SetCellStyle(t.Name, "A3", last+"3", bold); err != nil {
			return err
		}
		for j, row := range t.Rows {
			n := FirstRow + j
			cells := make([]any, len(row))
			for k, v := range row {
				cells[k] = v
				if ratio, ok := v.(Ratio); ok {
					cells[k] = ratioValue(ratio)
					cell, _ := excelize.CoordinatesToCellName(k+1, n)
					if err := f.SetCellStyle(t.Name, cell, cell, pct); err != nil {
						return err
					}
				}
			}
			start, _ := excelize.CoordinatesToCellName(1, n)
			if err := f.SetSheetRow(t.Name, start, &cells); err != nil {
				return err
			}
		}
		if err := f.SetColWidth(t.Name, "A", "A", 16); err != nil {
			return err
		}
		if len(t.Header) > 1 {
			second, _ := excelize.ColumnNumberToName(2)
			if err := f.SetColWidth(t.Name, second, last, 13); err != nil {
				return err
			}
		}
	}
	f.SetActiveSheet(0)
	return nil
}

// ratioValue is r as a fraction truncated to four decimals (two decimals of
// a percentage), or "" when there is nothing to divide by.
func ratioValue(r Ratio) any {
	if r.Of <= 0 {
		return ""
	}
	return float64(r.Num*10000/r.Of) / 10000
}

// bom makes Excel read a CSV file as UTF-8.
const bom = "\uFEFF"

// ExportCSV writes the tables of r (see Tables) to w as one UTF-8 CSV file
// with a byte-order mark, so that Excel opens the Chinese text correctly.
// A CSV file holds one table, so the sheets follow one another, each
// introduced by a row with its name in 【】, then its rule, the period and
// its header, and separated by an empty row.
func ExportCSV(w io.Writer, r stats.Report) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return fmt.Errorf("report: export csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what Excel writes and expects
	period := periodLine(r)
	for i, t := range Tables(r) {
		if i > 0 {
			cw.Write(nil)
		}
		cw.Write([]string{"【" + t.Name + "】"})
		cw.Write([]string{t.Rule})
		cw.Write([]string{period})
		cw.Write(t.Header)
		for _, row := range t.Rows {
			rec := make([]string, len(row))
			for k, v := range row {
				rec[k] = cellText(v)
			}
			cw.Write(rec)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: export csv: %w", err)
	}
	return nil
}

// cellText writes a cell for CSV.
func cellText(v any) string {
	switch v := v.(type) {
	case string:
		// Keep Excel from reading a key such as "=cmd|..." as a formula.
		if v != "" && strings.ContainsRune("=+-@", rune(v[0])) {
			return "'" + v
		}
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case Ratio:
		return v.String()
	}
	return fmt.Sprint(v)
}
