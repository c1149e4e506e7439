package bot

// What residents read, other than composed answers. Legal content never
// lives here: it comes from the knowledge base through the Answerer.
const (
	txtWelcome = "您好！我是街道的法律咨询助手，可以解答婚姻家庭、劳动工资、房屋租赁、邻里纠纷、消费维权等常见法律问题，并告诉您下一步可以找谁。\n\n" +
		"直接输入您遇到的问题即可，例如：“房东不退押金怎么办？”\n" +
		"我的回答仅供参考，不构成正式法律意见；遇到紧急情况请立即拨打 110。"
	txtChooseCommunity = "请选择您所在的社区，方便为您对接本社区的法律顾问和调解员："
	txtYourCommunity   = "您所在的社区：%s。如需更换，请点下面的按钮。"
	txtCommunitySet    = "已将您的社区设为：%s。"
	txtCommunityNudge  = "您还没有选择所在社区。选择后可以为您对接本社区的法律顾问和调解员："
	txtHelp            = "使用方法：直接用一两句话描述遇到的事情，我会给出解答、法律依据和下一步可以找谁。\n\n" +
		"常用命令：\n" +
		"/topics 按类别浏览常见问题\n" +
		"/adviser 联系社区法律顾问\n" +
		"/aid 法律援助：谁能申请、带什么材料、去哪里\n" +
		"/mediate 申请人民调解\n" +
		"/campaign 本月普法活动\n" +
		"/subscribe 订阅普法推送\n" +
		"/community 选择或更换社区\n" +
		"/cancel 取消正在填写的申请\n\n" +
		"回答仅供参考，不构成正式法律意见；紧急情况请拨打 110。"
	txtTopics        = "请选择问题类别："
	txtTopicList     = "【%s】常见问题（第 %d/%d 页），点击查看解答："
	txtPrevPage      = "« 上一页"
	txtNextPage      = "下一页 »"
	txtBackToTopics  = "↩ 返回类别"
	txtHelpful       = "👍 有帮助"
	txtNotHelpful    = "👎 没帮助"
	txtTalkAdviser   = "🧑‍⚖️ 咨询法律顾问"
	txtLegalAid      = "⚖️ 法律援助"
	txtChangeComm    = "更换社区"
	txtThanksRating  = "感谢您的评价！"
	txtSorryRating   = "感谢反馈，我们会继续改进。"
	txtNotHelpedMore = "抱歉没能帮上忙。您可以把情况当面讲给社区法律顾问听，或拨打 12348 公共法律服务热线免费咨询；经济困难的可以申请法律援助。"
	txtAlreadyRated  = "您已经评价过这条回答了，谢谢！"
	txtAdviserOf     = "%s的法律顾问：%s"
	txtAdviserAny    = "社区法律顾问：%s"
	txtAdviserChoose = "告诉我您所在的社区，我可以告诉您本社区法律顾问的联系方式："
	txtSlowDown      = "您发送得有点快，请稍等几秒再继续。"
	txtBusy          = "抱歉，系统暂时有点忙，请稍后再试一次。如情况紧急，请拨打 12348 公共法律服务热线；遇到危险请拨打 110。"
	txtTooLong       = "您的消息比较长，我先按前 %d 个字来理解。下次可以只写最关键的一两句话。"
	txtFollowUp      = "（结合您上一个问题理解）"
	txtForged        = "这个按钮已失效，请重新发送您的问题或使用 /help。"
	txtStale         = "这条内容已更新，请重新提问或使用 /topics 查看。"
	txtUnknownCmd    = "没有这个命令。发送 /help 查看可以做什么，或者直接输入您的问题。"
	txtStaffOnly     = "这个命令只对街道工作人员开放。"
	txtPrivateOnly   = "这个功能涉及个人信息，请私聊我使用。"
	txtNoCampaign    = "目前没有正在进行的普法活动，有新活动时会在这里公布。"
	txtNoSubscribe   = "普法推送暂未开通，开通后可以在这里订阅。"
	txtNoMediations  = "暂时没有调解申请。"
	txtAidFallback   = "%s：%s"

	txtMediateIntro   = "申请人民调解：社区人民调解委员会免费调解邻里、家庭、物业等纠纷。只需回答几个问题，随时可以发送 /cancel 取消。"
	txtMediateKind    = "请选择纠纷类型："
	txtMediateDesc    = "请用几句话说明纠纷情况：和谁、因为什么事、希望怎样解决（不超过 %d 字）。"
	txtMediateShort   = "请再多写几句，让调解员了解大致情况。"
	txtMediateLong    = "内容有点长，请精简到 %d 字以内。"
	txtMediatePhone   = "请留下您的联系电话，调解员会与您联系（仅用于本次调解）。"
	txtMediateBadTel  = "这个号码好像不对，请输入 11 位手机号或带区号的固话，例如 13812345678 或 010-12345678。"
	txtMediateConfirm = "请核对您的调解申请：\n社区：%s\n类型：%s\n情况：%s\n电话：%s\n\n确认提交吗？"
	txtMediateSubmit  = "✅ 提交"
	txtMediateCancel  = "取消"
	txtMediateDone    = "调解申请已提交，编号 %s。%s的调解员会在 3 个工作日内与您电话联系，请留意来电。"
	txtMediateGone    = "这份申请已经提交或取消了。如需重新申请，请发送 /mediate。"
	txtMediateCancels = "已取消调解申请。"
	txtMediatePress   = "请点击上面的按钮选择，或发送 /cancel 取消申请。"
	txtNothingCancel  = "当前没有正在填写的申请。"
	txtHookCancelled  = "已取消正在填写的表单。"
	txtOtherKind      = "其他纠纷"
	txtStaffMediation = "%s %s 编号 %s\n社区：%s｜类型：%s｜电话：%s\n%s"
)
