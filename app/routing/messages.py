"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "category_not_found": ("事项分类 {code} 不存在", "Category {code} does not exist"),
    "category_not_leaf": (
        "事项分类 {code} 不是末级分类，请选择具体事项",
        "Category {code} is a group; choose a specific category",
    ),
    "rule_not_found": ("派单规则 {rule_id} 不存在", "Routing rule {rule_id} does not exist"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "category_not_found": ("事项分类不存在", "Unknown category"),
    "category_not_leaf": ("须选择末级事项分类", "A specific category is required"),
    "rule_not_found": ("派单规则不存在", "Unknown routing rule"),
}
