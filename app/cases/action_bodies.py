"""The bodies of case actions: one model per action, unknown fields rejected."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.cases.lifecycle import Outcome
from app.core.schemas import invalid
from app.files.schemas import FileIds

Text = Field(min_length=1, max_length=2000)


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NoteBody(_Action):
    note: str | None = Field(default=None, max_length=1000)


class DispatchBody(NoteBody):
    unit_id: int | None = Field(default=None, description="Override the router's lead unit")


class DirectAnswerBody(_Action):
    """The centre answers without dispatching (直办) by citing a knowledge-base article in force whose category is
    the case's (or a group above it), for a work-order type the deadline profile lets the centre answer directly
    (consultation and help by default). Complaints, reports and matters needing a site visit are dispatched."""

    article_code: str = Field(min_length=1, max_length=64)
    answer: str | None = Field(default=None, min_length=1, max_length=2000,
                               description="The agent's own wording; defaults to the article's answer")
    basis: str | None = Field(default=None, max_length=500)


class ReturnBody(_Action):
    reason: str = Field(min_length=2, max_length=1000)
    legal_basis: str = Field(min_length=2, max_length=500)
    suggested_unit_id: int


class AcceptReturnBody(NoteBody):
    unit_id: int | None = Field(default=None, description="New lead unit; defaults to the suggested one")


class ReasonBody(_Action):
    reason: str = Field(min_length=2, max_length=1000)


class ExtensionBody(_Action):
    days: int = Field(ge=1, le=60, description="Working days asked for")
    reason: str = Field(min_length=2, max_length=1000)
    basis: str = Field(min_length=2, max_length=500)


class UnitBody(_Action):
    unit_id: int
    reason: str | None = Field(default=None, max_length=1000)


class RedispatchBody(_Action):
    unit_id: int
    reason: str = Field(min_length=2, max_length=1000)


class ContributeBody(_Action):
    text: str = Text


class ReplyBody(_Action):
    text: str = Text
    signer: str = Field(min_length=1, max_length=64, description="The responsible person who signs the reply")
    basis: str | None = Field(default=None, max_length=500, description="Policy or legal basis cited")
    files: FileIds = Field(default_factory=list, description="Files you uploaded (POST /files) that show what was "
                                                            "done, such as a photo of the repaired streetlight")


Satisfaction = Literal["satisfied", "basically_satisfied", "dissatisfied"]


class CallbackBody(_Action):
    """The agent's record of one callback call (一事一评)."""

    reached: bool = Field(description="Whether the requester was reached")
    solved: bool | None = Field(default=None, description="Requester says the matter is solved (reached only)")
    satisfaction: Satisfaction | None = Field(default=None, description="Reached only")
    unit_at_fault: bool = Field(default=False, description="Dissatisfied because the unit fell short → redo")
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _consistent(self) -> "CallbackBody":
        if self.reached and (self.solved is None or self.satisfaction is None):
            raise invalid("callback_answers_missing")
        if not self.reached and (self.solved is not None or self.satisfaction is not None or self.unit_at_fault):
            raise invalid("callback_unreached_answers")
        if self.unit_at_fault and self.satisfaction != "dissatisfied":
            raise invalid("callback_fault_needs_dissatisfied")
        return self

    def outcome(self) -> Outcome:
        return Outcome(reached=self.reached, solved=self.solved, satisfaction=self.satisfaction,
                       unit_at_fault=self.unit_at_fault)


class RateBody(_Action):
    """The requester rates the reply to their own case from the app."""

    solved: bool
    satisfaction: Satisfaction
    comment: str | None = Field(default=None, max_length=1000)

    def outcome(self) -> Outcome:
        return Outcome(reached=True, solved=self.solved, satisfaction=self.satisfaction)


class MergeBody(_Action):
    master_case_id: int = Field(description="The case this one duplicates; it stays open and is counted once")
    reason: str | None = Field(default=None, max_length=1000)


class LinkBody(_Action):
    case_id: int = Field(description="The related case; both stay open and are counted separately")
    note: str | None = Field(default=None, max_length=200)


class UnlinkBody(_Action):
    case_id: int
    reason: str | None = Field(default=None, max_length=1000)


class MajorBody(_Action):
    """一个问题、一名责任领导、一个调处班子、一个调处方案、一个解决期限."""

    leader: str = Field(min_length=1, max_length=64, description="The responsible leader, by name")
    leader_title: str | None = Field(default=None, max_length=64)
    team: list[str] = Field(min_length=1, max_length=20, description="Members of the handling team")
    plan: str = Field(min_length=2, max_length=2000)
    resolve_by: date = Field(description="The deadline for resolving the problem (local date)")
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _team_names(self) -> "MajorBody":
        if any(not m.strip() or len(m) > 64 for m in self.team):
            raise invalid("major_team_names")
        return self


ACTION_BODIES: dict[str, type[_Action]] = {
    "dispatch": DispatchBody,
    "direct_answer": DirectAnswerBody,
    "sign": NoteBody,
    "start": NoteBody,
    "return": ReturnBody,
    "accept_return": AcceptReturnBody,
    "reject_return": ReasonBody,
    "request_extension": ExtensionBody,
    "approve_extension": NoteBody,
    "deny_extension": ReasonBody,
    "add_co_handler": UnitBody,
    "contribute": ContributeBody,
    "reply": ReplyBody,
    "close": NoteBody,
    "withdraw": ReasonBody,
    "redispatch": RedispatchBody,
    "callback": CallbackBody,
    "rate": RateBody,
    "merge": MergeBody,
    "mark_major": MajorBody,
    "link": LinkBody,
    "unlink": UnlinkBody,
}
