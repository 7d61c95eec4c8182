"""Acceptance rules for one-stop affairs, without a database: materials, 容缺 dates, the stage machine."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.affair.rules import (
    MACHINE,
    Material,
    Stage,
    check_materials,
    supplement_due,
    supplement_working_days,
)
from app.calendar.package import package_schedule
from app.calendar.workdays import build_calendar
from app.cases.lifecycle import Actor, LifecycleError, Status
from app.cases.stages import StageView

ZONE = ZoneInfo("Asia/Shanghai")
CAL = build_calendar(*package_schedule(), {}, [])
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
LEAD = frozenset({Actor.lead})

ITEM = [
    Material("id_card", "居民身份证", required=True, may_come_later=False),
    Material("hukou_book", "户口簿", required=True, may_come_later=True),
    Material("bank_card", "社保卡", required=True, may_come_later=True),
    Material("photo", "照片", required=False, may_come_later=False),
]


def local(y, m, d, h=10) -> datetime:
    return datetime(y, m, d, h, tzinfo=ZONE).astimezone(UTC)


def test_key_material_is_required_and_may_not_come_later():
    assert [m.code for m in ITEM if m.key] == ["id_card"]


def test_check_separates_key_tolerable_and_unknown():
    check = check_materials(ITEM, ["hukou_book", "passport"])
    assert check.missing_key == ("id_card",)
    assert check.missing_tolerable == ("bank_card",)
    assert check.unknown == ("passport",)
    assert not check.complete


def test_optional_materials_never_count_as_missing():
    check = check_materials(ITEM, ["id_card", "hukou_book", "bank_card"])
    assert check.complete and check.as_dict() == {"key": [], "tolerable": []}


@pytest.mark.parametrize(("promised", "days"), [(15, 13), (30, 20), (22, 20), (3, 1), (2, None), (0, None)])
def test_supplement_days_are_promised_minus_two_capped_at_twenty(promised, days):
    assert supplement_working_days(promised, margin=2, cap=20) == days


def test_supplement_due_counts_working_days_across_national_day():
    # Accepted Mon 28 Sep 2026 with 10 days promised: 8 working days to supplement.
    # 29, 30 Sep; 1-7 Oct holiday; 8, 9, Sat 10 (调休 working day), 12, 13, 14 Oct.
    due = supplement_due(local(2026, 9, 28), 10, margin=2, cap=20, calendar=CAL, zone=ZONE)
    assert due.at == datetime(2026, 10, 14, 23, 59, 59, tzinfo=ZONE).astimezone(UTC)
    assert due.calendar_complete


def test_supplement_due_is_none_when_the_promise_leaves_no_room():
    assert supplement_due(local(2026, 11, 23), 2, margin=2, cap=20, calendar=CAL, zone=ZONE) is None


def test_supplement_due_into_a_year_without_calendar_data_says_so():
    due = supplement_due(local(2026, 12, 21), 20, margin=2, cap=20, calendar=CAL, zone=ZONE)
    assert due is not None and not due.calendar_complete


def view(stage: str, status: Status = Status.dispatched, **facts) -> StageView:
    base = {"complete": True, "missing_key": (), "missing_names": (), "on_the_spot": False,
            "credit_flagged": False, "tolerance_possible": True}
    return StageView(status=status, stage=stage, facts={**base, **facts})


def refused(action: str, v: StageView, actors=LEAD) -> str:
    with pytest.raises(LifecycleError) as exc:
        MACHINE.decide(action, v, actors, NOW)
    return exc.value.code


def test_accept_moves_to_accepted_and_in_progress():
    assert MACHINE.decide("accept", view(Stage.submitted), LEAD, NOW) == (Stage.accepted, Status.in_progress,
                                                                          Actor.lead)


def test_accept_needs_complete_materials():
    assert refused("accept", view(Stage.submitted, complete=False, missing_names=("社保卡",))) == \
        "materials_incomplete"


def test_tolerance_needs_only_non_key_materials_missing():
    incomplete = {"complete": False, "missing_names": ("社保卡",)}
    assert MACHINE.decide("accept_pending", view(Stage.submitted, **incomplete), LEAD, NOW)[0] == \
        Stage.accepted_pending
    assert refused("accept_pending", view(Stage.submitted, **incomplete, missing_key=("居民身份证",))) == \
        "key_material_missing"
    assert refused("accept_pending", view(Stage.submitted)) == "nothing_to_tolerate"
    assert refused("accept_pending", view(Stage.submitted, **incomplete, credit_flagged=True)) == \
        "tolerance_refused_bad_credit"
    assert refused("accept_pending", view(Stage.submitted, **incomplete, tolerance_possible=False)) == \
        "tolerance_not_possible"


def test_decisions_before_acceptance_are_refused_by_name():
    for stage in (Stage.submitted, Stage.materials_requested):
        assert refused("approve", view(stage)) == "decision_before_acceptance"
        assert refused("reject", view(stage)) == "decision_before_acceptance"


def test_approval_waits_for_tolerated_materials_but_rejection_does_not():
    pending = view(Stage.accepted_pending, Status.in_progress)
    assert refused("approve", pending) == "materials_pending"
    assert MACHINE.decide("reject", pending, LEAD, NOW)[:2] == (Stage.rejected, Status.replied)


def test_on_the_spot_in_one_step_only_for_on_the_spot_items():
    assert MACHINE.decide("accept_and_approve", view(Stage.submitted, on_the_spot=True), LEAD, NOW)[:2] == \
        (Stage.approved, Status.replied)
    assert refused("accept_and_approve", view(Stage.submitted)) == "not_on_the_spot"


def test_supplements_by_whom_and_when():
    for who in (Actor.requester, Actor.agent, Actor.lead):
        stage, status, actor = MACHINE.decide("supplement", view(Stage.accepted_pending, Status.in_progress),
                                              frozenset({who}), NOW)
        assert (stage, status, actor) == (None, Status.in_progress, who)  # the effect settles the stage
    assert refused("supplement", view(Stage.accepted, Status.in_progress), frozenset({Actor.requester})) == \
        "materials_not_expected"
    assert refused("supplement", view(Stage.terminated, Status.closed), frozenset({Actor.requester})) == \
        "application_terminated"
    assert refused("supplement", view(Stage.submitted), frozenset({Actor.dispatcher})) == "action_not_allowed"


def test_only_the_lead_unit_accepts_and_decides():
    for who in (Actor.requester, Actor.agent, Actor.dispatcher, Actor.co):
        for action in ("accept", "accept_pending", "request_materials", "approve", "reject", "accept_and_approve"):
            assert refused(action, view(Stage.submitted), frozenset({who})) == "action_not_allowed"


def test_allowed_lists_what_the_facts_permit():
    assert set(MACHINE.allowed(view(Stage.submitted), LEAD, NOW)) == {"accept", "request_materials", "supplement"}
    incomplete = view(Stage.submitted, complete=False, missing_names=("社保卡",))
    assert set(MACHINE.allowed(incomplete, LEAD, NOW)) == {"accept_pending", "request_materials", "supplement"}
    assert MACHINE.allowed(view(Stage.approved, Status.replied), LEAD, NOW) == []
