"""Logs are structlog JSON with the claim reference, workflow id and actor bound."""

from __future__ import annotations

import json

import structlog

from fairway.logging import configure_logging
from tests.helpers import assert_eventually, ok, open_claim


async def test_api_and_activity_logs_carry_case_workflow_and_actor(fairway, capsys):
    configure_logging()
    try:
        ref = (await open_claim(fairway.http))["state"]["ref"]
        await ok(fairway.http, ref, "add_note", {"text": "logged"})

        def lines() -> list[dict]:
            out = capsys.readouterr().out
            captured.extend(json.loads(line) for line in out.splitlines() if line.startswith("{"))
            events = {e["event"] for e in captured if e.get("case_id") == ref}
            assert {"case opened", "case action", "case projected"} <= events
            return captured

        captured: list[dict] = []
        logged = await assert_eventually(lines)
    finally:
        structlog.reset_defaults()
    action = next(e for e in logged if e["event"] == "case action" and e.get("case_id") == ref)
    assert (action["workflow_id"], action["actor"], action["action"]) == (
        f"claim-{ref}",
        "hana.handler",
        "add_note",
    )
    projected = [e for e in logged if e["event"] == "case projected" and e.get("case_id") == ref]
    assert all(e["workflow_id"] == f"claim-{ref}" and e["activity"] == "project_case" for e in projected)
    assert {e["actor"] for e in projected} == {"hana.handler"}
    assert all("Alex Example" not in json.dumps(e) for e in logged), "no claimant names in logs"
