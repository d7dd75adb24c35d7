"""What every case kind beyond the claim shares: its state's common part, its policy, the answer
to an action and the projection into the register's case table.

Resolution routes (mediation, early neutral evaluation, litigation), resolution summits, Early
Notification and advice cases are all built on workflows/case_kit.py; each subclasses these
models with its own fields.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from models.common import AppliedAction, CaseKind, EventFloor, LedgerEntry, RequestBody, broken_rule
from models.deadline_policies import STANDARD, PolicyByReference
from models.deadlines import Deadline, DeadlineChangeView


class CaseNote(BaseModel):
    seq: int
    text: str
    author: str
    at: datetime


class CaseLink(BaseModel):
    """Another case this one belongs to or points at (a route's claim, an EN case's claim)."""

    kind: CaseKind
    ref: str
    workflow_id: str
    relation: str | None = None
    linked_at: datetime | None = None


class CaseProgress(BaseModel):
    """A case's new stage, told to the cases that follow it (an EN case follows the claim it led
    to); `ended` once it has reached a final stage."""

    kind: CaseKind
    ref: str
    stage: str
    ended: bool
    at: datetime


class CaseHold(BaseModel):
    reason: str
    review_on: date
    since: datetime


class LinkCase(BaseModel):
    """Another case this one belongs with (the Early Notification case a claim was opened from,
    a significant concern raised from it); sent by that case, never by a person."""

    kind: CaseKind
    ref: str = Field(min_length=1, max_length=60)
    workflow_id: str = Field(min_length=1, max_length=120)
    relation: str = Field(min_length=1, max_length=200)


class CaseState(BaseModel):
    """The part of every kit case's state the kit itself reads and writes."""

    ref: str
    kind: CaseKind
    stage: str
    owner: str = Field(description="actor id of the handler or adviser who owns the case")
    team: str = "claims"
    parent: CaseLink | None = None
    links: list[CaseLink] = []
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    outcome: str | None = None
    stage_before_closure: str | None = None  # where a reopen goes back to
    hold: CaseHold | None = None
    notes: list[CaseNote] = []
    deadlines: dict[str, Deadline] = {}
    next_deadline_at: datetime | None = None
    overdue: bool = False
    acknowledged_escalations: list[str] = []
    seq: int = 0
    version: int = 0  # counts projections, so the register never takes an older one
    progress_told: str | None = None  # the stage its followers were last told of

    def event_floor(self) -> EventFloor | None:
        """The earliest any event this case records can be; None: only the plausibility floor."""
        return None


class CasePolicy(BaseModel):
    """The versioned policy a kit case runs under, fixed at its start."""

    version: str = "standard-2026-11"
    # The published object itself, never a copy: every case holds the one instance.
    deadlines: PolicyByReference = Field(default_factory=lambda: STANDARD)
    # The register trails the workflow by at most this long, or this many actions.
    projection_delay_seconds: float = 1.0
    projection_batch: int = 50
    # After an escalation (already recorded) the register's copy of the book may trail longer.
    book_projection_delay_seconds: float | None = None
    recent_request_ids: int = 500
    # A run continues as new after this many history events (Temporal suggests it only at
    # thousands): what a case evicted from the cache replays on its next action (docs/scale.md).
    events_per_run: int = 250
    # ...once no action has come for this long (Temporal's own suggestion is not put off).
    quiet_before_continuing_seconds: float = 2.0
    # How long an ended case can still be reopened before its run ends (a claim's 90 days).
    reopen_window_seconds: int = 0

    @property
    def book_projection_delay(self) -> float:
        if self.book_projection_delay_seconds is None:
            return self.projection_delay_seconds
        return self.book_projection_delay_seconds


StateT = TypeVar("StateT", bound=CaseState)


class CaseView(BaseModel, Generic[StateT]):
    """What every action's answer carries: the new state and what this actor may do next."""

    state: StateT
    notes_total: int | None = Field(None, description="all notes; an action's answer lists the latest")
    allowed_actions: list[str]
    applied: AppliedAction | None = None
    deadline_changes: list[DeadlineChangeView] = []


class ActionReceipt(BaseModel):
    """A case's answer to an action, as its history keeps it: the step's number, where it left
    the case, whether it repeated an earlier request, and which deadlines moved; not the case
    itself, which the workflow holds. The API turns it into the whole answer (a CaseView) with
    the case's `answer` query. No seq: the request is no longer among those the case recalls."""

    seq: int | None = None
    stage_after: str | None = None
    duplicate: bool = False
    deadline_changes: list[DeadlineChangeView] = []

    @classmethod
    def of(cls, applied: AppliedAction | None, duplicate: bool = False, changes=()) -> ActionReceipt:
        if applied is None:
            return cls()
        return cls(
            seq=applied.seq,
            stage_after=applied.stage_after,
            duplicate=duplicate,
            deadline_changes=list(changes),
        )


class CaseCarried(BaseModel, Generic[StateT]):
    state: StateT
    requests: dict[str, AppliedAction]
    unprojected: list[LedgerEntry]


class CaseProjection(BaseModel):
    """One row of the register's case table and the case's new ledger entries."""

    workflow_id: str
    kind: CaseKind
    ref: str
    parent_ref: str | None
    stage: str
    owner: str
    team: str
    confidential: bool = False
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    outcome: str | None
    next_deadline_at: datetime | None
    overdue: bool
    seq: int
    version: int
    facts: dict[str, Any] = Field(default_factory=dict, description="references and figures, no names")
    detail: dict[str, Any] | None = Field(None, description="the kind's own register row (a claim's)")
    entries: list[LedgerEntry] = []


# --- actions every case kind has (workflows/case_kit.py common_steps) ---------------------


class AddNote(RequestBody):
    text: str = Field(min_length=1, max_length=10_000)


class ExtendDeadline(RequestBody):
    deadline: str = Field(min_length=1, max_length=80)
    new_due_on: date | None = None
    # Aware: an instant with no zone could be any of two (BST), and the case's clock compares it.
    new_due_at: AwareDatetime | None = Field(None, description="an exact instant, e.g. 4pm on a court order")
    reason: str = Field(min_length=1, max_length=2_000)
    agreed_by: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_new_due(self) -> ExtendDeadline:
        if (self.new_due_on is None) == (self.new_due_at is None):
            raise broken_rule("one_new_due", "give exactly one of new_due_on or new_due_at")
        return self


class WaiveDeadline(RequestBody):
    deadline: str = Field(min_length=1, max_length=80)
    reason: str = Field(min_length=1, max_length=2_000)


class AcknowledgeEscalation(RequestBody):
    deadline: str = Field(min_length=1, max_length=80)
    revision: int = Field(ge=1)
    step: Literal["warning", "supervisor", "head_of_service"]
    comment: str = Field(min_length=1, max_length=2_000)
