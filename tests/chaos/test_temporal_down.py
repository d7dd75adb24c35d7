"""Temporal down: a worker started before it waits and says so, then runs; a dev server killed
with kill -9 during actions and restarted on the same database loses nothing acknowledged and
applies nothing twice, and the register converges.

The worker runs as `fairway worker`, a process of its own; the API in this process, as the tests'
API does. Bounded: well under a minute."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from sqlalchemy import select
from temporalio.client import Client

from api.app import create_app
from fairway import db
from fairway.devserver import free_port, start_dev_args, stop, wait_for_port
from fairway.settings import Settings
from fairway.startup import until_ready
from models.register import LedgerRow
from tests.conftest import DATA_CONVERTER, TEST_POLICY, directory
from tests.helpers import assert_eventually, auth, key, opening

HANDLER = auth("handler")
NOTES = 40


@contextmanager
def temporal_on(db_file: Path, port: int) -> Iterator[subprocess.Popen]:
    server = subprocess.Popen(
        start_dev_args(db_file, port=port, ui_port=free_port(), extra=["--headless"]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server)
        yield server
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


@contextmanager
def fairway_worker(env: dict, log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "fairway.cli", "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield worker
    finally:
        stop(worker, within=20)


def _logged(log: Path, event: str) -> list[dict]:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [entry for entry in lines if entry.get("event") == event]


async def _acknowledged(call, timeout: float = 45.0) -> httpx.Response:
    """A client that retries with its key until the answer is not a 503 or a dropped connection."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = await call()
            if response.status_code != 503:
                return response
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "no answer in time"
        await asyncio.sleep(0.3)


async def test_temporal_down_at_start_and_killed_during_actions(tmp_path):
    async with asyncio.timeout(100):
        await _temporal_down(tmp_path)


async def _temporal_down(tmp_path: Path) -> None:
    port, task_queue = free_port(), f"fairway-chaos-{uuid.uuid4().hex[:8]}"
    register = f"sqlite:///{tmp_path / 'fairway.db'}"
    db.migrate(register)
    env = dict(os.environ) | {
        "FAIRWAY_TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
        "FAIRWAY_TEMPORAL_TASK_QUEUE": task_queue,
        "FAIRWAY_DATABASE_URL": register,
        # Its metrics on ports of its own, so no other run on this machine holds them.
        "FAIRWAY_WORKER_METRICS_PORT": str(free_port()),
        "FAIRWAY_WORKER_SDK_METRICS_PORT": str(free_port()),
    }
    log, temporal_db = tmp_path / "worker.log", tmp_path / "temporal.db"
    with fairway_worker(env, log) as worker, ExitStack() as servers:
        # Started before Temporal: it waits, saying what for, rather than exiting.
        await assert_eventually(lambda: _assert(_logged(log, f"waiting for Temporal at 127.0.0.1:{port}")))
        assert worker.poll() is None
        server = servers.enter_context(temporal_on(temporal_db, port))
        address = f"127.0.0.1:{port}"
        client = await until_ready("Temporal", lambda: Client.connect(address, data_converter=DATA_CONVERTER))
        settings = Settings(temporal_task_queue=task_queue, worker_wait_seconds=3)
        sessions = db.session_factory(db.make_engine(register))
        app = create_app(
            settings, client=client, sessions=sessions, directory=directory(), policy=TEST_POLICY
        )
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://f") as http:
            opening_key = key()
            opened = await _acknowledged(
                lambda: http.post(
                    "/claims", json=opening(), headers=HANDLER | {"Idempotency-Key": opening_key}
                )
            )
            assert opened.status_code in (200, 201), opened.text
            assert _logged(log, "worker started")
            ref, keys = opened.json()["state"]["ref"], [key() for _ in range(NOTES)]

            async def note(i: int) -> httpx.Response:
                return await _acknowledged(
                    lambda: http.post(
                        f"/claims/{ref}/add-note",
                        json={"text": f"note {i}"},
                        headers=HANDLER | {"Idempotency-Key": keys[i]},
                    )
                )

            async def restart_soon() -> None:
                await asyncio.sleep(2)  # down for two seconds, then back on the same database
                await asyncio.to_thread(servers.enter_context, temporal_on(temporal_db, port))

            answers = [await note(i) for i in range(NOTES // 2)]
            server.kill()  # kill -9, mid-claim
            server.wait()
            restart = asyncio.create_task(restart_soon())
            answers += [await note(i) for i in range(NOTES // 2, NOTES)]
            await restart

            # Every note acknowledged once; a key sent again is answered as a replay.
            assert [a.status_code for a in answers] == [200] * NOTES, [a.text for a in answers]
            replay = await note(0)
            assert replay.json()["applied"]["duplicate"] is True
            assert replay.json()["state"]["seq"] == NOTES + 1 and replay.json()["notes_total"] == NOTES

            def converged() -> None:
                with sessions() as session:
                    ledger = session.scalars(select(LedgerRow).where(LedgerRow.case_ref == ref)).all()
                texts = sorted(e.summary.get("text", "") for e in ledger if e.action == "add_note")
                assert len(ledger) == NOTES + 1 and texts == sorted(f"note {i}" for i in range(NOTES))

            await assert_eventually(converged, timeout=30)
    assert worker.returncode == 0


def _assert(found: list) -> None:
    assert found
