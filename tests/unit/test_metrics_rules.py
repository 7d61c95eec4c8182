"""The pure parts of the figures: periods as people say them, what a case contributes, rates and ranking."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.metrics import facts as f
from app.metrics import periods
from app.metrics.periods import Days, PeriodError
from app.metrics.rates import DEFINITIONS, RATE_NAMES, Rate, add_day, describe, empty, rank, rate, rates_of
from app.models import MetricRegionDay, MetricUnitDay

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday 2 December, 10:00 in Shanghai


def parse(month=None, start=None, end=None, now=NOW):
    return periods.parse(month=month, start=start, end=end, now=now, zone=ZONE)


# ---------------------------------------------------------------- periods


def test_a_month_said_four_ways_is_the_same_days():
    month = Days(date(2026, 11, 1), date(2026, 11, 30))
    assert parse(month="2026-11") == month
    assert parse(start="2026-11-01", end="2026-11-30") == month
    assert parse(start="2026-11-01T00:00:00+08:00", end="2026-12-01T00:00:00+08:00") == month
    assert parse(start="2026-10-31T16:00:00Z", end="2026-11-30T16:00:00Z") == month
    assert month.label == "2026-11" and month.count == 30
    assert month.start(ZONE).isoformat() == "2026-11-01T00:00:00+08:00"
    assert month.end(ZONE).isoformat() == "2026-12-01T00:00:00+08:00"


def test_defaults_and_open_ends():
    assert parse() == Days(date(2026, 12, 1), date(2026, 12, 2))  # the current month so far
    assert parse(start="2026-11-15") == Days(date(2026, 11, 15), date(2026, 12, 2))
    assert parse(end="2026-11-30") == Days(date(2026, 11, 1), date(2026, 11, 30))  # the 30 days ending there
    assert parse(month="2024-02").last == date(2024, 2, 29)
    assert parse(month="2026-12").last == date(2026, 12, 31)
    assert parse(start="2026-11-05", end="2026-11-05").count == 1


def test_the_same_instant_twice_is_an_empty_period_not_an_error():
    empty_period = parse(start="2026-11-05T00:00:00+08:00", end="2026-11-05T00:00:00+08:00")
    assert empty_period.count == 0


@pytest.mark.parametrize(("kwargs", "field", "code"), [
    ({"month": "2026-13"}, "month", "period_month_invalid"),
    ({"month": "2026-1"}, "month", "period_month_invalid"),
    ({"month": "Nov 2026"}, "month", "period_month_invalid"),
    ({"month": "2026-11", "start": "2026-11-01"}, "month", "period_month_with_range"),
    ({"start": "2026-02-30"}, "from", "period_date_invalid"),
    ({"start": "yesterday"}, "from", "period_date_invalid"),
    ({"end": "2026-11-01T00:00:00"}, "to", "period_offset_missing"),
    ({"start": "2026-11-01T00:00:00Z"}, "from", "period_not_midnight"),
    ({"end": "2026-11-01T12:00:00+08:00"}, "to", "period_not_midnight"),
    ({"start": "2026-12-01", "end": "2026-11-01"}, "to", "period_invalid"),
    ({"start": "2026-11-02", "end": "2026-11-01"}, "to", "period_invalid"),
    ({"start": "2026-11-02T00:00:00+08:00", "end": "2026-11-01T00:00:00+08:00"}, "to", "period_invalid"),
    ({"start": "2024-01-01", "end": "2026-01-01"}, "to", "period_too_long"),
])
def test_periods_that_are_refused_name_their_parameter(kwargs, field, code):
    with pytest.raises(PeriodError) as caught:
        parse(**kwargs)
    assert (caught.value.field, caught.value.code) == (field, code)


def test_series_months_and_iso_weeks():
    months = periods.months_back(date(2026, 11, 1), 12)
    assert [m.label for m in months][:2] == ["2025-12", "2026-01"] and months[-1].label == "2026-11"
    weeks = periods.weeks_covering(date(2026, 11, 1), date(2026, 11, 30))
    assert weeks[0] == Days(date(2026, 10, 26), date(2026, 11, 1)) and weeks[0].label == "2026-W44"
    assert weeks[-1].label == "2026-W49" and all(w.count == 7 for w in weeks)


# ---------------------------------------------------------------- contributions


def at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=ZONE).astimezone(UTC)


def case(**kw) -> f.CaseRow:
    base = {"id": 1, "created_at": at(23, 10), "region_code": "440304001020", "lead_unit_id": 7,
            "status": "replied", "close_reason": None, "direct_answer": False, "handle_due": at(1, 0, 12),
            "replied_at": at(25, 10), "extension_days_granted": 0}
    return f.CaseRow(**{**base, **kw})


def lead(unit=7, **kw) -> f.LeadRow:
    base = {"id": 1, "unit_id": unit, "dispatched_at": at(23, 10), "sign_due": at(24, 10), "signed_at": at(23, 11),
            "finished_at": None}
    return f.LeadRow(**{**base, **kw})


def test_a_deadline_at_midnight_belongs_to_the_day_it_ends():
    assert f.deadline_day(at(1, 0, 12), ZONE) == date(2026, 11, 30)
    assert f.deadline_day(at(24, 10), ZONE) == date(2026, 11, 24)
    assert f.local_day(at(1, 0, 12), ZONE) == date(2026, 12, 1)


def test_a_straight_case_contributes_to_its_days():
    contrib = f.contribution(f.CaseRows(case(), (lead(),), (f.CallbackRow(at(26, 9), 7, True, "satisfied",
                                                                          "closed"),)), ZONE)
    street = "440304001"
    assert contrib == {
        (date(2026, 11, 23), 7, street): {"taken": 1, "dispatched": 1},
        (date(2026, 11, 24), 7, street): {"sign_due": 1, "responded": 1, "signed_on_time": 1},
        (date(2026, 11, 30), 7, street): {"handle_due": 1, "handled_on_time": 1},
        (date(2026, 11, 25), 7, street): {"replied": 1},
        (date(2026, 11, 26), 7, street): {"cb_valid": 1, "cb_solved": 1, "cb_satisfied": 1},
    }


def test_a_merged_duplicate_counts_once_as_merged_and_nowhere_else():
    rows = f.CaseRows(case(close_reason="merged", status="closed"), (lead(),),
                      (f.CallbackRow(at(26, 9), 7, True, "satisfied", "closed"),))
    assert f.contribution(rows, ZONE) == {(date(2026, 11, 23), 7, "440304001"): {"merged": 1}}


def test_a_return_is_a_response_but_not_a_signing():
    returned = lead(signed_at=None, finished_at=at(23, 15))
    rows = f.CaseRows(case(lead_unit_id=8, replied_at=None, status="dispatched"),
                      (returned, lead(unit=8, id=2, dispatched_at=at(23, 15), sign_due=at(24, 15), signed_at=None)),
                      events=(f.EventRow("return", at(23, 12), 7),))
    contrib = f.contribution(rows, ZONE)
    assert contrib[(date(2026, 11, 23), 7, "440304001")] == {"dispatched": 1, "returned": 1}
    assert contrib[(date(2026, 11, 24), 7, "440304001")] == {"sign_due": 1, "responded": 1}
    # The new unit has not signed: counted (late once the day is over), and the case's handling deadline is its.
    assert contrib[(date(2026, 11, 24), 8, "440304001")] == {"sign_due": 1}
    assert contrib[(date(2026, 11, 30), 8, "440304001")] == {"handle_due": 1}


def test_a_dispatch_taken_away_before_its_deadline_is_left_out_of_signing():
    rows = f.CaseRows(case(status="withdrawn", replied_at=None),
                      (lead(signed_at=None, finished_at=at(23, 12)),))
    contrib = f.contribution(rows, ZONE)
    assert all("sign_due" not in counts and "handle_due" not in counts for counts in contrib.values())
    assert contrib[(date(2026, 11, 23), 7, "440304001")] == {"taken": 1, "dispatched": 1}


def test_an_override_on_the_case_marks_the_reply():
    rows = f.CaseRows(case(), (lead(),), events=(f.EventRow("override", at(24, 9), 7),))
    assert f.contribution(rows, ZONE)[(date(2026, 11, 25), 7, "440304001")] == {"replied": 1, "overridden": 1}
    # After the reply too (a time-bank redemption a leader signed off once the care was given): on the reply's day.
    later = f.CaseRows(case(), (lead(),), events=(f.EventRow("override", at(26, 9), 7),))
    assert f.contribution(later, ZONE)[(date(2026, 11, 25), 7, "440304001")] == {"replied": 1, "overridden": 1}
    none = f.CaseRows(case(), (lead(),), events=(f.EventRow("return", at(24, 9), 7),))
    assert f.contribution(none, ZONE)[(date(2026, 11, 25), 7, "440304001")] == {"replied": 1}


def test_stored_form_round_trips_and_differences_add_up():
    rows = f.CaseRows(case(extension_days_granted=2), (lead(),))
    contrib = f.contribution(rows, ZONE)
    assert f.decode(f.encode(contrib)) == contrib
    moved = f.contribution(f.CaseRows(case(region_code="440304002016"), (lead(),)), ZONE)
    diff = f.difference(contrib, moved)
    deltas = f.Deltas()
    deltas.add(diff)
    assert deltas.cleaned().units == {(7, date(2026, 11, 30)): {"extended": -1}}  # the unit lost only the flag
    assert deltas.streets[("440304001", date(2026, 11, 23))] == {"taken": -1, "dispatched": -1}
    assert deltas.streets[("440304002", date(2026, 11, 23))] == {"taken": 1, "dispatched": 1}


# ---------------------------------------------------------------- rates


def test_the_rollup_tables_have_every_counter():
    for model in (MetricUnitDay, MetricRegionDay):
        assert set(f.COUNTERS) <= set(model.__table__.c.keys())


def test_every_rate_is_a_numerator_set_over_a_denominator_set():
    assert set(RATE_NAMES) == {"response", "resolution", "satisfaction", "on_time_signing", "on_time_handling",
                               "return", "redo", "direct_answer", "extension", "override"}
    text = describe()
    for d in DEFINITIONS.values():
        assert d.denominator_counter in f.COUNTERS and set(d.numerator_counters) <= set(f.COUNTERS)
        assert f"**{d.name}** ({d.zh})" in text


def test_deadlines_count_only_once_their_day_is_over():
    total = empty()
    add_day(total, date(2026, 12, 1), {"handle_due": 2, "handled_on_time": 1, "taken": 3}, today=date(2026, 12, 2))
    add_day(total, date(2026, 12, 2), {"handle_due": 5, "handled_on_time": 5, "taken": 1}, today=date(2026, 12, 2))
    assert (total["handle_due"], total["handled_on_time"], total["taken"]) == (2, 1, 4)
    assert rates_of(total, ["on_time_handling"])["on_time_handling"] == Rate(value=0.5, numerator=1, denominator=2)


def test_empty_is_null_and_ranking_puts_nulls_last():
    assert rate(0, 0) == Rate(value=None, numerator=0, denominator=0)
    ordered = rank({1: rate(1, 2), 2: rate(0, 0), 3: rate(2, 4), 4: rate(3, 3)}, "response")
    assert [k for k, _ in ordered] == [4, 3, 1, 2]  # ties to the larger denominator
    assert [k for k, _ in rank({1: rate(1, 2), 2: rate(0, 5)}, "return")] == [2, 1]  # lower is better


def test_a_week_label_and_a_free_period_label():
    assert Days(date(2026, 11, 23), date(2026, 11, 29)).label == "2026-W48"
    assert Days(date(2026, 11, 3), date(2026, 11, 9)).label == "2026-11-03/2026-11-09"
    assert Days(date(2026, 11, 3), date(2026, 11, 3) + timedelta(days=-1)).count == 0
