package answer

import (
	"strings"

	"github.com/lawbot/lawbot/index"
)

// urgentSigns map words that mean someone is in danger now, or money is
// leaving now, to the step that comes before any explanation.
var urgentSigns = []struct {
	words []string
	step  string
}{
	{[]string{"正在打", "打我", "打了我", "动手打", "掐我", "要杀", "杀了我", "打死", "拿刀", "威胁我", "跟踪我", "被打了", "在打我", "家暴", "自杀", "想死", "不想活"},
		"⚠️ 如果您或家人正面临人身危险，请立即拨打 110 报警；有人受伤请拨打 120。确保安全后再看下面的说明。"},
	{[]string{"孩子丢了", "孩子不见了", "小孩丢了", "孩子走失", "找不到孩子", "孩子被拐", "被拐"},
		"⚠️ 孩子走失请立即拨打 110 报警，报警没有“失踪满 24 小时”的限制；同时提供孩子照片、衣着和最后出现的地点。"},
	{[]string{"刚转账", "刚被骗", "已经转账", "被骗了", "正在转账", "让我转账", "安全账户", "验证码给"},
		"⚠️ 如果刚刚转账被骗，请立即拨打 110 或 96110 报警，并马上联系银行申请止付；不要再向任何人转账或提供验证码。"},
}

// emergency returns the emergency step a question calls for, if any.
func emergency(q string) (string, bool) {
	n := index.Normalize(q)
	n = strings.ReplaceAll(n, " ", "")
	for _, s := range urgentSigns {
		for _, w := range s.words {
			if strings.Contains(n, w) {
				return s.step, true
			}
		}
	}
	return "", false
}
