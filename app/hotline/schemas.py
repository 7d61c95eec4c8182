"""API models for hotline intake, classification, duplicates and caller history."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.cases.schemas import CaseRead, CaseSummary, CategoryBrief
from app.core.pagination import MAX_LIMIT
from app.core.schemas import PairedCoordinates, invalid
from app.files.schemas import FileIds
from app.regions.schemas import ResolveResult
from app.routing.schemas import Urgency

# The seven types of DOMAIN.md §1, in Chinese as agents say them, or by their API code.
TYPE_LABELS = {"咨询": "consultation", "求助": "help", "投诉": "complaint", "举报": "report", "建议": "suggestion",
               "表扬": "praise", "感谢": "praise", "表扬/感谢": "praise", "其他": "other"}
TYPE_CODES = frozenset(TYPE_LABELS.values())
DESCRIPTION_MAX = 4000


def _work_order_type(value: Any) -> str:
    if isinstance(value, str):
        value = value.strip()
        value = TYPE_LABELS.get(value, value)
        if value in TYPE_CODES:
            return value
    raise invalid("work_order_type_unknown")


class _Location(PairedCoordinates):
    address: str | None = Field(default=None, max_length=200)
    region_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    latitude: float | None = Field(default=None, ge=-90, le=90, description="WGS-84, with longitude")
    longitude: float | None = Field(default=None, ge=-180, le=180, description="WGS-84, with latitude")


class ReportCreate(_Location):
    """A resident's own report from the app or the web."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    work_order_type: str
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    category: str | None = Field(default=None, max_length=64)
    files: FileIds = Field(default_factory=list, description="Photos or documents you uploaded (POST /files); "
                                                            "an agent attaches what the caller sent")

    _type = field_validator("work_order_type", mode="before")(_work_order_type)


class HotlineOrderCreate(ReportCreate):
    """What an agent logs while the caller is on the line."""

    caller_phone: str = Field(min_length=3, max_length=20)
    caller_name: str | None = Field(default=None, max_length=64)
    anonymous: bool = False
    hide_contact: bool = False
    urgency: Urgency | None = Field(default=None, description="The agent's judgement; left out, the words decide "
                                                              "(an emergency is critical). The system only ever "
                                                              "raises what an agent set, never lowers it")
    hold: bool = Field(default=False, description="Keep it at the centre instead of dispatching")
    answer_with_article: str | None = Field(
        default=None, max_length=64,
        description="Answer directly (直办) with this knowledge-base article; the order is not dispatched")


class CallerHistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone: str = Field(min_length=3, max_length=20)
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=DESCRIPTION_MAX)


class ClassifySuggestion(BaseModel):
    category: CategoryBrief
    score: float
    reasons: list[str]


class ClassifyResult(BaseModel):
    suggestions: list[ClassifySuggestion]
    emergency: "Emergency | None" = Field(
        default=None, description="The same recognition the intake applies: when the words are an emergency, the "
                                  "hand-offs and their scripts, so a console can show them while the agent types")


class SimilarCase(BaseModel):
    case: CaseSummary
    score: float = Field(description="Text similarity of the segmented words, 0–1")
    distance_m: float | None = None
    same_community: bool


class Routing(BaseModel):
    lead_unit_id: int | None
    co_unit_ids: list[int]
    rule_id: int | None
    fallback: bool
    trace: list[dict[str, Any]]
    deadlines: dict[str, Any] | None


class EmergencyService(BaseModel):
    code: str
    name: str
    name_en: str
    number: str
    verified: bool = Field(description="False: the number is city data not yet checked against its source")


class EmergencyHandoff(BaseModel):
    hazard: str
    name: str
    name_en: str
    services: list[EmergencyService]
    script: str = Field(description="the line the agent reads to the caller now")
    script_en: str


class Emergency(BaseModel):
    """A life-safety matter recognised from the caller's words (and the category): the agent hands the caller to
    these services at once; the case follows up as critical."""

    hazards: list[str]
    handoffs: list[EmergencyHandoff]
    matched: list[str] = Field(description="the words that counted")
    why: list[str]


class IntakeNotes(BaseModel):
    category_suggested: bool
    region_resolved: bool
    classification: list[ClassifySuggestion]
    address: ResolveResult | None
    emergency: Emergency | None = None
    urgency_raised: bool = Field(default=False, description="the words made the case critical")


class OrderRead(CaseRead):
    routing: Routing | None
    similar: list[SimilarCase]
    intake: IntakeNotes


class HotlinePayload(BaseModel):
    """What intake worked out for the agent rather than being told."""

    model_config = ConfigDict(extra="forbid")

    category_suggested: bool = False
    region_resolved: bool = False
    emergency: list[str] | None = None  # the hazards recognised in the caller's words


class Figures(BaseModel):
    n: int = Field(description="Held-out texts measured")
    top1: float | None
    top3: float | None


class Evaluation(BaseModel):
    top1: float | None = Field(description="Held-out top-1 accuracy over every source")
    top3: float | None
    held_out: int
    by_source: dict[str, Figures] = Field(description="seed (the utterances bench/ measures), history, corrections")


class ClassifierModelRead(BaseModel):
    id: int
    status: str = Field(description="queued | training | ready | failed")
    in_force: bool = Field(description="This version answers classifications now")
    requested_at: str
    started_at: str | None
    finished_at: str | None
    seconds: float | None = Field(description="Training and evaluation in the worker")
    error: str | None
    trained_on: dict[str, int] = Field(description="Texts trained on by source (seed, history, corrections), and "
                                                   "held out")
    evaluation: Evaluation | None = Field(description="This version on the held-out texts")
    compared_with: int | None = Field(description="The version in force when this one was trained (None: the "
                                                  "shipped model), measured on the same held-out texts")
    compared_with_evaluation: Evaluation | None
    promoted_at: str | None
    previous_id: int | None = Field(description="The version a rollback restores (None: the shipped model)")


class ClassifierModelDetail(ClassifierModelRead):
    by_category: dict[str, Figures] = Field(description="Held-out accuracy per category")


class ClassifierModels(BaseModel):
    in_force: int | None = Field(description="The version answering classifications; None: the shipped model")
    versions: list[ClassifierModelRead]


class Promotion(BaseModel):
    in_force: ClassifierModelRead
    replaced: int | None = Field(description="The version taken out of force (None: the shipped model)")
    compared_with: int | None = Field(description="The version the evaluation was measured against")
    compared_with_in_force: bool = Field(description="Whether that was the version in force until now; if not, "
                                                     "the comparison is against an older model")
    top1_change: float | None = Field(description="Held-out top-1 of this version minus the one compared with")
    top3_change: float | None


class Rollback(BaseModel):
    taken_out: int
    in_force: int | None = Field(description="The version restored; None: the shipped model")
