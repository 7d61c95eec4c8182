"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "profile_not_found": ("时限标准 {code} 不存在", "Deadline profile {code} does not exist"),
    "calendar_year_invalid": ("年度日历数据无效：{reason}", "The calendar year is invalid: {reason}"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "profile_not_found": ("时限标准不存在", "Unknown deadline profile"),
    "calendar_year_invalid": ("年度日历数据无效", "Invalid calendar year"),
}
