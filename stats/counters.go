package stats

import (
	"strconv"
	"strings"
)

// Dim is a dimension an event's count is broken down by.
type Dim string

// The dimensions counts are broken down by.
const (
	DimCategory   Dim = "cat"    // knowledge category, or Unanswered
	DimCommunity  Dim = "com"    // community key
	DimChannel    Dim = "ch"     // telegram, web, cli
	DimCampaign   Dim = "camp"   // campaign id
	DimEntry      Dim = "entry"  // FAQ entry that answered a consultation
	DimScore      Dim = "score"  // rating 1-5
	DimResult     Dim = "result" // quiz answer: "correct" or "wrong"
	DimConfidence Dim = "conf"   // consultation: "low" or "ok"
)

// Counter names. A day holds counters named
//
//	ev:<kind>                  number of events
//	qty:<kind>                 sum of Count (offline) or of ratings
//	ev:<kind>:<dim>:<value>    events broken down by a dimension
//	qty:<kind>:<dim>:<value>   quantities broken down by a dimension
//
// Values come last, so they may contain ':'.
const (
	metricEvents   = "ev"
	metricQuantity = "qty"
)

func counterName(metric string, k Kind, d Dim, value string) string {
	if d == "" {
		return metric + ":" + string(k)
	}
	return metric + ":" + string(k) + ":" + string(d) + ":" + value
}

// counters lists the increments a validated event makes; consultations
// below lowConfidence count as low-confidence answers.
func counters(e Event, lowConfidence float64) []Counter {
	cs := make([]Counter, 0, 8)
	add := func(metric string, d Dim, v string, n int64) {
		cs = append(cs, Counter{counterName(metric, e.Kind, d, v), n})
	}
	add(metricEvents, "", "", 1)
	add(metricEvents, DimCommunity, e.Community, 1)
	if e.Channel != "" {
		add(metricEvents, DimChannel, string(e.Channel), 1)
	}
	if e.Category != "" {
		add(metricEvents, DimCategory, e.Category, 1)
	}
	if e.Campaign != "" {
		add(metricEvents, DimCampaign, e.Campaign, 1)
	}
	if e.Entry != "" {
		add(metricEvents, DimEntry, e.Entry, 1)
	}
	switch e.Kind {
	case KindConsultation:
		conf := "ok"
		if e.Category == Unanswered || e.Confidence < lowConfidence {
			conf = "low"
		}
		add(metricEvents, DimConfidence, conf, 1)
	case KindRating:
		add(metricEvents, DimScore, strconv.Itoa(e.Rating), 1)
		add(metricQuantity, "", "", int64(e.Rating))
	case KindQuizAnswer:
		result := "wrong"
		if e.Correct {
			result = "correct"
		}
		add(metricEvents, DimResult, result, 1)
	}
	if e.Kind.Offline() {
		add(metricQuantity, "", "", int64(e.Count))
		add(metricQuantity, DimCommunity, e.Community, int64(e.Count))
	}
	return cs
}

// Counts is what a period adds up to: every counter summed over its days
// and the number of distinct residents seen.
type Counts struct {
	// Counters maps counter names to sums; use the methods to read them.
	Counters map[string]int64 `json:"counters"`
	// Residents is the number of distinct residents who interacted.
	Residents int64 `json:"residents"`
}

// Events returns the number of events of kind k.
func (c Counts) Events(k Kind) int64 { return c.Counters[counterName(metricEvents, k, "", "")] }

// Quantity returns the summed Count of an offline kind (attendees, leaflets,
// banners, households) or the sum of ratings for KindRating.
func (c Counts) Quantity(k Kind) int64 { return c.Counters[counterName(metricQuantity, k, "", "")] }

// EventsBy breaks the events of kind k down by dimension d.
func (c Counts) EventsBy(k Kind, d Dim) map[string]int64 { return c.by(metricEvents, k, d) }

// QuantityBy breaks the quantity of an offline kind down by dimension d
// (only DimCommunity is kept).
func (c Counts) QuantityBy(k Kind, d Dim) map[string]int64 { return c.by(metricQuantity, k, d) }

func (c Counts) by(metric string, k Kind, d Dim) map[string]int64 {
	prefix := counterName(metric, k, d, "")
	out := map[string]int64{}
	for name, n := range c.Counters {
		if v, ok := strings.CutPrefix(name, prefix); ok {
			out[v] += n
		}
	}
	return out
}

// Satisfaction returns the share of ratings that were 4 or 5 and the number
// of ratings; the rate is 0 when there were none.
func (c Counts) Satisfaction() (rate float64, ratings int64) {
	ratings = c.Events(KindRating)
	if ratings == 0 {
		return 0, 0
	}
	scores := c.EventsBy(KindRating, DimScore)
	return float64(scores["4"]+scores["5"]) / float64(ratings), ratings
}

func (c *Counts) add(name string, n int64) {
	if c.Counters == nil {
		c.Counters = map[string]int64{}
	}
	c.Counters[name] += n
}
