"""Escalations on SQLite and PostgreSQL: one record and one notification per ladder step and
revision whatever retries happen, first acknowledgment stands, and the supervisor queue."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from structlog.testing import capture_logs
from temporalio.exceptions import ApplicationError

from activities.escalations import EscalationActivities
from api.app import create_app
from api.escalations import escalation_query, escalation_rows
from api.listing import Paging
from fairway.settings import Settings
from models.deadlines import Escalation, EscalationAcknowledgment, EscalationContacts, LadderStep
from models.register import EscalationRow, NotificationRow
from tests.conftest import directory, sessions_for
from tests.helpers import auth

NOW = datetime.now(UTC).replace(microsecond=0)
RECIPIENTS = {
    LadderStep.WARNING: "hana.handler",
    LadderStep.SUPERVISOR: "sam.supervisor",
    LadderStep.HEAD_OF_SERVICE: "hugo.head",
}


def _ref() -> str:
    return f"CLM-{uuid.uuid4().hex[:12].upper()}"


def _escalation(
    ref: str,
    step: LadderStep = LadderStep.WARNING,
    *,
    revision: int = 1,
    team: str = "claims",
    case_kind: str = "claim",
    at: datetime = NOW,
    deadline: str = "letter_of_response_due",
) -> Escalation:
    return Escalation(
        case_kind=case_kind,
        case_ref=ref,
        workflow_id=f"{case_kind}-{ref}",
        team=team,
        deadline=deadline,
        deadline_title="Letter of response",
        revision=revision,
        step=step,
        due_at=datetime(2027, 3, 1, 16, 0, tzinfo=UTC),
        recipient=RECIPIENTS[step],
        message="Basis: Pre-Action Protocol para 3.25 (4 months from the letter of claim).",
        at=at,
    )


def _ack(escalation: Escalation, comment: str, actor: str = "sam.supervisor") -> EscalationAcknowledgment:
    return EscalationAcknowledgment(
        case_ref=escalation.case_ref,
        deadline=escalation.deadline,
        revision=escalation.revision,
        step=escalation.step,
        actor=actor,
        comment=comment,
        at=NOW + timedelta(minutes=5),
    )


def _count(session, model, ref: str) -> int:
    return session.scalar(select(func.count()).select_from(model).where(model.case_ref == ref))


def test_escalate_writes_one_record_and_one_notification_per_step_and_revision(register_url):
    sessions = sessions_for(register_url)
    activities = EscalationActivities(sessions)
    ref = _ref()
    warning = _escalation(ref)

    with capture_logs() as logs:
        for _ in range(3):  # the first attempt and two retries
            activities.escalate(warning)
    with sessions() as session:
        assert (_count(session, EscalationRow, ref), _count(session, NotificationRow, ref)) == (1, 1)
        row = session.scalars(select(EscalationRow).where(EscalationRow.case_ref == ref)).one()
        assert (row.step, row.revision, row.recipient, row.team) == ("warning", 1, "hana.handler", "claims")
        assert row.created_at == NOW and row.due_at == warning.due_at and row.acknowledged_at is None
        note = session.scalars(select(NotificationRow).where(NotificationRow.case_ref == ref)).one()
    assert note.subject == (
        f"[Fairway] Deadline warning: Letter of response on {ref} due 2027-03-01 16:00 UTC"
    )
    assert ref in note.body and "Pre-Action Protocol para 3.25" in note.body and "hana.handler" in note.body
    assert (note.channel, note.attempts, note.sent_at, note.recipient) == ("email", 0, None, "hana.handler")

    recorded = [e for e in logs if e["event"] == "escalation recorded"]
    assert len(recorded) == 3
    assert all(
        (e["case_id"], e["workflow_id"], e["actor"]) == (ref, f"claim-{ref}", "hana.handler")
        for e in recorded
    )
    assert [e["duplicate"] for e in recorded] == [False, True, True]

    # Extending the deadline re-arms the ladder: revision 2 gets its own records.
    activities.escalate(_escalation(ref, revision=2))
    activities.escalate(_escalation(ref, revision=2))
    activities.escalate(_escalation(ref, LadderStep.SUPERVISOR, revision=2))
    with sessions() as session:
        rows = session.scalars(
            select(EscalationRow).where(EscalationRow.case_ref == ref).order_by(EscalationRow.id)
        ).all()
        assert [(r.revision, r.step) for r in rows] == [(1, "warning"), (2, "warning"), (2, "supervisor")]
        recipients = session.scalars(
            select(NotificationRow.recipient)
            .where(NotificationRow.case_ref == ref)
            .order_by(NotificationRow.id)
        ).all()
        assert recipients == ["hana.handler", "hana.handler", "sam.supervisor"]


def test_acknowledge_keeps_the_first_acknowledgment(register_url):
    sessions = sessions_for(register_url)
    activities = EscalationActivities(sessions)
    ref = _ref()
    escalation = _escalation(ref, LadderStep.SUPERVISOR)
    activities.escalate(escalation)

    with capture_logs() as logs:
        activities.acknowledge(_ack(escalation, "chasing the expert today"))
        activities.acknowledge(_ack(escalation, "a later, different comment", actor="alex.admin"))
    acknowledged = [e for e in logs if e["event"] == "escalation acknowledged"]
    assert [(e["case_id"], e["actor"], e["duplicate"]) for e in acknowledged] == [
        (ref, "sam.supervisor", False),
        (ref, "alex.admin", True),
    ]

    with sessions() as session:
        row = session.scalars(select(EscalationRow).where(EscalationRow.case_ref == ref)).one()
        assert (row.acknowledged_by, row.acknowledgment_comment) == (
            "sam.supervisor",
            "chasing the expert today",
        )
        assert row.acknowledged_at == NOW + timedelta(minutes=5)

    # A step never escalated: the activity fails (and Temporal retries it) rather than lose it.
    with pytest.raises(ApplicationError) as refused:
        activities.acknowledge(_ack(_escalation(ref, LadderStep.HEAD_OF_SERVICE), "too soon"))
    assert refused.value.type == "escalation_not_recorded"


def _queue(activities: EscalationActivities, team: str) -> dict[str, Escalation]:
    """Four escalations for one team, of different levels, ages and case kinds."""
    escalations = {
        "warning": _escalation(_ref(), team=team, at=NOW - timedelta(hours=1)),
        "supervisor": _escalation(_ref(), LadderStep.SUPERVISOR, team=team, at=NOW - timedelta(hours=5)),
        "head": _escalation(_ref(), LadderStep.HEAD_OF_SERVICE, team=team, at=NOW - timedelta(hours=30)),
        "advice": _escalation(
            _ref(),
            LadderStep.SUPERVISOR,
            team=team,
            case_kind="mediation",
            at=NOW - timedelta(hours=2),
        ),
    }
    for escalation in escalations.values():
        activities.escalate(escalation)
    activities.acknowledge(_ack(escalations["head"], "seen by the head of service"))
    return escalations


def test_escalation_rows_filter_the_queue(register_url):
    sessions = sessions_for(register_url)
    activities = EscalationActivities(sessions)
    team = f"team-{uuid.uuid4().hex[:8]}"
    e = _queue(activities, team)

    def refs(**filters) -> tuple[list[str], int]:
        with sessions() as session:
            paging = Paging(limit=filters.pop("limit", 50), offset=filters.pop("offset", 0))
            rows, total = escalation_rows(session, escalation_query(team=team, now=NOW, **filters), paging)
        return [r.case_ref for r in rows], total

    ref = {name: escalation.case_ref for name, escalation in e.items()}
    # Open ones by default, newest first.
    assert refs() == ([ref["warning"], ref["advice"], ref["supervisor"]], 3)
    assert refs(level=LadderStep.SUPERVISOR) == ([ref["advice"], ref["supervisor"]], 2)
    assert refs(level="warning") == ([ref["warning"]], 1)
    assert refs(case_kind="claim") == ([ref["warning"], ref["supervisor"]], 2)
    assert refs(min_age_seconds=3 * 3600) == ([ref["supervisor"]], 1)
    assert refs(acknowledged=True) == ([ref["head"]], 1)
    assert refs(acknowledged=None) == ([ref["warning"], ref["advice"], ref["supervisor"], ref["head"]], 4)
    assert refs(acknowledged=None, limit=2, offset=1) == ([ref["advice"], ref["supervisor"]], 4)
    assert refs(level=LadderStep.HEAD_OF_SERVICE) == ([], 0)
    with sessions() as session:
        other = escalation_query(team=f"{team}-other", now=NOW)
        assert escalation_rows(session, other, Paging(limit=10, offset=0)) == ([], 0)


def _app(sessions):
    # The queue reads only the register: no Temporal client is needed here.
    app = create_app(Settings(), client=None, sessions=sessions, directory=directory())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fairway")


async def test_supervisor_queue_lists_and_reads_escalations(register_url):
    sessions = sessions_for(register_url)
    activities = EscalationActivities(sessions)
    team = f"team-{uuid.uuid4().hex[:8]}"
    e = _queue(activities, team)
    ref = {name: escalation.case_ref for name, escalation in e.items()}

    async with _app(sessions) as http:

        async def queue(who: str = "supervisor", **params) -> dict:
            response = await http.get("/escalations", params={"team": team, **params}, headers=auth(who))
            assert response.status_code == 200, response.text
            return response.json()

        page = await queue()
        assert [i["case_ref"] for i in page["items"]] == [ref["warning"], ref["advice"], ref["supervisor"]]
        assert (page["total"], page["limit"], page["offset"]) == (3, 50, 0)
        assert page["items"][0]["step"] == "warning" and page["items"][0]["acknowledged_at"] is None

        assert [i["case_ref"] for i in (await queue(level="supervisor", case_kind="claim"))["items"]] == [
            ref["supervisor"]
        ]
        assert [i["case_ref"] for i in (await queue("auditor", min_age_hours=1.5))["items"]] == [
            ref["advice"],
            ref["supervisor"],
        ]
        acknowledged = await queue("admin", acknowledged="true")
        assert [i["case_ref"] for i in acknowledged["items"]] == [ref["head"]]
        assert acknowledged["items"][0]["acknowledgment_comment"] == "seen by the head of service"
        second = await queue(acknowledged="all", limit=2, offset=2)
        assert [i["case_ref"] for i in second["items"]] == [ref["supervisor"], ref["head"]]
        assert second["total"] == 4

        bad = await http.get("/escalations", params={"level": "clerk"}, headers=auth("supervisor"))
        assert (bad.status_code, bad.json()["code"]) == (422, "invalid_request")
        forbidden = await http.get("/escalations", headers=auth("handler"))
        assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")

        escalation_id = page["items"][2]["id"]
        detail = await http.get(f"/escalations/{escalation_id}", headers=auth("auditor"))
        assert detail.status_code == 200, detail.text
        body = detail.json()
        assert (body["case_ref"], body["step"], body["recipient"]) == (
            ref["supervisor"],
            "supervisor",
            "sam.supervisor",
        )
        [told] = body["notifications"]
        assert told["recipient"] == "sam.supervisor"
        assert told["subject"].startswith("[Fairway] Deadline escalated to supervisor: Letter of response")
        assert (told["sent_at"], told["attempts"], told["last_error"]) == (None, 0, None)

        assert (await http.get(f"/escalations/{escalation_id}", headers=auth("handler"))).status_code == 403
        missing = await http.get("/escalations/987654321", headers=auth("supervisor"))
        assert (missing.status_code, missing.json()["code"]) == (404, "escalation_not_found")


async def test_acknowledging_goes_to_the_workflow_not_the_register(sqlite_sessions, monkeypatch):
    """Refusals that need no workflow: the role, a case of a tier the caller cannot see."""
    activities = EscalationActivities(sqlite_sessions)
    team = f"team-{uuid.uuid4().hex[:8]}"
    e = _queue(activities, team)
    async with _app(sqlite_sessions) as http:
        page = (await http.get("/escalations", params={"team": team}, headers=auth("supervisor"))).json()
        by_ref = {i["case_ref"]: i["id"] for i in page["items"]}
        claim_id = by_ref[e["supervisor"].case_ref]

        async def acknowledge(escalation_id: int, who: str = "supervisor") -> httpx.Response:
            return await http.post(
                f"/escalations/{escalation_id}/acknowledge", json={"comment": "on it"}, headers=auth(who)
            )

        for who in ("handler", "auditor"):
            response = await acknowledge(claim_id, who)
            assert (response.status_code, response.json()["code"]) == (403, "forbidden")
        response = await acknowledge(987654321)
        assert (response.status_code, response.json()["code"]) == (404, "escalation_not_found")
        empty = await http.post(
            f"/escalations/{claim_id}/acknowledge", json={"comment": ""}, headers=auth("supervisor")
        )
        assert (empty.status_code, empty.json()["code"]) == (422, "invalid_request")

    with sqlite_sessions() as session:
        assert session.get(EscalationRow, claim_id).acknowledged_at is None


def test_the_teams_contacts_are_told_past_the_handler_and_the_first_recording_stands(register_url):
    """The operator's contacts file names the team's people (fairway/escalation_contacts.py): the
    handler is still warned, the supervisor and head of service are the file's, and the activity
    answers who was told. A retry after the file changed tells nobody new."""
    sessions = sessions_for(register_url)
    contacts = {"claims": EscalationContacts(supervisor="sue.supervisor", head_of_service="harriet.head")}
    activities = EscalationActivities(sessions, contacts)
    ref = _ref()

    told = [activities.escalate(_escalation(ref, step)) for step in LadderStep]
    assert told == ["hana.handler", "sue.supervisor", "harriet.head"]
    # Another team's escalation keeps its policy's contact.
    other = _escalation(_ref(), LadderStep.SUPERVISOR, team="advice", case_kind="advice")
    assert activities.escalate(other) == "sam.supervisor"

    moved_on = {"claims": EscalationContacts(supervisor="new.supervisor", head_of_service="new.head")}
    retried = EscalationActivities(sessions, moved_on).escalate(_escalation(ref, LadderStep.SUPERVISOR))
    assert retried == "sue.supervisor"
    with sessions() as session:
        rows = session.scalars(select(EscalationRow).where(EscalationRow.case_ref == ref)).all()
        notes = select(NotificationRow.recipient).where(NotificationRow.case_ref == ref)
        notified = session.scalars(notes).all()
    assert sorted(r.recipient for r in rows) == ["hana.handler", "harriet.head", "sue.supervisor"]
    assert sorted(notified) == ["hana.handler", "harriet.head", "sue.supervisor"]
