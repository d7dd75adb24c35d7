"""The register's figures as a scrape reads them, on SQLite and PostgreSQL: the outbox's
backlog and its oldest unsent notification, and the escalations waiting by ladder step."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.exc import OperationalError

from fairway import db
from fairway.register_metrics import RegisterFigures
from models.deadlines import LadderStep
from models.register import EscalationRow, NotificationRow

# Older than anything another test writes to the shared register, so it is the oldest unsent.
LONG_AGO = datetime(2001, 1, 1, 9, 0, tzinfo=UTC)
NOW = LONG_AGO + timedelta(days=2, seconds=30)


def figures(collector: RegisterFigures) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in collector.collect()
        for sample in family.samples
    }


def notification(ref: str, n: int, created_at: datetime, sent: bool = False, attempts: int = 0) -> dict:
    return {
        "case_ref": ref,
        "deadline": f"deadline_{n}",
        "revision": 1,
        "step": "warning",
        "recipient": "hana.handler",
        "subject": "s",
        "body": "b",
        "created_at": created_at,
        "sent_at": created_at if sent else None,
        "attempts": attempts,
    }


def escalation(ref: str, n: int, step: LadderStep, acknowledged: bool = False) -> dict:
    return {
        "case_kind": "claim",
        "case_ref": ref,
        "workflow_id": f"claim-{ref}",
        "team": "claims",
        "deadline": f"deadline_{n}",
        "deadline_title": "A deadline",
        "revision": 1,
        "step": step.value,
        "recipient": "sam.supervisor",
        "message": "",
        "created_at": LONG_AGO,
        "acknowledged_at": LONG_AGO if acknowledged else None,
    }


@pytest.fixture
def sessions(register_url):
    engine = db.make_engine(register_url)
    yield db.session_factory(engine)
    engine.dispose()


def test_the_outbox_and_the_escalation_queue_as_a_scrape_reads_them(sessions):
    collector = RegisterFigures(sessions, clock=lambda: NOW)
    ref = f"CLM-{uuid.uuid4().hex[:12].upper()}"
    before = figures(collector)
    try:
        with sessions.begin() as session:
            session.execute(
                NotificationRow.__table__.insert(),
                [
                    notification(ref, 1, LONG_AGO),
                    notification(ref, 2, LONG_AGO + timedelta(days=1), attempts=2),
                    notification(ref, 3, LONG_AGO - timedelta(days=1), sent=True),  # sent: not waiting
                ],
            )
            session.execute(
                EscalationRow.__table__.insert(),
                [
                    escalation(ref, 1, LadderStep.SUPERVISOR),
                    escalation(ref, 2, LadderStep.SUPERVISOR),
                    escalation(ref, 3, LadderStep.HEAD_OF_SERVICE),
                    escalation(ref, 4, LadderStep.WARNING, acknowledged=True),
                ],
            )
        after = figures(collector)
    finally:
        with sessions.begin() as session:  # the register is shared: leave nothing to dispatch
            session.execute(delete(NotificationRow).where(NotificationRow.case_ref == ref))
            session.execute(delete(EscalationRow).where(EscalationRow.case_ref == ref))

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after[key] - before.get(key, 0.0)

    assert after["fairway_register_up", ()] == 1
    assert grew("fairway_outbox_unsent") == 2
    assert grew("fairway_outbox_retrying") == 1
    assert after["fairway_outbox_oldest_unsent_age_seconds", ()] == (NOW - LONG_AGO).total_seconds()
    assert grew("fairway_escalations_open", step="supervisor") == 2
    assert grew("fairway_escalations_open", step="head_of_service") == 1
    assert grew("fairway_escalations_open", step="warning") == 0


def test_an_empty_outbox_is_zero_old(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    db.migrate(url)
    engine = db.make_engine(url)
    read = figures(RegisterFigures(db.session_factory(engine)))
    engine.dispose()
    assert read["fairway_outbox_unsent", ()] == read["fairway_outbox_oldest_unsent_age_seconds", ()] == 0
    assert {read["fairway_escalations_open", (("step", s.value),)] for s in LadderStep} == {0}


def test_an_unreadable_register_is_reported_not_raised():
    def broken():
        raise OperationalError("SELECT 1", {}, Exception("the database is down"))

    read = figures(RegisterFigures(broken))
    assert read == {("fairway_register_up", ()): 0}
