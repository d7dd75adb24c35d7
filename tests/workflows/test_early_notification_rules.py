"""Issue 18's Early Notification rules on the real workflow class, without a Temporal server: one
case per MNSI investigation, refused by the case itself; the reporting before the notification
checked at opening through the calendar, each step a deadline met at once with its date.
tests/api/test_early_notification.py drives the same through the API and a dev server, and
tests/activities/test_calendar.py the periods themselves.

Temporal's clock, activities and children are replaced by recorders; the calendar the deadline
book asks is the real one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from temporalio import workflow

from activities.deadlines import due_for
from api.cases import new_ref
from api.early_notification import SPEC
from models import early_notification as en
from models.common import ActionMeta, Actor, AppliedAction, Role, payload_digest
from models.duty_of_candour import candour_ref_for
from workflows.deadline_book import Calendar, DeadlineBook
from workflows.early_notification import EarlyNotificationWorkflow

NOW = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
HANDLER = Actor(id="hana.handler", role=Role.HANDLER)
OTHER_HANDLER = Actor(id="harry.handler", role=Role.HANDLER)
NOTIFICATION = en.Notification(
    mnsi_reference="MNSI-2024-001",
    trust_code="RX1",
    trust_name="Example Hospitals NHS Trust",
    date_of_birth=date(2024, 2, 1),
    gestation_weeks=39,
    birth=en.Birth.FOLLOWING_LABOUR,
    mri_confirmed=True,
    actively_cooled=True,
)


# --- one case per MNSI investigation ---------------------------------------------------------


def test_an_en_reference_follows_from_the_mnsi_investigation():
    ref = en.en_ref_for("MNSI-2024-001")
    assert ref == en.en_ref_for("MNSI-2024-001") == en.en_ref_for("mnsi-2024-001"), "typed either way"
    assert ref != en.en_ref_for("MNSI-2024-002")
    assert re.fullmatch(SPEC.ref_pattern, ref), "served at the kind's own routes"
    assert ref not in (en.claim_ref_for(ref), candour_ref_for(ref))
    assert SPEC.ref_from_opening(NOTIFICATION) == ref, "the API opens it under that reference"


def test_every_reference_comes_from_the_one_rule_and_keeps_the_values_it_had():
    """models/common.py derived_ref makes every reference: those made before it are unchanged."""
    assert new_ref("PHA", HANDLER, "k1") == "PHA-QA4K7CW4AHQM"
    assert en.claim_ref_for("EN-ABCDEFGHIJKL") == "CLM-YBIWZS5L26F4"
    assert candour_ref_for("EN-ABCDEFGHIJKL") == "DOC-X2QQ4MWMNDOG"
    assert new_ref("PHA", HANDLER, None) != new_ref("PHA", HANDLER, None), "no key: a new case each time"


def notified_case(request_id: str = "key-1") -> EarlyNotificationWorkflow:
    """An EN case as its start leaves it: the notification recorded under its request id."""
    opening = en.EarlyNotificationInput(
        ref=en.en_ref_for(NOTIFICATION.mnsi_reference),
        owner=HANDLER.id,
        opening=NOTIFICATION,
        opened_by=ActionMeta(actor=HANDLER, request_id=request_id),
    )
    case = object.__new__(EarlyNotificationWorkflow)
    case.state = case.open(opening, NOW)
    case.requests = {
        request_id: AppliedAction(
            seq=1,
            action="notify",
            request_id=request_id,
            stage_before=None,
            stage_after=case.state.stage,
            actor_id=HANDLER.id,
            payload_digest=payload_digest(NOTIFICATION),
        )
    }
    return case


def test_the_notifications_own_retry_is_answered():
    case = notified_case()
    assert (
        case.opening_refusal(ActionMeta(actor=HANDLER, request_id="key-1"), payload_digest(NOTIFICATION))
        is None
    )


@pytest.mark.parametrize(
    ("actor", "request_id", "body"),
    [
        (OTHER_HANDLER, "key-2", NOTIFICATION),  # another handler's notification
        (HANDLER, "key-2", NOTIFICATION),  # the same handler's, under another key
        (HANDLER, "key-2", NOTIFICATION.model_copy(update={"gestation_weeks": 38})),
    ],
)
def test_a_second_notification_of_the_investigation_is_refused_naming_the_case(actor, request_id, body):
    case = notified_case()
    refusal = case.opening_refusal(ActionMeta(actor=actor, request_id=request_id), payload_digest(body))
    ref = en.en_ref_for("MNSI-2024-001")
    assert refusal is not None and refusal.code == "already_notified"
    assert refusal.message == f"MNSI investigation MNSI-2024-001 was already notified as {ref}"
    details = refusal.model_dump(mode="json")
    assert (details["existing_ref"], details["mnsi_reference"], details["stage"]) == (
        ref,
        "MNSI-2024-001",
        "notified",
    )


def test_the_notifications_key_with_another_body_is_a_reused_key():
    case = notified_case()
    changed = NOTIFICATION.model_copy(update={"gestation_weeks": 38})
    refusal = case.opening_refusal(ActionMeta(actor=HANDLER, request_id="key-1"), payload_digest(changed))
    assert refusal is not None and refusal.code == "request_id_reused"
    stolen = case.opening_refusal(
        ActionMeta(actor=OTHER_HANDLER, request_id="key-1"), payload_digest(NOTIFICATION)
    )
    assert stolen is not None and stolen.code == "request_id_reused", "a key belongs to its actor"


# --- the reporting before the notification, checked at opening --------------------------------


@dataclass
class Outside:
    calls: list[tuple[str, str, dict]] = field(default_factory=list)
    now: datetime = NOW

    def deadlines_escalated(self) -> set[str]:
        return {arg["deadline"] for kind, name, arg in self.calls if name == "escalate"}


def _dump(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


@pytest.fixture
def outside(monkeypatch) -> Outside:
    record = Outside()

    async def execute_activity_method(method, arg, **options):
        record.calls.append(("activity", method.__name__, _dump(arg)))

    async def start_child_workflow(run, arg, *, id, **options):
        record.calls.append(("child", run.__qualname__, {"id": id, **_dump(arg)}))

    async def compute(book: DeadlineBook, request):
        return due_for(request)

    monkeypatch.setattr(workflow, "now", lambda: record.now)
    monkeypatch.setattr(workflow, "info", lambda: SimpleNamespace(workflow_id="the-case-under-test"))
    monkeypatch.setattr(workflow, "execute_activity_method", execute_activity_method)
    monkeypatch.setattr(workflow, "start_child_workflow", start_child_workflow)
    monkeypatch.setattr(DeadlineBook, "_compute", compute)
    return record


async def opened(notification: en.Notification) -> EarlyNotificationWorkflow:
    """An EN case as its opening leaves it: started, then `on_open` run."""
    opening = en.EarlyNotificationInput(
        ref=en.en_ref_for(notification.mnsi_reference),
        owner=HANDLER.id,
        opening=notification,
        opened_by=ActionMeta(actor=HANDLER, request_id="key-1"),
    )
    case = object.__new__(EarlyNotificationWorkflow)
    case.policy, case._input = opening.policy, opening
    case._dirty = case._rearm = False
    case.requests, case.unprojected, case._registered = {}, [], None
    case._calendar = Calendar()
    case.state = case.open(opening, NOW)
    await case.on_open(opening)
    return case


REPORTED = NOTIFICATION.model_copy(
    update={
        "legal_team_told_on": date(2024, 2, 20),  # 14 days from Thu 1 Feb end Thu 15 Feb: 5 days late
        "reported_to_mnsi_on": date(2024, 3, 28),  # the Thursday before Good Friday
        "mnsi_contacted_trust_on": date(2024, 4, 2),  # the Tuesday after Easter Monday: in time
    }
)
REPORTING = {en.LEGAL_TEAM_TOLD, en.LEGACY_REPORT, en.MNSI_FIRST_CONTACT}


def shown(deadline) -> tuple:
    d = deadline
    return (d.status.value, d.trigger, d.trigger_date, d.due_on, d.met_on, d.days_late)


async def test_the_reporting_before_the_notification_is_met_at_opening_with_its_dates(outside: Outside):
    case = await opened(REPORTED)
    book = case.state.deadlines
    assert set(book) == {en.MNSI_REPORT, en.LIABILITY_DECISION, en.LEGAL_TEAM_TOLD, en.MNSI_FIRST_CONTACT}
    told, called = book[en.LEGAL_TEAM_TOLD], book[en.MNSI_FIRST_CONTACT]
    assert shown(told) == ("met", "notify", date(2024, 2, 1), date(2024, 2, 15), date(2024, 2, 20), 5)
    assert told.basis.startswith("EN report form") and told.explanation.startswith("EN report form")
    assert shown(called) == ("met", "notify", date(2024, 3, 28), date(2024, 4, 2), date(2024, 4, 2), 0)
    assert "1 working day after Thu 28 Mar 2024" in called.explanation and "CPR" not in called.explanation
    assert [c.change for c in told.changes] == [c.change for c in called.changes] == ["set", "met"]
    # What the API answers: each period, its due date, and how late it was met.
    answer = case.view(HANDLER).model_dump(mode="json")["state"]["deadlines"]
    assert (answer[en.LEGAL_TEAM_TOLD]["due_on"], answer[en.LEGAL_TEAM_TOLD]["days_late"]) == (
        "2024-02-15",
        5,
    )
    assert answer[en.MNSI_FIRST_CONTACT]["days_late"] == 0 and answer[en.MNSI_REPORT]["days_late"] is None


async def test_a_deadline_met_at_opening_never_warns_or_escalates(outside: Outside):
    case = await opened(REPORTED)
    assert not case.state.overdue
    assert case.book.next_deadline() == case.state.deadlines[en.MNSI_REPORT].due_at, "only live ones count"
    outside.now = datetime(2030, 1, 1, tzinfo=UTC)  # long after every due date in the book
    assert await case.book.escalate_due(case.recipients(), in_task=False)
    assert outside.deadlines_escalated() == {en.MNSI_REPORT, en.LIABILITY_DECISION}
    assert all(
        case.state.deadlines[name].status.value == "met" for name in REPORTING & set(case.state.deadlines)
    )


LEGACY = NOTIFICATION.model_copy(
    update={
        "date_of_birth": date(2018, 6, 10),
        "hie_grade": 3,
        "injury_diagnosed_on": date(2018, 6, 11),
        "legal_team_told_on": date(2018, 6, 20),
    }
)


async def test_a_legacy_case_meets_its_30_days_with_the_notification_itself(outside: Outside):
    case = await opened(LEGACY)
    state = case.state
    assert state.criteria_version == "en-2017-04" and state.notified_on == date(2026, 6, 15)
    legacy = state.deadlines[en.LEGACY_REPORT]
    late = (date(2026, 6, 15) - date(2018, 7, 10)).days
    assert shown(legacy) == ("met", "notify", date(2018, 6, 10), date(2018, 7, 10), date(2026, 6, 15), late)
    assert legacy.basis.startswith("EN report form (the 2017 scheme)")
    assert shown(state.deadlines[en.LEGAL_TEAM_TOLD])[3:] == (date(2018, 6, 24), date(2018, 6, 20), 0)
    assert en.MNSI_FIRST_CONTACT not in state.deadlines, "no MNSI dates given: nothing to check"


@pytest.mark.parametrize(
    ("born", "version"),
    [
        (date(2021, 6, 1), "en-2020-04-hsib"),
        (date(2022, 6, 1), "en-2022-04"),
        (date(2024, 2, 1), "en-2023-10"),
    ],
)
async def test_only_the_pre_2020_scheme_reports_to_nhs_resolution_within_30_days(outside, born, version):
    case = await opened(NOTIFICATION.model_copy(update={"date_of_birth": born}))
    assert case.state.criteria_version == version
    assert set(case.state.deadlines) == {en.MNSI_REPORT, en.LIABILITY_DECISION}, (
        "no dates, no reporting checked"
    )


@pytest.mark.parametrize(
    ("dates", "code"),
    [
        ({"legal_team_told_on": date(2024, 1, 31)}, "dates_out_of_order"),
        ({"reported_to_mnsi_on": date(2024, 1, 31)}, "dates_out_of_order"),
        ({"mnsi_contacted_trust_on": date(2024, 2, 5)}, "mnsi_report_date_missing"),
        (
            {"reported_to_mnsi_on": date(2024, 2, 5), "mnsi_contacted_trust_on": date(2024, 2, 2)},
            "dates_out_of_order",
        ),
    ],
)
def test_the_reporting_dates_follow_the_birth_and_each_other(dates, code):
    with pytest.raises(ValidationError) as refused:
        en.Notification.model_validate(NOTIFICATION.model_dump() | dates)
    assert refused.value.errors()[0]["ctx"]["code"] == code
