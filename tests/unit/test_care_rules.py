"""Eldercare eligibility, volunteer ranking, volunteer rules and the time bank's rules, as pure functions."""

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from app.care_policy.policy import CarePolicy, FlagFact, PersonFacts
from app.cases.lifecycle import Actor, LifecycleError, Status
from app.cases.stages import StageView
from app.core.clock import age_on
from app.core.region_codes import jurisdiction_prefix, within
from app.eldercare import matching, rules
from app.eldercare.eligibility import decide
from app.volunteers import ledger
from app.volunteers import rules as vrules

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 23)
POLICIES = {p["code"]: CarePolicy.parse(p["code"], p["spec"])
            for p in yaml.safe_load(Path("seed/care_policies.yaml").read_text(encoding="utf-8"))}
NANJING = POLICIES["nanjing"]


def facts(birth: date, **flags: str | None) -> PersonFacts:
    return PersonFacts(birth, {k: FlagFact(v, "民政局认定", date(2024, 1, 1)) for k, v in flags.items()})


# --- eligibility ---------------------------------------------------------------------------------------------

def test_age_counts_whole_years_up_to_the_birthday():
    assert age_on(date(1944, 11, 23), TODAY) == 82
    assert age_on(date(1944, 11, 24), TODAY) == 81
    assert age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25


@pytest.mark.parametrize(("person", "service", "level", "percent", "codes"), [
    (facts(date(1944, 3, 12), living_alone=None), "meal", "high", 70, ["band:high", "age"]),
    (facts(date(1950, 1, 1), tekun=None), "meal", "full", 100, ["band:full", "flag:tekun"]),
    (facts(date(1962, 1, 1), dibao=None), "cleaning", "full", 100, ["band:full", "flag:dibao"]),
    (facts(date(1955, 1, 1), care_level="3"), "bathing", "full", 100, ["band:full", "care_level"]),
    (facts(date(1955, 1, 1), care_level="2"), "bathing", "high", 70, ["band:high", "care_level"]),
    (facts(date(1960, 1, 1), disability_grade="1"), "mobility", "high", 70, ["band:high", "disability_grade"]),
    (facts(date(1954, 1, 1), living_alone=None), "meal", "basic", 40, ["band:basic", "flag:living_alone"]),
    (facts(date(1955, 6, 1)), "meal", "basic", 40, ["band:basic", "age"]),  # 71
])
def test_the_first_band_met_decides_the_level_and_says_why(person, service, level, percent, codes):
    result = decide(NANJING, person, service, TODAY)
    assert (result.subsidised, result.level, result.percent) == (True, level, percent)
    assert [r.code for r in result.reasons] == codes


def test_no_band_met_is_unsubsidised_and_says_what_was_checked():
    result = decide(NANJING, facts(date(1961, 3, 1)), "cleaning", TODAY)  # 65, no flags
    assert (result.subsidised, result.level, result.percent, result.age) == (False, None, 0, 65)
    assert result.reasons[0].code == "no_band"
    assert "自费" in result.reasons[0].text


def test_under_the_minimum_age_without_disability_is_refused_but_disability_counts():
    young = decide(NANJING, facts(date(1980, 1, 1)), "meal", TODAY)
    assert (young.subsidised, young.reasons[0].code) == (False, "under_age")
    disabled = decide(NANJING, facts(date(1980, 1, 1), disability_grade="2"), "mobility", TODAY)
    assert (disabled.subsidised, disabled.level) == (True, "high")


def test_a_band_limited_to_visits_applies_to_visits_only():
    person = facts(date(1964, 1, 1), living_alone=None)  # 62 and alone
    assert (decide(NANJING, person, "visit", TODAY).level, decide(NANJING, person, "visit", TODAY).percent) == (
        "visit", 100)
    assert decide(NANJING, person, "meal", TODAY).level == "basic"
    shanghai = POLICIES["shanghai"]  # no basic band: living alone only opens the free visits
    assert decide(shanghai, facts(date(1950, 1, 1), living_alone=None), "visit", TODAY).level == "visit"
    assert decide(shanghai, facts(date(1950, 1, 1), living_alone=None), "meal", TODAY).subsidised is False


def test_policy_limits_and_validation():
    assert NANJING.handling_limit("emergency").describe()["text"] == "2 小时"
    assert NANJING.handling_limit("meal").unit == "working_days"
    assert NANJING.handling_limit("visit").amount == 3
    with pytest.raises(ValueError):
        CarePolicy.parse("bad", {**yaml.safe_load(Path("seed/care_policies.yaml").read_text())[0]["spec"],
                                 "surprise": 1})


# --- the stage machine -----------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)


def view(stage: str, status: Status = Status.in_progress, **visits: int) -> StageView:
    return StageView(status=status, stage=stage, facts={"visits": visits})


def test_an_order_is_scheduled_then_completed_only_when_a_visit_is_done_and_none_open():
    assert rules.MACHINE.decide("schedule", view("requested", Status.dispatched), frozenset({Actor.lead}),
                                NOW)[:2] == ("scheduled", Status.in_progress)
    with pytest.raises(LifecycleError) as exc:
        rules.MACHINE.decide("complete", view("scheduled", scheduled=1), frozenset({Actor.lead}), NOW)
    assert exc.value.code == "no_visit_done"
    with pytest.raises(LifecycleError) as exc:
        rules.MACHINE.decide("complete", view("in_service", done=1, checked_in=1), frozenset({Actor.lead}), NOW)
    assert exc.value.code == "visit_in_progress"
    assert rules.MACHINE.decide("complete", view("scheduled", done=1), frozenset({Actor.lead}), NOW)[:2] == (
        "served", Status.replied)
    with pytest.raises(LifecycleError) as exc:
        rules.MACHINE.decide("complete", view("requested"), frozenset({Actor.lead}), NOW)
    assert exc.value.code == "nothing_scheduled"
    with pytest.raises(LifecycleError) as exc:
        rules.MACHINE.decide("schedule", view("requested"), frozenset({Actor.co, Actor.requester}), NOW)
    assert exc.value.code == "action_not_allowed"


@pytest.mark.parametrize(("counts", "current", "expected"), [
    ({}, "requested", "requested"), ({"scheduled": 1}, "requested", "scheduled"),
    ({"checked_in": 1, "done": 1}, "scheduled", "in_service"), ({"done": 2}, "in_service", "scheduled"),
    ({"cancelled": 1}, "scheduled", "requested"), ({"done": 1}, "served", "served"),
])
def test_the_stage_follows_the_visits(counts, current, expected):
    assert rules.stage_after_visits(counts, current) == expected


# --- ranking volunteers ----------------------------------------------------------------------------------------

TUESDAY_NOON = datetime(2026, 11, 24, 11, 30, tzinfo=ZONE)
WEEKDAYS = tuple(matching.Slot(d, time(8), time(18)) for d in range(1, 6))


def vol(id_: int, region: str, skills=("meal_delivery",), slots=WEEKDAYS, age=30, ratings=(0, 0), busy=()):
    return matching.VolunteerFacts(id_, f"v{id_}", region, frozenset(skills), slots, age, ratings[0], ratings[1],
                                   busy)


def rank(volunteers, **kw):
    return matching.rank(volunteers, needed_skills=frozenset({"meal_delivery", "cooking"}),
                         elder_region="440304002017", at=TUESDAY_NOON, minutes=60, min_age=18, zone=ZONE, **kw)


def test_nearer_available_and_better_rated_volunteers_come_first_with_reasons():
    ranked, excluded = rank([
        vol(1, "440304001020"),  # same district
        vol(2, "440304002017", slots=()),  # same community, no slot
        vol(3, "440304002017"),  # same community, free
        vol(4, "440304002001"),  # same subdistrict
        vol(5, "440305001001"),  # another district
        vol(6, "440304002017", ratings=(50, 10)),  # same community, rated 5.0 ten times
    ])
    assert [c.volunteer_id for c in ranked] == [6, 3, 4, 2, 1, 5]
    assert ranked[0].reasons[1] == ("同一社区", "same community")
    assert ("该时段有空", "available at that time") in ranked[1].reasons
    assert ("该时段不在其登记的服务时间内", "outside the times offered") in ranked[3].reasons
    assert excluded == []


def test_skill_age_and_clashes_are_gates_not_points():
    busy = ((TUESDAY_NOON.astimezone(UTC), TUESDAY_NOON.astimezone(UTC).replace(hour=5)),)
    ranked, excluded = rank([vol(1, "440304002017", skills=("haircut",)), vol(2, "440304002017", age=16),
                             vol(3, "440304002017", busy=busy), vol(4, "440304002017")])
    assert [c.volunteer_id for c in ranked] == [4]
    assert {(e.volunteer_id, e.code) for e in excluded} == {
        (1, "no_matching_skill"), (2, "under_age_for_home_visits"), (3, "busy_at_that_time")}


def test_one_five_star_visit_does_not_beat_many_near_five():
    assert matching.smoothed_rating(5, 1) < matching.smoothed_rating(480, 100)
    assert matching.smoothed_rating(0, 0) == matching.PRIOR_MEAN


def test_availability_needs_the_whole_visit_inside_a_slot():
    late = (matching.Slot(2, time(8), time(12)),)
    assert matching.available(late, TUESDAY_NOON, 30, ZONE) is True
    assert matching.available(late, TUESDAY_NOON, 31, ZONE) is False
    assert matching.available((matching.Slot(3, time(8), time(18)),), TUESDAY_NOON, 30, ZONE) is False


def test_needed_skills_come_from_the_taxonomy():
    taxonomy = [("meal_delivery", ["meal"]), ("cooking", ["meal", "day_care"]), ("haircut", ["day_care"])]
    assert matching.needed_skills("meal", taxonomy) == {"meal_delivery", "cooking"}
    assert matching.needed_skills("emergency", taxonomy) == frozenset()


# --- volunteers ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("birth", "consent_14_18", "needed"), [
    (date(2015, 12, 31), True, "under_14"), (date(2012, 11, 24), False, "under_14"),
    (date(2012, 11, 23), True, "minor"), (date(2012, 11, 23), False, None),
    (date(2008, 11, 24), True, "minor"), (date(2008, 11, 23), True, None),
])
def test_guardian_consent_by_age(birth, consent_14_18, needed):
    policy = NANJING.volunteers.model_copy(update={"guardian_consent_14_to_18": consent_14_18})
    assert vrules.consent_needed(policy, birth, TODAY) == needed


@pytest.mark.parametrize(("hours", "stars", "next_at"), [
    (0, 0, 100), (99.99, 0, 100), (100, 1, 300), (299, 1, 300), (300, 2, 600), (600, 3, 1000), (1000, 4, 1500),
    (1500, 5, None), (4000, 5, None),
])
def test_stars_come_at_the_policy_hours(hours, stars, next_at):
    minutes = round(hours * 60)
    assert vrules.stars(NANJING.volunteers, minutes) == stars
    assert vrules.next_star(NANJING.volunteers, minutes) == next_at


def test_certified_minutes_stay_inside_the_window():
    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 11, day, hour, minute, tzinfo=UTC)

    opens, closes = at(24, 2, 30), at(24, 4, 30)
    assert vrules.certified_minutes(at(24, 3), at(24, 4), opens, closes) == 60
    assert vrules.certified_minutes(at(20, 3), at(24, 4), opens, closes) == 90  # a back-dated check-in
    assert vrules.certified_minutes(at(24, 3), at(25, 9), opens, closes) == 90  # a forgotten check-out
    assert vrules.certified_minutes(at(24, 5), at(24, 6), opens, closes) == 0


def test_service_minutes_and_the_certificate_number():
    start = datetime(2026, 11, 24, 3, 25, tzinfo=UTC)
    assert vrules.service_minutes(start, start.replace(hour=4, minute=40, second=59)) == 75
    assert vrules.certificate_no(NANJING.volunteers, "440304", 42, TODAY) == "ZYFW-440304-2026-0000042"


# --- the time bank -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("own", "team", "deposit", "kept", "overflow"), [
    (0, 0, 75, 75, 0), (89_940, 0, 75, 60, 15), (89_000, 1_000, 75, 0, 75), (90_000, 0, 60, 0, 60),
    (45_000, 44_970, 60, 30, 30),
])
def test_a_deposit_keeps_what_fits_under_the_cap_and_the_rest_goes_to_the_pool(own, team, deposit, kept, overflow):
    split = ledger.split_deposit(own, team, deposit, NANJING.timebank.cap_hours * 60)
    assert (split.kept, split.overflow) == (kept, overflow)
    assert split.kept + split.overflow == deposit


@pytest.mark.parametrize(("relation", "age", "refusal"), [
    ("spouse", 40, None), ("parent", 65, None), ("parent", 59, "transfer_relative_too_young"),
    ("grandparent", 80, None), ("child", 30, "transfer_relative_too_young"), (None, 70, "transfer_not_relative"),
    ("guardian", 70, "transfer_not_relative"), ("ward", 70, "transfer_not_relative"),
    ("sibling", 70, "transfer_not_relative"),  # 直系亲属 only
])
def test_transfers_go_to_the_spouse_or_relatives_aged_60_or_over(relation, age, refusal):
    assert ledger.transfer_refusal(relation, age, 60) == refusal


def test_jurisdiction_prefix_reads_the_level_from_the_code():
    assert jurisdiction_prefix("440304000000") == "440304"
    assert jurisdiction_prefix("440304002000") == "440304002"
    assert jurisdiction_prefix("440304002017") == "440304002017"
    assert within("440304002017", "440304002000") and not within("440304001020", "440304002000")
