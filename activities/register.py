"""Projection of case state into the register, and the append-only ledger.

Every write is a keyed upsert, so a retried activity changes nothing twice, and a row is
only replaced by a newer projection (the workflow counts its projections), so late retries of
an old projection cannot roll it back.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import structlog
from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from fairway.db import GroupCommit, Sessions, dialect_insert, upsert_if_newer
from fairway.metrics import PROJECTION_FAILURES, PROJECTION_LAG
from models.cases import CaseProjection
from models.claims import ClaimRegisterRow
from models.common import CaseKind, LedgerEntry
from models.register import (
    CLOSED_BY,
    CaseRow,
    ClaimCodeRow,
    ClaimRouteRow,
    ClaimRow,
    EscalationRow,
    LedgerRow,
)

log = structlog.get_logger(__name__)


def ledger_row(kind: CaseKind, ref: str, entry: LedgerEntry) -> dict:
    return {
        "case_kind": kind.value,
        "case_ref": ref,
        "seq": entry.seq,
        "action": entry.action,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role.value,
        "request_id": entry.request_id,
        "stage_before": entry.stage_before,
        "stage_after": entry.stage_after,
        "summary": entry.summary,
        "at": entry.at,
    }


def upsert_claim(session: Session, row: dict) -> bool:
    """The claim's row, unless the register holds a newer projection: whether it was written."""
    return session.execute(upsert_if_newer(session, ClaimRow.__table__), row).rowcount > 0


def replace_codes(session: Session, claim_ref: str, codes: list[dict]) -> None:
    """The claim's codes as its latest coding has them (called only when its row was written,
    so a late retry of an older projection cannot bring back a coding since replaced)."""
    session.execute(delete(ClaimCodeRow).where(ClaimCodeRow.claim_ref == claim_ref))
    session.execute(insert(ClaimCodeRow), [{"claim_ref": claim_ref, **code} for code in codes])


def upsert_routes(session: Session, claim_ref: str, version: int, routes: list[dict]) -> None:
    if not routes:
        return
    rows = [
        route
        | {
            "claim_ref": claim_ref,
            "version": version,
            "started_at": datetime.fromisoformat(route["started_at"]),
            "ended_at": route["ended_at"] and datetime.fromisoformat(route["ended_at"]),
        }
        for route in routes
    ]
    session.execute(upsert_if_newer(session, ClaimRouteRow.__table__, key=("claim_ref", "route_ref")), rows)


def case_row(p: CaseProjection) -> dict:
    return p.model_dump(exclude={"entries", "detail"}, mode="python") | {"kind": p.kind.value}


def upsert_case(session: Session, row: dict) -> None:
    session.execute(upsert_if_newer(session, CaseRow.__table__), row)


def close_escalations(session: Session, p: CaseProjection) -> None:
    """A case that has ended takes its open escalations with it: nobody can act on its deadlines
    any more, so the queue must not keep them waiting for a person."""
    session.execute(
        update(EscalationRow)
        .where(
            EscalationRow.case_kind == p.kind.value,
            EscalationRow.case_ref == p.ref,
            EscalationRow.acknowledged_at.is_(None),
        )
        .values(
            acknowledged_at=p.closed_at,
            acknowledged_by=CLOSED_BY,
            acknowledgment_comment=f"closed with the case at stage {p.stage}",
        )
    )


def observe_lag(entries: list[LedgerEntry], committed: datetime) -> None:
    """How long each action waited for the register: from the case accepting it (the workflow's
    time) to this commit. Clamped at zero: the two clocks are the server's and this machine's."""
    for entry in entries:
        PROJECTION_LAG.observe(max((committed - entry.at).total_seconds(), 0.0))


def append_ledger(session: Session, rows: list[dict]) -> None:
    if rows:  # one statement for the whole batch: a projection carries up to fifty entries
        session.execute(dialect_insert(session, LedgerRow.__table__).on_conflict_do_nothing(), rows)


class FailingProjections:
    """Cases whose projection fails, so each failure is told once per case, not once per retry
    (Temporal retries a projection until the register takes it), and its recovery once too."""

    def __init__(self, register: str) -> None:
        self.register = register
        self._cases: set[str] = set()
        self._lock = threading.Lock()

    def failed(self, projection: CaseProjection, err: Exception) -> ApplicationError:
        PROJECTION_FAILURES.inc()
        with self._lock:
            first = projection.ref not in self._cases
            self._cases.add(projection.ref)
        if first:
            log.error(
                "case projection failing; retried until the register takes it",
                case_id=projection.ref,
                kind=projection.kind.value,
                register=self.register,
                error=f"{type(err).__name__}: {err}"[:500],
            )
        # Benign: the SDK logs each retry at DEBUG only; the line above is the one an operator sees.
        return ApplicationError(
            f"projection of {projection.ref} failed: {type(err).__name__}",
            category=ApplicationErrorCategory.BENIGN,
        )

    def succeeded(self, projection: CaseProjection) -> None:
        with self._lock:
            recovered = projection.ref in self._cases
            self._cases.discard(projection.ref)
        if recovered:
            log.info("case projection recovered", case_id=projection.ref, kind=projection.kind.value)

    @property
    def count(self) -> int:
        return len(self._cases)


class RegisterActivities:
    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self.writer = GroupCommit(sessions)
        self.failing = FailingProjections(sessions.shown_url())

    @activity.defn
    def project_case(self, projection: CaseProjection) -> None:
        """A case of any kind: its row, its kind's own row (a claim's) and its ledger entries."""
        rows = [ledger_row(projection.kind, projection.ref, e) for e in projection.entries]
        row = case_row(projection)
        detail = projection.detail and ClaimRegisterRow.of(projection).model_dump()
        codes = projection.detail and projection.detail.get("codes")
        routes = (projection.detail or {}).get("routes", [])

        def write(session: Session) -> None:
            append_ledger(session, rows)
            upsert_case(session, row)
            if detail is not None and upsert_claim(session, detail):
                if codes is not None:
                    replace_codes(session, projection.ref, codes)
                upsert_routes(session, projection.ref, projection.version, routes)
            if projection.closed_at is not None:
                close_escalations(session, projection)

        try:
            self.writer.run(write)
        except Exception as err:
            raise self.failing.failed(projection, err) from err
        self.failing.succeeded(projection)
        observe_lag(projection.entries, datetime.now(UTC))
        log.info(
            "case projected",
            case_id=projection.ref,
            kind=projection.kind.value,
            stage=projection.stage,
            seq=projection.seq,
            actor=projection.entries[-1].actor_id if projection.entries else None,
        )
