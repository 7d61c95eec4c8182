"""The audit trail's pure rules: the period an auditor asks for, and how names and free text read in the trail."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.audit.names import mask_name, person_name, role_label, scrub
from app.audit.period import Period, PeriodError, period
from app.core.roles import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_local_date_is_the_whole_local_day():
    day = period("2026-11-23", "2026-11-23", SHANGHAI)
    assert day == Period(datetime(2026, 11, 22, 16, tzinfo=UTC), datetime(2026, 11, 23, 16, tzinfo=UTC))


def test_instants_keep_their_offset():
    p = period("2026-11-23T10:00:00+08:00", "2026-11-23T03:00:00Z", SHANGHAI)
    assert p == Period(datetime(2026, 11, 23, 2, tzinfo=UTC), datetime(2026, 11, 23, 3, tzinfo=UTC))
    assert period("2026-11-23T10:00:00 08:00", None, SHANGHAI).start == datetime(2026, 11, 23, 2, tzinfo=UTC)


def test_open_sides_and_no_period():
    assert period(None, None, SHANGHAI) == Period() and not Period()
    assert period("2026-11-23", None, SHANGHAI).end is None
    assert period(None, "2026-11-23", SHANGHAI).start is None


@pytest.mark.parametrize(("start", "end", "code", "fields"), [
    ("2026-11-24", "2026-11-23", "range_inverted", ("from", "to")),
    ("2026-11-23T10:00:00+08:00", "2026-11-23T02:00:00Z", "range_inverted", ("from", "to")),  # empty: `to` excludes
    ("2026-02-30", None, "datetime_parsing", ("from",)),
    (None, "yesterday", "datetime_parsing", ("to",)),
    (None, "9999-12-31", "datetime_parsing", ("to",)),  # the day after does not exist
    ("2026-11-23T10:00:00", None, "datetime_parsing", ("from",)),  # no offset
    (None, "20261123", "datetime_parsing", ("to",)),  # a basic-format date reads as a time without offset
])
def test_bad_bounds_name_their_parameter(start, end, code, fields):
    with pytest.raises(PeriodError) as error:
        period(start, end, SHANGHAI)
    assert (error.value.code, error.value.fields) == (code, fields)


def test_names_of_residents_are_masked_and_staff_names_are_not():
    assert [mask_name(n) for n in ("李建国", "赵六", "王", "欧阳娜娜", "", None)] == [
        "李*国", "赵*", "*", "欧**娜", "", None]
    assert person_name("赵六", "resident") == "赵*" and person_name("王话务", "agent") == "王话务"
    assert person_name("张敏", "volunteer") == "张*"


def test_every_role_reads_in_both_languages():
    for role in Role:
        assert role_label(role.value, english=False) != role.value, role
        assert role_label(role.value, english=True) != role.value, role
    assert role_label(None, english=True) is None


def test_numbers_in_free_text_are_masked_at_any_depth():
    detail = {"reason": "来电 13800138000 核对 110105194403120033", "notes": ["13912340021"], "n": 5,
              "nested": {"phone": "13700137001"}}
    assert scrub(detail) == {"reason": "来电 138****8000 核对 110***********0033", "notes": ["139****0021"], "n": 5,
                             "nested": {"phone": "137****7001"}}
