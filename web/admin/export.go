package admin

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/lawbot/lawbot/report"
	"github.com/lawbot/lawbot/stats"
)

// exportQuery reads ?from=YYYY-MM-DD&to=YYYY-MM-DD (both inclusive) as
// `lawbot export` does: by day up to 31 days, else by month.
func (h *Handler) exportQuery(r *http.Request) (stats.Query, string, error) {
	from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	f, err := time.ParseInLocation("2006-01-02", from, h.loc)
	if err != nil {
		return stats.Query{}, "", fmt.Errorf("开始日期 %q 格式应为 2026-01-01", from)
	}
	t, err := time.ParseInLocation("2006-01-02", to, h.loc)
	if err != nil {
		return stats.Query{}, "", fmt.Errorf("结束日期 %q 格式应为 2026-12-31", to)
	}
	if t.Before(f) {
		return stats.Query{}, "", fmt.Errorf("结束日期 %s 早于开始日期 %s", to, from)
	}
	return report.PeriodQuery(f, t), report.ExportName(f, t), nil
}

func (h *Handler) exportXLSX(w http.ResponseWriter, r *http.Request, sess *session) {
	h.export(w, r, sess, ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", report.ExportXLSX)
}

func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request, sess *session) {
	h.export(w, r, sess, ".csv", "text/csv; charset=utf-8", report.ExportCSV)
}

// export writes the whole file to memory first, so that an error gives a
// clean error page instead of half a file.
func (h *Handler) export(w http.ResponseWriter, r *http.Request, sess *session, ext, ctype string,
	write func(io.Writer, stats.Report) error) {
	q, name, err := h.exportQuery(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rep, err := h.store.Query(r.Context(), q)
	if err != nil {
		h.fail(w, r, "export query", err)
		return
	}
	var buf bytes.Buffer
	if err := write(&buf, rep); err != nil {
		h.fail(w, r, "export", err)
		return
	}
	h.log.Info("admin: export", "user", sess.user, "format", ext, "from", q.From.Format("2006-01-02"), "to", q.To.Format("2006-01-02"))
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="lawbot-export%s"; filename*=UTF-8''%s`,
		ext, url.PathEscape(name+ext)))
	w.Header().Set("Content-Length", fmt.Sprint(buf.Len()))
	buf.WriteTo(w)
}
