"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "region_not_found": ("行政区划代码 {code} 不存在", "Region code {code} does not exist"),
    "region_not_community": ("{code} 不是社区级区划，请选择具体社区", "{code} is not a community; choose a community"),
    "region_code_invalid": ("区划代码须为 12 位数字", "A region code is 12 digits"),
    "address_unresolved": ("无法从地址识别所在社区或街道", "No known place was found in the address"),
    "places_level_invalid": (
        "小区和地标只能登记到区、街道或社区",
        "Places belong to a district, subdistrict or community",
    ),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "region_not_found": ("行政区划不存在", "Unknown region"),
    "region_not_community": ("须选择社区级区划", "A community is required"),
}
