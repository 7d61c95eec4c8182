"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "filer_not_party": (
        "居民只能申报本人作为出租人或承租人的租赁（请先完成实名绑定）",
        "A resident files a tenancy they are the landlord or a tenant of (bind your identity first)",
    ),
    "landlord_is_tenant": ("出租人不能同时是承租人", "The landlord cannot also be a tenant"),
    "tenant_repeated": ("同一承租人重复出现", "The same tenant appears twice"),
    "tenancy_end_not_after_start": ("租期结束日期须晚于开始日期", "The tenancy must end after it starts"),
    "tenancy_already_ended": ("租期已于 {ends} 届满", "The tenancy ended on {ends}"),
    "tenancy_term_too_long": ("租赁期限不得超过 {years} 年", "A tenancy may not run longer than {years} years"),
    "extension_not_later": (
        "续租后的结束日期须晚于原结束日期 {ends}",
        "The new end must be after the current end, {ends}",
    ),
    "checked_on_in_future": ("核验日期不能晚于今天", "The check cannot be dated in the future"),
    "ended_on_in_future": ("退租日期不能晚于今天，请在实际退租后登记", "Record a move-out once it happened, not ahead"),
    "ended_on_before_start": ("退租日期不能早于租期开始日期", "The move-out cannot be before the tenancy started"),
    "ended_on_after_end": ("退租日期不能晚于租期结束日期", "The move-out cannot be after the tenancy's end"),
    "registration_not_active": ("该居住登记不在有效期内", "The registration is not in force"),
    "registration_finished": ("该居住登记已终止或失效", "The registration has ended or lapsed"),
    "tenancy_not_placed": (
        "无法确定出租屋所在社区，请提供社区区划代码（address_id）或可识别的地址",
        "The rented home could not be placed in a community: send its region code (address_id) or a clearer address",
    ),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "tenancy_already_ended": ("租期已届满", "Tenancy ended"),
    "tenancy_term_too_long": ("租赁期限过长", "Tenancy too long"),
    "extension_not_later": ("续租日期无效", "Extension not later"),
}
