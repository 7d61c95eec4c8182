"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "profile_not_found": ("时限标准 {code} 不存在", "Deadline profile {code} does not exist"),
    "calendar_year_invalid": ("年度日历数据无效：{reason}", "The calendar year is invalid: {reason}"),
    "date_outside_year": ("日期不在该年度内", "The date is not in this year"),
    "date_listed_twice": ("同一日期重复列出", "The date is listed twice"),
    "statutory_day_as_workday": (
        "法定节假日不能调休为工作日", "A statutory holiday cannot be made a working day",
    ),
    "statutory_day_missing": (
        "缺少法定节假日：年度安排须列出全年所有法定节假日",
        "A statutory holiday is missing: a year's schedule lists every statutory holiday",
    ),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "profile_not_found": ("时限标准不存在", "Unknown deadline profile"),
    "calendar_year_invalid": ("年度日历数据无效", "Invalid calendar year"),
}
