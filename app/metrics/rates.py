"""The performance rates: each a numerator set over a denominator set, and their arithmetic (pure).

The three rates of 12345 platforms (response, resolution, satisfaction) follow Beijing's 接诉即办 assessment;
their exact sets, and the other seven, are our reading ([inference], DOMAIN.md §1) and are published in the API
description and the README so that units know how they are judged. `facts.py` places every counter on a
day, a unit and a street; the rates add the counters of a period and divide.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel

from app.metrics.facts import COUNTERS, DEADLINE_COUNTERS


class Rate(BaseModel):
    value: float | None
    numerator: int
    denominator: int


def rate(numerator: int, denominator: int) -> Rate:
    """An empty period answers a null rate, never a division error."""
    value = round(numerator / denominator, 4) if denominator else None
    return Rate(value=value, numerator=numerator, denominator=denominator)


@dataclass(frozen=True)
class Definition:
    name: str
    zh: str
    numerator: str  # the set, in words
    denominator: str
    period: str  # which instant puts a member in a period
    credit: str  # which unit it counts for
    numerator_counters: tuple[str, ...]
    denominator_counter: str
    higher_is_better: bool = True
    centre_only: bool = False  # not part of a unit's figures


_DISPATCHES = "lead dispatches (the first dispatch, each re-dispatch, an accepted return and each redo are one each)"
_DEADLINE = ("on a local day that is already over (a deadline today or later is in neither set, answered or not; a "
             "deadline at local midnight ends the day before)")
_CALLBACKS = ("valid callbacks and ratings made in the period (the requester was reached and judged the reply; only "
              "the last valid evaluation of each reply counts)")

DEFINITIONS: dict[str, Definition] = {d.name: d for d in (
    Definition("response", "响应率",
               "of those, the ones the unit signed for or returned (退单) by the sign-for deadline",
               f"{_DISPATCHES} whose sign-for deadline fell in the period {_DEADLINE}; a dispatch taken away "
               "before its deadline with no response (re-dispatched, withdrawn, merged) is left out",
               "the sign-for deadline", "the unit the dispatch went to", ("responded",), "sign_due"),
    Definition("resolution", "解决率", "of those, the ones rated solved",
               _CALLBACKS, "the callback or rating",
               "the unit whose reply was judged (direct answers: the centre)", ("cb_solved",), "cb_valid"),
    Definition("satisfaction", "满意率", "of those, the ones rated satisfied or basically satisfied",
               _CALLBACKS, "the callback or rating",
               "the unit whose reply was judged (direct answers: the centre)", ("cb_satisfied", "cb_basic"),
               "cb_valid"),
    Definition("on_time_signing", "按时签收率", "of those, the ones the unit signed for by the deadline",
               "the same set as the response rate", "the sign-for deadline", "the unit the dispatch went to",
               ("signed_on_time",),
               "sign_due"),
    Definition("on_time_handling", "按时办结率", "of those, the ones the lead unit replied to by the deadline",
               f"cases with a lead unit whose handling deadline, as it now stands (an approved extension moves it; a "
               f"redo or a new lead unit starts a new one), fell in the period {_DEADLINE}; withdrawn cases are "
               "left out", "the handling deadline", "the case's current lead unit", ("handled_on_time",),
               "handle_due"),
    Definition("return", "退单率", "of those, the ones the unit returned (filed a return, accepted or not)",
               f"{_DISPATCHES} made in the period", "the dispatch", "the unit the dispatch went to",
               ("returned",), "dispatched", higher_is_better=False),
    Definition("redo", "重办率", "of those, the ones that sent the case back to the unit for redo (重办)",
               _CALLBACKS, "the callback or rating",
               "the unit whose reply was judged", ("cb_redo",), "cb_valid", higher_is_better=False),
    Definition("direct_answer", "直接答复率", "of those, the ones the centre answered directly (直办)",
               "cases taken in the period", "taking the case (受理)", "the centre (a region's figures only)",
               ("direct_answered",), "taken", centre_only=True),
    Definition("extension", "延期率", "of those, the ones with an extension approved in the current round",
               "the same set as the on-time handling rate", "the handling deadline", "the case's current lead unit",
               ("extended",), "handle_due", higher_is_better=False),
    Definition("override", "推翻核查结论率",
               "of those, the ones decided against the latest recorded check (an `override` by a leader on the "
               "case, before the reply or after it)", "replies (答复, decisions) given by lead units in the period",
               "the reply", "the unit that replied", ("overridden",), "replied", higher_is_better=False),
)}

RATE_NAMES: tuple[str, ...] = tuple(DEFINITIONS)
UNIT_RATES: tuple[str, ...] = tuple(n for n, d in DEFINITIONS.items() if not d.centre_only)
CENTRE_RATES: tuple[str, ...] = RATE_NAMES

COMMON = ("Each rate is `{value, numerator, denominator}`; `value` is null when the denominator is 0 (an empty "
          "period is zero counts and null rates, never an error). Periods are whole local days (Asia/Shanghai). "
          "Merged duplicates (并单) are counted once: a duplicate leaves every rate and is shown only in "
          "`counts.merged_duplicates` of the period it was taken in; its master carries the problem. A case moved "
          "to another place moves all its figures there.")


def describe() -> str:
    lines = [COMMON, ""]
    for d in DEFINITIONS.values():
        lines.append(f"- **{d.name}** ({d.zh}) = numerator ÷ denominator. Denominator: {d.denominator}. "
                     f"Numerator: {d.numerator}. Period: {d.period}. Credit: {d.credit}."
                     + (" Lower is better." if not d.higher_is_better else ""))
    return "\n".join(lines)


# ---------------------------------------------------------------- adding up counters


def empty() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


def add_day(total: dict[str, int], day: date, counts: Mapping[str, int], today: date) -> None:
    """Adds one day's counters. Deadline counters count only for days already over (not yet due: neither set)."""
    over = day < today
    for name in COUNTERS:
        if name in DEADLINE_COUNTERS and not over:
            continue
        total[name] += int(counts.get(name, 0) or 0)


def rates_of(total: Mapping[str, int], names: Iterable[str]) -> dict[str, Rate]:
    out = {}
    for name in names:
        d = DEFINITIONS[name]
        out[name] = rate(sum(total[c] for c in d.numerator_counters), total[d.denominator_counter])
    return out


def rank(rows: Mapping[object, Rate], rate_name: str) -> list[tuple[object, Rate]]:
    """Best first; ties go to the larger denominator, then the lower key. Null rates last."""
    better = DEFINITIONS[rate_name].higher_is_better

    def key(item: tuple[object, Rate]) -> tuple[int, float, int, str]:
        k, r = item
        if r.value is None:
            return (1, 0.0, 0, str(k).zfill(20))
        return (0, -r.value if better else r.value, -r.denominator, str(k).zfill(20))

    return sorted(rows.items(), key=key)
