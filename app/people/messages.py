"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "applicant_not_self": ("居民只能以本人为申请人提出申请", "A resident applies with themself as the applicant"),
    "person_exists": ("该身份证号码已登记，请使用已有人员档案", "This ID number is already in the register"),
    "person_not_found": ("人员档案不存在", "No such person in the register"),
    "person_not_bound": ("账号尚未实名绑定人员档案", "This account is not bound to a person in the register"),
    "person_already_bound": ("该人员档案已绑定其他账号", "This register entry is bound to another account"),
    "account_already_bound": ("账号已实名绑定", "This account is already bound to a register entry"),
    "identity_mismatch": ("姓名与身份证号码登记信息不一致", "The name does not match the register entry for this ID"),
    "already_linked": ("两人已有家庭关系记录", "The two people are already linked"),
    "flag_not_found": ("状态记录不存在", "No such status record"),
    "flag_inactive": ("该状态已结束", "The status has already ended"),
    "flag_since_future": ("状态起始日期不能晚于今天", "A status cannot start in the future"),
}
