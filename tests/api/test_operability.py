"""Operability: a request with no worker answers 503 no_worker in bounded time and is applied once
when the client retries after a worker returns; /readyz flips with each dependency; a register
that cannot be written is told once per case, not once per retry."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import structlog
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import PollerBehaviorAutoscaling

from activities.register import RegisterActivities
from api.app import create_app
from fairway import db
from fairway.devserver import free_port
from fairway.metrics import PROJECTION_FAILURES
from fairway.readiness import POLLER_SEEN_WITHIN, recent_pollers
from fairway.settings import Settings
from fairway.startup import backoff, until_ready
from tests.conftest import DATA_CONVERTER, TEST_POLICY, directory, sessions_for
from tests.helpers import assert_eventually, auth, key, opening, read_only_url
from worker import build_worker

HANDLER = auth("handler")
WAIT_S = 1.5


def _api(client: Client, sessions, task_queue: str) -> httpx.AsyncClient:
    settings = Settings(temporal_task_queue=task_queue, worker_wait_seconds=WAIT_S)
    app = create_app(settings, client=client, sessions=sessions, directory=directory(), policy=TEST_POLICY)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fairway")


async def _until_answered(call, timeout: float = 40.0) -> httpx.Response:
    """What a client does on 503: waits as Retry-After says (briefer here), and asks again."""
    deadline = time.monotonic() + timeout
    while True:
        response = await call()
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.5)


async def _timed(call) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await call()
    return response, time.monotonic() - started


def _no_worker(response: httpx.Response, took: float) -> None:
    assert (response.status_code, response.json()["code"]) == (503, "no_worker"), response.text
    assert response.headers["Retry-After"].isdigit()
    assert WAIT_S <= took < WAIT_S + 3, took


async def test_with_no_worker_a_request_answers_503_and_a_retry_applies_it_once(client, sqlite_sessions):
    task_queue = f"fairway-test-{uuid.uuid4().hex[:8]}"
    headers = HANDLER | {"Idempotency-Key": key()}
    async with _api(client, sqlite_sessions, task_queue) as http:

        def open_claim():
            return http.post("/claims", json=opening(), headers=headers)

        _no_worker(*await _timed(open_claim))
        async with build_worker(client, task_queue, sqlite_sessions):
            opened = await _until_answered(open_claim)
        assert opened.status_code in (200, 201), opened.text
        ref = opened.json()["state"]["ref"]
        assert opened.json()["state"]["seq"] == 1

        note_headers = HANDLER | {"Idempotency-Key": key()}

        def add_note():
            return http.post(f"/claims/{ref}/add-note", json={"text": "while down"}, headers=note_headers)

        _no_worker(*await _timed(add_note))
        _no_worker(*await _timed(lambda: http.get(f"/claims/{ref}", headers=HANDLER)))
        async with build_worker(client, task_queue, sqlite_sessions):
            noted = await _until_answered(add_note)
            assert noted.status_code == 200, noted.text
            again = await add_note()
        assert again.json()["applied"]["duplicate"] is True
        notes = [n["text"] for n in again.json()["state"]["notes"]]
        assert notes == ["while down"] and again.json()["state"]["seq"] == 2


async def test_readyz_flips_with_each_dependency(client, sqlite_url, tmp_path):
    task_queue = f"fairway-test-{uuid.uuid4().hex[:8]}"
    sessions = sessions_for(sqlite_url)
    async with _api(client, sessions, task_queue) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        waiting = await http.get("/readyz")
        assert waiting.status_code == 503
        assert waiting.json()["checks"] == {
            "temporal": "ok",
            "worker": f"no worker is polling task queue {task_queue}",
            "register": "ok",
        }
        async with build_worker(client, task_queue, sessions):

            async def ready():
                answer = await http.get("/readyz")
                assert (answer.status_code, answer.json()["status"]) == (200, "ready"), answer.text

            await assert_eventually(ready)  # from the worker's first poll

    read_only = sessions_for(read_only_url(sqlite_url))
    async with _api(client, read_only, task_queue) as http, build_worker(client, task_queue, sessions):
        refused = await http.get("/readyz")
        assert refused.status_code == 503 and refused.json()["checks"]["register"] == (
            "the register cannot be written"
        )
        assert refused.json()["checks"]["temporal"] == "ok"

    unmigrated = sessions_for(f"sqlite:///{tmp_path / 'empty.db'}")
    async with _api(client, unmigrated, task_queue) as http:
        assert "run fairway migrate" in (await http.get("/readyz")).json()["checks"]["register"]

    nowhere = await Client.connect(f"127.0.0.1:{free_port()}", data_converter=DATA_CONVERTER, lazy=True)
    async with _api(nowhere, sessions, task_queue) as http:
        down = (await http.get("/readyz")).json()["checks"]
        assert down["temporal"] == down["worker"] == "Temporal is not reachable"


async def test_the_worker_keeps_as_many_polls_open_as_the_server_has_tasks_for(client, sqlite_sessions):
    """Not the SDK's fixed five, of which a caching worker gives new and evicted cases one."""
    async with build_worker(client, f"fairway-test-{uuid.uuid4().hex[:8]}", sqlite_sessions) as worker:
        config = worker.config()
    assert isinstance(config["workflow_task_poller_behavior"], PollerBehaviorAutoscaling)
    assert isinstance(config["activity_task_poller_behavior"], PollerBehaviorAutoscaling)


def test_a_poller_seen_long_ago_is_gone():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    seen = [now - timedelta(seconds=5), now - POLLER_SEEN_WITHIN - timedelta(seconds=1)]
    assert recent_pollers(seen, now) == seen[:1]


def test_start_up_backs_off_to_ten_seconds():
    assert [backoff(n) for n in range(7)] == [0.5, 1, 2, 4, 8, 10, 10]


async def test_start_up_waits_and_says_what_for(monkeypatch):
    monkeypatch.setattr("fairway.startup.backoff", lambda attempt: 0.01)
    attempts = []

    async def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionRefusedError("connection refused")
        return "there"

    with structlog.testing.capture_logs() as logs:
        assert await until_ready("Temporal at 127.0.0.1:7233", flaky) == "there"
    assert [(e["event"], e["attempt"]) for e in logs] == [
        ("waiting for Temporal at 127.0.0.1:7233", 1),
        ("waiting for Temporal at 127.0.0.1:7233", 2),
    ]
    assert logs[0]["error"] == "ConnectionRefusedError: connection refused"


def test_a_register_that_cannot_be_written_is_told_once_per_case(sqlite_url):
    from tests.register.test_projection import _claim, _entry, _project

    failing = RegisterActivities(sessions_for(read_only_url(sqlite_url)))
    ref = f"CLM-{uuid.uuid4().hex[:12].upper()}"
    counted = _failures_counted()
    with structlog.testing.capture_logs() as logs:
        for _ in range(3):  # Temporal's retries
            with pytest.raises(Exception) as refused:
                _project(failing, ref, _claim(ref, 1), _entry(1, "open_claim"))
            assert refused.value.category.name == "BENIGN"
    assert _failures_counted() == counted + 3  # every attempt counted, for /metrics
    told = [e for e in logs if e["log_level"] == "error"]
    assert len(told) == 1 and told[0]["case_id"] == ref and "mode=ro" in told[0]["register"]
    assert "readonly" in told[0]["error"]

    failing.sessions = sessions = sessions_for(sqlite_url)
    failing.writer = db.GroupCommit(sessions)
    with structlog.testing.capture_logs() as logs:
        _project(failing, ref, _claim(ref, 1), _entry(1, "open_claim"))
    assert [e["event"] for e in logs if e["log_level"] == "info"][0] == "case projection recovered"
    assert failing.failing.count == 0


def _failures_counted() -> float:
    return next(s.value for s in PROJECTION_FAILURES.collect()[0].samples if s.name.endswith("_total"))


@pytest.mark.parametrize(
    ("status", "code", "retry_after"),
    [
        (RPCStatusCode.RESOURCE_EXHAUSTED, "case_busy", "1"),
        (RPCStatusCode.UNAVAILABLE, "temporal_unavailable", "5"),
        (RPCStatusCode.DEADLINE_EXCEEDED, "temporal_unavailable", "5"),
    ],
)
async def test_what_temporal_could_not_do_is_a_503_saying_why(status, code, retry_after):
    """More actions on one case than Temporal admits in flight is `case_busy` (nothing applied,
    retry at once); anything else Temporal could not answer is `temporal_unavailable`."""
    app = create_app(Settings(), client=None, sessions=None, directory=directory())

    @app.get("/raises")
    async def raises():
        raise RPCError("refused", status, b"")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fairway") as http:
        answer = await http.get("/raises")
    assert (answer.status_code, answer.json()["code"]) == (503, code)
    assert answer.headers["retry-after"] == retry_after
