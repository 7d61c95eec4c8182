"""How people and roles read in the audit trail, with no more personal data than an auditor needs. Pure.

Staff act under their own names (an auditor must know who read what); residents and volunteers, as actors or as
whose record was read, appear by a masked name and their id, which a registrar can resolve when a case needs it.
Free text an actor typed (a reason, a note) may carry a phone or ID number: those are masked wherever they appear.
"""

from typing import Any

from app.core.observability import redact

# Roles whose people are data subjects: their names are masked when they appear in the trail.
SUBJECT_ROLES = frozenset({"resident", "volunteer"})

ROLE_NAMES: dict[str, tuple[str, str]] = {
    "resident": ("居民", "Resident"),
    "agent": ("话务/窗口受理员", "Hotline or counter agent"),
    "unit_staff": ("承办单位工作人员", "Unit staff"),
    "dispatcher": ("中心派单/督办员", "Centre dispatcher"),
    "volunteer": ("志愿者", "Volunteer"),
    "admin": ("系统管理员", "Administrator"),
    "auditor": ("审计员", "Auditor"),
}


def mask_name(name: str | None) -> str | None:
    """李*国, 李*, 欧阳**锋: the first and (from three characters) the last character kept."""
    if not name:
        return name
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def person_name(name: str | None, role: str | None) -> str | None:
    """An account holder's name as the trail shows it: masked for residents and volunteers."""
    return mask_name(name) if role in SUBJECT_ROLES else name


def role_label(role: str | None, english: bool) -> str | None:
    if role is None:
        return None
    zh, en = ROLE_NAMES.get(role, (role, role))
    return en if english else zh


def scrub(value: Any) -> Any:
    """The value with every phone and ID number in its text masked, at any depth of a JSON document."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {str(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value
