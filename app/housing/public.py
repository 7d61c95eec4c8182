"""Residence registration as an Open311 (GeoReport v2) service: a partner app (a city's rental-housing app, a
landlords' platform) files a tenancy with `POST /open311/v2/requests` under `service_code=housing.rental_registration`,
and the tenancy is filed through this package's own service (service.file), checked as any filing is.

GeoReport v2 attributes are flat `attribute[code]=value` pairs, so a tenancy is sent as:

- the rented home: the spec's own `address_string` (building and room, required) with `address_id` (the
  community's 12-digit region code) unless `address_string` alone places it in a community;
- `attribute[filed_by]`: `landlord` or `tenant` (the first tenant files);
- `attribute[landlord_name]`, `attribute[landlord_id_number]`, optional `attribute[landlord_phone]`;
- `attribute[tenant_1_name]`, `attribute[tenant_1_id_number]` (required), up to `tenant_5_…` (`TENANT_SLOTS`;
  larger households file at the counter or in the app, which take twenty);
- `attribute[start_date]`, `attribute[end_date]`: the first and the last day lived in, as `YYYY-MM-DD` (the spec
  knows no date type: they are `datetime` attributes whose datatype_description says so);
- the spec's `description` is the filing's note; `phone` is the filer's number when a tenant files.

Every refusal names the attribute (`attribute[tenant_1_id_number]`) or standard parameter it is about, and writes
nothing. An unknown attribute is refused too.
"""

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from app.core.context import Ctx
from app.core.errors import AppError, field_errors_of
from app.core.plugins import PublicRequest, PublicService, ServiceAttribute
from app.housing import schemas as s
from app.housing import service
from app.models import Case

TENANT_SLOTS = 5
DATE = "日期，格式 YYYY-MM-DD / a date, YYYY-MM-DD"


def _attributes() -> tuple[ServiceAttribute, ...]:
    fixed = (
        ServiceAttribute("filed_by", "singlevaluelist", True, "申报人：出租人或承租人（第一承租人）", 1,
                         "who files / 申报人", values=(("landlord", "出租人"), ("tenant", "承租人"))),
        ServiceAttribute("landlord_name", "string", True, "出租人姓名", 2, "the landlord's name"),
        ServiceAttribute("landlord_id_number", "string", True, "出租人居民身份证号码", 3,
                         "the landlord's identity number (18 digits)"),
        ServiceAttribute("landlord_phone", "string", False, "出租人手机号码", 4, "the landlord's mobile"),
        ServiceAttribute("start_date", "datetime", True, "租期开始日期（入住之日）", 5, DATE),
        ServiceAttribute("end_date", "datetime", True, "租期结束日期（租期届满之日）", 6, DATE),
    )
    tenants = tuple(a for n in range(1, TENANT_SLOTS + 1) for a in (
        ServiceAttribute(f"tenant_{n}_name", "string", n == 1, f"承租人{n}姓名", 5 + 2 * n, f"tenant {n}'s name"),
        ServiceAttribute(f"tenant_{n}_id_number", "string", n == 1, f"承租人{n}居民身份证号码", 6 + 2 * n,
                         f"tenant {n}'s identity number (18 digits)")))
    return fixed + tenants


ATTRIBUTES = _attributes()
CODES = frozenset(a.code for a in ATTRIBUTES)
NAMED = {"region_code": "address_id", "address": "address_string", "note": "description"}


def _field_of(field: str, slots: list[int]) -> str:
    """The attribute or standard parameter a field of the filing comes from."""
    parts = field.split(".")
    if parts[0] in NAMED:
        return NAMED[parts[0]]
    if parts[0] == "landlord" and len(parts) == 2:
        return f"attribute[landlord_{parts[1]}]"
    if parts[0] == "tenants" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(slots):
        return f"attribute[tenant_{slots[int(parts[1])]}_{parts[2]}]"
    if parts[0] == "tenants":
        return "attribute[tenant_1_name]"
    return f"attribute[{parts[0]}]" if parts[0] in CODES else field


def _renamed(exc: AppError, slots: list[int]) -> AppError:
    exc.field_errors = [{**e, "field": _field_of(e["field"], slots)} for e in exc.field_errors or []]
    return exc


def _tenancy(request: PublicRequest) -> tuple[dict[str, Any], list[int]]:
    """The filing the attributes describe, and which tenant slot each listed tenant came from."""
    a: Mapping[str, str] = request.attributes
    problems = [{"field": f"attribute[{code}]", "code": "extra_forbidden"} for code in sorted(a) if code not in CODES]
    problems += [{"field": f"attribute[{x.code}]", "code": "missing"} for x in ATTRIBUTES
                 if x.required and not a.get(x.code)]
    if request.region_code is None:
        problems.append({"field": "address_id", "code": "tenancy_not_placed"})
    slots = [n for n in range(1, TENANT_SLOTS + 1)
             if a.get(f"tenant_{n}_name") or a.get(f"tenant_{n}_id_number")]
    if problems:
        raise AppError("validation_failed", 400, field_errors=problems)
    raw = {"filed_by": a["filed_by"], "region_code": request.region_code, "address": request.address,
           "landlord": {"name": a["landlord_name"], "id_number": a["landlord_id_number"],
                        "phone": a.get("landlord_phone")},
           "tenants": [{"name": a.get(f"tenant_{n}_name", ""), "id_number": a.get(f"tenant_{n}_id_number", "")}
                       for n in slots],
           "start_date": a["start_date"], "end_date": a["end_date"], "note": request.description}
    return {k: v for k, v in raw.items() if v is not None}, slots


async def create(ctx: Ctx, request: PublicRequest) -> Case:
    raw, slots = _tenancy(request)
    try:
        body = s.TenancyCreate.model_validate(raw)
        return await service.file(ctx, body, app=request.app, phone=request.phone)
    except ValidationError as exc:
        raise _renamed(AppError("validation_failed", 400, field_errors=field_errors_of(exc)), slots) from exc
    except AppError as exc:
        raise _renamed(exc, slots) from None


SERVICE = PublicService(
    service_code=service.CATEGORY, attributes=ATTRIBUTES, create=create,
    notice="已受理，社区将在时限内核验并出具居住登记凭证；租期届满前提醒续租或退租")
