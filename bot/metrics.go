package bot

import (
	"sync/atomic"
	"time"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/stats"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the conversation's Prometheus metrics. A nil *Metrics records
// nothing.
type Metrics struct {
	answers    *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	limited    *prometheus.CounterVec
	statsFail  prometheus.Counter
	tgErrors   *prometheus.CounterVec
	tgUpdates  *prometheus.CounterVec
	answered   atomic.Int64
	unanswered atomic.Int64
	outbox     atomic.Pointer[func() int]
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lawbot_answers_total",
			Help: "Answers given, by channel and kind (faq, articles, nomatch, rephrase, error).",
		}, []string{"channel", "kind"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lawbot_answer_duration_seconds",
			Help:    "Time to compose and record an answer to a typed question.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"channel"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lawbot_rate_limited_total",
			Help: "Messages refused because a resident sent too many too fast.",
		}, []string{"channel"}),
		statsFail: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lawbot_stats_errors_total",
			Help: "Events the statistics store did not take in time or rejected.",
		}),
		tgErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lawbot_telegram_errors_total",
			Help: "Failed Bot API calls, by method and reason (429, 403, 400, 5xx, network).",
		}, []string{"method", "reason"}),
		tgUpdates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lawbot_telegram_updates_total",
			Help: "Telegram updates received, by result (handled, duplicate, ignored, refused, failed).",
		}, []string{"result"}),
	}
	reg.MustRegister(m.answers, m.latency, m.limited, m.statsFail, m.tgErrors, m.tgUpdates,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "lawbot_unanswered_ratio",
			Help: "Share of typed questions since start that no knowledge-base entry answered confidently.",
		}, m.unansweredRatio),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "lawbot_stats_outbox_depth",
			Help: "Statistics events waiting in the outbox while the store's backend is unreachable.",
		}, func() float64 {
			if f := m.outbox.Load(); f != nil {
				return float64((*f)())
			}
			return 0
		}))
	return m
}

// SetOutbox sets the function the outbox depth gauge reads.
func (m *Metrics) SetOutbox(depth func() int) {
	if m != nil {
		m.outbox.Store(&depth)
	}
}

func (m *Metrics) unansweredRatio() float64 {
	a, u := m.answered.Load(), m.unanswered.Load()
	if a+u == 0 {
		return 0
	}
	return float64(u) / float64(a+u)
}

// TelegramError counts a failed Bot API call.
func (m *Metrics) TelegramError(method, reason string) {
	if m != nil {
		m.tgErrors.WithLabelValues(method, reason).Inc()
	}
}

// TelegramUpdate counts a received update by what became of it.
func (m *Metrics) TelegramUpdate(result string) {
	if m != nil {
		m.tgUpdates.WithLabelValues(result).Inc()
	}
}

// answer counts an answer; typed tells a typed question from a picked entry.
func (m *Metrics) answer(ch stats.Channel, kind answer.Kind, typed bool, took time.Duration) {
	if m == nil {
		return
	}
	m.answers.WithLabelValues(string(ch), kind.String()).Inc()
	if !typed {
		return
	}
	m.latency.WithLabelValues(string(ch)).Observe(took.Seconds())
	switch kind {
	case answer.FAQ:
		m.answered.Add(1)
	case answer.Articles, answer.NoMatch:
		m.unanswered.Add(1)
	}
}

func (m *Metrics) answerError(ch stats.Channel) {
	if m != nil {
		m.answers.WithLabelValues(string(ch), "error").Inc()
	}
}

func (m *Metrics) rateLimited(ch stats.Channel) {
	if m != nil {
		m.limited.WithLabelValues(string(ch)).Inc()
	}
}

func (m *Metrics) statsError() {
	if m != nil {
		m.statsFail.Inc()
	}
}
