"""The calendar as a case asks it (workflows/deadline_book.Calendar): the dates a step asks for at
once go in one local activity, each asker gets its own answer, and a failure reaches them all."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from temporalio import workflow

from activities.deadlines import CalendarActivities, due_for, limitation_for
from models.deadline_policies import STANDARD
from models.deadlines import DueRequest, LimitationRequest
from workflows.deadline_book import Calendar

NOW = datetime(2026, 12, 7, 10, tzinfo=UTC)
REVIEW = DueRequest(rule=STANDARD.rules["case_review_due"], trigger_date=date(2026, 12, 7), trigger_at=NOW)
LIMITATION = LimitationRequest(
    incident_date=date(2025, 3, 1),
    date_of_knowledge=None,
    claimant_date_of_birth=date(1980, 1, 1),
    protected_party=False,
    standstill_until=None,
)


@pytest.fixture
def asked(monkeypatch) -> list:
    """Each local activity the calendar runs, answered by the real calendar."""
    calls = []

    async def execute_local_activity_method(method, arg, **options):
        calls.append(arg.questions)
        return await getattr(CalendarActivities(), method.__name__)(arg)

    monkeypatch.setattr(workflow, "execute_local_activity_method", execute_local_activity_method)
    return calls


async def test_the_dates_asked_at_once_go_in_one_local_activity(asked):
    calendar = Calendar()
    review, limitation = await asyncio.gather(calendar.ask(REVIEW), calendar.ask(LIMITATION))
    assert asked == [[REVIEW, LIMITATION]]
    assert (review, limitation) == (due_for(REVIEW), limitation_for(LIMITATION))


async def test_dates_asked_one_after_another_are_asked_apart(asked):
    calendar = Calendar()
    await calendar.ask(REVIEW)
    await calendar.ask(LIMITATION)
    assert asked == [[REVIEW], [LIMITATION]]


async def test_a_failure_reaches_every_asker(monkeypatch):
    async def failing(method, arg, **options):
        raise RuntimeError("the calendar's worker is gone")

    monkeypatch.setattr(workflow, "execute_local_activity_method", failing)
    calendar = Calendar()
    answers = await asyncio.gather(calendar.ask(REVIEW), calendar.ask(LIMITATION), return_exceptions=True)
    assert [str(a) for a in answers] == ["the calendar's worker is gone"] * 2
