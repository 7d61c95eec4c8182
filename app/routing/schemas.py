from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.units.schemas import UnitBrief

WorkOrderType = Literal["consultation", "help", "complaint", "report", "suggestion", "praise", "other"]
Urgency = Literal["normal", "urgent", "critical"]
HandlingClass = Literal["standard", "complex"]

WORK_ORDER_TYPE_NAMES = {
    "consultation": "咨询", "help": "求助", "complaint": "投诉", "report": "举报",
    "suggestion": "建议", "praise": "表扬/感谢", "other": "其他",
}


class CategoryBrief(BaseModel):
    code: str
    name: str


class CategoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    name_en: str
    parent: str | None = Field(validation_alias="parent_code")
    description: str | None
    leaf: bool = True
    national_code: str | None = Field(default=None, description="The national 12345 classification code "
                                                                "(GB/T 39666-2020) the city maps it to, if any")


class RoutingRuleBase(BaseModel):
    category: str = Field(max_length=64)
    region_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    work_order_type: WorkOrderType | None = None
    lead_kind: str = Field(max_length=48)
    co_kinds: list[str] = Field(default_factory=list, max_length=10)
    handling_class: HandlingClass = "standard"
    priority: int = Field(default=100, ge=0, le=10000)
    note: str | None = Field(default=None, max_length=300)


class RoutingRuleCreate(RoutingRuleBase):
    model_config = ConfigDict(extra="forbid")


class RoutingRuleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    work_order_type: WorkOrderType | None = None
    lead_kind: str | None = Field(default=None, max_length=48)
    co_kinds: list[str] | None = Field(default=None, max_length=10)
    handling_class: HandlingClass | None = None
    priority: int | None = Field(default=None, ge=0, le=10000)
    note: str | None = Field(default=None, max_length=300)
    active: bool | None = None


class RoutingRuleRead(RoutingRuleBase):
    id: int
    active: bool
    version: int
    updated_at: datetime

    @classmethod
    def of(cls, rule: Any) -> "RoutingRuleRead":
        return cls(id=rule.id, category=rule.category_code, region_code=rule.region_code,
                   work_order_type=rule.work_order_type, lead_kind=rule.lead_kind, co_kinds=rule.co_kinds,
                   handling_class=rule.handling_class, priority=rule.priority, note=rule.note, active=rule.active,
                   version=rule.version, updated_at=rule.updated_at)


class RoutingPreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(max_length=64)
    region_code: str = Field(pattern=r"^\d{12}$")
    work_order_type: WorkOrderType
    urgency: Urgency = "normal"
    kind: str = Field(default="hotline", max_length=16)


class RoutingDecisionRead(BaseModel):
    lead: UnitBrief
    co_handlers: list[UnitBrief]
    rule_id: int | None
    fallback: bool
    tie: bool
    handling_class: str
    profile: str
    deadlines: dict[str, Any]
    trace: list[dict[str, str]]
