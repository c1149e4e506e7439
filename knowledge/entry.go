// Package knowledge holds lawbot's knowledge base: FAQ entries written for
// residents, the categories and next steps they use, loading and validating
// them, and importing the official statute texts that their citations name.
// It knows nothing of search engines or chat channels.
package knowledge

import "time"

// Entry is one FAQ: a question residents ask, the plain-language answer, the
// articles the answer rests on and the next step in the subdistrict.
type Entry struct {
	ID        string     `yaml:"id"`
	Category  string     `yaml:"category"`
	Question  string     `yaml:"question"`
	Phrasings []string   `yaml:"phrasings"`
	Answer    string     `yaml:"answer"`
	Citations []Citation `yaml:"-"`
	NextSteps []string   `yaml:"next_steps"`
	Tags      []string   `yaml:"tags"`
	Reviewed  time.Time  `yaml:"-"`
	// Urgent marks entries whose answer must lead with the emergency step
	// (110, a protection order, stopping a payment) before any explanation.
	Urgent bool `yaml:"urgent"`

	// Source is "file:line" of the entry, for error messages and review.
	Source string `yaml:"-"`
}

// Category is a topic residents' questions fall under.
type Category struct {
	Key  string // stable key used in files and statistics, e.g. "marriage"
	Name string // what residents and staff see, e.g. "婚姻家庭"
}

// Categories lists every category an entry may name, in display order.
var Categories = []Category{
	{"marriage", "婚姻家庭"},
	{"custody", "子女抚养"},
	{"inheritance", "继承与遗嘱"},
	{"elderly", "赡养老人"},
	{"domestic_violence", "家庭暴力"},
	{"labor", "劳动合同与工资"},
	{"work_injury", "工伤与社会保险"},
	{"debt", "借贷与债务"},
	{"rental", "房屋租赁"},
	{"neighbor", "物业与邻里"},
	{"consumer", "消费维权"},
	{"traffic", "交通事故"},
	{"injury", "人身损害赔偿"},
	{"fraud", "电信网络诈骗"},
	{"public_order", "治安纠纷"},
	{"minors", "未成年人保护"},
	{"land", "农村土地承包"},
	{"services", "法律服务指引"},
}

// CategoryName returns the display name of a category key, or "" when the
// key is unknown.
func CategoryName(key string) string {
	for _, c := range Categories {
		if c.Key == key {
			return c.Name
		}
	}
	return ""
}

// Step is a service a resident can turn to after reading an answer.
type Step struct {
	Key  string // stable key used in files, e.g. "legal_aid"
	Name string // what residents see
	How  string // one line on how to reach it
}

// Steps lists every next step an entry may name.
var Steps = []Step{
	{"adviser", "社区法律顾问", "每个社区都有一名法律顾问，可到社区居委会预约免费咨询"},
	{"legal_aid", "法律援助", "经济困难或特殊群体可向区法律援助中心申请免费律师，电话 12348"},
	{"mediation", "人民调解", "社区人民调解委员会免费调解邻里、家庭等纠纷，调解协议有法律约束力"},
	{"labor_arbitration", "劳动争议仲裁", "劳动争议先向用人单位所在地劳动人事争议仲裁委员会申请仲裁，不收费"},
	{"court", "人民法院", "可向有管辖权的人民法院起诉，诉讼服务中心可指导立案"},
	{"police", "公安机关", "紧急情况拨打 110；非紧急可到辖区派出所报案"},
	{"petition", "信访", "依法逐级到信访接待场所或通过网上信访、来信反映诉求"},
	{"women_federation", "妇联", "妇女儿童权益问题可找街道妇联或拨打 12338"},
	{"12348", "12348 公共法律服务热线", "免费法律咨询热线"},
	{"12345", "12345 政务服务便民热线", "投诉、求助、咨询政府服务"},
	{"12333", "12333 人社服务热线", "劳动保障、社会保险政策咨询和投诉"},
	{"12315", "12315 市场监管投诉举报热线", "消费投诉和举报"},
	{"110", "110 报警电话", "遇到违法犯罪或人身危险立即拨打"},
	{"120", "120 急救电话", "有人受伤或突发疾病时拨打"},
	{"122", "122 交通事故报警", "发生交通事故时拨打"},
	{"96110", "96110 反诈预警劝阻专线", "接到 96110 来电请务必接听；怀疑被骗可拨打咨询"},
	{"12338", "12338 妇女维权热线", "妇女儿童维权咨询"},
	{"12355", "12355 青少年服务台", "青少年心理和法律咨询"},
}

// StepByKey returns the step with the given key.
func StepByKey(key string) (Step, bool) {
	for _, s := range Steps {
		if s.Key == key {
			return s, true
		}
	}
	return Step{}, false
}
