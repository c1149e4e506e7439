package stats

import "time"

// Kind is what happened. Resident kinds arrive through a channel; offline
// kinds are entered by staff and carry a Count.
type Kind string

// The kinds of events lawbot records.
const (
	// KindConsultation is a question a resident asked, answered or not.
	KindConsultation Kind = "consultation"
	// KindRating is a resident's 1-5 rating of an answer.
	KindRating Kind = "rating"
	// KindLegalAid is a referral to legal aid.
	KindLegalAid Kind = "legal_aid"
	// KindMediation is a request for people's mediation.
	KindMediation Kind = "mediation"
	// KindCampaignDelivery is a campaign message delivered to a subscriber.
	KindCampaignDelivery Kind = "campaign_delivery"
	// KindCampaignRead is a campaign message opened or acknowledged.
	KindCampaignRead Kind = "campaign_read"
	// KindQuizAnswer is an answer to a campaign quiz; see Event.Correct.
	KindQuizAnswer Kind = "quiz_answer"
	// KindSignup is a sign-up for a campaign activity.
	KindSignup Kind = "signup"
	// KindCheckIn is a resident checking in at a campaign activity by
	// scanning its poster's QR code: attendance, counted once per resident
	// and activity, whether or not they signed up.
	KindCheckIn Kind = "checkin"
	// KindLecture is a legal lecture held; Count is the number of attendees.
	KindLecture Kind = "lecture"
	// KindLeaflets is leaflets handed out; Count is the number of leaflets.
	KindLeaflets Kind = "leaflets"
	// KindBanners is banners hung; Count is the number of banners.
	KindBanners Kind = "banners"
	// KindVisits is door-to-door visits; Count is the households visited.
	KindVisits Kind = "visits"
)

// kindRule says what an event of a kind must carry.
type kindRule struct {
	resident bool // arrives through a channel from a resident
	campaign bool // names a campaign
	maxCount int  // offline kinds: largest plausible Count for one event; 0 otherwise
	label    string
}

var kindRules = map[Kind]kindRule{
	KindConsultation:     {resident: true, label: "咨询"},
	KindRating:           {resident: true, label: "评价"},
	KindLegalAid:         {resident: true, label: "法律援助转介"},
	KindMediation:        {resident: true, label: "调解申请"},
	KindCampaignDelivery: {resident: true, campaign: true, label: "普法推送送达"},
	KindCampaignRead:     {resident: true, campaign: true, label: "普法推送阅读"},
	KindQuizAnswer:       {resident: true, campaign: true, label: "知识问答"},
	KindSignup:           {resident: true, campaign: true, label: "活动报名"},
	KindCheckIn:          {resident: true, campaign: true, label: "活动签到"},
	KindLecture:          {maxCount: 10_000, label: "法治讲座(人次)"},
	KindLeaflets:         {maxCount: 100_000, label: "发放资料(份)"},
	KindBanners:          {maxCount: 1_000, label: "悬挂横幅(条)"},
	KindVisits:           {maxCount: 10_000, label: "入户走访(户)"},
}

// Kinds lists every kind in display order.
func Kinds() []Kind {
	return []Kind{
		KindConsultation, KindRating, KindLegalAid, KindMediation,
		KindCampaignDelivery, KindCampaignRead, KindQuizAnswer, KindSignup, KindCheckIn,
		KindLecture, KindLeaflets, KindBanners, KindVisits,
	}
}

// Label returns the name staff see for k, or "" for an unknown kind.
func (k Kind) Label() string { return kindRules[k].label }

// Offline reports whether k is an offline activity that carries a Count.
func (k Kind) Offline() bool { return kindRules[k].maxCount > 0 }

// MaxCount returns the largest Count one event of an offline kind may
// carry, and 0 for other kinds.
func (k Kind) MaxCount() int { return kindRules[k].maxCount }

// Channel is how a resident reached lawbot.
type Channel string

// The channels residents use.
const (
	ChannelTelegram Channel = "telegram"
	ChannelWeb      Channel = "web"
	ChannelCLI      Channel = "cli"
)

// Unanswered is the category of a consultation no entry answered.
const Unanswered = "unanswered"

// Event is one thing to count. Which fields apply depends on Kind; Record
// rejects events that carry fields their kind does not use.
type Event struct {
	// ID is the idempotency key derived from the event's source, e.g.
	// "tg:update:81523" or "web:msg:9f3a...". Together with Kind it
	// identifies the event: recording it again never counts twice.
	ID string
	// Kind is what happened.
	Kind Kind
	// Time is when it happened. Events dated further in the future than the
	// store's allowed clock skew are rejected.
	Time time.Time
	// Community is the configured key of the community concerned.
	Community string
	// Channel is how the resident reached lawbot; empty for offline kinds.
	Channel Channel
	// Resident identifies the resident in the channel (e.g. a Telegram user
	// id). It is replaced by a keyed hash before anything is stored and is
	// used only to count unique residents.
	Resident string
	// Category is a knowledge category key (knowledge.Categories); for a
	// consultation it is required and may be Unanswered.
	Category string
	// Entry is the id of the FAQ entry that answered a consultation.
	Entry string
	// Confidence is how sure the search was of its answer, 0 to 1.
	Confidence float64
	// Question is the resident's text. It is kept, redacted, only for
	// unanswered or low-confidence consultations and only for the retention
	// period; otherwise it is discarded.
	Question string
	// Rating is 1 to 5 for KindRating.
	Rating int
	// Campaign is the campaign id for campaign kinds.
	Campaign string
	// Correct reports whether a quiz answer was right.
	Correct bool
	// Count is the attendees, leaflets, banners or households of an offline
	// activity. It must be 0 or 1 for other kinds.
	Count int
	// Place is where an offline activity happened, e.g. "社区活动室": a
	// public venue, at most MaxPlace characters. It is kept redacted with
	// the activity (see Activities) and counted nowhere.
	Place string
}

// Question is a kept question text: from an unanswered or low-confidence
// consultation, already redacted.
type Question struct {
	ID         string    `json:"id"`
	Time       time.Time `json:"t"`
	Community  string    `json:"com"`
	Channel    Channel   `json:"ch"`
	Category   string    `json:"cat"`
	Entry      string    `json:"entry,omitempty"`
	Confidence float64   `json:"conf"`
	Text       string    `json:"text"`
}
