"""GET /me/work: a handler's own deadlines due soon or past and the escalations addressed to them,
oldest first; a supervisor may ask for another handler's or a team's; advice stays with advice
roles. A register read: rows are written here as the projection and escalation activities would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.app import create_app
from fairway import db
from fairway.settings import Settings
from models.register import CaseRow, EscalationRow
from tests.conftest import directory, sessions_for
from tests.helpers import auth

NOW = datetime.now(UTC)


def _case(
    ref: str, owner: str, due_in_days: float | None, *, kind="claim", team="claims", **extra
) -> CaseRow:
    due = NOW + timedelta(days=due_in_days) if due_in_days is not None else None
    return CaseRow(
        ref=ref,
        kind=kind,
        workflow_id=f"{kind}-{ref}",
        stage="investigating",
        owner=owner,
        team=team,
        opened_at=NOW - timedelta(days=90),
        updated_at=NOW,
        next_deadline_at=due,
        overdue=due is not None and due < NOW,
        facts={},
        seq=1,
        **extra,
    )


def _escalation(ref: str, recipient: str, hours_ago: float, *, kind="claim", team="claims", **extra):
    return EscalationRow(
        case_kind=kind,
        case_ref=ref,
        workflow_id=f"{kind}-{ref}",
        team=team,
        deadline="letter_of_response_due",
        deadline_title="Letter of response",
        revision=1,
        step="warning",
        recipient=recipient,
        message="coming up",
        due_at=NOW + timedelta(days=3),
        created_at=NOW - timedelta(hours=hours_ago),
        **extra,
    )


@pytest.fixture
async def work(tmp_path):
    url = f"sqlite:///{tmp_path / 'register.db'}"
    db.migrate(url)
    sessions = sessions_for(url)
    tag = uuid.uuid4().hex[:6].upper()
    refs = {name: f"CLM-{tag}{name}" for name in ("SOON", "LATER", "OVER", "OTHER", "SHUT")}
    refs["ADVICE"] = f"PPA-{tag}ADVICE"
    team = f"team-{tag}"
    with sessions.begin() as session:
        session.add_all(
            [
                _case(refs["SOON"], "hana.handler", 3, team=team),
                _case(refs["LATER"], "hana.handler", 60, team=team),
                _case(refs["OVER"], "hana.handler", -2, team=team),
                _case(refs["OTHER"], "harry.handler", 2, team=team),
                _case(refs["SHUT"], "hana.handler", 1, team=team, closed_at=NOW),
                _case(refs["ADVICE"], "ava.adviser", 1, kind="advice", team=team, confidential=True),
                _escalation(refs["SOON"], "hana.handler", 5, team=team),
                _escalation(refs["OVER"], "hana.handler", 30, team=team),
                _escalation(refs["LATER"], "hana.handler", 1, team=team, acknowledged_at=NOW),
                _escalation(refs["OTHER"], "harry.handler", 2, team=team),
                _escalation(refs["ADVICE"], "ava.adviser", 2, kind="advice", team=team),
            ]
        )
    app = create_app(Settings(), client=None, sessions=sessions, directory=directory())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fairway") as http:
        yield http, refs, team


async def test_my_work_is_mine_oldest_first(work):
    http, refs, _ = work
    mine = (await http.get("/me/work", headers=auth("handler"))).json()
    assert mine["handler"] == "hana.handler"
    assert [c["ref"] for c in mine["due"]] == [refs["OVER"], refs["SOON"]]
    assert [e["case_ref"] for e in mine["escalations"]] == [refs["OVER"], refs["SOON"]]
    later = (await http.get("/me/work", params={"within_days": 90}, headers=auth("handler"))).json()
    assert [c["ref"] for c in later["due"]] == [refs["OVER"], refs["SOON"], refs["LATER"]]


async def test_a_supervisor_asks_for_a_handler_or_a_team(work):
    http, refs, team = work
    refused = await http.get("/me/work", params={"handler": "harry.handler"}, headers=auth("handler"))
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert (await http.get("/me/work", params={"team": team}, headers=auth("handler"))).status_code == 403

    harry = (
        await http.get("/me/work", params={"handler": "harry.handler"}, headers=auth("supervisor"))
    ).json()
    assert [c["ref"] for c in harry["due"]] == [refs["OTHER"]]
    whole = (await http.get("/me/work", params={"team": team}, headers=auth("supervisor"))).json()
    assert [c["ref"] for c in whole["due"]] == [refs["OVER"], refs["OTHER"], refs["SOON"]]
    assert {e["case_ref"] for e in whole["escalations"]} == {refs["SOON"], refs["OVER"], refs["OTHER"]}


async def test_advice_work_stays_with_advice_roles(work):
    http, refs, team = work
    adviser = (await http.get("/me/work", headers=auth("adviser"))).json()
    assert [c["ref"] for c in adviser["due"]] == [refs["ADVICE"]]
    assert [e["case_ref"] for e in adviser["escalations"]] == [refs["ADVICE"]]
    whole = await http.get("/me/work", params={"team": team}, headers=auth("supervisor"))
    assert refs["ADVICE"] not in whole.text
