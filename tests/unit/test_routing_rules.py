"""The pure resolver on a small, hand-made gazetteer."""

import pytest

from app.cases.lead_choice import co_by_router, lead_by_router
from app.routing.rules import (
    CategoryNode,
    Facts,
    RegionNode,
    RoutingDataError,
    RuleRef,
    Snapshot,
    UnitRef,
    resolve,
)

REGIONS = {r.code: r for r in [
    RegionNode("440300000000", "深圳市", "city", None),
    RegionNode("440304000000", "福田区", "district", "440300000000"),
    RegionNode("440304001000", "南园街道", "subdistrict", "440304000000"),
    RegionNode("440304001001", "A社区", "community", "440304001000"),
    RegionNode("440304002000", "园岭街道", "subdistrict", "440304000000"),
    RegionNode("440304002001", "B社区", "community", "440304002000"),
]}
CATEGORIES = {c.code: c for c in [
    CategoryNode("env", "生态环境", None), CategoryNode("env.noise", "噪声", "env"),
    CategoryNode("env.air", "大气", "env"), CategoryNode("other.other", "其他", None),
]}
UNITS = [
    UnitRef(1, "gov", "福田区人民政府", "district_government", "440304000000"),
    UnitRef(2, "eco", "生态环境局", "ecology_environment_bureau", "440304000000"),
    UnitRef(3, "so1", "南园街道办", "subdistrict_office", "440304001000"),
    UnitRef(4, "so2", "园岭街道办", "subdistrict_office", "440304002000"),
    UnitRef(5, "ws1", "A社区工作站", "community_workstation", "440304001001"),
    UnitRef(6, "ps1", "南园派出所", "police_station", "440304001000"),
]


def snapshot(*rules: RuleRef) -> Snapshot:
    by_cat: dict[str, list[RuleRef]] = {}
    for r in rules:
        by_cat.setdefault(r.category_code, []).append(r)
    by_place: dict = {}
    for u in UNITS:
        by_place.setdefault((u.region_code, u.kind), []).append(u)
    return Snapshot(regions=REGIONS, categories=CATEGORIES, rules_by_category=by_cat, units_by_place=by_place)


GENERAL = RuleRef(1, "env.noise", None, None, "ecology_environment_bureau",
                  ("community_workstation", "police_station"))


def facts(region="440304001001", category="env.noise", wot="complaint") -> Facts:
    return Facts(category_code=category, region_code=region, work_order_type=wot)


def test_general_rule_walks_up_to_the_nearest_unit():
    d = resolve(facts(), snapshot(GENERAL))
    assert d.lead.id == 2 and not d.fallback and d.rule == GENERAL
    assert [u.id for u in d.co_handlers] == [5, 6]
    assert any("生态环境局" in s.text for s in d.trace)


def test_missing_co_handler_kind_is_skipped_and_said():
    d = resolve(facts(region="440304002001"), snapshot(GENERAL))
    assert [u.id for u in d.co_handlers] == []  # no workstation, no police station in 园岭 here
    assert sum("略过" in s.text for s in d.trace) == 2


def test_region_override_beats_general_rule():
    override = RuleRef(2, "env.noise", "440304001000", None, "subdistrict_office", ())
    d = resolve(facts(), snapshot(GENERAL, override))
    assert d.lead.id == 3 and d.rule.id == 2
    # Outside the override's region the general rule applies.
    assert resolve(facts(region="440304002001"), snapshot(GENERAL, override)).lead.id == 2


def test_type_specific_rule_beats_general_and_loses_to_region():
    by_type = RuleRef(3, "env.noise", None, "consultation", "district_government", ())
    assert resolve(facts(wot="consultation"), snapshot(GENERAL, by_type)).rule.id == 3
    assert resolve(facts(wot="complaint"), snapshot(GENERAL, by_type)).rule.id == 1
    override = RuleRef(2, "env.noise", "440304001000", None, "subdistrict_office", ())
    assert resolve(facts(wot="consultation"), snapshot(GENERAL, by_type, override)).rule.id == 2


def test_leaf_rule_beats_group_rule():
    group = RuleRef(4, "env", "440304001000", None, "subdistrict_office", ())
    assert resolve(facts(category="env.air"), snapshot(GENERAL, group)).rule.id == 4
    assert resolve(facts(category="env.noise"), snapshot(GENERAL, group)).rule.id == 1


def test_priority_breaks_ties_and_equal_priority_is_reported():
    low = RuleRef(5, "env.noise", "440304001000", None, "subdistrict_office", (), priority=100)
    high = RuleRef(6, "env.noise", "440304001000", None, "ecology_environment_bureau", (), priority=200)
    d = resolve(facts(), snapshot(low, high))
    assert d.rule.id == 6 and not d.tie
    twin = RuleRef(7, "env.noise", "440304001000", None, "district_government", (), priority=200)
    d = resolve(facts(), snapshot(low, high, twin))
    assert d.rule.id == 6 and d.tie  # lowest id wins, and the trace says an admin should look
    assert any("并列" in s.text for s in d.trace)


def test_nothing_matches_goes_to_district_government():
    d = resolve(facts(category="other.other"), snapshot(GENERAL))
    assert d.fallback and d.lead.id == 1 and d.rule is None
    assert any("兜底" in s.text for s in d.trace)


def test_no_unit_of_the_kind_falls_back():
    rule = RuleRef(8, "env.air", None, None, "water_bureau", ("police_station",))
    d = resolve(facts(category="env.air"), snapshot(rule))
    assert d.fallback and d.lead.id == 1 and d.co_handlers == ()


def test_unknown_region_is_a_data_error():
    with pytest.raises(RoutingDataError):
        resolve(facts(region="999999999999"), snapshot(GENERAL))


def test_resolution_is_reproducible():
    snap = snapshot(GENERAL)
    assert resolve(facts(), snap) == resolve(facts(), snap)


# --- whose choice a case's lead is (app/cases/lead_choice.py) ---------------------------------------------------

def test_the_lead_is_the_routers_until_a_person_names_another():
    routed = ("dispatch", {"lead_unit_id": 7, "co_unit_ids": [9]})
    assert lead_by_router([routed]) is True
    assert lead_by_router([("dispatch", {"lead_unit_id": 7, "manual_lead": True})]) is False
    assert lead_by_router([routed, ("redispatch", {"lead_unit_id": 8})]) is False
    assert lead_by_router([routed, ("accept_return", {"lead_unit_id": 8})]) is False
    # The router decides again on a change of category or place, or when an import moves the unit.
    assert lead_by_router([routed, ("transfer", {"lead_unit_id": 8}), ("reroute", {"lead_unit_id": 5})]) is True
    assert lead_by_router([]) is False  # held at the centre: no lead


def test_a_redo_keeps_whose_choice_the_lead_was_unless_the_router_named_another():
    named = [("dispatch", {"lead_unit_id": 7}), ("redispatch", {"lead_unit_id": 8})]
    redo = {"result": "redo", "lead_unit_id": 8}
    assert lead_by_router([*named, ("callback", redo)]) is False
    assert lead_by_router([("dispatch", {"lead_unit_id": 7}), ("callback", {**redo, "lead_unit_id": 7})]) is True
    for key in ("retired_lead_unit_id", "moved_lead_unit_id"):
        assert lead_by_router([*named, ("callback", {**redo, "lead_unit_id": 4, key: 8})]) is True
    # A callback that closes, and events that name no lead, change nothing.
    assert lead_by_router([*named, ("callback", {"result": "closed"}), ("rate", {"result": "redo"})]) is False


def test_the_co_handlers_are_the_routers_until_a_person_adds_one_or_the_unit_leads():
    routed = ("dispatch", {"lead_unit_id": 7, "co_unit_ids": [9, 10]})
    assert co_by_router([routed]) == {9, 10}
    assert co_by_router([routed, ("add_co_handler", {"unit_id": 11})]) == {9, 10}  # a person's choice
    assert co_by_router([("dispatch", {"lead_unit_id": 7}), ("add_co_handler", {"unit_id": 9})]) == set()
    # A re-route replaces them; a co-handler promoted to lead, or dropped by a redo, is no longer one.
    assert co_by_router([routed, ("reroute", {"lead_unit_id": 5, "co_unit_ids": [12]})]) == {12}
    assert co_by_router([routed, ("redispatch", {"lead_unit_id": 9})]) == {10}
    redo = ("callback", {"result": "redo", "lead_unit_id": 7, "dropped_unit_ids": [10]})
    assert co_by_router([routed, redo]) == {9}
    assert co_by_router([routed, ("callback", {"result": "closed", "dropped_unit_ids": [10]})]) == {9, 10}
    assert co_by_router([]) == set()  # held at the centre
