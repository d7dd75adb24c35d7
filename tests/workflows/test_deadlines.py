"""Deadlines escalate by themselves: the ladder, meeting, extending, waiving, holds, crashes.

Each test runs under a short policy: periods of seconds from their trigger, so a whole ladder
(warning, supervisor, head of service) fires within a few seconds without sleeping in the
code under test.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import deadline_policies
from models.register import ClaimRow, EscalationRow, NotificationRow
from tests.conftest import TEST_POLICY, running_fairway
from tests.helpers import act, assert_eventually, auth, ok, open_claim, register_writes
from worker import build_worker

# case_review_due: warning at 1.5 s, supervisor at 3 s, head of service at 4.5 s after opening.
SHORT = TEST_POLICY.model_copy(update={"deadlines": deadline_policies.short(seconds=3, warn_before=1.5)})
# Warned as soon as SHORT warns, but a minute before the supervisor's step: room to act on the
# warning alone however loaded the machine (SHORT leaves a second and a half).
WARNED_EARLY = TEST_POLICY.model_copy(
    update={"deadlines": deadline_policies.short(seconds=60, warn_before=58.5)}
)
LADDER = ["warning", "supervisor", "head_of_service"]


async def opening_deadlines(http, ref: str) -> dict:
    """The deadlines a claim sets as it opens (computed by the calendar activity just after)."""

    async def set_():
        claim = (await http.get(f"/claims/{ref}", headers=auth("supervisor"))).json()["state"]
        assert {"case_review_due", "limitation"} <= set(claim["deadlines"])
        return claim["deadlines"]

    return await assert_eventually(set_)


def escalations(sessions, ref: str, deadline: str = "case_review_due") -> list[EscalationRow]:
    with sessions() as session:
        query = select(EscalationRow).where(EscalationRow.case_ref == ref, EscalationRow.deadline == deadline)
        return list(session.scalars(query.order_by(EscalationRow.created_at, EscalationRow.id)))


def steps(sessions, ref: str, deadline: str = "case_review_due") -> list[tuple[int, str, str]]:
    return [(e.revision, e.step, e.recipient) for e in escalations(sessions, ref, deadline)]


async def until_steps(
    sessions, ref: str, expected: list, deadline: str = "case_review_due", timeout: float = 15
):
    async def check():
        assert steps(sessions, ref, deadline) == expected

    await assert_eventually(check, timeout=timeout)


@pytest.fixture
async def short_fairway(client, sqlite_sessions):
    async with running_fairway(client, sqlite_sessions, policy=SHORT) as fairway:
        yield fairway


@pytest.fixture
async def warned_fairway(client, sqlite_sessions):
    async with running_fairway(client, sqlite_sessions, policy=WARNED_EARLY) as fairway:
        yield fairway


async def test_the_ladder_fires_in_order_for_an_unmet_deadline(short_fairway):
    f = short_fairway
    ref = (await open_claim(f.http))["state"]["ref"]
    review = (await opening_deadlines(f.http, ref))["case_review_due"]
    assert (review["kind"], review["status"], review["owner"]) == ("service", "open", "hana.handler")
    await until_steps(
        f.sessions,
        ref,
        [
            (1, "warning", "hana.handler"),
            (1, "supervisor", "sam.supervisor"),
            (1, "head_of_service", "hana.head"),
        ],
    )
    rows = escalations(f.sessions, ref)
    assert rows[0].created_at < rows[1].created_at < rows[2].created_at
    due_at = datetime.fromisoformat(review["due_at"])
    assert rows[1].created_at >= due_at, "the supervisor hears at the due time, not before"
    with f.sessions() as session:
        notified = session.scalars(select(NotificationRow).where(NotificationRow.case_ref == ref)).all()
        assert sorted(n.recipient for n in notified) == ["hana.handler", "hana.head", "sam.supervisor"]
        assert all(ref in n.subject and "Alex Example" not in n.body for n in notified)

    live = (await f.http.get(f"/claims/{ref}", headers=auth("supervisor"))).json()["state"]
    assert live["deadlines"]["case_review_due"]["status"] == "missed" and live["overdue"] is True
    assert [c["change"] for c in live["deadlines"]["case_review_due"]["changes"]] == [
        "set",
        "escalated",
        "escalated",
        "missed",
        "escalated",
    ]

    async def visible():
        found = [w.id async for w in f.client.list_workflows("CaseKind = 'claim' AND Overdue = true")]
        assert f"claim-{ref}" in found
        with f.sessions() as session:
            assert session.get(ClaimRow, ref).overdue is True

    await assert_eventually(visible)


async def test_meeting_a_deadline_before_its_warning_cancels_the_ladder(short_fairway):
    f = short_fairway
    ref = (await open_claim(f.http))["state"]["ref"]
    met = await ok(
        f.http, ref, "request_health_records", {"requested_on": datetime.now(UTC).date().isoformat()}
    )
    review = met["state"]["deadlines"]["case_review_due"]
    assert review["status"] == "met"
    records = met["state"]["deadlines"]["health_records_due"]
    # The records deadline was set by the same action and runs its own ladder; waive it.
    await ok(
        f.http,
        ref,
        "waive_deadline",
        {"deadline": "health_records_due", "reason": "records held"},
        "supervisor",
    )
    await asyncio.sleep(5)  # past every step of both ladders
    assert steps(f.sessions, ref) == []
    assert steps(f.sessions, ref, "health_records_due") == []
    assert records["status"] == "open"


async def test_an_extension_rearms_the_ladder(short_fairway):
    f = short_fairway
    ref = (await open_claim(f.http))["state"]["ref"]
    await until_steps(f.sessions, ref, [(1, "warning", "hana.handler")], timeout=10)
    new_due = datetime.now(UTC) + timedelta(seconds=4)
    extended = await ok(
        f.http,
        ref,
        "extend_deadline",
        {
            "deadline": "case_review_due",
            "new_due_at": new_due.isoformat(),
            "reason": "awaiting records",
            "agreed_by": "sam.supervisor",
        },
    )
    review = extended["state"]["deadlines"]["case_review_due"]
    assert (review["status"], review["revision"], review["steps_done"]) == ("extended", 2, [])
    assert extended["deadline_changes"][0]["name"] == "case_review_due"
    await until_steps(
        f.sessions,
        ref,
        [
            (1, "warning", "hana.handler"),
            (2, "warning", "hana.handler"),
            (2, "supervisor", "sam.supervisor"),
            (2, "head_of_service", "hana.head"),
        ],
    )
    earlier = await act(
        f.http,
        ref,
        "extend_deadline",
        {
            "deadline": "case_review_due",
            "new_due_at": (new_due - timedelta(seconds=1)).isoformat(),
            "reason": "x",
            "agreed_by": "y",
        },
    )
    assert earlier.status_code == 409 and earlier.json()["code"] == "extension_not_later"


async def test_a_case_woken_by_its_timer_writes_from_inside_the_task_it_wakes(short_fairway):
    """A wake-up is one workflow task: the step is written from inside it
    (workflows/register_writes.py), with no activity task or second workflow task, and so is
    the case's own row in the task the book's projection delay wakes."""
    f = short_fairway
    ref = (await open_claim(f.http))["state"]["ref"]
    review = [
        (1, "warning", "hana.handler"),
        (1, "supervisor", "sam.supervisor"),
        (1, "head_of_service", "hana.head"),
    ]
    await until_steps(f.sessions, ref, review, timeout=10)
    handle = f.client.get_workflow_handle(f"claim-{ref}")

    async def woken():
        writes = await register_writes(handle)
        assert [w for w in writes if w[0] == "escalate"] == 3 * [("escalate", True)], writes
        assert writes[-1] == ("project_case", True), writes
        assert all(in_task for name, in_task in writes), writes

    await assert_eventually(woken)


async def test_a_step_an_action_brings_due_is_written_once_the_action_is_recorded(fairway):
    """A step that falls due in the task that took a handler's Update (a letter of claim entered
    long after it came: its deadlines already past) is written by an activity, which runs only
    once that task, and the Update, are in history: a lost task must not leave an escalation of
    a deadline that was never set."""
    ref = (await open_claim(fairway.http))["state"]["ref"]
    late = {"received_on": "2025-06-02", "copied_to_nhs_resolution": True}
    await ok(fairway.http, ref, "receive_letter_of_claim", late)
    await until_steps(
        fairway.sessions, ref, [(1, "head_of_service", "hana.head")], deadline="letter_of_response_due"
    )
    writes = await register_writes(fairway.client.get_workflow_handle(f"claim-{ref}"))
    escalated = [in_task for name, in_task in writes if name == "escalate"]
    assert escalated and not any(escalated), writes


async def test_a_waiver_stops_the_ladder_and_needs_a_supervisor(short_fairway):
    f = short_fairway
    ref = (await open_claim(f.http))["state"]["ref"]
    await until_steps(f.sessions, ref, [(1, "warning", "hana.handler")], timeout=10)
    body = {"deadline": "case_review_due", "reason": "duplicate notification"}
    by_handler = await act(f.http, ref, "waive_deadline", body)
    assert by_handler.status_code == 403
    waived = await ok(f.http, ref, "waive_deadline", body, who="supervisor")
    assert waived["state"]["deadlines"]["case_review_due"]["status"] == "waived"
    await asyncio.sleep(4)
    assert steps(f.sessions, ref) == [(1, "warning", "hana.handler")]
    again = await act(f.http, ref, "waive_deadline", body, who="supervisor")
    assert again.status_code == 409 and again.json()["code"] == "deadline_closed"


async def test_a_hold_pauses_a_service_clock_but_not_a_protocol_period(short_fairway):
    f = short_fairway
    ref = (await open_claim(f.http))["state"]["ref"]
    await ok(f.http, ref, "receive_letter_of_claim", {"received_on": datetime.now(UTC).date().isoformat()})
    held = await ok(f.http, ref, "put_on_hold", {"reason": "awaiting inquest", "review_on": "2027-01-01"})
    review = held["state"]["deadlines"]["case_review_due"]
    assert review["paused_remaining_seconds"] is not None
    await until_steps(
        f.sessions,
        ref,
        [
            (1, "warning", "hana.handler"),
            (1, "supervisor", "sam.supervisor"),
            (1, "head_of_service", "hana.head"),
        ],
        deadline="letter_of_claim_acknowledgment_due",
    )
    assert steps(f.sessions, ref) == [], "the service clock stood still while the claim was on hold"
    resumed = await ok(f.http, ref, "take_off_hold", {"reason": "inquest concluded"})
    review = resumed["state"]["deadlines"]["case_review_due"]
    assert review["paused_remaining_seconds"] is None
    assert datetime.fromisoformat(review["due_at"]) > datetime.now(UTC)
    await until_steps(
        f.sessions,
        ref,
        [
            (1, "warning", "hana.handler"),
            (1, "supervisor", "sam.supervisor"),
            (1, "head_of_service", "hana.head"),
        ],
    )


async def test_a_worker_killed_between_steps_resumes_without_duplicates(client, sqlite_sessions):
    async with running_fairway(client, sqlite_sessions, policy=SHORT) as f:
        ref = (await open_claim(f.http))["state"]["ref"]
        await until_steps(f.sessions, ref, [(1, "warning", "hana.handler")], timeout=10)
    # The worker is gone; the supervisor and head-of-service steps come due meanwhile.
    await asyncio.sleep(4)
    assert steps(sqlite_sessions, ref) == [(1, "warning", "hana.handler")]
    async with build_worker(client, f.task_queue, sqlite_sessions):
        await until_steps(
            sqlite_sessions,
            ref,
            [
                (1, "warning", "hana.handler"),
                (1, "supervisor", "sam.supervisor"),
                (1, "head_of_service", "hana.head"),
            ],
        )
        await asyncio.sleep(1)
    assert len(escalations(sqlite_sessions, ref)) == 3


async def test_a_step_falling_due_while_a_projection_gathers_is_not_held_back(client, sqlite_sessions):
    # The claim's register write waits 8 s to gather a batch; its ladder steps fall due first.
    gathering = {"projection_delay_seconds": 8, "book_projection_delay_seconds": 8}
    slow_register = SHORT.model_copy(update=gathering)
    async with running_fairway(client, sqlite_sessions, policy=slow_register) as f:
        ref = (await open_claim(f.http))["state"]["ref"]
        review = (await opening_deadlines(f.http, ref))["case_review_due"]
        await until_steps(
            f.sessions, ref, [(1, "warning", "hana.handler"), (1, "supervisor", "sam.supervisor")], timeout=6
        )
        supervisor = escalations(f.sessions, ref)[1]
        late = supervisor.created_at - datetime.fromisoformat(review["due_at"])
        assert timedelta(0) <= late < timedelta(seconds=3), f"escalated {late} after the due time"


async def test_correcting_a_trigger_date_moves_every_deadline_computed_from_it(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    await ok(http, ref, "receive_letter_of_claim", {"received_on": "2026-03-31"})
    corrected = await ok(
        http,
        ref,
        "correct_date",
        {"action": "receive_letter_of_claim", "corrected_date": "2026-03-20", "reason": "date stamp misread"},
    )
    changes = {c["name"]: (c["previous_due_on"], c["due_on"]) for c in corrected["deadline_changes"]}
    assert changes == {
        "letter_of_claim_acknowledgment_due": ("2026-04-14", "2026-04-03"),
        "letter_of_response_due": ("2026-07-31", "2026-07-20"),
    }
    deadline = corrected["state"]["deadlines"]["letter_of_response_due"]
    assert deadline["trigger_date"] == "2026-03-20" and deadline["changes"] == [], (
        "the answer leaves logs out"
    )
    live = (await http.get(f"/claims/{ref}", headers=auth("supervisor"))).json()["state"]
    # Recomputed; then, its date long past by now, its ladder may already have marked it missed.
    kinds = [c["change"] for c in live["deadlines"]["letter_of_response_due"]["changes"]]
    assert "recomputed" in kinds and set(kinds[kinds.index("recomputed") + 1 :]) <= {"missed"}, kinds
    nothing = await act(
        http, ref, "correct_date", {"action": "add_note", "corrected_date": "2026-03-20", "reason": "x"}
    )
    assert nothing.status_code == 409 and nothing.json()["code"] == "no_dependent_deadlines"


async def test_an_agreed_extension_longer_than_the_rule_allows_is_refused(client, sqlite_sessions):
    rules = dict(deadline_policies.STANDARD.rules)
    rules["letter_of_response_due"] = rules["letter_of_response_due"].model_copy(
        update={"max_extension_days": 28}
    )
    # A stricter policy is a new published version, never the standard one changed.
    stricter = deadline_policies.STANDARD.model_copy(update={"rules": rules, "version": "2026-11-ext28"})
    policy = TEST_POLICY.model_copy(update={"deadlines": deadline_policies.publish(stricter)})
    async with running_fairway(client, sqlite_sessions, policy=policy) as f:
        ref = (await open_claim(f.http))["state"]["ref"]
        await ok(f.http, ref, "receive_letter_of_claim", {"received_on": "2026-03-31"})
        body = {"deadline": "letter_of_response_due", "reason": "experts", "agreed_by": "Example & Co LLP"}
        too_long = await act(f.http, ref, "extend_deadline", body | {"new_due_on": "2026-08-29"})
        assert too_long.status_code == 409 and too_long.json()["code"] == "extension_too_long"
        extended = await ok(f.http, ref, "extend_deadline", body | {"new_due_on": "2026-08-28"})
        assert extended["state"]["deadlines"]["letter_of_response_due"]["due_on"] == "2026-08-28"


async def test_limitation_is_computed_suspended_and_moved_by_a_standstill(fairway):
    http = fairway.http
    adult = (await open_claim(http))["state"]["ref"]
    limitation = (await opening_deadlines(http, adult))["limitation"]
    assert (
        limitation["due_on"] == "2028-06-01" and limitation["kind"] == "statutory"
    )  # 3 years from knowledge
    child = await open_claim(
        http,
        claimant={"name": "C", "date_of_birth": "2015-05-10"},
        incident_date="2015-05-10",
        date_of_knowledge=None,
    )
    assert (await opening_deadlines(http, child["state"]["ref"]))["limitation"][
        "due_on"
    ] == "2036-05-10"  # 21st
    protected = await open_claim(
        http, claimant={"name": "P", "date_of_birth": "1980-01-01", "protected_party": True}
    )
    limitation = (await opening_deadlines(http, protected["state"]["ref"]))["limitation"]
    assert (limitation["due_on"], limitation["due_at"], limitation["flags"]) == (None, None, ["suspended"])
    moved = await ok(
        http,
        adult,
        "record_standstill_agreement",
        {"agreed_on": "2026-05-01", "until": "2028-12-31", "terms": "no limitation point"},
    )
    assert moved["state"]["deadlines"]["limitation"]["due_on"] == "2028-12-31"
    assert moved["deadline_changes"] == [
        {"name": "limitation", "previous_due_on": "2028-06-01", "due_on": "2028-12-31"}
    ]


async def test_supervisor_queue_lists_and_acknowledges(short_fairway):
    f = short_fairway
    ref = (await open_claim(f.http))["state"]["ref"]
    await until_steps(
        f.sessions, ref, [(1, "warning", "hana.handler"), (1, "supervisor", "sam.supervisor")], timeout=10
    )
    queue = (
        await f.http.get(
            "/escalations", params={"level": "supervisor", "team": "claims"}, headers=auth("supervisor")
        )
    ).json()
    mine = [e for e in queue["items"] if e["case_ref"] == ref]
    assert len(mine) == 1 and mine[0]["recipient"] == "sam.supervisor"
    assert (await f.http.get("/escalations", headers=auth("handler"))).status_code == 403
    detail = (await f.http.get(f"/escalations/{mine[0]['id']}", headers=auth("auditor"))).json()
    assert [n["recipient"] for n in detail["notifications"]] == ["sam.supervisor"]

    by_handler = await f.http.post(
        f"/escalations/{mine[0]['id']}/acknowledge", json={"comment": "x"}, headers=auth("handler")
    )
    assert by_handler.status_code == 403
    acked = await f.http.post(
        f"/escalations/{mine[0]['id']}/acknowledge",
        json={"comment": "chasing the trust"},
        headers=auth("supervisor"),
    )
    assert acked.status_code == 200, acked.text
    assert "case_review_due:1:supervisor" in acked.json()["state"]["acknowledged_escalations"]
    again = await f.http.post(
        f"/escalations/{mine[0]['id']}/acknowledge", json={"comment": "again"}, headers=auth("supervisor")
    )
    assert again.status_code == 409 and again.json()["code"] == "already_acknowledged"

    async def acknowledged():
        rows = {e.step: e for e in escalations(f.sessions, ref)}
        assert rows["supervisor"].acknowledged_by == "sam.supervisor"
        assert rows["supervisor"].acknowledgment_comment == "chasing the trust"

    await assert_eventually(acknowledged)
    still_open = (
        await f.http.get("/escalations", params={"level": "supervisor"}, headers=auth("supervisor"))
    ).json()
    assert ref not in [e["case_ref"] for e in still_open["items"]]
    history = (await f.http.get(f"/claims/{ref}/history", headers=auth("supervisor"))).json()
    assert "acknowledge_escalation" in [e["action"] for e in history["temporal"]]


async def test_a_correction_leaves_agreed_and_waived_deadlines_alone(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    await ok(http, ref, "receive_letter_of_claim", {"received_on": "2026-03-31"})
    agreed = {
        "deadline": "letter_of_claim_acknowledgment_due",
        "new_due_on": "2026-12-18",
        "reason": "r",
        "agreed_by": "a",
    }
    await ok(http, ref, "extend_deadline", agreed)
    await ok(
        http, ref, "waive_deadline", {"deadline": "letter_of_response_due", "reason": "r"}, who="supervisor"
    )
    corrected = await act(
        http,
        ref,
        "correct_date",
        {"action": "receive_letter_of_claim", "corrected_date": "2026-03-20", "reason": "r"},
    )
    assert corrected.status_code == 200, corrected.text
    deadlines = corrected.json()["state"]["deadlines"]
    assert deadlines["letter_of_claim_acknowledgment_due"]["due_on"] == "2026-12-18"
    assert deadlines["letter_of_claim_acknowledgment_due"]["status"] == "extended"
    assert deadlines["letter_of_response_due"]["status"] == "waived"
    assert corrected.json()["deadline_changes"] == []


async def test_reopening_restores_limitation(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    await opening_deadlines(http, ref)
    closed = await ok(http, ref, "close", {"outcome": "withdrawn"})
    assert {d["status"] for d in closed["state"]["deadlines"].values()} == {"waived"}
    assert closed["state"]["next_deadline_at"] is None
    reopened = await ok(http, ref, "reopen", {"reason": "claimant came back"}, who="supervisor")
    limitation = reopened["state"]["deadlines"]["limitation"]
    assert (limitation["status"], limitation["due_on"]) == ("open", "2028-06-01")
    assert reopened["state"]["next_deadline_at"] is not None


async def test_a_same_day_hold_keeps_a_day_period_due_at_the_end_of_its_day(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    before = (await opening_deadlines(http, ref))["case_review_due"]
    await ok(http, ref, "put_on_hold", {"reason": "query", "review_on": "2027-01-01"})
    resumed = await ok(http, ref, "take_off_hold", {"reason": "answered"})
    after = resumed["state"]["deadlines"]["case_review_due"]
    assert (after["due_on"], after["due_at"]) == (before["due_on"], before["due_at"])
    live = (await http.get(f"/claims/{ref}", headers=auth("supervisor"))).json()["state"]
    assert [c["change"] for c in live["deadlines"]["case_review_due"]["changes"]][-2:] == [
        "paused",
        "resumed",
    ]


async def test_a_deadline_entered_past_fires_only_the_step_that_now_applies(fairway):
    """A letter of claim entered months late: its response deadline is already past when set,
    so only the head of service hears, once, in words true to the date."""
    ref = (await open_claim(fairway.http))["state"]["ref"]
    await ok(
        fairway.http,
        ref,
        "receive_letter_of_claim",
        {"received_on": "2025-06-02", "copied_to_nhs_resolution": True},
    )
    await until_steps(
        fairway.sessions, ref, [(1, "head_of_service", "hana.head")], deadline="letter_of_response_due"
    )
    (row,) = escalations(fairway.sessions, ref, "letter_of_response_due")
    assert "was due 2025-" in row.message and "Coming up" not in row.message

    async def recorded():
        live = (await fairway.http.get(f"/claims/{ref}", headers=auth("supervisor"))).json()["state"]
        response = live["deadlines"]["letter_of_response_due"]
        assert [c["change"] for c in response["changes"]] == [
            "set",
            "skipped",
            "skipped",
            "escalated",
            "missed",
        ]
        assert response["steps_done"] == LADDER

    await assert_eventually(recorded)
    await asyncio.sleep(1)  # nothing more comes of it
    assert len(escalations(fairway.sessions, ref, "letter_of_response_due")) == 1


async def test_a_stocktake_is_waived_when_the_claim_leaves_its_stage(fairway):
    from models.claims import ClaimStage
    from tests.claim_paths import ROUTES, SAMPLES

    ref = (await open_claim(fairway.http))["state"]["ref"]
    for action in ROUTES[ClaimStage.LETTER_OF_RESPONSE_SENT]:
        await ok(fairway.http, ref, action, SAMPLES[action])
    name = "stocktake_due_letter_of_response_sent"
    await ok(fairway.http, ref, "make_offer", SAMPLES["make_offer"])
    live = (await fairway.http.get(f"/claims/{ref}", headers=auth("supervisor"))).json()["state"]
    stocktake = live["deadlines"][name]
    assert live["stage"] == "negotiating" and stocktake["status"] == "waived"
    assert stocktake["changes"][-1]["reason"] == "the claim left its stage (make_offer)"


def _queue_row(sessions, ref: str, revision: int = 1, step: str = "warning") -> EscalationRow:
    (row,) = [e for e in escalations(sessions, ref) if (e.revision, e.step) == (revision, step)]
    return row


@pytest.mark.parametrize("how", ["met", "waived", "extended"])
async def test_an_escalation_is_resolved_when_its_deadline_moves_on(warned_fairway, how):
    """The queue shows the present: a warned deadline met, waived or extended resolves the
    warning, which leaves the queue of those waiting for a person and says what resolved it."""
    f = warned_fairway
    ref = (await open_claim(f.http))["state"]["ref"]
    await until_steps(f.sessions, ref, [(1, "warning", "hana.handler")], timeout=10)
    waiting = (await f.http.get("/escalations", headers=auth("supervisor"))).json()["items"]
    assert [e["deadline_status"] for e in waiting if e["case_ref"] == ref] == ["open"]

    if how == "met":
        body = {"requested_on": datetime.now(UTC).date().isoformat()}
        action, answer = "request_health_records", await ok(f.http, ref, "request_health_records", body)
    elif how == "waived":
        body = {"deadline": "case_review_due", "reason": "duplicate notification"}
        action, answer = "waive_deadline", await ok(f.http, ref, "waive_deadline", body, who="supervisor")
    else:
        new_due = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
        body = {"deadline": "case_review_due", "new_due_on": new_due, "reason": "records", "agreed_by": "x"}
        action, answer = "extend_deadline", await ok(f.http, ref, "extend_deadline", body)
    review = answer["state"]["deadlines"]["case_review_due"]

    async def resolved():
        row = _queue_row(f.sessions, ref)
        assert row.resolution.startswith(f"resolved by {action} at ") and row.resolved_at is not None
        assert (row.deadline_status, row.deadline_due_on.isoformat()) == (review["status"], review["due_on"])
        assert row.acknowledged_at is None

    await assert_eventually(resolved)
    queue = (await f.http.get("/escalations", headers=auth("supervisor"))).json()["items"]
    assert ref not in {e["case_ref"] for e in queue}
    apart = await f.http.get("/escalations", params={"resolved": "true"}, headers=auth("supervisor"))
    assert [e["resolution"][:12] for e in apart.json()["items"] if e["case_ref"] == ref] == ["resolved by "]
