"""Social-aid eligibility and procedure, and people's mediation's acceptance and agreement rules, as pure functions."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.aid import eligibility as el
from app.aid import rules as aid
from app.cases.lifecycle import Actor, LifecycleError, Status
from app.cases.stages import StageView
from app.mediation import acceptance as med
from app.mediation import rules as mediation

LINE = el.Line(Decimal("1450"), 24, Decimal("0"), 1, Decimal("2"), date(2025, 7, 1), "test")
D = Decimal


def member(rel: str, income: str, age: int | None = 40, **kw) -> el.Member:
    return el.Member(rel, D(income), age, **kw)


@pytest.mark.parametrize(("incomes", "per_capita", "eligible"), [
    (["4349.97"], "1449.99", True), (["4350"], "1450.00", False), (["4350.02"], "1450.01", False),
    (["4349.99"], "1450.00", True),  # 1449.9967 a head: below the line, though it reads 1450.00 rounded
    (["0"], "0.00", True), (["1000", "2000", "1349"], "1449.67", True),
])
def test_dibao_income_is_strictly_below_the_line_per_capita(incomes, per_capita, eligible):
    members = [member("applicant", incomes[0]), member("spouse", incomes[1] if len(incomes) > 1 else "0"),
               member("child", incomes[2] if len(incomes) > 2 else "0", 10)]
    result = el.decide("dibao", members, el.Assets(), LINE)
    assert (result.per_capita_income, result.eligible) == (D(per_capita), eligible)
    assert result.reasons[0].code == "income_below_line" and result.reasons[0].passed is eligible


def test_dibao_assets_each_answered():
    members = [member("applicant", "0"), member("spouse", "0")]
    rich = el.Assets(savings=D("69601"), vehicles=(el.Vehicle(D("30000"), "private"),), properties=2)
    result = el.decide("dibao", members, rich, LINE)
    assert not result.eligible
    assert [(r.code, r.passed) for r in result.reasons] == [
        ("income_below_line", True), ("savings_within_limit", False), ("vehicles_within_limit", False),
        ("properties_within_limit", False)]
    limit = el.Assets(savings=D("69600"), vehicles=(el.Vehicle(D("40000"), "disability"),), properties=1)
    assert el.decide("dibao", members, limit, LINE).eligible  # 34,800 each = 24 months; a disability car aside


@pytest.mark.parametrize(("applicant", "others", "codes_failed"), [
    (member("applicant", "0", 72), [], []),
    (member("applicant", "0", 12), [], []),
    (member("applicant", "0", 45, disability_grade=1), [], []),
    (member("applicant", "0", 45, disability_grade=3), [], ["no_work_capacity"]),
    (member("applicant", "0", 72, able_to_work=True), [], ["no_work_capacity"]),
    (member("applicant", "0", 72), [member("child", "9000", 45, able_to_support=True)], ["no_able_supporter"]),
    (member("applicant", "0", 72), [member("child", "9000", 45)], ["no_able_supporter"]),  # read from age and income
    (member("applicant", "0", 72), [member("child", "9000", 45, disability_grade=1)], []),
    (member("applicant", "0", 72), [member("child", "800", 45)], []),
    (member("applicant", "2000", 72), [], ["no_income"]),
    (member("applicant", "2000", 72), [member("grandchild", "0", 5), member("spouse", "0", 70)], ["no_income"]),
])
def test_tekun_follows_its_three_conditions(applicant, others, codes_failed):
    result = el.decide("tekun", [applicant, *others], el.Assets(), LINE)
    assert sorted(r.code for r in result.reasons if not r.passed) == sorted(codes_failed)
    assert result.eligible is (not codes_failed)


def test_temporary_aid_emergency_or_a_burden_below_twice_the_line():
    members = [member("applicant", "2800"), member("spouse", "0")]
    assert el.decide("temporary", members, el.Assets(), LINE, el.Temporary("emergency")).eligible
    burden = el.decide("temporary", members, el.Assets(), LINE, el.Temporary("expense", D("30000")))
    assert (burden.eligible, burden.per_capita_income) == (True, D("1400.00"))
    high = [member("applicant", "6000"), member("spouse", "0")]
    assert not el.decide("temporary", high, el.Assets(), LINE, el.Temporary("expense", D("30000"))).eligible
    assert not el.decide("temporary", members, el.Assets(), LINE, el.Temporary("expense", D("0"))).eligible


@pytest.mark.parametrize(("decided", "start"), [(date(2026, 10, 16), "2026-11"), (date(2026, 12, 31), "2027-01"),
                                               (date(2027, 1, 1), "2027-02")])
def test_payment_starts_the_month_after_the_decision(decided, start):
    assert el.start_month(decided) == start


NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)


def aid_view(stage: str, **facts) -> StageView:
    return StageView(Status.in_progress, stage, {"scheme": "dibao", "emergency": False, **facts})


def test_aid_procedure_refuses_what_the_law_refuses():
    lead = frozenset({Actor.lead})
    ends = NOW + timedelta(days=3)
    with pytest.raises(LifecycleError) as exc:
        aid.MACHINE.decide("approve", aid_view("notice", notice_ends=ends), lead, NOW)
    assert exc.value.code == "notice_not_ended"
    assert aid.MACHINE.decide("approve", aid_view("notice", notice_ends=ends), lead, ends)[:2] == (
        "approved", Status.replied)
    with pytest.raises(LifecycleError) as exc:
        aid.MACHINE.decide("approve", aid_view("checked"), lead, NOW)
    assert exc.value.code == "approval_needs_notice"
    assert aid.MACHINE.decide("approve", aid_view("checked", scheme="temporary"), lead, NOW)[0] == "approved"
    with pytest.raises(LifecycleError) as exc:
        aid.MACHINE.decide("object", aid_view("notice", notice_ends=ends), lead, ends)
    assert exc.value.code == "notice_ended"
    assert aid.MACHINE.decide("object", aid_view("notice", notice_ends=ends), frozenset({Actor.agent}), NOW)[0] == (
        "objected")
    with pytest.raises(LifecycleError) as exc:
        aid.MACHINE.decide("publish_notice", aid_view("objected"), lead, NOW)
    assert exc.value.code == "recheck_required"
    with pytest.raises(LifecycleError) as exc:
        aid.MACHINE.decide("reject", aid_view("notice", notice_ends=ends), lead, NOW)
    assert exc.value.code == "notice_not_ended"
    redo = StageView(Status.in_progress, "approved", {"scheme": "dibao"})
    assert aid.MACHINE.decide("approve", redo, lead, NOW)[0] == "approved"  # decided again after a 重办
    with pytest.raises(LifecycleError) as exc:
        aid.MACHINE.decide("grant_first", aid_view("applied"), lead, NOW)
    assert exc.value.code == "grant_first_emergency_only"
    with pytest.raises(LifecycleError) as exc:
        aid.MACHINE.decide("request_materials", aid_view("materials_requested"), lead, NOW)
    assert exc.value.code == "materials_list_once"
    with pytest.raises(LifecycleError) as exc:
        aid.MACHINE.decide("publish_notice", aid_view("checked", scheme="temporary"), lead, NOW)
    assert exc.value.code == "notice_not_for_temporary"


# --- mediation -------------------------------------------------------------------------------------------------

NEIGHBOURS = med.Dispute(None, None, ("court",))
BOTH = [med.Party("李", "applicant", True), med.Party("张", "respondent", True)]


@pytest.mark.parametrize(("parties", "dispute", "pending", "offence", "code", "routes"), [
    (BOTH, NEIGHBOURS, None, None, None, ()),
    ([BOTH[0], med.Party("张", "respondent", False)], NEIGHBOURS, None, None, "mediation_party_refuses", ("court",)),
    (BOTH, NEIGHBOURS, None, "criminal", "mediation_offence", ("police",)),
    (BOTH, NEIGHBOURS, "labour_arbitration", None, "mediation_pending_elsewhere", ("labour_arbitration",)),
    (BOTH, med.Dispute("人民政府", "the government", ("administrative", "court")), None, None, "mediation_reserved",
     ("administrative",)),
    # An offence is the police's whatever else holds.
    ([med.Party("李", "applicant", False), BOTH[1]], NEIGHBOURS, "court", "public_security", "mediation_offence",
     ("police",)),
])
def test_acceptance_names_the_reason_and_the_route(parties, dispute, pending, offence, code, routes):
    result = med.decide(parties, dispute, pending_elsewhere=pending, offence=offence)
    assert (result.accepted, result.code, result.routes) == (code is None, code, routes)


def test_an_agreement_needs_every_party_and_the_mediator():
    assert med.missing_signatures(3, [0, 2], False) == ["party:1", "mediator"]
    assert med.missing_signatures(2, [1, 0], True) == []
    facts = {"missing_signatures": ["张三"], "window_ends": None}
    with pytest.raises(LifecycleError) as exc:
        mediation.MACHINE.decide("seal_agreement", StageView(Status.in_progress, "agreement_drafted", facts),
                                 frozenset({Actor.lead}), NOW)
    assert exc.value.code == "agreement_unsigned"


def test_judicial_confirmation_is_joint_and_within_30_days():
    ends = NOW + timedelta(days=30)
    assert med.confirmation_refusal([1, 0], 2, ends, NOW) is None
    assert med.confirmation_refusal([0], 2, ends, NOW) == "confirmation_not_joint"
    assert med.confirmation_refusal([0, 1], 2, ends, ends) is None
    assert med.confirmation_refusal([0, 1], 2, ends, ends + timedelta(seconds=1)) == "confirmation_window_closed"
