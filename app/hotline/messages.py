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
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "address_ambiguous": ("地址有歧义", "Ambiguous address"),
    "address_not_precise": ("地址不够具体", "Address not precise"),
    "elements_missing": ("受理要素不全", "Missing elements"),
}
