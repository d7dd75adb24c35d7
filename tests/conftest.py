"""One real Temporal dev server per session; a worker per test on its own task queue; the API
through httpx's ASGI transport; the register on a real database (SQLite, and PostgreSQL where a
test asks for it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from api.auth import Directory, TokenEntry
from fairway import db
from fairway.converter import data_converter
from fairway.devserver import DYNAMIC_CONFIG, SQLITE_PRAGMAS, temporal_binary
from fairway.escalation_contacts import Contacts
from fairway.keys import read_key_file
from fairway.settings import Settings
from models import search_attributes
from models.claims import ClaimPolicy
from tests.helpers import ACTORS
from worker import build_worker

POSTGRES_URL = os.environ.get(
    "FAIRWAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# A fixed key, for the tests only: every Settings() a test makes names it, and the recorded
# histories (tests/histories) are encrypted with it, so changing it means re-recording them.
TEST_KEY_FILE = Path(__file__).parent / "encryption-keys.json"
os.environ["FAIRWAY_ENCRYPTION_KEY_FILE"] = str(TEST_KEY_FILE)
TEST_KEYS = read_key_file(TEST_KEY_FILE)
DATA_CONVERTER = data_converter(TEST_KEYS)
TEST_POLICY = ClaimPolicy(
    version="test",
    reopen_window_seconds=3600,
    projection_delay_seconds=0.2,
    book_projection_delay_seconds=1.0,
)


async def start_dev_server(
    *extra: str, db_file: str | None = None, port: int | None = None
) -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary(),
        data_converter=DATA_CONVERTER,
        search_attributes=search_attributes.ALL,
        dev_server_database_filename=db_file,
        dev_server_extra_args=[*(SQLITE_PRAGMAS if db_file else []), *DYNAMIC_CONFIG, *extra],
        dev_server_log_level="error",
        port=port,
    )


@pytest.fixture(scope="session")
async def temporal() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server()
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def client(temporal: WorkflowEnvironment) -> Client:
    return temporal.client


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('register') / 'fairway.db'}"
    db.migrate(url)
    return url


def _postgres_reachable() -> str | None:
    try:
        with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except psycopg.OperationalError as err:
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {err}"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A fresh database on the PostgreSQL server for this session, dropped afterwards."""
    reason = _postgres_reachable()
    if reason:
        pytest.skip(reason)
    admin = POSTGRES_URL.replace("+psycopg", "")
    name = f"fairway_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    db.migrate(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def register_url(request) -> str:
    return request.getfixturevalue(f"{request.param}_url")


def sessions_for(url: str) -> sessionmaker[Session]:
    return db.session_factory(db.make_engine(url))


@pytest.fixture(scope="session")
def sqlite_sessions(sqlite_url: str) -> sessionmaker[Session]:
    return sessions_for(sqlite_url)


@dataclass
class Fairway:
    """One test's Fairway: the API over ASGI, its worker's task queue, and the register."""

    http: httpx.AsyncClient
    client: Client
    task_queue: str
    sessions: sessionmaker[Session]
    worker: Worker
    app: FastAPI  # the app `http` calls, for a test that serves it over real HTTP (tests/console)


def directory() -> Directory:
    return Directory({token: TokenEntry(**entry) for token, entry in ACTORS.items()})


@asynccontextmanager
async def running_fairway(
    client: Client,
    sessions: sessionmaker[Session],
    policy: ClaimPolicy = TEST_POLICY,
    task_queue: str | None = None,
    contacts: Contacts | None = None,
) -> AsyncIterator[Fairway]:
    task_queue = task_queue or f"fairway-test-{uuid.uuid4().hex[:8]}"
    # A loaded CI machine may keep an action waiting for the worker some seconds: the tests of
    # no_worker give their own bound (tests/api/test_operability.py).
    settings = Settings(temporal_task_queue=task_queue, worker_wait_seconds=60)
    app = create_app(settings, client=client, sessions=sessions, directory=directory(), policy=policy)
    worker = build_worker(client, task_queue, sessions, contacts)
    async with (
        worker,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fairway") as http,
    ):
        yield Fairway(
            http=http, client=client, task_queue=task_queue, sessions=sessions, worker=worker, app=app
        )


@asynccontextmanager
async def api_alone(
    client: Client, sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The API on `task_queue` with no worker of its own: for a test that starts, stops and
    replaces the workers itself."""
    settings = Settings(temporal_task_queue=task_queue, worker_wait_seconds=60)
    app = create_app(settings, client=client, sessions=sessions, directory=directory(), policy=TEST_POLICY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fairway") as http:
        yield http


@pytest.fixture
async def fairway(client: Client, sqlite_sessions) -> AsyncIterator[Fairway]:
    async with running_fairway(client, sqlite_sessions) as f:
        yield f
