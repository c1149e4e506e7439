package report

import (
	"fmt"
	"strconv"
	"time"
)

// Approx writes a count the way annual reports do: rounded down and marked
// with "余" when it was not already round. The rule, by size:
//
//	n < 10            exact: "9"
//	10 <= n < 100     down to tens: 45 -> "40余", 99 -> "90余", 10 -> "10"
//	100 <= n < 10000  down to two significant digits: 101 -> "100余",
//	                  273 -> "270余", 279 -> "270余", 3046 -> "3000余",
//	                  3560 -> "3500余", 3000 -> "3000"
//	n >= 10000        in 万, down to two significant digits: 12345 -> "1.2万余",
//	                  123456 -> "12万余", 20000 -> "2万"
//
// Small counts stay exact because "余" on a single digit reads as evasive
// and staff can check them at a glance. Rounding is always down, so the
// written figure never claims more than was done. Negative counts, which
// stores never produce, are written exactly.
func Approx(n int64) string {
	if n < 10 {
		return strconv.FormatInt(n, 10)
	}
	var step int64 = 10
	if n >= 100 {
		step = 1
		for m := n; m >= 100; m /= 10 {
			step *= 10
		}
	}
	down := n / step * step
	var s string
	if down >= 10000 {
		// Two significant digits of 万: 12000 -> "1.2", 120000 -> "12".
		wan, rest := down/10000, down%10000
		s = strconv.FormatInt(wan, 10)
		if d := rest / 1000; wan < 10 && d > 0 {
			s += "." + strconv.FormatInt(d, 10)
		}
		s += "万"
	} else {
		s = strconv.FormatInt(down, 10)
	}
	if down != n {
		s += "余"
	}
	return s
}

// Percent writes the share num/den as a percentage with two decimals,
// truncated rather than rounded so that 9,999 satisfied ratings of 10,000
// read "99.99%", never "100.00%". It returns "" when den is 0.
func Percent(num, den int64) string {
	if den <= 0 {
		return ""
	}
	bp := num * 10000 / den // hundredths of a percent
	return strconv.FormatInt(bp/100, 10) + "." + pad2(bp%100) + "%"
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// chineseDate writes t as "2026年3月5日".
func chineseDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}
