"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "period_invalid": ("统计时段的开始须早于结束", "The period must start before it ends"),
    "period_too_long": ("统计时段不能超过 {days} 天", "The period can be at most {days} days"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "period_too_long": ("统计时段过长", "Period too long"),
}
