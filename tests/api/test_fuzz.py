"""The running API, fuzzed against the OpenAPI document it serves: the real `fairway worker` and
`fairway api` processes on this session's Temporal dev server, a register of their own and one
token per role. Every operation gets a bounded number of generated requests as each role that
reaches it (what a role is refused outright is the access matrix's to show), with
the path's case refs drawn partly from real cases of every kind, so requests reach validation and
the workflows rather than stopping at 404. About four minutes on two cores.

A failure is any 5xx, any answer that breaks its declared schema or whose status the document
does not list, any schema-valid request refused (422 or 400: what the schema allows, the API
accepts), and any request not answered in time. A role's 401/403 and a case's 404/409 are
documented answers, not failures. (An invalid request accepted is not checked: the models coerce
as pydantic's lax mode does, "39" for 39, and refusing that is a choice not yet made.)
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.cases import SPECS, CaseApi
from api.pathways import pathway_view
from fairway import db
from fairway.devserver import free_port, stop, wait_for_port
from fairway.settings import Settings
from models.common import CaseKind, Role
from models.register import EscalationRow
from tests.access_cases import WHO, open_every_kind
from tests.conftest import directory
from tests.helpers import ACTORS, TOKENS

EXAMPLES = 6  # generated requests per operation and role
SEED = 14  # with derandomize, the same requests every run (the server's state still moves on)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    positive_data_acceptance,
]
# What a schema-valid request may be answered: accepted, or refused for who asks (401, 403) or
# for what the case or the register holds (404, 409). A 5xx is a failure of its own check.
VALID_ANSWERS = ["2xx", "401", "403", "404", "409", "5xx"]
ANSWER_WITHIN = 10  # seconds
ASSIGNEES = ("handler", "adviser")  # body fields naming an actor from the directory
STOP_WITHIN = 15  # seconds a child process is given to stop cleanly before it is killed
# The document, as `fairway api` builds it: the tests are made from it when they are collected
# (Schemathesis' loader from a fixture does not run under pytest 9.2), and the running API's is
# checked to be the same.
DOCUMENT = create_app(Settings(temporal_task_queue="fuzz"), directory=directory()).openapi()


@dataclass(frozen=True)
class LiveApi:
    url: str
    register: sessionmaker[Session]  # the API's own register, read for real escalations
    refs: dict[str, list[str]]  # real case refs, by the path prefix of their kind's routes


LIVE: LiveApi | None = None  # while the module's API runs: what its path parameters are drawn from


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:  # the child keeps its own descriptor
        return subprocess.Popen(
            args, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, process_group=0
        )


def _stop(process: subprocess.Popen) -> None:
    stop(process, signal.SIGINT, STOP_WITHIN)


@pytest.fixture(scope="module")
def live_processes(temporal, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """`fairway worker` and `fairway api` as child processes; stopped whatever happens."""
    work = tmp_path_factory.mktemp("fuzz")
    (work / "tokens.json").write_text(json.dumps({"tokens": ACTORS}))
    port, register_url = free_port(), f"sqlite:///{work / 'fairway.db'}"
    env = {
        "FAIRWAY_TEMPORAL_ADDRESS": temporal.client.service_client.config.target_host,
        "FAIRWAY_TEMPORAL_TASK_QUEUE": f"fuzz-{uuid.uuid4().hex[:8]}",
        "FAIRWAY_DATABASE_URL": register_url,
        "FAIRWAY_TOKEN_FILE": str(work / "tokens.json"),
        "FAIRWAY_EXTRACTS_DIR": str(work / "extracts"),  # not the working directory's data/
        "FAIRWAY_API_PORT": str(port),
        # Deadlines of a minute: the escalation queue fills while the fuzz runs.
        "FAIRWAY_POLICY": "demo",
    }
    db.migrate(register_url)
    fairway = [sys.executable, "-m", "fairway.cli"]
    processes: list[subprocess.Popen] = []
    try:
        processes.append(_start([*fairway, "worker"], env, work / "worker.log"))
        processes.append(_start([*fairway, "api"], env, work / "api.log"))
        try:
            wait_for_port(port, processes[-1])
        except (RuntimeError, TimeoutError) as err:
            pytest.fail(f"the API did not start ({err}); its log: {work / 'api.log'}")
        yield f"http://127.0.0.1:{port}", register_url
    finally:
        for process in reversed(processes):
            _stop(process)


async def _open_cases(url: str) -> dict[str, list[str]]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        opened = await open_every_kind(http, SPECS)
    return {SPECS[kind.value].prefix: [case.ref] for kind, case in opened.cases.items()}


@pytest.fixture(scope="module")
def live_api(live_processes) -> Iterator[LiveApi]:
    """The API with one real case of every kind in it, opened the way each kind is opened."""
    global LIVE
    url, register_url = live_processes
    # The first request builds the document (every kind's schemas): seconds on a loaded machine.
    served = httpx.get(f"{url}/openapi.json", timeout=120).json()
    assert served == DOCUMENT, "the running API serves another document"
    # A loop of its own: the session's loop belongs to the async fixtures, and this one is sync.
    refs = asyncio.run(_open_cases(url))
    assert set(refs) == {spec.prefix for spec in SPECS.values()}
    engine = db.make_engine(register_url)
    LIVE = LiveApi(url, db.session_factory(engine), refs)
    try:
        yield LIVE
    finally:
        LIVE = None
        engine.dispose()


def _config(role: Role) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # An answer takes well under a second; one that does not come is a case stuck in its
            # workflow, and a failure.
            "request-timeout": ANSWER_WITHIN,
            "dictionaries": {"actors": {"values": sorted(entry["actor"] for entry in ACTORS.values())}},
            "parameters": {
                # The token is the role's, not data to fuzz: the document declares the header on
                # every route, and this fixes its value.
                "header.authorization": f"Bearer {TOKENS[WHO[role]]}",
                # Whoever a case is given to must be in the directory: as often one who is as not,
                # so openings and reassignments reach the workflows.
                **{f"body.{field}": {"dictionary": "actors", "probability": 0.5} for field in ASSIGNEES},
            },
            "generation": {
                "mode": "all",
                "max-examples": EXAMPLES,
                "deterministic": True,
                "no-shrink": True,
                "database": "none",
            },
            "phases": {
                "examples": {"enabled": False},  # the document has no examples
                "coverage": {"enabled": False},
                "stateful": {"enabled": False},
            },
            "checks": {
                "positive_data_acceptance": {"expected-statuses": VALID_ANSWERS},
            },
        }
    )


def _refused_outright(role: Role) -> list[str]:
    """The operations that answer the role 403 whatever it sends, once the request is well formed:
    every route of a kind it may not read, an opening it may not make, each action it may not take
    (models/access.py, through the pathways the API publishes). They are not fuzzed as that role:
    the access matrix (test_access_matrix.py) sends each of them a malformed and a valid request as
    every role, so the fuzz's time goes to the routes the role reaches."""
    refused = []
    for spec in SPECS.values():
        if not spec.access.may_read(role):
            paths = [path for path in DOCUMENT["paths"] if _kind_of(path) is spec]
            refused += [f"{method.upper()} {path}" for path in paths for method in DOCUMENT["paths"][path]]
            continue
        if spec.opening is not None and not spec.access.may_open(role):
            refused.append(f"POST {spec.prefix}")
        refused += [f"POST {step.route}" for step in pathway_view(spec).steps if role.value not in step.roles]
    return refused


def _kind_of(path: str) -> CaseApi | None:
    """The case kind whose routes the path is among."""
    under = [spec for spec in SPECS.values() if path == spec.prefix or path.startswith(f"{spec.prefix}/")]
    return max(under, key=lambda spec: len(spec.prefix)) if under else None


def _escalation_ids(register: sessionmaker[Session]) -> list[int]:
    with register() as session:
        return list(session.scalars(select(EscalationRow.id).order_by(EscalationRow.id).limit(20)))


def _real_path_parameters(path: str, generated: dict) -> list[dict]:
    """The path's parameters naming things the running API holds: a real case of the route's kind,
    a real escalation, a real case kind."""
    if LIVE is None or not generated:
        return []
    if "ref" in generated and (spec := _kind_of(path)):
        return [{**generated, "ref": ref} for ref in LIVE.refs.get(spec.prefix, [])]
    if "escalation_id" in generated:
        return [{**generated, "escalation_id": i} for i in _escalation_ids(LIVE.register)]
    if "kind" in generated:
        return [{**generated, "kind": kind.value} for kind in CaseKind]
    return []


def _schema(role: Role):
    """The document the app serves, fuzzed as `role`; tested against the live one's (it must be the same)."""
    schema = schemathesis.openapi.from_dict(DOCUMENT, config=_config(role)).exclude(
        name=_refused_outright(role)
    )

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        # As often a real one as a generated one: deeper than a 404, and still every shape tried.
        real = _real_path_parameters(context.operation.path, path_parameters)
        generated = st.just(path_parameters)
        return st.one_of(generated, st.sampled_from(real)) if real else generated

    return schema


@schemathesis.pytest.parametrize(**{role.value: _schema(role) for role in WHO})
def test_the_running_api_keeps_its_contract(case, live_api):
    case.call_and_validate(base_url=live_api.url, checks=CHECKS)
