"""The kernel's error codes with their titles in Chinese and English, and the catalogue of every package's codes.

Each package keeps its own codes in its `messages.py`; `install` adds them to the catalogue when the
application is assembled (the registry lists the packages), and a code defined twice is an error there.
Codes are a contract with the frontends: add new ones, never rename. Templates take named parameters from the
raised error.
"""

from collections.abc import Mapping

from app.core.field_messages import FIELD_MESSAGES

__all__ = ["FIELD_MESSAGES", "MESSAGES", "TITLES", "install", "text_of", "title_of"]

MESSAGES: dict[str, tuple[str, str]] = {
    "query_parameter_unknown": ("不支持的查询参数：{names}", "Unknown query parameters: {names}"),
    "unknown_parameter": ("不支持的参数", "Unknown parameter"),
    "range_inverted": ("起始时间须早于结束时间", "The start must come before the end"),
    "coordinates_paired": ("纬度与经度须同时填写", "latitude and longitude go together"),
    "validation_failed": ("请求数据校验未通过", "The request did not pass validation"),
    "malformed_json": ("请求体不是合法的 JSON", "The request body is not valid JSON"),
    "not_found": ("资源不存在", "The resource does not exist"),
    "route_not_found": ("接口不存在", "No such endpoint"),
    "method_not_allowed": ("不支持该请求方法", "Method not allowed"),
    "internal_error": ("服务器内部错误，请稍后再试", "Internal server error, please try again later"),
    "database_unavailable": ("数据库暂时无法访问，请稍后重试", "The database is unavailable; please retry shortly"),
    "value_out_of_range": ("请求中的数值超出允许范围", "A number in the request is out of range"),
    "body_unreadable": ("请求体无法解析", "The request body could not be read"),
    "body_too_large": ("请求体过大", "The request body is too large"),
    "conflict": ("数据冲突", "Conflict with the current state"),
    "auth_required": ("需要登录", "Authentication required"),
    "auth_account_disabled": ("账号已停用", "The account is disabled"),
    "auth_token_expired": ("登录已过期，请重新登录", "The token has expired; log in again"),
    "auth_token_invalid": ("登录凭证无效", "The token is invalid"),
    "auth_token_revoked": (
        "登录凭证已失效（已退出、改密或权限变更），请重新登录",
        "The token was revoked (logout, password or role change); log in again",
    ),
    "rate_limited": (
        "请求过于频繁，请 {retry_after} 秒后再试",
        "Too many requests; try again in {retry_after} seconds",
    ),
    "forbidden": ("无权执行此操作", "You are not allowed to do this"),
    "phone_invalid": ("手机号码无效", "Invalid mobile phone number"),
    "version_stale": (
        "工单已被他人修改（当前版本 {current}），请刷新后重试",
        "The case changed since you read it (now version {current}); reload and retry",
    ),
    "precondition_required": (
        "该操作需要 If-Match 请求头携带工单版本",
        "This action needs an If-Match header with the case version",
    ),
    "idempotency_key_reused": ("幂等键已用于内容不同的请求", "This Idempotency-Key was used for a different request"),
    "idempotency_in_flight": (
        "相同幂等键的请求正在处理中",
        "A request with this Idempotency-Key is still being processed",
    ),
    "idempotency_key_invalid": ("幂等键须为 1–200 个可见字符", "An Idempotency-Key is 1–200 visible characters"),
    "cursor_invalid": ("分页游标无效", "The pagination cursor is invalid"),
    "query_invalid": ("查询参数无效：{reason}", "Invalid query: {reason}"),
    "region_outside_scope": ("{code} 不在您所属中心的辖区内", "{code} is outside your centre's jurisdiction"),
    "caller_phone_invalid": ("来电号码无效", "Invalid caller phone number"),
    "nothing_to_change": ("没有需要修改的内容", "Nothing to change"),
    "id_number_invalid": (
        "身份证号码无效（须为 18 位、出生日期真实且校验码正确）",
        "Invalid resident ID number (18 characters, a real birth date and a valid check character)",
    ),
    "id_number_length": (
        "身份证号码须为 18 位（15 位旧号码会自动升位）",
        "A resident ID number has 18 characters (a 15-digit old number is converted)",
    ),
    "id_number_format": (
        "身份证号码前 17 位须为数字，最后一位为数字或 X",
        "The first 17 characters are digits and the last a digit or X",
    ),
    "id_number_checksum": (
        "身份证号码校验码不正确，请核对每一位",
        "The check character does not match; check each digit",
    ),
    "id_number_birth_invalid": ("身份证号码中的出生日期不存在", "The birth date in the number does not exist"),
    "id_number_birth_too_old": (
        "身份证号码中的出生日期早于 130 年前，请核对",
        "The birth date in the number is more than 130 years ago; check it",
    ),
    "id_number_birth_future": (
        "身份证号码中的出生日期 {birth} 晚于今天",
        "The birth date in the ID number ({birth}) is in the future",
    ),
    "period_end_before_start": ("结束时间须晚于开始时间", "The end must come after the start"),
    "field_not_removable": ("{field} 不能清空", "{field} cannot be removed"),
    # A decision against the recorded rule result (app/core/overrides.py): aid, eldercare, the time bank.
    "decision_contradicts_check": (
        "该决定与最近一次记录的核查结果不符（{what}），须由领导说明理由后签批",
        "The decision departs from the latest recorded check ({what}); a leader must sign it off with a reason",
    ),
    "override_not_allowed": (
        "只有领导可以签批与核查结果不符的决定", "Only a leader may sign off a decision against the check",
    ),
    "override_reason_required": (
        "签批与核查结果不符的决定须说明理由（至少 {min} 个字）",
        "Signing off a decision against the check needs a reason (at least {min} characters)",
    ),
}


# Titles for the codes whose messages carry details; RFC 9457 titles do not vary.
TITLES: dict[str, tuple[str, str]] = {
    "query_parameter_unknown": ("不支持的查询参数", "Unknown query parameters"),
    "rate_limited": ("请求过于频繁", "Too many requests"),
    "version_stale": ("工单版本已过期", "Stale version"),
    "query_invalid": ("查询参数无效", "Invalid query"),
    "region_outside_scope": ("区划不在辖区内", "Region outside jurisdiction"),
    "id_number_birth_future": ("出生日期晚于今天", "Birth date in the future"),
    "field_not_removable": ("字段不能清空", "Field cannot be removed"),
    "decision_contradicts_check": ("决定与核查结果不符", "Decision departs from the check"),
    "override_reason_required": ("签批须说明理由", "Override needs a reason"),
}

_catalogue: dict[str, tuple[str, str]] = dict(MESSAGES)
_titles: dict[str, tuple[str, str]] = dict(TITLES)


def install(messages: Mapping[str, tuple[str, str]], titles: Mapping[str, tuple[str, str]]) -> None:
    """Adds the packages' codes (idempotent: the same code with the same text may be installed again)."""
    for target, source in ((_catalogue, messages), (_titles, titles)):
        for code, pair in source.items():
            if target.get(code, pair) != pair:
                raise ValueError(f"error code {code!r} is defined twice with different texts")
            target[code] = pair


def text_of(code: str) -> tuple[str, str] | None:
    return _catalogue.get(code)


def title_of(code: str) -> tuple[str, str] | None:
    return _titles.get(code) or _catalogue.get(code)


def catalogue() -> Mapping[str, tuple[str, str]]:
    return _catalogue
