"""The performance rates of DOMAIN.md §1: definitions and arithmetic, pure.

The formulas are our reading of Beijing's 接诉即办 assessment ([inference]);
they are published in the API description so units know how they are judged.
Merged duplicates never count: a problem reported ten times is one problem.
"""

from dataclasses import dataclass

from pydantic import BaseModel


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
    formula: str
    higher_is_better: bool = True


DEFINITIONS: dict[str, Definition] = {d.name: d for d in (
    Definition("response", "响应率", "lead dispatches in the period signed for within the sign-for limit "
               "÷ lead dispatches in the period (a redo or re-dispatch is a new dispatch)"),
    Definition("resolution", "解决率", "valid callbacks in the period rated solved ÷ valid callbacks in the period "
               "(valid: the requester was reached; only the last evaluation of each reply counts)"),
    Definition("satisfaction", "满意率", "valid callbacks in the period rated satisfied or basically satisfied "
               "÷ valid callbacks in the period"),
    Definition("on_time", "按时办结率", "cases whose handling deadline falls in the period and were replied "
               "by it ÷ cases whose handling deadline falls in the period (withdrawn cases excluded)"),
    Definition("return", "退单率", "returns (退单) filed in the period ÷ lead dispatches in the period",
               higher_is_better=False),
    Definition("direct_answer", "直接答复率", "cases taken in the period answered directly by the centre (直办) "
               "÷ cases taken in the period; the centre's rate, so not part of a unit's figures"),
)}

UNIT_RATES = ("response", "resolution", "satisfaction", "on_time", "return")
CENTRE_RATES = (*UNIT_RATES, "direct_answer")


def describe() -> str:
    lines = ["Rates are `{value, numerator, denominator}`; `value` is null when the denominator is 0. "
             "Merged duplicates are counted once, under their master case.", ""]
    lines += [f"- **{d.name}** ({d.zh}): {d.formula}." for d in DEFINITIONS.values()]
    return "\n".join(lines)


def rank(rows: dict[int, Rate], rate_name: str) -> list[tuple[int, Rate]]:
    """Best first; ties go to the larger denominator, then the lower unit id. Null rates last."""
    better = DEFINITIONS[rate_name].higher_is_better

    def key(item: tuple[int, Rate]) -> tuple:
        unit_id, r = item
        if r.value is None:
            return (1, 0.0, 0, unit_id)
        return (0, -r.value if better else r.value, -r.denominator, unit_id)

    return sorted(rows.items(), key=key)
