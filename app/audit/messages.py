"""The audit trail's error codes, in Chinese and English."""

MESSAGES: dict[str, tuple[str, str]] = {
    "audit_parameter_unknown": ("不支持的查询参数：{names}", "Unknown query parameter(s): {names}"),
    "audit_parameter_repeated": ("查询参数只能出现一次：{names}", "Query parameter(s) given more than once: {names}"),
    "audit_period_format": (
        "{names} 须为日期 YYYY-MM-DD（按北京时间计整日）或带时区偏移的 ISO 8601 时间",
        "{names} must be a date YYYY-MM-DD (a whole local day) or an ISO 8601 time with its UTC offset",
    ),
    "audit_period_offset": (
        "{names} 须带时区偏移（如 +08:00 或 Z）",
        "{names} needs its UTC offset (such as +08:00 or Z)",
    ),
    "audit_period_inverted": ("起始时间（from）晚于截止时间（to）", "The period starts (from) after it ends (to)"),
}

TITLES: dict[str, tuple[str, str]] = {
    "audit_parameter_unknown": ("不支持的查询参数", "Unknown query parameter"),
    "audit_parameter_repeated": ("查询参数重复", "Query parameter repeated"),
    "audit_period_format": ("时间格式不正确", "Malformed period bound"),
    "audit_period_offset": ("时间缺少时区偏移", "Period bound without offset"),
}
