"""Residence registration's pure rules: tenancy dates, months of continuous registration, the stage table, and
the profile section every seeded profile carries."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from app.cases.lifecycle import Actor, LifecycleError, Status
from app.cases.stages import StageView
from app.core.config import ROOT
from app.housing import residence as r
from app.housing.limits import HousingLimits
from app.housing.rules import MACHINE, Stage

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2027, 12, 31), 2, date(2028, 2, 29)),
    (date(2026, 11, 23), 12, date(2027, 11, 23)),
    (date(2026, 3, 15), -3, date(2025, 12, 15)),
])
def test_add_months_keeps_the_day_or_the_month_end(day, months, expected):
    assert r.add_months(day, months) == expected


@pytest.mark.parametrize(("first", "last", "months"), [
    (date(2026, 1, 1), date(2026, 1, 31), 0),  # the first day does not count (民法典第二百零一条)
    (date(2026, 1, 1), date(2026, 2, 1), 1),  # a month ends on the corresponding day (第二百零二条)
    (date(2026, 1, 31), date(2026, 2, 27), 0),
    (date(2026, 1, 31), date(2026, 2, 28), 1),  # no 31 February: the month's last day
    (date(2026, 11, 23), date(2027, 11, 22), 11),
    (date(2026, 11, 23), date(2027, 11, 23), 12),
    (date(2026, 5, 1), date(2026, 4, 1), 0),
])
def test_whole_months(first, last, months):
    assert r.whole_months(first, last) == months


def test_tenancy_dates():
    today = date(2026, 11, 23)
    assert r.tenancy_refusal(date(2026, 12, 1), date(2026, 12, 1), today, 20) == ("tenancy_end_not_after_start",
                                                                                  "end_date")
    assert r.tenancy_refusal(date(2026, 1, 1), date(2026, 11, 22), today, 20) == ("tenancy_already_ended",
                                                                                  "end_date")
    assert r.tenancy_refusal(date(2026, 1, 1), date(2026, 11, 23), today, 20) is None  # its last day is today
    assert r.tenancy_refusal(date(2026, 1, 1), date(2045, 12, 31), today, 20) is None  # twenty years exactly
    assert r.tenancy_refusal(date(2026, 1, 1), date(2046, 1, 1), today, 20) == ("tenancy_term_too_long", "end_date")


def test_a_renewal_runs_twenty_years_from_the_day_it_is_agreed():
    assert not r.renewal_too_long(date(2030, 6, 1), date(2050, 5, 31), 20)  # longer than 20 years from the start
    assert r.renewal_too_long(date(2030, 6, 1), date(2050, 6, 1), 20)


def test_the_lapse_and_the_reminder_begin_local_days():
    assert r.lapses_at(date(2027, 5, 31), ZONE) == datetime(2027, 5, 31, 16, 0, tzinfo=UTC)  # 1 June 00:00 local
    assert r.remind_at(date(2027, 5, 31), 30, ZONE) == datetime(2027, 4, 30, 16, 0, tzinfo=UTC)  # 1 May 00:00


def P(a: str, b: str) -> r.Period:  # noqa: N802
    return r.Period(date.fromisoformat(a), date.fromisoformat(b))


def test_a_continuous_run_joins_touching_and_overlapping_registrations_up_to_today():
    today = date(2027, 6, 15)
    run = r.continuous_run([P("2027-01-01", "2027-03-31"), P("2026-06-01", "2026-12-31"),
                            P("2027-03-20", "2027-12-31")], today, 0)
    assert run == P("2026-06-01", "2027-06-15")
    # A day without registration breaks it, unless the profile tolerates the gap.
    gap = [P("2026-06-01", "2026-12-30"), P("2027-01-01", "2027-12-31")]
    assert r.continuous_run(gap, today, 0) == P("2027-01-01", "2027-06-15")
    assert r.continuous_run(gap, today, 1) == P("2026-06-01", "2027-06-15")
    # Not registered today: no run; a registration starting later is not counted yet.
    assert r.continuous_run([P("2026-01-01", "2027-06-14"), P("2027-07-01", "2027-12-31")], today, 0) is None


def test_residence_against_the_requirement():
    periods = [P("2026-11-23", "2027-05-31"), P("2027-06-01", "2028-05-31")]
    before = r.residence(periods, date(2027, 11, 22), 12, 0)
    assert (before.since, before.months, before.meets, before.meets_on) == (date(2026, 11, 23), 11, False,
                                                                            date(2027, 11, 23))
    on = r.residence(periods, date(2027, 11, 23), 12, 0)
    assert (on.months, on.meets) == (12, True)
    assert r.residence(periods, date(2028, 6, 1), 12, 0) == r.Residence(None, 0, 12, False, None)


def view(stage: str, status: Status = Status.dispatched, ends: datetime | None = None) -> StageView:
    return StageView(status=status, stage=stage, facts={"lapses_at": ends or datetime(2027, 6, 1, tzinfo=UTC),
                                                        "end_date": "2027-05-31"})


def test_the_stage_table():
    lead, requester = frozenset({Actor.lead}), frozenset({Actor.requester})
    assert MACHINE.decide("verify", view(Stage.filed), lead, NOW)[:2] == (Stage.registered, Status.replied)
    assert MACHINE.decide("reject", view(Stage.filed, Status.in_progress), lead, NOW)[:2] == (Stage.rejected,
                                                                                              Status.replied)
    # A registration outlives its case: kept after the reply and the close, by its filer too.
    assert MACHINE.decide("extend", view(Stage.registered, Status.closed), requester, NOW)[:2] == (
        Stage.registered, Status.closed)
    assert MACHINE.decide("end_early", view(Stage.registered, Status.replied), requester, NOW)[0] == Stage.ended
    with pytest.raises(LifecycleError) as refused:
        MACHINE.decide("verify", view(Stage.filed), requester, NOW)
    assert refused.value.code == "action_not_allowed"
    with pytest.raises(LifecycleError) as refused:
        MACHINE.decide("verify", view(Stage.filed, ends=NOW), lead, NOW)
    assert (refused.value.code, refused.value.params["ends"]) == ("tenancy_already_ended", "2027-05-31")
    for stage, code in ((Stage.lapsed, "registration_not_active"), (Stage.filed, "registration_not_active")):
        with pytest.raises(LifecycleError) as refused:
            MACHINE.decide("extend", view(stage, Status.replied), lead, NOW)
        assert refused.value.code == code
    with pytest.raises(LifecycleError) as refused:
        MACHINE.decide("verify", view(Stage.lapsed), lead, NOW)
    assert refused.value.code == "registration_finished"
    assert MACHINE.allowed(view(Stage.registered, Status.closed), requester, NOW) == ["extend", "end_early"]


def test_every_seeded_profile_has_a_housing_section_with_its_sources():
    profiles = yaml.safe_load((ROOT / "seed" / "deadline_profiles.yaml").read_text())
    parsed = {p["code"]: HousingLimits.parse(p["spec"]["housing"]) for p in profiles}
    assert set(parsed) == {"beijing_2021", "shanghai_subdistrict", "shenzhen", "shandong"}
    shenzhen = parsed["shenzhen"]
    assert shenzhen.residence_permit_months == 12 and "[unverified]" in shenzhen.residence_permit_basis
    assert {p.residence_permit_months for c, p in parsed.items() if c != "shenzhen"} == {6}
    assert all(p.max_term_years == 20 and p.verify.unit == "working_days" for p in parsed.values())
    with pytest.raises(ValueError, match="calendar days"):
        HousingLimits.parse({**profiles[0]["spec"]["housing"], "reminder_before": {"working_days": 5}})
