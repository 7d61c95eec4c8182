"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "dispute_type_unknown": ("纠纷类型 {code} 不存在", "Unknown dispute type {code}"),
    "parties_incomplete": ("须有申请人和被申请人双方", "A dispute needs an applicant and a respondent"),
    "mediation_offence": ("{reason}，请{routes}", "Not taken: {reason_en}; instead, {routes_en}"),
    "mediation_pending_elsewhere": ("{reason}，请{routes}", "Not taken: {reason_en}; instead, {routes_en}"),
    "mediation_reserved": ("{reason}，请{routes}", "Not taken: {reason_en}; instead, {routes_en}"),
    "mediation_party_refuses": (
        "{reason}，不能进行调解；可以{routes}",
        "Not taken: {reason_en}; the parties may {routes_en}",
    ),
    "session_in_future": ("调解日期不能晚于今天", "A session cannot be in the future"),
    "party_unknown": ("当事人不存在", "No such party"),
    "party_repeated": ("同一人不能作为两方当事人", "The same person cannot be two parties"),
    "already_signed": ("已签名", "Already signed"),
    "agreement_unsigned": ("尚未签名：{missing}；签齐后才能盖章生效", "Still to sign: {missing}; sealing needs all"),
    "agreement_not_effective": ("调解协议尚未生效（须各方签名并盖章）", "The agreement is not in effect yet"),
    "no_agreement_drafted": ("尚未拟定调解协议", "No agreement has been drafted"),
    "confirmation_window_closed": (
        "司法确认须在协议生效后 30 日内申请，已于 {ends} 届满",
        "The 30-day window for judicial confirmation closed at {ends}",
    ),
    "confirmation_not_joint": ("司法确认须由双方当事人共同申请", "All parties must apply for confirmation jointly"),
    "handoff_unknown": ("移交去向不存在", "Unknown hand-off"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "dispute_type_unknown": ("纠纷类型不存在", "Unknown dispute type"),
    "mediation_offence": ("涉嫌违法犯罪，不属人民调解", "Not for people's mediation"),
    "mediation_pending_elsewhere": ("已由其他机关处理", "Before another authority"),
    "mediation_reserved": ("法律规定由其他机关处理", "Reserved to another authority"),
    "mediation_party_refuses": ("当事人拒绝调解", "A party refuses mediation"),
    "agreement_unsigned": ("调解协议未签齐", "Agreement not fully signed"),
    "confirmation_window_closed": ("司法确认申请期限已过", "Confirmation window closed"),
}
