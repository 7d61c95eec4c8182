"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "address_ambiguous": (
        "地址可能对应多个地点，请选择：{names}",
        "The address fits several places; choose one: {names}",
    ),
    "address_not_precise": ("地址只能定位到 {name}，请补充社区", "The address only locates {name}; name the community"),
    "coordinates_outside_city": ("坐标不在本市范围内", "The coordinates are outside the city"),
    "elements_missing": ("受理要素不全，缺少：{missing}", "The order lacks required elements: {missing}"),
    "category_unclassifiable": (
        "无法根据描述判断事项分类，请选择分类",
        "The description gives no clue to the category; choose one",
    ),
    "work_order_type_unknown": ("工单类型须为 咨询、求助、投诉、举报、建议、表扬/感谢、其他 之一",
                                "The work order type must be one of consultation, help, complaint, report, "
                                "suggestion, praise, other"),
    "element_who": ("缺少诉求人：请留下姓名或称呼", "Who is asking is missing: a name or how to address them"),
    "element_where": ("缺少地点：请说明具体地址或所在社区", "Where is missing: an address or the community"),
    "element_what": ("缺少事项：请说明发生了什么", "What happened is missing"),
    "element_how": ("诉求描述过短：请说明具体情况和诉求",
                    "The description is too short: say what is wrong and what is asked"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "address_ambiguous": ("地址有歧义", "Ambiguous address"),
    "address_not_precise": ("地址不够具体", "Address not precise"),
    "elements_missing": ("受理要素不全", "Missing elements"),
}
