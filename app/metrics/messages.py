"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "period_invalid": ("统计时段的开始须早于结束", "The period must start before it ends"),
    "period_too_long": ("统计时段不能超过 {days} 天", "The period can be at most {days} days"),
    "period_month_invalid": ("月份 {value} 的格式应为 YYYY-MM，例如 2026-11",
                             "The month {value} must be written YYYY-MM, e.g. 2026-11"),
    "period_date_invalid": ("{value} 不是日期（YYYY-MM-DD）或带时区的时间（如 2026-11-01T00:00:00+08:00）",
                            "{value} is neither a date (YYYY-MM-DD) nor a time with its offset "
                            "(e.g. 2026-11-01T00:00:00+08:00)"),
    "period_offset_missing": ("时间 {value} 缺少时区偏移（如 +08:00）；或只写日期 YYYY-MM-DD",
                              "The time {value} needs its UTC offset (e.g. +08:00), or give a date YYYY-MM-DD"),
    "period_not_midnight": ("统计按 {zone} 的自然日汇总：{value} 是当地时间 {local}，不是零点",
                            "Figures are kept per local day in {zone}: {value} is {local} there, not midnight"),
    "period_month_with_range": ("month 与 from/to 只能二选一", "Give either month or from/to, not both"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "period_too_long": ("统计时段过长", "Period too long"),
    "period_month_invalid": ("月份格式不正确", "Invalid month"),
    "period_date_invalid": ("日期格式不正确", "Invalid date"),
    "period_offset_missing": ("时间缺少时区偏移", "Time without an offset"),
    "period_not_midnight": ("时间不是当地零点", "Not a local midnight"),
}
