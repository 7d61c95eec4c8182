"""Who is responsible: a pure resolver from case facts and reference data.

谁主管、谁负责 — the category picks the kind of unit; 属地管理 — the place
picks which one. The most specific rule wins (category depth, then region
depth, then work-order type), priority breaks ties, and a tie that priority
cannot break is decided by the lowest rule id and reported. With no rule, or
no unit of the rule's kind up the region tree, the fallback unit kind (the
district government, 区政府兜底) takes the case and the decision says so.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.core.romanize import unit_name_en

LEVEL_DEPTH = {"province": 1, "city": 2, "district": 3, "subdistrict": 4, "community": 5}


@dataclass(frozen=True)
class RegionNode:
    code: str
    name: str
    level: str
    parent_code: str | None
    statistical: bool = False
    profile_code: str | None = None  # the deadline profile of this region and everything under it
    name_en: str = ""


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str
    kind: str
    region_code: str
    name_en: str = ""


@dataclass(frozen=True)
class RuleRef:
    id: int
    category_code: str
    region_code: str | None
    work_order_type: str | None
    lead_kind: str
    co_kinds: tuple[str, ...]
    handling_class: str = "standard"
    priority: int = 100
    note: str | None = None


@dataclass(frozen=True)
class CategoryNode:
    code: str
    name: str
    parent_code: str | None
    name_en: str = ""
    active: bool = True  # a retired category stays on the cases filed under it; new cases cannot take it


@dataclass(frozen=True)
class Snapshot:
    """Everything the resolver reads, loaded once and shared between requests."""

    regions: Mapping[str, RegionNode]
    categories: Mapping[str, CategoryNode]
    rules_by_category: Mapping[str, Sequence[RuleRef]]
    units_by_place: Mapping[tuple[str, str], Sequence[UnitRef]]  # (region_code, kind) -> active units
    kind_names: Mapping[str, str] = field(default_factory=dict)
    kind_names_en: Mapping[str, str] = field(default_factory=dict)
    fallback_kind: str = "district_government"
    units_by_id: Mapping[int, UnitRef] = field(default_factory=dict)  # active units, for naming them in views


@dataclass(frozen=True)
class Facts:
    category_code: str
    region_code: str
    work_order_type: str
    urgency: str = "normal"
    kind: str = "hotline"


@dataclass(frozen=True)
class Step:
    text: str
    text_en: str

    def as_dict(self) -> dict[str, str]:
        return {"text": self.text, "text_en": self.text_en}


@dataclass(frozen=True)
class Decision:
    lead: UnitRef
    co_handlers: tuple[UnitRef, ...]
    rule: RuleRef | None
    handling_class: str
    fallback: bool
    tie: bool
    trace: tuple[Step, ...]

    def trace_dicts(self) -> list[dict[str, Any]]:
        return [s.as_dict() for s in self.trace]


def english_unit_name(regions: Mapping[str, RegionNode], kinds_en: Mapping[str, str], unit: Any) -> str:
    """A unit's English name from its place and its kind (units carry only their Chinese name)."""
    region = regions.get(unit.region_code)
    place = region.name_en if region else unit.region_code
    return unit_name_en(place, kinds_en.get(unit.kind, unit.kind.replace("_", " ")))


class RoutingDataError(Exception):
    """The reference data cannot route this place at all (no fallback unit)."""


Node = TypeVar("Node", RegionNode, CategoryNode)


def _up(nodes: Mapping[str, Node], code: str) -> list[Node]:
    """The node and its parents, nearest first."""
    chain: list[Node] = []
    current = nodes.get(code)
    while current is not None:
        chain.append(current)
        current = nodes.get(current.parent_code) if current.parent_code else None
    return chain


def region_chain(snapshot: Snapshot, code: str) -> list[RegionNode]:
    return _up(snapshot.regions, code)


def profile_of(snapshot: Snapshot, code: str, default: str) -> str:
    """The deadline profile a place runs under: the nearest region up the tree that names one, else the
    deployment's default (one installation can serve districts under different rules)."""
    for region in region_chain(snapshot, code):
        if region.profile_code:
            return region.profile_code
    return default


def category_chain(snapshot: Snapshot, code: str) -> list[CategoryNode]:
    """The category and its parents, nearest first. A category in force stops below a retired parent (the
    retired group's rules no longer apply to it); a retired category, still on the cases filed under it, keeps
    its whole chain as it was."""
    chain = _up(snapshot.categories, code)
    if chain and chain[0].active:
        for i, node in enumerate(chain):
            if not node.active:
                return chain[:i]
    return chain


def _specificity(rule: RuleRef, cat_depth: Mapping[str, int], regions: Mapping[str, RegionNode]) -> tuple:
    region_depth = LEVEL_DEPTH.get(regions[rule.region_code].level, 0) if rule.region_code else 0
    return (cat_depth[rule.category_code], region_depth, 1 if rule.work_order_type else 0)


def _describe(rule: RuleRef) -> tuple[str, str]:
    scope_zh = f"区域 {rule.region_code}" if rule.region_code else "全域"
    scope_en = f"region {rule.region_code}" if rule.region_code else "everywhere"
    type_zh = f"，类型 {rule.work_order_type}" if rule.work_order_type else ""
    type_en = f", type {rule.work_order_type}" if rule.work_order_type else ""
    return (f"规则 #{rule.id}（{rule.category_code}，{scope_zh}{type_zh}，优先级 {rule.priority}）",
            f"rule #{rule.id} ({rule.category_code}, {scope_en}{type_en}, priority {rule.priority})")


def find_unit(snapshot: Snapshot, chain: Sequence[RegionNode], kind: str) -> UnitRef | None:
    """The unit of `kind` nearest the case: walk up from the community (属地管理)."""
    for region in chain:
        units = snapshot.units_by_place.get((region.code, kind))
        if units:
            return min(units, key=lambda u: u.id)
    return None


def lead_of_kind(snapshot: Snapshot, regions: Sequence[RegionNode], kind: str | None,
                 steps: list[Step]) -> tuple[UnitRef, bool]:
    """The nearest unit of `kind` up the region tree, else the fallback unit (兜底); the steps say which."""
    lead = find_unit(snapshot, regions, kind) if kind else None
    if kind is not None and lead is None:
        steps.append(Step(f"辖区内找不到类型为 {kind} 的单位", f"No unit of kind {kind} has jurisdiction here"))
    if lead is None:
        lead = find_unit(snapshot, regions, snapshot.fallback_kind)
        if lead is None:
            raise RoutingDataError(f"no {snapshot.fallback_kind} above {regions[0].code if regions else '?'}")
        steps.append(Step(f"兜底：由 {lead.name} 承办（区政府兜底）",
                          f"Fallback: {lead.name} takes the case (district government backstop)"))
        return lead, True
    steps.append(Step(f"属地：主办单位为 {lead.name}（辖区 {lead.region_code}）",
                      f"Jurisdiction: lead is {lead.name} ({lead.region_code})"))
    return lead, False



def route_to_kind(snapshot: Snapshot, region_code: str, kind: str, first: Step) -> Decision:
    """A case routed by its unit kind alone: the nearest unit of `kind` up from `region_code` (else the fallback
    unit), standard handling, no co-handlers and no rule; the trace starts with `first`."""
    steps = [first]
    unit, fallback = lead_of_kind(snapshot, region_chain(snapshot, region_code), kind, steps)
    return Decision(lead=unit, co_handlers=(), rule=None, handling_class="standard", fallback=fallback, tie=False,
                    trace=tuple(steps))

def resolve(facts: Facts, snapshot: Snapshot) -> Decision:
    steps: list[Step] = []
    regions = region_chain(snapshot, facts.region_code)
    cats = category_chain(snapshot, facts.category_code)
    if not regions or not cats:
        raise RoutingDataError("unknown region or category")
    place = " / ".join(r.name for r in reversed(regions[:3]))
    steps.append(Step(f"事项：{cats[0].name}（{facts.category_code}）；地点：{place}（{facts.region_code}）",
                      f"Matter: {facts.category_code}; place: {facts.region_code}"))

    region_codes = {r.code for r in regions}
    cat_depth = {c.code: len(cats) - i for i, c in enumerate(cats)}
    candidates = [
        rule
        for cat in cats
        for rule in snapshot.rules_by_category.get(cat.code, ())
        if (rule.region_code is None or rule.region_code in region_codes)
        and (rule.work_order_type is None or rule.work_order_type == facts.work_order_type)
    ]
    considered = [rule for cat in cats for rule in snapshot.rules_by_category.get(cat.code, ())]
    for rule in considered:
        zh, en = _describe(rule)
        if rule in candidates:
            continue
        why_zh = "区域不符" if rule.region_code and rule.region_code not in region_codes else "工单类型不符"
        why_en = "other region" if rule.region_code and rule.region_code not in region_codes else "other type"
        steps.append(Step(f"不适用：{zh}，{why_zh}", f"Not applicable: {en}: {why_en}"))

    ranked = sorted(candidates, key=lambda r: (_specificity(r, cat_depth, snapshot.regions), r.priority, -r.id),
                    reverse=True)
    chosen = ranked[0] if ranked else None
    tie = False
    if chosen is not None:
        zh, en = _describe(chosen)
        steps.append(Step(f"选用：{zh}：主办单位类型 {snapshot.kind_names.get(chosen.lead_kind, chosen.lead_kind)}"
                          + (f"。说明：{chosen.note}" if chosen.note else ""),
                          f"Chosen: {en}: lead kind {chosen.lead_kind}"))
        for other in ranked[1:]:
            ozh, oen = _describe(other)
            same_spec = (_specificity(other, cat_depth, snapshot.regions)
                         == _specificity(chosen, cat_depth, snapshot.regions))
            if same_spec and other.priority == chosen.priority:
                tie = True
                steps.append(Step(f"并列：{ozh} 与所选规则同样具体、优先级相同，按规则编号较小者选用，请管理员调整",
                                  f"Tie: {oen} is as specific with equal priority; the lower id won — "
                                  "an administrator should resolve it"))
            elif same_spec:
                steps.append(Step(f"落选：{ozh}，同样具体但优先级较低", f"Lost: {oen}: equally specific, "
                                  "lower priority"))
            else:
                steps.append(Step(f"落选：{ozh}，不如所选规则具体", f"Lost: {oen}: less specific"))
    else:
        steps.append(Step("没有适用的派单规则", "No routing rule applies"))

    lead, fallback = lead_of_kind(snapshot, regions, chosen.lead_kind if chosen else None, steps)

    co: list[UnitRef] = []
    for kind in (chosen.co_kinds if chosen and not fallback else ()):
        unit = find_unit(snapshot, regions, kind)
        if unit is None:
            steps.append(Step(f"协办：辖区内找不到类型为 {kind} 的单位，略过",
                              f"Co-handler: no unit of kind {kind} here, skipped"))
        elif unit.id != lead.id and unit not in co:
            co.append(unit)
            steps.append(Step(f"协办单位：{unit.name}", f"Co-handler: {unit.name}"))
    handling_class = chosen.handling_class if chosen and not fallback else "standard"
    return Decision(lead=lead, co_handlers=tuple(co), rule=chosen,
                    handling_class=handling_class, fallback=fallback, tie=tie, trace=tuple(steps))
