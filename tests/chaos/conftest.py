"""What a chaos test needs: an SMTP relay on the loopback that records what it is given, and
Fairway workers run as child processes (`python -m fairway.cli worker`), so one can be killed
with SIGKILL mid-work exactly as a crashed machine would stop it."""

from __future__ import annotations

import asyncio
import email
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from temporalio.testing import WorkflowEnvironment

from fairway import db
from fairway.db import Sessions
from fairway.devserver import free_port, stop
from tests.conftest import sessions_for

SENDER = "fairway@trust.example"
DOMAIN = "trust.example"
# The outbox lease the workers run with (25 s by default): short, so a test waits one out in
# seconds. The rule it tests is the same at any length.
LEASE_SECONDS = 8.0


@dataclass(frozen=True)
class Delivery:
    message_id: str
    to: tuple[str, ...]
    subject: str
    at: float  # time.monotonic() when the relay took the message


class Relay:
    """An SMTP relay that keeps every message it is given and answers after `delay` seconds,
    as a busy one does. A message counts as delivered once its data arrived, answered or not:
    a worker killed while waiting for the answer has still delivered it."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.received: list[Delivery] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content)
        to, at = tuple(envelope.rcpt_tos), time.monotonic()
        self.received.append(Delivery(message["Message-ID"], to, message["Subject"], at))
        await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def about(self, ref: str) -> list[Delivery]:
        return [d for d in self.received if ref in d.subject]


@pytest.fixture
def relay() -> Iterator[Relay]:
    relay = Relay()
    relay.controller.start()
    yield relay
    relay.controller.stop()


class Workers:
    """`fairway worker` processes on a task queue of their own, against a register of their
    own, sending notifications through the relay."""

    def __init__(self, work: Path, temporal_address: str, relay: Relay) -> None:
        self.work = work
        self.register_url = f"sqlite:///{work / 'fairway.db'}"
        self.task_queue = f"chaos-{uuid.uuid4().hex[:8]}"
        self.env = {
            **os.environ,
            "FAIRWAY_TEMPORAL_ADDRESS": temporal_address,
            "FAIRWAY_TEMPORAL_TASK_QUEUE": self.task_queue,
            "FAIRWAY_DATABASE_URL": self.register_url,
            "FAIRWAY_SMTP_HOST": "127.0.0.1",
            "FAIRWAY_SMTP_PORT": str(relay.port),
            "FAIRWAY_SMTP_SENDER": SENDER,
            "FAIRWAY_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
            "FAIRWAY_WORKER_METRICS_PORT": "",  # no metrics: two workers here never share a port
        }
        self.running: list[subprocess.Popen] = []
        db.migrate(self.register_url)
        self.sessions: Sessions = sessions_for(self.register_url)

    def start(self) -> subprocess.Popen:
        log = open(self.work / f"worker-{len(self.running) + 1}.log", "w")  # noqa: SIM115 - the child's
        worker = subprocess.Popen(
            [sys.executable, "-m", "fairway.cli", "worker"],
            env=self.env,
            cwd=self.work,  # no stray .env file is read
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.running.append(worker)
        return worker

    @staticmethod
    def kill(worker: subprocess.Popen) -> float:
        """SIGKILL: no handler runs, nothing is flushed or released. Returns when it died."""
        worker.kill()
        worker.wait()
        return time.monotonic()

    def stop_all(self) -> None:
        for worker in self.running:
            stop(worker)
        self.sessions.dispose()


def temporal_address(temporal: WorkflowEnvironment) -> str:
    return temporal.client.service_client.config.target_host


@pytest.fixture
def workers(tmp_path, temporal, relay) -> Iterator[Workers]:
    workers = Workers(tmp_path, temporal_address(temporal), relay)
    yield workers
    workers.stop_all()
