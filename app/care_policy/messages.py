"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "care_policy_not_found": ("养老服务政策 {code} 未配置", "Care policy {code} is not configured"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "care_policy_not_found": ("养老服务政策未配置", "Care policy not configured"),
}
