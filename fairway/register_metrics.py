"""Figures read from the register when Prometheus scrapes: the notifications outbox and the
escalations waiting for a person.

They are read, not counted, because the register is their truth whichever worker wrote or
sent a row, and because a count kept in memory would restart at zero with the process. Two
small aggregate queries a scrape, on indexed columns (`notification.sent_at`,
`escalation.acknowledged_at`), each bounded by what is waiting rather than by history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import structlog
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from fairway.metrics import (
    ESCALATIONS_OPEN,
    OUTBOX_OLDEST_AGE,
    OUTBOX_RETRYING,
    OUTBOX_UNSENT,
    REGISTER_UP,
    Figure,
)
from models.deadlines import LadderStep
from models.register import EscalationRow, NotificationRow

log = structlog.get_logger(__name__)


def family(figure: Figure, value: float | None = None) -> GaugeMetricFamily:
    if figure.labels:
        return GaugeMetricFamily(figure.name, figure.meaning, labels=figure.labels)
    return GaugeMetricFamily(figure.name, figure.meaning, value=value)


def outbox(session: Session) -> tuple[int, int, datetime | None]:
    """Unsent notifications, how many of them have failed once, and the oldest one's time."""
    unsent = NotificationRow.sent_at.is_(None)
    retrying = func.coalesce(func.sum(case((NotificationRow.attempts > 0, 1), else_=0)), 0)
    query = select(func.count(), retrying, func.min(NotificationRow.created_at)).where(unsent)
    count, failing, oldest = session.execute(query).one()
    return count, failing, oldest


def open_escalations(session: Session) -> dict[str, int]:
    query = (
        select(EscalationRow.step, func.count())
        .where(EscalationRow.acknowledged_at.is_(None))
        .group_by(EscalationRow.step)
    )
    return {step: count for step, count in session.execute(query)}


class RegisterFigures:
    """A Prometheus collector: the outbox and the escalation queue as the register has them now."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime] | None = None) -> None:
        self.sessions = sessions
        self.clock = clock or (lambda: datetime.now(UTC))

    def describe(self) -> Iterator[Metric]:
        for figure in (REGISTER_UP, OUTBOX_UNSENT, OUTBOX_RETRYING, OUTBOX_OLDEST_AGE, ESCALATIONS_OPEN):
            yield family(figure)

    def collect(self) -> Iterator[Metric]:
        try:
            with self.sessions() as session:
                unsent, retrying, oldest = outbox(session)
                waiting = open_escalations(session)
        except SQLAlchemyError as err:
            # A scrape that cannot read the register says so, rather than failing the whole
            # endpoint and hiding the worker's other figures with it.
            log.warning("register unreadable for metrics", error=str(err))
            yield family(REGISTER_UP, 0)
            return
        yield family(REGISTER_UP, 1)
        yield family(OUTBOX_UNSENT, unsent)
        yield family(OUTBOX_RETRYING, retrying)
        age = (self.clock() - oldest).total_seconds() if oldest is not None else 0.0
        yield family(OUTBOX_OLDEST_AGE, max(age, 0.0))
        steps = family(ESCALATIONS_OPEN)
        for step in LadderStep:  # every step, so a queue that empties reads 0, not absent
            steps.add_metric([step.value], waiting.get(step.value, 0))
        yield steps
