package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/stats"
)

// ask answers a typed question.
func (c *Core) ask(ctx context.Context, m Message, st *state) (Result, error) {
	start := c.now()
	q, cut := truncate(m.Text, MaxQuestion)
	actx, cancel := context.WithTimeout(ctx, c.answerWait)
	defer cancel()
	a, err := c.answerer.Ask(actx, q)
	if err != nil {
		c.metrics.answerError(m.Channel)
		return text(txtBusy), fmt.Errorf("bot: answer: %w", err)
	}
	followUp := false
	if fa, ok := c.followUp(actx, st, q, a); ok {
		a, followUp = fa, true
	}
	if a.Kind == answer.Rephrase {
		c.metrics.answer(m.Channel, a.Kind, true, c.now().Sub(start))
		return text(a.Text), nil
	}

	e := c.event(m, st, stats.KindConsultation, m.ID)
	e.Confidence = clamp01(a.Confidence)
	e.Category = stats.Unanswered
	e.Question = q
	if a.Kind == answer.FAQ {
		e.Category, e.Entry = a.Entry.Category, a.Entry.ID
		st.LastEntry, st.LastAt = a.Entry.ID, c.now()
		st.touch()
	}
	c.record(ctx, st, e)

	var res Result
	if cut {
		res.Replies = append(res.Replies, Reply{Text: fmt.Sprintf(txtTooLong, MaxQuestion)})
	}
	if followUp {
		res.Replies = append(res.Replies, Reply{Text: txtFollowUp})
	}
	res.Replies = append(res.Replies, Reply{Answer: &a, Buttons: c.answerButtons(m, &a)})
	if st.Community == "" && !st.Nudged && !m.Group && len(c.communities) > 1 {
		res.Replies = append(res.Replies, Reply{Text: txtCommunityNudge, Buttons: c.communityButtons(m)})
		st.Nudged = true
		st.touch()
	}
	c.metrics.answer(m.Channel, a.Kind, true, c.now().Sub(start))
	return res, nil
}

// followUp reads a question that found no entry of its own and reads like
// a follow-up ("那需要什么材料？" after a divorce answer) as one: it
// searches again with the last entry's question in front, and keeps the
// result only if it is a different entry of the same category, so that an
// unrelated new question never gets an answer about the old topic.
func (c *Core) followUp(ctx context.Context, st *state, q string, a answer.Answer) (answer.Answer, bool) {
	if a.Kind == answer.FAQ || st.LastEntry == "" || c.now().Sub(st.LastAt) > followUpWindow || !followUpLike(q) {
		return answer.Answer{}, false
	}
	prev, ok := c.base.ByID(st.LastEntry)
	if !ok {
		return answer.Answer{}, false
	}
	fa, err := c.answerer.Ask(ctx, prev.Question+" "+q)
	if err != nil || fa.Kind != answer.FAQ || fa.Entry.ID == prev.ID || fa.Entry.Category != prev.Category {
		return answer.Answer{}, false
	}
	return fa, true
}

// followUpMarks open questions that refer back to the last one.
var followUpMarks = []string{"那", "如果", "要是", "还有", "这个", "这种", "这样", "然后", "另外", "那么", "对方", "他", "她"}

// followUpLike reports whether q reads like a follow-up question: very
// short ("要多久？"), or short and opening with a word that refers back.
func followUpLike(q string) bool {
	n := utf8.RuneCountInString(q)
	if n <= 6 {
		return true
	}
	if n > 20 {
		return false
	}
	for _, w := range followUpMarks {
		if strings.HasPrefix(q, w) {
			return true
		}
	}
	return false
}

func clamp01(f float64) float64 {
	if f != f || f < 0 { // NaN or negative
		return 0
	}
	return min(f, 1)
}

// press handles a pressed button.
func (c *Core) press(ctx context.Context, m Message, st *state) (Result, error) {
	act, err := c.sign.verify(m.Chat, m.Data)
	if err != nil {
		return Result{Notice: txtForged}, nil
	}
	switch act.op {
	case "c":
		return c.setCommunity(m, st, act.arg(0)), nil
	case "t":
		if act.arg(0) == "" {
			return c.topics(m), nil
		}
		page, _ := strconv.Atoi(act.arg(1))
		return c.topicList(m, act.arg(0), page), nil
	case "q":
		return c.showEntry(ctx, m, st, act.arg(0))
	case "r":
		return c.rate(ctx, m, st, act.arg(0), act.arg(1))
	case "a":
		return c.adviser(m, st), nil
	case "l":
		return c.legalAid(ctx, m, st)
	case "m":
		return c.formPress(ctx, m, st, act)
	case "x":
		if c.campaigns == nil {
			return Result{Notice: txtNoCampaign}, nil
		}
		return c.hookPress(ctx, m, st, act.arg(0))
	}
	return Result{Notice: txtForged}, nil
}

// showEntry answers with an entry the resident picked from a list.
func (c *Core) showEntry(ctx context.Context, m Message, st *state, ref string) (Result, error) {
	id, ok := c.entryByRef[ref]
	if !ok {
		return Result{Notice: txtStale, Replies: []Reply{{Text: txtStale}}}, nil
	}
	a, err := c.answerer.Entry(id)
	if errors.Is(err, answer.ErrUnknownEntry) {
		return Result{Notice: txtStale, Replies: []Reply{{Text: txtStale}}}, nil
	}
	if err != nil {
		c.metrics.answerError(m.Channel)
		return Result{Notice: txtBusy, Replies: []Reply{{Text: txtBusy}}}, fmt.Errorf("bot: answer entry %s: %w", id, err)
	}
	e := c.event(m, st, stats.KindConsultation, m.ID)
	e.Category, e.Entry, e.Confidence = a.Entry.Category, a.Entry.ID, 1
	c.record(ctx, st, e)
	st.LastEntry, st.LastAt = id, c.now()
	st.touch()
	c.metrics.answer(m.Channel, a.Kind, false, 0)
	return Result{Replies: []Reply{{Answer: &a, Buttons: c.answerButtons(m, &a)}}}, nil
}

// rate counts a helpful (5) or not helpful (1) rating once per rated reply.
func (c *Core) rate(ctx context.Context, m Message, st *state, ref, score string) (Result, error) {
	rating := 1
	if score == "5" {
		rating = 5
	}
	key := m.Ref
	if key == "" {
		key = m.ID
	}
	if slices.Contains(st.Rated, key) {
		return Result{Notice: txtAlreadyRated}, nil
	}
	id := m.Chat + ":rate:" + key
	if m.Resident != m.Chat { // a group: each member may rate once
		id = m.Resident + "@" + id
	}
	e := c.event(m, st, stats.KindRating, id)
	e.Rating = rating
	if id, ok := c.entryByRef[ref]; ok {
		if entry, ok := c.base.ByID(id); ok {
			e.Category, e.Entry = entry.Category, entry.ID
		}
	}
	c.record(ctx, st, e)
	st.Rated = append(st.Rated, key)
	if len(st.Rated) > maxRated {
		st.Rated = st.Rated[len(st.Rated)-maxRated:]
	}
	st.touch()
	if rating == 5 {
		return Result{Notice: txtThanksRating}, nil
	}
	return Result{Notice: txtSorryRating, Replies: []Reply{{
		Text:    txtNotHelpedMore,
		Buttons: [][]Button{row(c.btn(m, txtTalkAdviser, "a"), c.btn(m, txtLegalAid, "l"))},
	}}}, nil
}
