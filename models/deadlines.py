"""Deadlines: the versioned policy that defines them, and the book entries workflows keep."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator


class DeadlineKind(StrEnum):
    STATUTORY = "statutory"  # limitation: never stops
    COURT = "court"  # CPR and court orders: never stop
    PROTOCOL = "protocol"  # Pre-Action Protocol periods: never stop
    SERVICE = "service"  # our own targets: stop while the case is on hold


class DeadlineStatus(StrEnum):
    OPEN = "open"
    MET = "met"
    MISSED = "missed"
    EXTENDED = "extended"
    WAIVED = "waived"


LIVE = (DeadlineStatus.OPEN, DeadlineStatus.MISSED, DeadlineStatus.EXTENDED)


class LadderStep(StrEnum):
    WARNING = "warning"  # the owner, ahead of time
    SUPERVISOR = "supervisor"  # at the due time, if unmet
    HEAD_OF_SERVICE = "head_of_service"  # a further period after


class Period(BaseModel):
    """A legal period, computed by the calendar activity (activities/calendar.py)."""

    amount: int = Field(ge=0)
    # working_days: Monday to Friday less England and Wales bank holidays, at any length (MNSI's
    # 1 working day); a CPR period of 5 days or less says so with the short-period flag instead.
    unit: Literal["days", "weeks", "months", "years", "working_days"]
    clear_days: bool = False
    short_period_excludes_non_business_days: bool = False
    end_rule: Literal["court_office_rolls_forward", "protocol_flag_only", "none"] = "none"


class Ladder(BaseModel):
    """When each step fires, relative to the due time."""

    warn_before_seconds: float = Field(ge=0)
    supervisor_before_seconds: float = Field(0, ge=0, description="0: at the due time")
    head_of_service_after_seconds: float = Field(description="negative: still before the due time")

    @model_validator(mode="after")
    def _in_order(self) -> Ladder:
        if (
            not -self.warn_before_seconds
            <= -self.supervisor_before_seconds
            <= self.head_of_service_after_seconds
        ):
            raise ValueError("the ladder must run warning, then supervisor, then head of service")
        return self


class DeadlineRule(BaseModel):
    name: str
    title: str
    kind: DeadlineKind
    basis: str
    period: Period | None = None
    # Short test policies give periods in seconds from the trigger instant instead.
    seconds: float | None = None
    limitation: bool = Field(False, description="computed under the Limitation Act 1980")
    ladder: Ladder
    max_extension_days: int | None = Field(None, description="longest extension by agreement; None: any")

    @model_validator(mode="after")
    def _one_period(self) -> DeadlineRule:
        if [self.period is not None, self.seconds is not None, self.limitation].count(True) != 1:
            raise ValueError(f"{self.name}: give exactly one of period, seconds or limitation")
        return self


class EscalationContacts(BaseModel):
    supervisor: str
    head_of_service: str


class DeadlinePolicy(BaseModel):
    """Immutable once published: a change is a new version (models/deadline_policies.py keeps
    every version the worker knows, and payloads carry only the name and version)."""

    model_config = ConfigDict(frozen=True)

    name: str
    version: str
    rules: dict[str, DeadlineRule]
    contacts: dict[str, EscalationContacts]

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"


class DeadlineChange(BaseModel):
    at: datetime
    actor: str
    change: Literal[
        "set",
        "recomputed",
        "met",
        "missed",
        "extended",
        "waived",
        "paused",
        "resumed",
        "escalated",
        "skipped",
    ]
    due_on: date | None = None
    due_at: datetime | None = None
    previous_due_on: date | None = None
    reason: str = ""
    agreed_by: str = ""


class Deadline(BaseModel):
    name: str
    # The policy rule that sets it; None: the rule named like the deadline. A case with one
    # deadline per instance (one per Part 36 offer, say) names each and shares the rule.
    rule: str | None = None
    title: str
    kind: DeadlineKind
    basis: str
    trigger: str
    trigger_date: date
    due_on: date | None
    due_at: datetime | None  # None while suspended (a protected party's limitation)
    original_due_on: date | None = None
    # The latest due date an agreement may give it, computed with it from its period's own end
    # (CPR 15.5); None: its rule's limit counts from original_due_on, or there is none.
    extendable_to: date | None = None
    warn_at: datetime | None = None
    supervisor_at: datetime | None = None
    head_of_service_at: datetime | None = None
    # When the ladder's times were last set: a step whose time had passed by then never came due
    # in the case's life (a date entered late) and is not sent.
    armed_at: datetime | None = None
    owner: str
    status: DeadlineStatus = DeadlineStatus.OPEN
    revision: int = 1
    flags: list[str] = []
    explanation: str = ""
    steps_done: list[LadderStep] = []
    paused_remaining_seconds: float | None = None
    paused_on: date | None = None
    met_on: date | None = None
    changes: list[DeadlineChange] = []

    @computed_field(description="a met deadline: how many days after its due date it was met (0: in time)")
    @property
    def days_late(self) -> int | None:
        """Met late or in time, for a deadline met with a date of its own (a trust's report the
        notification records was made weeks after its period ended)."""
        if self.status is not DeadlineStatus.MET or self.met_on is None or self.due_on is None:
            return None
        return max((self.met_on - self.due_on).days, 0)

    @property
    def live(self) -> bool:
        return self.status in LIVE

    @property
    def paused(self) -> bool:
        return self.paused_remaining_seconds is not None


class DueRequest(BaseModel):
    kind: Literal["due"] = "due"
    rule: DeadlineRule
    trigger_date: date
    trigger_at: datetime


class DueResult(BaseModel):
    due_on: date | None
    due_at: datetime | None
    flags: list[str] = []
    explanation: str = ""
    suspended: bool = False
    extendable_to: date | None = None  # the latest date the parties may agree (CPR 15.5)


class LimitationRequest(BaseModel):
    kind: Literal["limitation"] = "limitation"
    incident_date: date
    date_of_knowledge: date | None
    claimant_date_of_birth: date | None
    protected_party: bool
    standstill_until: date | None
    death_date: date | None = None  # LA 1980 s.11(5): the estate's claim runs from the death
    personal_representative_knowledge: date | None = None
    # LA 1980 s.12: the dependants' own claim under the Fatal Accidents Act 1976, not the estate's
    dependants: bool = False
    dependants_knowledge: date | None = None


class CalendarQuestions(BaseModel):
    """Every date one step of a case asks the calendar for, asked together (one local activity)."""

    questions: list[Annotated[DueRequest | LimitationRequest, Field(discriminator="kind")]]


class CalendarAnswers(BaseModel):
    answers: list[DueResult]  # in the questions' order


class Escalation(BaseModel):
    """One ladder step for one revision of one deadline: written once, whatever retries."""

    case_kind: str
    case_ref: str
    workflow_id: str
    team: str
    deadline: str
    deadline_title: str
    revision: int
    step: LadderStep
    due_at: datetime | None
    recipient: str
    message: str
    at: datetime


class DeadlineMoved(BaseModel):
    """A deadline whose ladder had started was met, waived or extended: its escalations still
    waiting for a person are resolved by it, and each shows the deadline as it now stands."""

    case_ref: str
    deadline: str
    revision: int  # the revision whose escalations it resolves (an extension's previous one)
    status: str
    due_on: date | None
    how: str  # the action that did it
    at: datetime


class EscalationAcknowledgment(BaseModel):
    case_ref: str
    deadline: str
    revision: int
    step: LadderStep
    actor: str
    comment: str
    at: datetime


class DeadlineChangeView(BaseModel):
    """What a deadline action changed, shown in the action's response."""

    name: str
    previous_due_on: date | None
    due_on: date | None
