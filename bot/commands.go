package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/stats"
)

// Command is a command residents see in the channel's menu.
type Command struct {
	Name        string // without the slash
	Description string
}

// Commands lists the commands for a channel's menu (Telegram setMyCommands),
// in menu order. Staff commands are not listed.
func Commands() []Command {
	return []Command{
		{"start", "开始使用，选择所在社区"},
		{"help", "使用说明"},
		{"topics", "按类别浏览常见问题"},
		{"adviser", "联系社区法律顾问"},
		{"aid", "法律援助：条件、材料、去哪里"},
		{"mediate", "申请人民调解"},
		{"campaign", "本月普法活动"},
		{"subscribe", "订阅普法推送"},
	}
}

// staffCommands are refused to residents.
var staffCommands = map[string]bool{"mediations": true, "export": true}

func isCommand(text string) bool { return strings.HasPrefix(text, "/") && len(text) > 1 }

// parseCommand splits "/Start@lawbot ev_12" into "start" and "ev_12". A
// channel removes its own bot name beforehand; any "@name" left here is cut.
func parseCommand(text string) (name, arg string) {
	head, arg, _ := strings.Cut(strings.TrimPrefix(text, "/"), " ")
	head, _, _ = strings.Cut(head, "@")
	return strings.ToLower(head), strings.TrimSpace(arg)
}

func (c *Core) command(ctx context.Context, m Message, st *state) (Result, error) {
	name, arg := parseCommand(m.Text)
	if staffCommands[name] {
		if c.roles == nil || !c.roles.IsStaff(ctx, m.Resident) {
			return text(txtStaffOnly), nil
		}
		if m.Group {
			return text(txtPrivateOnly), nil
		}
	}
	switch name {
	case "start":
		if arg != "" && c.campaigns != nil {
			return c.campaigns.Start(ctx, m, arg)
		}
		res := c.welcome(m, st)
		if strings.HasPrefix(arg, "ev_") {
			res.Replies = append([]Reply{{Text: txtNoCampaign}}, res.Replies...)
		}
		return res, nil
	case "help":
		return text(txtHelp), nil
	case "community":
		return c.chooseCommunity(m, st), nil
	case "topics":
		return c.topics(m), nil
	case "adviser":
		return c.adviser(m, st), nil
	case "aid":
		return c.legalAid(ctx, m, st)
	case "mediate":
		return c.startForm(m, st), nil
	case "cancel":
		if st.Hook.State != "" {
			return c.cancelHook(st), nil
		}
		return c.cancelForm(st), nil
	case "campaign":
		if c.campaigns == nil {
			return text(txtNoCampaign), nil
		}
		return c.campaigns.Campaign(ctx, m)
	case "subscribe", "unsubscribe":
		if c.campaigns == nil {
			return text(txtNoSubscribe), nil
		}
		return c.campaigns.Subscribe(ctx, m, name == "subscribe")
	case "mediations":
		return c.listMediations(ctx)
	case "export":
		return c.export(ctx, m, arg)
	}
	return c.hookCommand(ctx, m, st, name, arg)
}

func text(s string) Result { return Result{Replies: []Reply{{Text: s}}} }

func (c *Core) welcome(m Message, st *state) Result {
	res := text(txtWelcome)
	if len(c.communities) > 0 {
		res.Replies = append(res.Replies, c.chooseCommunity(m, st).Replies...)
	}
	return res
}

func (c *Core) chooseCommunity(m Message, st *state) Result {
	if len(c.communities) == 0 {
		return text(txtHelp)
	}
	if st.Community != "" && c.knownCommunity(st.Community) {
		return Result{Replies: []Reply{{
			Text:    fmt.Sprintf(txtYourCommunity, st.Community),
			Buttons: c.communityButtons(m),
		}}}
	}
	return Result{Replies: []Reply{{Text: txtChooseCommunity, Buttons: c.communityButtons(m)}}}
}

// setCommunity handles a pressed community button.
func (c *Core) setCommunity(m Message, st *state, ref string) Result {
	i, ok := c.commByRef[ref]
	if !ok {
		return Result{Notice: txtStale, Replies: []Reply{{Text: txtStale}}}
	}
	com := c.communities[i]
	st.Community = com.Name
	st.touch()
	res := Result{Notice: fmt.Sprintf(txtCommunitySet, com.Name)}
	res.Replies = []Reply{{Text: fmt.Sprintf(txtCommunitySet, com.Name) + "\n" + c.adviserLine(com.Name)}}
	if st.Form != nil && st.Form.Step == stepCommunity {
		st.Form.Step = stepKind
		st.Form.Updated = c.now()
		res.Replies = append(res.Replies, c.formPrompt(m, st))
	}
	return res
}

// adviserLine says how to reach the legal adviser of a community.
func (c *Core) adviserLine(community string) string {
	if i, ok := c.commByRef[shortRef(community)]; ok && c.communities[i].Adviser != "" {
		return fmt.Sprintf(txtAdviserOf, community, c.communities[i].Adviser)
	}
	step, _ := knowledge.StepByKey("adviser")
	return fmt.Sprintf(txtAdviserAny, step.How)
}

func (c *Core) adviser(m Message, st *state) Result {
	var res Result
	if st.Community == "" && len(c.communities) > 0 {
		res.Replies = append(res.Replies, Reply{Text: txtAdviserChoose, Buttons: c.communityButtons(m)})
	} else {
		res.Replies = append(res.Replies, Reply{Text: c.adviserLine(st.Community)})
	}
	if c.entries.Adviser != "" {
		if a, err := c.answerer.Entry(c.entries.Adviser); err == nil {
			res.Replies = append(res.Replies, Reply{Answer: &a, Buttons: c.answerButtons(m, &a)})
		}
	}
	return res
}

// legalAid answers /aid and the legal-aid button, and counts a referral.
func (c *Core) legalAid(ctx context.Context, m Message, st *state) (Result, error) {
	var res Result
	for _, id := range c.entries.Aid {
		a, err := c.answerer.Entry(id)
		if err != nil {
			continue
		}
		res.Replies = append(res.Replies, Reply{Answer: &a})
	}
	if len(res.Replies) == 0 {
		step, _ := knowledge.StepByKey("legal_aid")
		res.Replies = append(res.Replies, Reply{Text: fmt.Sprintf(txtAidFallback, step.Name, step.How)})
	}
	last := &res.Replies[len(res.Replies)-1]
	last.Buttons = [][]Button{row(c.btn(m, txtTalkAdviser, "a"))}
	if last.Answer != nil {
		last.Buttons = c.answerButtons(m, last.Answer)
	}
	c.record(ctx, st, c.event(m, st, stats.KindLegalAid, m.ID))
	return res, nil
}

// topics lists the categories that have entries, two to a row.
func (c *Core) topics(m Message) Result {
	var rows [][]Button
	var r []Button
	for _, cat := range knowledge.Categories {
		if len(c.byCategory[cat.Key]) == 0 {
			continue
		}
		r = append(r, c.btn(m, cat.Name, "t", cat.Key, "0"))
		if len(r) == 2 {
			rows, r = append(rows, row(r...)), nil
		}
	}
	if len(r) > 0 {
		rows = append(rows, row(r...))
	}
	return Result{Replies: []Reply{{Text: txtTopics, Buttons: rows}}}
}

const topicPage = 8

// topicList lists one page of a category's questions.
func (c *Core) topicList(m Message, cat string, page int) Result {
	entries := c.byCategory[cat]
	if len(entries) == 0 {
		return Result{Notice: txtStale, Replies: []Reply{{Text: txtStale}}}
	}
	pages := (len(entries) + topicPage - 1) / topicPage
	page = max(0, min(page, pages-1))
	var rows [][]Button
	for _, e := range entries[page*topicPage : min((page+1)*topicPage, len(entries))] {
		rows = append(rows, row(c.btn(m, short(e.Question, 40), "q", shortRef(e.ID))))
	}
	var nav []Button
	if page > 0 {
		nav = append(nav, c.btn(m, txtPrevPage, "t", cat, fmt.Sprint(page-1)))
	}
	if page < pages-1 {
		nav = append(nav, c.btn(m, txtNextPage, "t", cat, fmt.Sprint(page+1)))
	}
	nav = append(nav, c.btn(m, txtBackToTopics, "t"))
	rows = append(rows, row(nav...))
	return Result{Replies: []Reply{{
		Text:    fmt.Sprintf(txtTopicList, knowledge.CategoryName(cat), page+1, pages),
		Buttons: rows,
	}}}
}

// short cuts s to n characters with an ellipsis.
func short(s string, n int) string {
	if t, cut := truncate(s, n); cut {
		return t + "…"
	}
	return s
}

func (c *Core) listMediations(ctx context.Context) (Result, error) {
	reqs, err := c.mediations.Mediations(ctx, 10)
	if err != nil {
		return text(txtBusy), fmt.Errorf("bot: list mediations: %w", err)
	}
	if len(reqs) == 0 {
		return text(txtNoMediations), nil
	}
	var res Result
	for _, r := range reqs {
		res.Replies = append(res.Replies, Reply{Text: fmt.Sprintf(txtStaffMediation,
			r.Time.In(stats.DefaultLocation()).Format("2006-01-02 15:04"), channelName(r.Channel), r.Number,
			r.Community, kindName(r.Kind), r.Phone, r.Description)})
	}
	return res, nil
}

func channelName(ch stats.Channel) string {
	switch ch {
	case stats.ChannelTelegram:
		return "Telegram"
	case stats.ChannelWeb:
		return "网页"
	}
	return string(ch)
}

// answerButtons are the buttons under an answer: the rating, related
// questions, the legal adviser (and legal aid when nothing matched).
func (c *Core) answerButtons(m Message, a *answer.Answer) [][]Button {
	ref := "-"
	if a.Entry != nil {
		ref = shortRef(a.Entry.ID)
	}
	up, upOK := c.button(m, txtHelpful, "r", ref, "5")
	down, downOK := c.button(m, txtNotHelpful, "r", ref, "1")
	var rows [][]Button
	if upOK && downOK {
		up.Rating, down.Rating = true, true
		rows = append(rows, []Button{up, down})
	}
	for i, e := range a.Related {
		if i == 3 {
			break
		}
		rows = append(rows, row(c.btn(m, "❓ "+short(e.Question, 30), "q", shortRef(e.ID))))
	}
	last := []Button{c.btn(m, txtTalkAdviser, "a")}
	if a.Kind == answer.NoMatch || a.Kind == answer.Articles {
		last = append(last, c.btn(m, txtLegalAid, "l"))
	}
	return append(rows, row(last...))
}
