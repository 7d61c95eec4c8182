"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "item_not_found": ("办事事项 {code} 不存在", "Service item {code} does not exist"),
    "item_withdrawn": ("办事事项 {code} 已停止办理", "Service item {code} has been withdrawn"),
    "item_exists": ("办事事项 {code} 已存在", "Service item {code} already exists"),
    "life_event_unknown": ("人生事件 {code} 不存在", "Life event {code} does not exist"),
    "applicant_name_required": ("代为申请时须填写申请人姓名", "The applicant's name is required when filing for them"),
    "proxy_mode_staff_only": (
        "帮办、上门办只能由工作人员登记",
        "Assisted and home-visit handling are recorded by staff",
    ),
    "proxy_not_allowed": ("该事项不允许他人代办", "This item may not be filed by a proxy"),
    "material_unknown": ("材料 {code} 不在该事项的材料清单中", "Material {code} is not on the item's list"),
    "material_source_not_allowed": (
        "只有窗口工作人员可以登记已核验原件",
        "Only counter staff can record a checked original",
    ),
    "key_material_missing": ("缺少关键材料：{missing}", "Key materials are missing: {missing}"),
    "materials_incomplete": ("材料不齐：{missing}", "Materials are incomplete: {missing}"),
    "nothing_to_tolerate": ("材料已齐全，请直接受理", "Nothing is missing; accept the application"),
    "tolerance_refused_bad_credit": (
        "申请人有失信记录，不能容缺受理",
        "The applicant has a bad credit record and cannot be accepted with materials missing",
    ),
    "tolerance_not_possible": (
        "该事项承诺时限过短，不能容缺受理",
        "The item's promised time is too short for materials to follow",
    ),
    "not_on_the_spot": ("该事项不是即办事项", "This item is not decided on the spot"),
    "decision_before_acceptance": ("申请尚未受理，不能作出决定", "The application has not been accepted yet"),
    "materials_pending": ("容缺材料尚未补齐，不能准予", "Materials are still to follow; it cannot be approved yet"),
    "application_terminated": (
        "申请已因逾期未补齐材料而终止",
        "The application was terminated: materials came too late",
    ),
    "materials_not_expected": ("当前阶段不接收补充材料", "No materials are expected at this stage"),
    "application_not_found": (
        "未找到与受理编号和身份证号匹配的申请",
        "No application matches this number and ID number",
    ),
    "item_not_online": ("该事项不能网上申请，请到窗口办理", "This item cannot be applied for online; visit a counter"),
    "credit_flag_not_found": ("失信记录不存在", "Unknown credit record"),
    "credit_flag_inactive": ("该失信记录已解除", "The credit record is already lifted"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "item_not_found": ("办事事项不存在", "Unknown service item"),
    "item_withdrawn": ("办事事项已停止办理", "Service item withdrawn"),
    "item_exists": ("办事事项已存在", "Service item exists"),
    "life_event_unknown": ("人生事件不存在", "Unknown life event"),
    "material_unknown": ("材料不在清单中", "Unknown material"),
    "key_material_missing": ("缺少关键材料", "Key materials missing"),
    "materials_incomplete": ("材料不齐", "Materials incomplete"),
}
