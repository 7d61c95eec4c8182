"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "unit_not_found": ("单位 {unit_id} 不存在", "Unit {unit_id} does not exist"),
    "unit_kind_unknown": ("单位类型 {kind} 不存在", "Unit kind {kind} does not exist"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "unit_not_found": ("单位不存在", "Unknown unit"),
    "unit_kind_unknown": ("单位类型不存在", "Unknown unit kind"),
}
