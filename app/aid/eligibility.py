"""Who qualifies for social aid, and why: pure functions of the household, its assets, the line and the day.

低保 (民发〔2021〕57号): the household's per-capita monthly income below the
district's line, and its assets within the district's limits. 特困: the
applicant is 60+, severely disabled or under 16 with no capacity to work, has
no income (the household is below the line) and no supporter able to support
them. 临时救助: a sudden emergency, or an expense the household cannot bear
(per-capita income below a multiple of the line). Every condition is
answered, passed or not, so the counter can explain a refusal line by line.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Member:
    relationship: str  # applicant, spouse, child, parent, grandparent, grandchild, sibling, other
    monthly_income: Decimal
    age: int | None = None
    disability_grade: int | None = None  # 1 (most severe) … 4
    able_to_work: bool | None = None
    able_to_support: bool | None = None  # None: read from age, disability and income


@dataclass(frozen=True)
class Vehicle:
    value: Decimal
    purpose: str  # private | operating | disability


@dataclass(frozen=True)
class Assets:
    savings: Decimal = Decimal(0)
    vehicles: tuple[Vehicle, ...] = ()
    properties: int = 0


@dataclass(frozen=True)
class Line:
    monthly_line: Decimal
    savings_months: int
    vehicle_value_limit: Decimal
    properties_max: int
    expense_multiplier: Decimal
    effective_from: date
    source: str


@dataclass(frozen=True)
class TekunRules:
    """特困's groups and who counts as able to support: the policy's numbers (seed/care_policies.yaml)."""

    elder_age: int = 60
    child_age: int = 16  # under this
    severe_disability_grade: int = 2  # this grade or more severe (1 is the most)
    working_age: tuple[int, int] = (18, 60)  # from, until


@dataclass(frozen=True)
class Temporary:
    type: str  # emergency | expense
    amount: Decimal = Decimal(0)


@dataclass(frozen=True)
class Reason:
    code: str
    passed: bool
    text: str
    text_en: str

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "passed": self.passed, "text": self.text, "text_en": self.text_en}


@dataclass(frozen=True)
class Result:
    eligible: bool
    per_capita_income: Decimal
    line: Decimal
    reasons: tuple[Reason, ...]
    household_income: Decimal = Decimal(0)  # the members' monthly incomes, summed exactly
    members: int = 1


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def per_capita(members: Sequence[Member]) -> Decimal:
    return money(sum((m.monthly_income for m in members), Decimal(0)) / len(members))


def applicant_of(members: Sequence[Member]) -> Member:
    return next(m for m in members if m.relationship == "applicant")


def _income(members: Sequence[Member], line: Line) -> tuple[Decimal, Reason]:
    pc = per_capita(members)
    # Decided on the exact figures (total against line × members); the rounded figure is only for reading.
    ok = sum((m.monthly_income for m in members), Decimal(0)) < line.monthly_line * len(members)
    return pc, Reason("income_below_line", ok,
                      f"家庭人均月收入 {pc} 元{'低于' if ok else '不低于'}当地低保标准 {line.monthly_line} 元",
                      f"per-capita monthly income {pc} is {'below' if ok else 'not below'} the line "
                      f"{line.monthly_line}")


def _assets(members: Sequence[Member], assets: Assets, line: Line) -> list[Reason]:
    limit = money(line.monthly_line * line.savings_months)
    savings = money(assets.savings / len(members))
    savings_ok = assets.savings <= line.monthly_line * line.savings_months * len(members)
    cars = [v for v in assets.vehicles if v.purpose != "disability"]
    cars_ok = all(v.value <= line.vehicle_value_limit for v in cars)
    return [
        Reason("savings_within_limit", savings_ok,
               f"人均存款 {savings} 元（上限 {line.savings_months} 个月低保标准，{limit} 元）",
               f"per-capita savings {savings} (limit {line.savings_months} months of the line, {limit})"),
        Reason("vehicles_within_limit", cars_ok,
               "无超过限额的机动车（残疾人功能性补偿代步车除外）" if cars_ok else
               f"有价值超过 {line.vehicle_value_limit} 元的机动车",
               "no vehicle over the limit (disability vehicles aside)" if cars_ok else
               f"a vehicle worth more than {line.vehicle_value_limit}"),
        Reason("properties_within_limit", assets.properties <= line.properties_max,
               f"自有住房 {assets.properties} 套（上限 {line.properties_max} 套）",
               f"{assets.properties} homes owned (limit {line.properties_max})"),
    ]


def able_supporter(m: Member, line: Line, rules: TekunRules) -> bool:
    """A spouse, child or parent of working age, not severely disabled, earning at least the line; or as stated."""
    if m.able_to_support is not None:
        return m.able_to_support
    working_age = m.age is not None and rules.working_age[0] <= m.age < rules.working_age[1]
    severe = m.disability_grade is not None and m.disability_grade <= rules.severe_disability_grade
    return (m.relationship in ("spouse", "child", "parent") and working_age and not severe
            and m.monthly_income >= line.monthly_line)


def _tekun(members: Sequence[Member], line: Line, rules: TekunRules) -> list[Reason]:
    a = applicant_of(members)
    severe = a.disability_grade is not None and a.disability_grade <= rules.severe_disability_grade
    group = (a.age is not None and (a.age >= rules.elder_age or a.age < rules.child_age)) or severe
    capacity = group and a.able_to_work is not True
    age = "未知" if a.age is None else f"{a.age} 岁"
    supporters = [m for m in members if m.relationship != "applicant" and able_supporter(m, line, rules)]
    return [
        Reason("no_work_capacity", capacity,
               f"申请人{age}{'，重度残疾' if severe else ''}，{'无' if capacity else '有或可能有'}劳动能力",
               f"applicant aged {a.age if a.age is not None else 'unknown'}"
               f"{', severely disabled' if severe else ''}: {'no' if capacity else 'some'} capacity to work "
               f"({rules.elder_age}+, under {rules.child_age} or severely disabled)"),
        Reason("no_able_supporter", not supporters,
               "无有赡养、抚养、扶养能力的法定义务人" if not supporters else
               f"有 {len(supporters)} 名有扶养能力的法定义务人",
               "no one with a legal duty and the means to support" if not supporters else
               f"{len(supporters)} supporters able to support"),
    ]


def decide(scheme: str, members: Sequence[Member], assets: Assets, line: Line,
           temporary: Temporary | None = None, tekun: TekunRules | None = None) -> Result:
    pc, income = _income(members, line)
    if scheme == "dibao":
        reasons = [income, *_assets(members, assets, line)]
    elif scheme == "tekun":
        own = applicant_of(members).monthly_income
        no_income = Reason("no_income", own < line.monthly_line,
                           f"申请人本人月收入 {money(own)} 元{'低于' if own < line.monthly_line else '不低于'}低保标准",
                           f"the applicant's own monthly income {money(own)} is "
                           f"{'below' if own < line.monthly_line else 'not below'} the line")
        reasons = [*_tekun(members, line, tekun or TekunRules()), no_income, *_assets(members, assets, line)]
    else:
        assert temporary is not None
        if temporary.type == "emergency":
            reasons = [Reason("sudden_emergency", True,
                              "因火灾、交通事故、突发重大疾病等意外事件导致基本生活暂时困难",
                              "basic living hit by a sudden emergency (fire, accident, acute illness …)")]
        else:
            ceiling = money(line.monthly_line * line.expense_multiplier)
            ok = pc < ceiling and temporary.amount > 0
            reasons = [Reason("expense_burden", ok,
                              f"刚性支出 {money(temporary.amount)} 元，家庭人均月收入 {pc} 元"
                              f"{'低于' if pc < ceiling else '不低于'} {line.expense_multiplier} 倍低保标准"
                              f"（{ceiling} 元）",
                              f"an expense of {money(temporary.amount)}; per-capita income {pc} "
                              f"{'below' if pc < ceiling else 'not below'} {line.expense_multiplier}× the line "
                              f"({ceiling})")]
    total = sum((m.monthly_income for m in members), Decimal(0))
    return Result(all(r.passed for r in reasons), pc, line.monthly_line, tuple(reasons), total, len(members))


def entitlement(scheme: str, result: Result) -> Decimal | None:
    """What the household is entitled to each month, from the line and the household (None: no rule here).

    低保 tops the household up to the line: the gap per person times the household size (差额补足, 民发〔2021〕
    57号), on the exact incomes (line × members − the household's income). 特困's support standard and temporary
    aid's amount are set case by case, so no amount is implied.
    """
    if scheme != "dibao" or not result.eligible:
        return None
    return money(max(result.line * result.members - result.household_income, Decimal(0)))


def start_month(decided_on: date) -> str:
    """Payment starts the month after the decision: '2027-01' for a decision in December 2026."""
    year, month = (decided_on.year + 1, 1) if decided_on.month == 12 else (decided_on.year, decided_on.month + 1)
    return f"{year:04d}-{month:02d}"
