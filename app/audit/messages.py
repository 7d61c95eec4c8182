"""The audit trail's error codes, in Chinese and English."""

MESSAGES: dict[str, tuple[str, str]] = {
    "audit_parameter_repeated": ("查询参数只能出现一次：{names}", "Query parameter given more than once: {names}"),
}

TITLES: dict[str, tuple[str, str]] = {
    "audit_parameter_repeated": ("查询参数重复", "Query parameter repeated"),
}
