"""Register tables: the SQL projection of every case, and the append-only ledger.

Only activities write these (keyed upserts); the API reads them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.common import SYSTEM_ACTOR

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime}


class ClaimRow(Base):
    __tablename__ = "claim"
    # Learning's figures over a period (scorecards, extracts) count the claims notified in it, coded
    # or not, nationally and by trust: read from this index alone, never the table's rows.
    __table_args__ = (
        Index("ix_claim_opened_at_coding", "opened_at", "coded_specialty", "defendant_code", "ref"),
    )

    ref: Mapped[str] = mapped_column(String(40), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(80), unique=True)
    stage: Mapped[str] = mapped_column(String(60), index=True)
    handler: Mapped[str] = mapped_column(String(100), index=True)
    scheme: Mapped[str] = mapped_column(String(30), index=True)
    claimant_firm_id: Mapped[str | None] = mapped_column(String(60), index=True)
    claimant_firm_name: Mapped[str | None] = mapped_column(String(200))
    defendant_code: Mapped[str] = mapped_column(String(60), index=True)  # a member's scorecard
    defendant_name: Mapped[str] = mapped_column(String(200))
    specialty: Mapped[str] = mapped_column(String(100))
    incident_date: Mapped[date] = mapped_column(Date)
    on_hold: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str | None] = mapped_column(String(40))
    opened_at: Mapped[datetime] = mapped_column()  # indexed with the coding: __table_args__
    updated_at: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    seq: Mapped[int] = mapped_column(Integer)  # the workflow's action count
    # Counts the workflow's projections: one older than the row is ignored.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Whose supervisors are told when a deadline escalates (ClaimOpening.team).
    team: Mapped[str | None] = mapped_column(String(60), index=True)
    # The earliest due time among the case's live deadlines, and whether any is past due.
    next_deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    overdue: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)
    # The resolution routes running now (e.g. "litigation,mediation"), for dashboards.
    active_routes: Mapped[str | None] = mapped_column(String(120), index=True)
    # Learning from claims: the claimant's age at the incident as a band (never the date of
    # birth), and the claim's clinical coding (its injuries and themes are in claim_code).
    claimant_age_band: Mapped[str | None] = mapped_column(String(10))
    taxonomy_version: Mapped[str | None] = mapped_column(String(40))
    coded_specialty: Mapped[str | None] = mapped_column(String(80), index=True)
    primary_cause: Mapped[str | None] = mapped_column(String(80), index=True)


class ClaimCodeRow(Base):
    """Every code of a claim's current coding, one row each (models.coding.Coding.coded): a
    claim's themes and injuries are counted by joining here. Replaced whole when the claim is
    coded again, and only by a projection newer than the claim's row."""

    __tablename__ = "claim_code"

    claim_ref: Mapped[str] = mapped_column(String(40), primary_key=True)
    field: Mapped[str] = mapped_column(String(20), primary_key=True)  # specialty, themes, ...
    code: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)


class ClaimRouteRow(Base):
    """Every resolution route a claim has tried (models.routes.RouteRecord) and its result, for
    scorecards: a claim's routes are never forgotten, so each is a keyed upsert."""

    __tablename__ = "claim_route"

    # A summit is one route of many claims: its ref is on each of their rows.
    claim_ref: Mapped[str] = mapped_column(String(40), primary_key=True)
    route_ref: Mapped[str] = mapped_column(String(60), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)  # models.routes.RouteKind
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    result: Mapped[str | None] = mapped_column(String(40))  # models.routes.RouteResult
    version: Mapped[int] = mapped_column(Integer)  # the claim's projection that wrote it


class ResearchExtractRow(Base):
    """The record of every research extract made (fairway/research_extracts.py): who asked, for
    what, with which filters and taxonomy version, and how many rows it held. Never the key."""

    __tablename__ = "research_extract"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    requested_by: Mapped[str] = mapped_column(String(100), index=True)
    requested_at: Mapped[datetime] = mapped_column(index=True)
    purpose: Mapped[str] = mapped_column(Text)
    filters: Mapped[dict] = mapped_column(JSON)
    taxonomy_version: Mapped[str] = mapped_column(String(40))
    row_count: Mapped[int] = mapped_column(Integer)


class LedgerRow(Base):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("case_ref", "seq", name="uq_ledger_entry_case_ref_seq"),
        UniqueConstraint("case_ref", "request_id", name="uq_ledger_entry_case_ref_request_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_kind: Mapped[str] = mapped_column(String(30))
    case_ref: Mapped[str] = mapped_column(String(40), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(60))
    actor_id: Mapped[str] = mapped_column(String(100), index=True)
    actor_role: Mapped[str] = mapped_column(String(30))
    request_id: Mapped[str] = mapped_column(String(200))
    stage_before: Mapped[str | None] = mapped_column(String(60))
    stage_after: Mapped[str] = mapped_column(String(60))
    summary: Mapped[dict] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column()


class CaseRow(Base):
    """Every case kind built on the case kit (routes, summits, Early Notification, advice).

    Written by the kit's projection activity; `facts` keeps references and figures for
    reporting, never names. Confidential kinds (advice) are filtered by the API for anyone
    outside their readers, in every list and search.
    """

    __tablename__ = "case_record"

    ref: Mapped[str] = mapped_column(String(60), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    workflow_id: Mapped[str] = mapped_column(String(120), unique=True)
    parent_ref: Mapped[str | None] = mapped_column(String(60), index=True)
    stage: Mapped[str] = mapped_column(String(60), index=True)
    owner: Mapped[str] = mapped_column(String(100), index=True)
    team: Mapped[str] = mapped_column(String(60), index=True)
    confidential: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)
    outcome: Mapped[str | None] = mapped_column(String(60))
    opened_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    next_deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    overdue: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)
    facts: Mapped[dict] = mapped_column(JSON)
    seq: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class EscalationRow(Base):
    """One ladder step for one revision of one deadline (models.deadlines.Escalation).

    Written once by the escalation activity, whatever retries: the natural key is unique.
    Extending a deadline bumps its revision and re-arms the ladder, so it gets new rows.
    """

    __tablename__ = "escalation"
    __table_args__ = (UniqueConstraint("case_ref", "deadline", "revision", "step", name="uq_escalation_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_kind: Mapped[str] = mapped_column(String(30))
    case_ref: Mapped[str] = mapped_column(String(40), index=True)
    workflow_id: Mapped[str] = mapped_column(String(80))
    team: Mapped[str] = mapped_column(String(60), index=True)
    deadline: Mapped[str] = mapped_column(String(80))
    deadline_title: Mapped[str] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(30), index=True)  # models.deadlines.LadderStep
    recipient: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(index=True)  # Escalation.at
    # When the activity wrote it: the lag behind created_at is the escalation's delay.
    recorded_at: Mapped[datetime | None] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column(index=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    acknowledgment_comment: Mapped[str | None] = mapped_column(Text)
    # The deadline as it stands now (open, met, waived, extended, missed) and its date; meeting,
    # waiving or extending it resolves its escalations still waiting for a person.
    deadline_status: Mapped[str | None] = mapped_column(String(20))
    deadline_due_on: Mapped[date | None] = mapped_column(Date)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolution: Mapped[str | None] = mapped_column(String(200))


CLOSED_BY = SYSTEM_ACTOR.id  # an escalation closed with its case, not by a person


def ladder_step_filter(model, case_ref: str, deadline: str, revision: int, step: str) -> list:
    """One ladder step of one deadline revision: the key of its escalation and notifications."""
    return [
        model.case_ref == case_ref,
        model.deadline == deadline,
        model.revision == revision,
        model.step == step,
    ]


class NotificationRow(Base):
    """The notifications outbox: written with its escalation, sent later by the dispatcher.

    One row per (escalation, recipient); the dispatcher sets `sent_at`, or counts the failed
    attempt, keeps the error and waits until `next_attempt_at` before trying again.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("case_ref", "deadline", "revision", "step", "recipient", name="uq_notification_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_ref: Mapped[str] = mapped_column(String(40), index=True)
    deadline: Mapped[str] = mapped_column(String(80))
    revision: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(30))
    recipient: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20), default="email", server_default="email")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column()


class PaymentRow(Base):
    """One payment on a claim (models.claims.PaymentRecord), written once whatever retries:
    the claim reference and the payment reference are its natural key."""

    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("claim_ref", "reference", name="uq_payment_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_ref: Mapped[str] = mapped_column(String(40), index=True)
    reference: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20), index=True)  # models.claims.PaymentKind
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    payee: Mapped[str] = mapped_column(String(30))
    paid_on: Mapped[date] = mapped_column(Date, index=True)
    # The order approving an interim payment to a child or protected party (CPR 21.10).
    court_approval_reference: Mapped[str | None] = mapped_column(String(60))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column()


class EarlyNotificationRow(Base):
    """One maternity Early Notification case's references and timings (models.early_notification
    .EarlyNotificationRecord), beside its case_record row; written by the EN workflow's own
    projection activity. Time to a liability decision is measured here per case, in days from
    the notification and from the baby's birth. No names, no dates of birth."""

    __tablename__ = "early_notification"

    ref: Mapped[str] = mapped_column(String(60), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(120), unique=True)
    mnsi_reference: Mapped[str] = mapped_column(String(60), index=True)
    trust_code: Mapped[str] = mapped_column(String(60), index=True)
    criteria_version: Mapped[str] = mapped_column(String(40))
    family_consent_required: Mapped[bool] = mapped_column(default=False)
    stage: Mapped[str] = mapped_column(String(60), index=True)
    outcome: Mapped[str | None] = mapped_column(String(60))
    notified_on: Mapped[date] = mapped_column(Date, index=True)
    liability_decided_on: Mapped[date | None] = mapped_column(Date)
    liability_admitted: Mapped[bool | None] = mapped_column()
    days_to_liability_decision: Mapped[int | None] = mapped_column(Integer)
    days_from_birth_to_liability_decision: Mapped[int | None] = mapped_column(Integer)
    liability_decision_target_on: Mapped[date | None] = mapped_column(Date)
    claim_ref: Mapped[str | None] = mapped_column(String(40), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # the case's action count: an older write is ignored
