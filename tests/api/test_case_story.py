"""GET /…/history is the whole story: every entry with its kind and who (the clock and the case
itself are `system`, never a person's role), the clock's warnings beside people's actions, a
claim's route's entries in its timeline, runs continued as new; filtered by kind and time, paged."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from models import deadline_policies
from models.claims import ClaimStage
from models.deadlines import EscalationContacts
from models.register import EscalationRow
from tests.claim_paths import ROUTES, SAMPLES
from tests.conftest import TEST_POLICY, running_fairway
from tests.helpers import assert_eventually, auth, ok, open_claim

SHORT = TEST_POLICY.model_copy(
    update={
        "deadlines": deadline_policies.short(seconds=3, warn_before=1.5),
        "events_per_run": 40,
        "quiet_before_continuing_seconds": 1.0,
    }
)


async def _story(http, ref: str, **params) -> dict:
    answer = await http.get(f"/claims/{ref}/history", params=params, headers=auth("supervisor"))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_claim_s_story_has_the_clock_its_route_and_its_runs(client, sqlite_sessions):
    async with running_fairway(client, sqlite_sessions, policy=SHORT) as fairway:
        http = fairway.http
        ref = (await open_claim(http))["state"]["ref"]
        for action in ROUTES[ClaimStage.IN_MEDIATION]:
            answer = await ok(http, ref, action, SAMPLES[action])
        route = answer["state"]["routes"][-1]["ref"]
        for i in range(10):  # enough events for the short run length: the case continues as new
            await ok(http, ref, "add_note", {"text": f"note {i}"})

        async def whole():
            story = await _story(http, ref)
            kinds = {(e["kind"], e["action"]) for e in story["temporal"]}
            assert ("clock", "deadline_escalated") in kinds, kinds
            assert ("system", "continued_as_new") in kinds, kinds
            assert {e["case_ref"] for e in story["temporal"]} == {ref, route}
            return story

        story = await assert_eventually(whole, timeout=30)
        entries = story["temporal"]
        assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
        for entry in entries:
            if entry["kind"] == "action":
                assert entry["actor_role"] in ("handler", "supervisor") and entry["request_id"]
            else:
                assert (entry["actor_id"], entry["actor_role"]) == ("system", "system"), entry
        warned = next(e for e in entries if e["action"] == "deadline_escalated")
        assert warned["payload"]["deadline"] and warned["payload"]["reason"].startswith("warning to ")
        assert any(e["case_ref"] == route and e["kind"] == "action" for e in entries)

        clock = await _story(http, ref, kind="clock")
        assert clock["temporal"] and {e["kind"] for e in clock["temporal"]} == {"clock"}
        both = await _story(http, ref, kind=["clock", "system"])
        assert {e["kind"] for e in both["temporal"]} == {"clock", "system"}
        page = await _story(http, ref, limit=3, offset=2)
        assert page["temporal"] == entries[2:5] and page["temporal_total"] == len(entries)
        later = await _story(http, ref, since=entries[-1]["at"])
        assert later["temporal"] == [e for e in entries if e["at"] >= entries[-1]["at"]]
        future = await _story(http, ref, since=datetime.now(UTC).replace(year=2100).isoformat())
        assert (future["temporal"], future["temporal_total"]) == ([], 0)


async def test_a_supervisor_escalation_goes_to_the_team_s_contact_and_the_case_says_so(
    client, sqlite_sessions
):
    """The operator's contacts file names the claims team's supervisor: the escalation reaches
    them, not the policy's placeholder, and the case's deadline records who was told."""
    contacts = {"claims": EscalationContacts(supervisor="sue.supervisor", head_of_service="harriet.head")}
    async with running_fairway(client, sqlite_sessions, policy=SHORT, contacts=contacts) as fairway:
        ref = (await open_claim(fairway.http))["state"]["ref"]

        async def escalated():
            answer = await fairway.http.get(f"/claims/{ref}", headers=auth("supervisor"))
            deadline = answer.json()["state"]["deadlines"]["case_review_due"]
            reasons = [c["reason"] for c in deadline["changes"] if c["change"] == "escalated"]
            assert "supervisor to sue.supervisor" in reasons, reasons
            assert "warning to hana.handler" in reasons, reasons

        await assert_eventually(escalated, timeout=30)
        with fairway.sessions() as session:
            rows = session.scalars(select(EscalationRow).where(EscalationRow.case_ref == ref)).all()
        supervisors = {r.recipient for r in rows if r.step == "supervisor"}
        assert supervisors == {"sue.supervisor"}
