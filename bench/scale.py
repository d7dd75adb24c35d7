"""Scale: N open claims on one dev server, opened through the API, beside the engine's floor.

Fairway: N claims (`--claims`, default 100,000) open through the API (POST /claims, `--concurrency`
8) on one Temporal dev server (SQLite, WAL), with the real worker and API as child processes. At
every checkpoint (each `--step` claims) the bench records the step's openings per second and
latency (p50, p99), CPU seconds per opening of the worker, the server and the API (from /proc),
the resident memory of each, and the size on disk of temporal.db (with its -wal and -shm files)
and of the register. `--due` of the N (default 10,000) are opened straight from the client under
the deadline bench's short policy instead, a share before each checkpoint and outside its
measurement, so that they can be made to fall due together at N.

At N: add-note through the API on warm claims (just touched, in the worker's cache) and cold
ones (opened first: evicted from the cache, or the worker restarted when N is too small for
that; the report says which); the register list (GET /claims) with each filter the API has and
at a deep offset; visibility count and first list page through the SDK; the weight of a claim's
history at opening and per action; a long claim (300 actions, across a continue-as-new) acted on
after each of several worker restarts, cold and at once warm, beside a short claim's first touch
in the same restart; the worker's memory per cached claim (RSS growth while its
workflow cache fills) and once full; and the `--due` claims' first-review deadline moved to one
instant, where every one must escalate to its supervisor exactly once.

Floor, in the same run, on its own fresh dev server once Fairway's is stopped (so the two never
compete for the cores, and it holds as many open workflows at each checkpoint as Fairway's
did): bare `client.start_workflow` starts of a workflow that only stays open (FloorCase in
bench/floor.py) with the search attributes a claim carries, at the same concurrency and
checkpoints; visibility on it; then `--due` minimal timers (FloorTimer) falling due at one
instant.

    python -m bench.scale [--claims 100000] [--step 10000] [--concurrency 8] [--due 10000]
        [--label TEXT] [--note TEXT] [--results PATH]

How long: a trial (`--claims 600 --step 200 --due 100`) takes about 5 minutes on the 2-core dev
machine. The default size takes about 2.5 hours there: an hour or more of openings through the
API (20-50 a second), the due claims started and settled, twice a wait of n/8 s (21 minutes for
10,000) before the common instant (the deadline bench's lead, so set-up never runs into it),
and the floor's 100,000 starts (80-110 a second). Progress is printed at each checkpoint.

Targets (issue 13): CPU per opening at most 2x the floor's per start, and flat (the last
checkpoint within 1.25x of the first); opening p99 under 500 ms throughout; history at most
8 KB at opening and 2 KB per action on average; worker memory at most 0.15 MiB per cached
claim; cold action p50 at most 2x warm; all simultaneous escalations within 1.2x the floor's
time, none lost or duplicated. Each run adds a dated section at the top of
bench/results/scale.md, with charts beside it (bench/results/scale-*.png). Not part of
`make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import aiohttp
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from bench.common import (
    CpuMeter,
    CpuTimeline,
    Meter,
    api_session,
    bench_keys,
    connect_as_fairway,
    dev_server,
    escalate_together,
    floor_timers_round,
    limited,
    machine,
    opened,
    percentile,
    processes,
    replaced_lines,
    rss_mib,
    sqlite_mib,
    start_claim,
    this_process,
    write_section,
)
from bench.floor import FloorCase
from fairway import db
from fairway.devserver import free_port, stop, wait_for_port
from fairway.settings import Settings
from models import deadline_policies
from models import search_attributes as sa
from models.claims import ClaimOpening, ClaimPolicy, Scheme
from models.common import Actor, CaseKind, Role, case_workflow_id

T = TypeVar("T")
RESULTS = Path(__file__).parent / "results" / "scale.md"
MARKER = "<!-- newest first: bench/scale.py inserts each run's section below this line -->"
PREAMBLE = f"""# Scale: N open claims through the API vs the engine's floor

`python -m bench.scale` (see its docstring). Each run adds a dated section below, newest first,
with its charts beside this file; earlier sections are kept as history.

{MARKER}
"""
FAIRWAY_QUEUE, FLOOR_QUEUE = "bench-fairway", "bench-floor"
TOKEN = "bench-scale"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
OPENER = "bench.opener"  # the token's actor: opens every claim, takes every action
# Claims spread over handlers, firms and schemes as in a real register, so each list filter
# selects a share of them rather than all or none.
HANDLERS = [f"bench.handler.{i:02d}" for i in range(20)]
FIRMS = [f"SRA-BENCH-{i:02d}" for i in range(50)]
SCHEMES = [Scheme.CNST, Scheme.CNST, Scheme.CNST, Scheme.ELS, Scheme.CNSGP, Scheme.LTPS]
SPECIALTIES = ["obstetrics", "orthopaedics", "emergency medicine", "general surgery", "radiology"]
# A claim's register row trails its last action by the projection delay (3 s): measured windows
# end this long after their last request, so their projections are counted in them.
SETTLE_S = 5.0
# After an escalation the register's copy of the deadline book trails by 10 s.
BOOK_SETTLE_S = 12.0
WARMUP = 16  # claims opened (and noted) before anything is measured; not counted in N
SAMPLES = 30  # sequential requests per warm / cold / list measurement
VISIBILITY_SAMPLES = 10
WEIGHT_ACTIONS = 50
LONG_ACTIONS = 300
REPLAY_SAMPLES = 8  # worker restarts, each giving one cold and one warm action on the long claim
RETRIES = 4
# The dev server suggests continue-as-new at 4K events by default, past what 300 notes make: the
# bench lowers it (Fairway's server only) so the long claim crosses one.
CONTINUE_AS_NEW_EVENTS = 1000
DEFAULT_CACHE = Settings().cached_cases  # what the memory budget gives a worker by default
# The due claims' opening deadlines are overdue at once (as when old claims are loaded) and their
# head-of-service step is a month off, so nothing of theirs fires while the rest load; moving the
# first review to T re-arms it: its warning fires at once, its supervisor step at T (measured).
DUE_POLICY = ClaimPolicy(
    version="bench-scale",
    deadlines=deadline_policies.short(seconds=-1, warn_before=172_800, head_of_service_after=30 * 86_400),
)

CPU_RATIO, FLAT_RATIO, P99_MS = 2.0, 1.25, 500.0
OPENING_KB, ACTION_KB, CACHED_MIB = 8.0, 2.0, 0.15
COLD_RATIO, BURST_RATIO = 2.0, 1.2


# --- the claims -------------------------------------------------------------------------------


def opening(i: int, today: date) -> dict:
    """Claim i's opening. The incident is a year ago: limitation is two years off, so no ladder
    step of an API-opened claim falls due during the run and each is open and waiting."""
    return {
        "scheme": SCHEMES[i % len(SCHEMES)].value,
        "defendant": {"kind": "trust", "code": f"R{i % 90:02d}", "name": "Bench NHS Trust"},
        "specialty": SPECIALTIES[i % len(SPECIALTIES)],
        "incident_date": (today - timedelta(days=365)).isoformat(),
        "claimant": {"name": "Bench Claimant", "date_of_birth": "1980-01-01"},
        "claimant_firm": {"firm_id": FIRMS[i % len(FIRMS)], "name": "Bench LLP"},
        "allegations": "benchmark",
        "handler": HANDLERS[i % len(HANDLERS)],
    }


def new_ref() -> str:
    return "CLM-" + base64.b32encode(uuid.uuid4().bytes).decode()[:12]


def handler(i: int) -> Actor:
    return Actor(id=HANDLERS[i % len(HANDLERS)], role=Role.HANDLER)


def tokens() -> dict:
    """The bench's token, and one per handler: the API assigns claims only to actors it knows."""
    entries = {TOKEN: {"actor": OPENER, "role": "handler"}}
    entries |= {f"{TOKEN}-{h}": {"actor": h, "role": "handler"} for h in HANDLERS}
    return {"tokens": entries}


@dataclass(frozen=True)
class Window:
    """The claims opened between two checkpoints: `direct` through the client for the deadline
    burst (first, not measured), the rest through the API (measured)."""

    open_at_end: int
    direct: int
    through_api: int


def plan(claims: int, step: int, due: int) -> list[Window]:
    """Checkpoints every `step` claims; the due claims spread over them in proportion."""
    ends = [*range(step, claims, step), claims]
    windows, before, direct_before = [], 0, 0
    for end in ends:
        direct_total = round(due * end / claims)
        direct = direct_total - direct_before
        windows.append(Window(end, direct, end - before - direct))
        before, direct_before = end, direct_total
    return windows


# --- requests, retried --------------------------------------------------------------------------


@dataclass
class Tally:
    """Failed attempts: each retried one is an error; one given up is a failure too."""

    errors: int = 0
    failures: int = 0
    examples: list[str] = field(default_factory=list)

    def error(self, problem: str) -> None:
        self.errors += 1
        if len(self.examples) < 5:
            self.examples.append(problem)

    def failure(self, problem: str) -> None:
        self.failures += 1
        self.error(problem)

    def as_dict(self) -> dict:
        return {"errors": self.errors, "failures": self.failures, "examples": self.examples}


class Transient(Exception):
    """A failure worth another attempt; its text is what the tally records."""


class Refused(Exception):
    """A failure no attempt will mend (a 4xx refusal); its text is what the tally records."""


async def request(
    http: aiohttp.ClientSession, method: str, path: str, tally: Tally, key: str | None = None, **kwargs
) -> dict | None:
    """One API request, retried with the same Idempotency-Key on a transient failure (no answer,
    a 5xx or 429): a retry of an opening or an action that did get through is answered as its
    duplicate. A refusal (other 4xx) is not retried."""
    headers = HEADERS | ({"Idempotency-Key": key} if key else {})

    async def attempt() -> dict:
        try:
            async with http.request(method, path, headers=headers, **kwargs) as response:
                if response.status < 300:
                    return await response.json()
                problem = f"{method} {path}: {response.status} {(await response.text())[:200]}"
        except (aiohttp.ClientError, TimeoutError) as err:
            raise Transient(f"{method} {path}: {type(err).__name__} {err}") from err
        raise Refused(problem) if response.status < 500 and response.status != 429 else Transient(problem)

    return await with_retries(attempt, tally, f"{method} {path}")


async def open_claim(http, i: int, tally: Tally, today: date) -> str | None:
    answer = await request(http, "POST", "/claims", tally, key=f"scale-open-{i}", json=opening(i, today))
    return answer and answer["state"]["ref"]


async def add_note(http, ref: str, tally: Tally) -> float | None:
    """Seconds for one add-note through the API, or None if it failed."""
    started = time.perf_counter()
    answer = await request(
        http, "POST", f"/claims/{ref}/add-note", tally, key=uuid.uuid4().hex, json={"text": "scale"}
    )
    return None if answer is None else time.perf_counter() - started


async def notes(http, refs: list[str], tally: Tally) -> list[float]:
    """One add-note on each claim in turn: each action's latency alone, not in a queue."""
    timed = [await add_note(http, ref, tally) for ref in refs]
    return [t for t in timed if t is not None]


def floor_attributes(i: int, now: datetime) -> TypedSearchAttributes:
    """What a claim carries in visibility once opened: the API's three at start, the scheme and
    firm its first task upserts, the next deadline and overdue flag its projection upserts."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.CASE_KIND, CaseKind.CLAIM.value),
            SearchAttributePair(sa.STAGE, "notified"),
            SearchAttributePair(sa.HANDLER, HANDLERS[i % len(HANDLERS)]),
            SearchAttributePair(sa.SCHEME, SCHEMES[i % len(SCHEMES)].value),
            SearchAttributePair(sa.CLAIMANT_FIRM, FIRMS[i % len(FIRMS)]),
            SearchAttributePair(sa.NEXT_DEADLINE, now + timedelta(days=10)),
            SearchAttributePair(sa.OVERDUE, False),
        ]
    )


async def with_retries(call: Callable[[], Awaitable[T]], tally: Tally, what: str) -> T | None:
    """A Temporal or API call retried on a transient failure (each counted as an error); a
    refusal, or the last attempt's failure, is counted as a failure and gives None."""
    problem = ""
    for attempt in range(RETRIES):
        try:
            return await call()
        except RPCError as err:
            problem = f"{what}: {err.status.name if err.status else ''} {err}"
        except Transient as err:
            problem = str(err)
        except Refused as err:
            problem = str(err)
            break
        if attempt < RETRIES - 1:
            tally.error(problem)
            await asyncio.sleep(2**attempt)
    tally.failure(problem)
    return None


async def start_floor_case(client: Client, i: int, tally: Tally) -> bool:
    async def start() -> bool:
        with contextlib.suppress(WorkflowAlreadyStartedError):  # an earlier attempt got through
            await client.start_workflow(
                FloorCase.run,
                id=f"floor-case-{i}",
                task_queue=FLOOR_QUEUE,
                search_attributes=floor_attributes(i, datetime.now(UTC)),
            )
        return True

    return bool(await with_retries(start, tally, "start FloorCase"))


async def load(numbers: range, concurrency: int, open_one: Callable[[int], Awaitable[bool]]):
    """Open `numbers` with `concurrency` callers, each opening the next as its last is answered.
    Returns each successful opening's latency (retries included) and the wall time."""
    pending = iter(numbers)
    latencies: list[float] = []

    async def caller() -> None:
        for i in pending:  # shared: each number is taken by one caller
            started = time.perf_counter()
            if await open_one(i):
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


# --- the processes ------------------------------------------------------------------------------


@dataclass
class Stack:
    """One dev server and the processes beside it: Fairway's worker and API, or the floor's worker."""

    start: Callable
    work: Path
    env: dict
    server: subprocess.Popen
    procs: dict[str, subprocess.Popen]
    register: Path | None = None
    restarts: int = 0

    def meter(self) -> Meter:
        """Made afresh for each window: a restarted worker is a new process."""
        return Meter(CpuMeter({"temporal": self.server, **self.procs, "bench": this_process()}))

    def rss(self) -> dict[str, float]:
        return {name: round(rss_mib(p.pid), 1) for name, p in {"temporal": self.server, **self.procs}.items()}

    def disk(self) -> dict[str, float]:
        sizes = {"temporal.db": sqlite_mib(self.work / "temporal.db")}
        if self.register is not None:
            sizes["register"] = sqlite_mib(self.register)
        return {name: round(mib, 1) for name, mib in sizes.items()}

    def check_alive(self) -> None:
        """An exited process would leave an hour of timeouts behind it: stop the run instead."""
        for name, proc in {"temporal": self.server, **self.procs}.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with code {proc.returncode}; see its log in {self.work}")

    def restart(self, name: str) -> None:
        """Stop a process (SIGTERM: the worker shuts down cleanly) and start it again."""
        old = self.procs[name]
        stop(old, within=60)
        self.restarts += 1
        log = self.work / f"{name}-{self.restarts}.log"
        self.procs[name] = self.start(old.args, self.env, log)


def fairway_stack(start, work: Path, cache: int, continue_as_new_events: int) -> tuple[Stack, int]:
    extra = []
    if continue_as_new_events:
        extra = [
            "--dynamic-config-value",
            f"limit.historyCount.suggestContinueAsNew={continue_as_new_events}",
        ]
    address, server = dev_server(start, work, extra)
    (work / "tokens.json").write_text(json.dumps(tokens()))
    api_port = free_port()
    register = work / "fairway.db"
    env = bench_keys(work) | {
        "FAIRWAY_TEMPORAL_ADDRESS": address,
        "FAIRWAY_TEMPORAL_TASK_QUEUE": FAIRWAY_QUEUE,
        "FAIRWAY_DATABASE_URL": f"sqlite:///{register}",
        "FAIRWAY_TOKEN_FILE": str(work / "tokens.json"),
        "FAIRWAY_API_PORT": str(api_port),
        "FAIRWAY_WORKER_WORKFLOW_CACHE": str(cache),
        "FAIRWAY_POLICY": "standard",
    }
    db.migrate(env["FAIRWAY_DATABASE_URL"])
    python = sys.executable
    procs = {
        "worker": start([python, "-m", "fairway.cli", "worker"], env, work / "worker.log"),
        "api": start([python, "-m", "fairway.cli", "api"], env, work / "api.log"),
    }
    wait_for_port(api_port, procs["api"])
    return Stack(start, work, env, server, procs, register), api_port


def floor_stack(start, work: Path, cache: int) -> Stack:
    address, server = dev_server(start, work)
    env = {"FAIRWAY_TEMPORAL_ADDRESS": address, "FAIRWAY_WORKER_WORKFLOW_CACHE": str(cache)}
    worker = start([sys.executable, "-m", "bench.floor", FLOOR_QUEUE], env, work / "floor.log")
    return Stack(start, work, env, server, {"floor worker": worker})


async def connect(stack: Stack) -> Client:
    address = stack.env["FAIRWAY_TEMPORAL_ADDRESS"]
    if "FAIRWAY_ENCRYPTION_KEY_FILE" not in stack.env:  # the floor: Temporal without Fairway
        return await Client.connect(address, data_converter=pydantic_data_converter)
    return await connect_as_fairway(address, stack.env)


# --- checkpoints --------------------------------------------------------------------------------


class CacheWatch:
    """The worker's RSS from after warm-up until just before its workflow cache is full: the
    memory each cached claim takes, with nothing evicted in between."""

    def __init__(self, stack: Stack, fill_at: int) -> None:
        self.stack, self.fill_at = stack, fill_at
        self.baseline = rss_mib(stack.procs["worker"].pid)
        self.at: tuple[int, float] | None = None  # (claims open, worker RSS MiB)

    def seen(self, open_now: int) -> None:
        if self.at is None and open_now >= self.fill_at:
            self.at = (open_now, rss_mib(self.stack.procs["worker"].pid))

    def result(self) -> dict:
        claims, rss = self.at
        return {
            "baseline_mib": round(self.baseline, 1),
            "claims": claims,
            "rss_mib": round(rss, 1),
            "per_claim_mib": (rss - self.baseline) / claims,
        }


def checkpoint(stack: Stack, window: Window, latencies: list[float], wall: float, cpu: dict, tally) -> dict:
    opened_n = len(latencies)
    ms = [v * 1000 for v in latencies] or [float("nan")]
    per = {name: 1000 * s / max(opened_n, 1) for name, s in cpu.items()}
    return {
        "open": window.open_at_end,
        "opened": opened_n,
        "direct": window.direct,
        "wall_s": round(wall, 1),
        "per_s": opened_n / wall if wall else 0.0,
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "cpu_s": cpu,
        "cpu_ms": per,  # per opening, each process
        "rss_mib": stack.rss(),
        "disk_mib": stack.disk(),
        **tally.as_dict(),
    }


def cpu_per(record: dict, names: tuple[str, ...]) -> float:
    """CPU milliseconds per opening (or start) of the named processes together."""
    return sum(record["cpu_ms"][name] for name in names)


FAIRWAY_CPU = ("temporal", "worker", "api")
FLOOR_CPU = ("temporal", "floor worker")


def progress(path: str, record: dict, names: tuple[str, ...]) -> None:
    cpu = ", ".join(f"{n} {record['cpu_ms'][n]:.1f}" for n in names)
    rss = ", ".join(f"{n} {mib:.0f}" for n, mib in record["rss_mib"].items())
    disk = ", ".join(f"{n} {mib:.0f}" for n, mib in record["disk_mib"].items())
    print(
        f"{time.strftime('%H:%M:%S')} {path} {record['open']:,} open: {record['opened']:,} in "
        f"{record['wall_s']:.0f} s ({record['per_s']:.1f}/s), p50 {record['p50_ms']:.0f} ms, "
        f"p99 {record['p99_ms']:.0f} ms, {record['errors']} errors, {record['failures']} failed; "
        f"CPU ms each: {cpu} (total {cpu_per(record, names):.1f}); RSS MiB: {rss}; disk MiB: {disk}",
        flush=True,
    )


async def measured_window(stack: Stack, window: Window, numbers: range, concurrency: int, open_one, tally):
    stack.check_alive()
    meter = stack.meter()
    before = meter.snapshot()
    latencies, wall = await load(numbers, concurrency, open_one)
    await asyncio.sleep(SETTLE_S)  # the window's last projections are its own
    return checkpoint(stack, window, latencies, wall, meter.since(before, meter.snapshot()), tally)


@dataclass
class Loaded:
    """What Fairway's load leaves for the measurements at N."""

    checkpoints: list[dict]
    refs: list[str]  # API-opened, in order
    due: list[WorkflowHandle]  # opened straight from the client, to fall due together
    cache: dict
    stage: str
    direct: dict  # errors starting the due claims


async def warm_up(http, tally: Tally, today: date) -> str:
    """Imports, the sandbox, connection pools: before anything is measured. Returns the stage a
    new claim is in."""
    refs = [await open_claim(http, -1 - i, tally, today) for i in range(WARMUP)]
    await notes(http, [r for r in refs if r], tally)
    answer = await request(http, "GET", f"/claims/{refs[0]}", tally)
    await asyncio.sleep(SETTLE_S)
    return answer["state"]["stage"]


async def start_due_claim(client: Client, i: int, tally: Tally) -> WorkflowHandle | None:
    """A claim to fall due at N, started as the deadline bench starts its claims, with the
    search attributes the API starts a claim with."""
    ref, actor = new_ref(), handler(i)
    attributes = TypedSearchAttributes(
        [
            SearchAttributePair(sa.CASE_KIND, CaseKind.CLAIM.value),
            SearchAttributePair(sa.STAGE, "notified"),
            SearchAttributePair(sa.HANDLER, actor.id),
        ]
    )
    opening_ = ClaimOpening.model_validate(opening(i, date.today()))

    async def start() -> WorkflowHandle:
        return await start_claim(
            client, ref, opening_, DUE_POLICY, actor, FAIRWAY_QUEUE, search_attributes=attributes
        )

    return await with_retries(start, tally, "start a due claim")


async def open_due_claims(client: Client, first: int, count: int, tally: Tally) -> list[WorkflowHandle]:
    """Every one confirmed to have escalated its overdue opening deadlines, and their book
    projections (10 s behind) waited out, so none of it lands in the next measured window."""
    handles = await limited(start_due_claim(client, i, tally) for i in range(first, first + count))
    handles = [h for h in handles if h is not None]
    await limited(opened(h) for h in handles)
    await asyncio.sleep(BOOK_SETTLE_S)
    return handles


async def load_fairway(stack: Stack, http, client: Client, windows: list[Window], args) -> Loaded:
    today = date.today()
    tally = Tally()
    stage = await warm_up(http, tally, today)
    watch = CacheWatch(stack, fill_at=min(args.cache - WARMUP - 4 * args.concurrency, args.claims))
    refs: list[str] = []
    due: list[WorkflowHandle] = []
    records, direct = [], Tally()

    async def open_one(i: int) -> bool:
        ref = await open_claim(http, i, tally, today)
        if ref:
            refs.append(ref)
            watch.seen(len(refs) + len(due))
        return ref is not None

    for window in windows:
        if window.direct:
            due += await open_due_claims(client, len(due), window.direct, direct)
            watch.seen(len(refs) + len(due))
        tally = Tally()
        numbers = range(len(refs), len(refs) + window.through_api)
        record = await measured_window(stack, window, numbers, args.concurrency, open_one, tally)
        record["open"] = len(refs) + len(due)  # as opened, should any have failed
        records.append(record)
        progress("fairway", record, FAIRWAY_CPU)
    if watch.at is None:  # the cache never filled: its growth over the whole load
        watch.at = (len(refs) + len(due), rss_mib(stack.procs["worker"].pid))
    return Loaded(records, refs, due, watch.result() | {"cache": args.cache}, stage, direct.as_dict())


async def load_floor(stack: Stack, client: Client, windows: list[Window], concurrency: int) -> list[dict]:
    tally = Tally()
    await limited((start_floor_case(client, -1 - i, tally) for i in range(WARMUP)), concurrency)
    await asyncio.sleep(SETTLE_S)
    records, started = [], 0
    for window in windows:
        tally = Tally()
        count = window.open_at_end - started
        numbers = range(started, started + count)
        start_one = functools.partial(start_floor_case, client, tally=tally)
        record = await measured_window(stack, window, numbers, concurrency, start_one, tally)
        started += record["opened"]
        record["open"] = started
        records.append(record)
        progress("floor", record, FLOOR_CPU)
    return records


# --- at N ---------------------------------------------------------------------------------------


def timing(seconds: list[float]) -> dict:
    ms = [v * 1000 for v in seconds] or [float("nan")]
    return {"n": len(seconds), "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99), "max_ms": max(ms)}


async def restart_worker(stack: Stack, http, tally: Tally) -> None:
    """A worker with an empty cache: restarted, then warmed on a new claim of its own (imports
    and the sandbox), so what follows pays only for replaying the claim it acts on."""
    stack.restart("worker")
    ref = await open_claim(http, 10_000_000 + stack.restarts, tally, date.today())
    if ref is None:
        raise RuntimeError("the restarted worker did not answer an opening")
    await notes(http, [ref], tally)
    await asyncio.sleep(SETTLE_S)


async def warm_and_cold(stack: Stack, http, loaded: Loaded, cache: int) -> dict:
    """Add-note on claims just touched (warm) and on the claims opened first (cold): evicted
    when more than a cache's worth of claims has been opened since, else after a restart."""
    tally = Tally()
    recent, early = loaded.refs[-SAMPLES:], loaded.refs[:SAMPLES]
    await notes(http, recent, tally)  # into the cache
    await asyncio.sleep(SETTLE_S)
    warm = await notes(http, recent, tally)
    await asyncio.sleep(SETTLE_S)
    opened_since = len(loaded.refs) + len(loaded.due) - SAMPLES
    evicted = opened_since > cache + 2 * SAMPLES + WARMUP
    if not evicted:
        await restart_worker(stack, http, tally)
    cold = await notes(http, early, tally)
    await asyncio.sleep(SETTLE_S)
    how = (
        f"the first {SAMPLES} claims opened, evicted from the worker's cache of {cache:,} by the "
        f"{opened_since:,} opened since"
        if evicted
        else f"the first {SAMPLES} claims opened, after a worker restart: N is within the cache of {cache:,}"
    )
    return {"warm": timing(warm), "cold": timing(cold), "cold_is": how, **tally.as_dict()}


def list_queries(n: int, stage: str) -> dict[str, dict]:
    """Every filter GET /claims has (api/claims.py ClaimFilters), and a deep page."""
    return {
        "no filter": {},
        f"stage={stage}": {"stage": stage},
        f"handler={HANDLERS[0]}": {"handler": HANDLERS[0]},
        "scheme=CNST": {"scheme": "CNST"},
        f"claimant_firm={FIRMS[0]}": {"claimant_firm": FIRMS[0]},
        "route=mediation": {"route": "mediation"},
        "overdue=true": {"overdue": "true"},
        f"offset={max(n - 50, 0):,}": {"offset": max(n - 50, 0)},
    }


async def register_lists(http, loaded: Loaded) -> dict:
    tally, results = Tally(), {}
    n = len(loaded.refs) + len(loaded.due)
    for name, params in list_queries(n, loaded.stage).items():
        seconds, total = [], None
        for _ in range(SAMPLES):
            started = time.perf_counter()
            page = await request(http, "GET", "/claims", tally, params=params)
            if page is not None:
                seconds.append(time.perf_counter() - started)
                total = page["total"]
        results[name] = timing(seconds) | {"total": total}
    return {"lists": results, **tally.as_dict()}


async def visibility(client: Client) -> dict:
    """The SDK's visibility count and first page of the claims, as an operator would ask them."""
    query = f"CaseKind = '{CaseKind.CLAIM.value}'"
    counts, pages, found, listed = [], [], 0, 0
    for _ in range(VISIBILITY_SAMPLES):
        started = time.perf_counter()
        found = (await client.count_workflows(query)).count
        counts.append(time.perf_counter() - started)
        started = time.perf_counter()
        first_page = client.list_workflows(query, page_size=100)
        await first_page.fetch_next_page()
        pages.append(time.perf_counter() - started)
        listed = len(first_page.current_page or [])
    return {"count": timing(counts) | {"found": found}, "list": timing(pages) | {"listed": listed}}


async def history_size(handle: WorkflowHandle) -> tuple[int, int, int]:
    """Bytes and events of the workflow's current run, and its projections so far."""
    events = (await handle.fetch_history()).events
    projections = sum(
        1
        for e in events
        if e.HasField("activity_task_scheduled_event_attributes")
        and e.activity_task_scheduled_event_attributes.activity_type.name == "project_case"
    )
    return sum(e.ByteSize() for e in events), len(events), projections


def claim_handle(client: Client, ref: str) -> WorkflowHandle:
    return client.get_workflow_handle(case_workflow_id(CaseKind.CLAIM, ref))


async def history_weight(http, client: Client) -> dict:
    """A fresh claim's history once opened and projected, and what each add-note adds."""
    tally = Tally()
    ref = await open_claim(http, 20_000_000, tally, date.today())
    handle = claim_handle(client, ref)
    first_run = (await handle.describe()).run_id
    await asyncio.sleep(SETTLE_S)
    bytes0, events0, _ = await history_size(handle)
    for _ in range(WEIGHT_ACTIONS):
        await add_note(http, ref, tally)
        await asyncio.sleep(0.1)
    await asyncio.sleep(SETTLE_S)
    bytes1, events1, projections = await history_size(handle)
    same_run = (await handle.describe()).run_id == first_run
    return {
        "opening_bytes": bytes0,
        "opening_events": events0,
        "actions": WEIGHT_ACTIONS,
        "per_action_bytes": (bytes1 - bytes0) / WEIGHT_ACTIONS,
        "per_action_events": (events1 - events0) / WEIGHT_ACTIONS,
        "projections": projections,
        "same_run": same_run,
        **tally.as_dict(),
    }


async def long_claim(stack: Stack, http, client: Client, short_refs: list[str]) -> dict:
    """One claim with 300 notes, then an action on it after each of several worker restarts (cold:
    the worker replays the run it continued as, not the whole life of the claim) and, at once, a
    second (warm: the claim is cached now). Cold and warm are paired, taken at the same moment of
    the same restarted worker, whose other cases are replaying around them; a short claim's first
    touch in the same restart tells the long claim's replay apart from any claim's."""
    tally = Tally()
    ref = await open_claim(http, 30_000_000, tally, date.today())
    handle = claim_handle(client, ref)
    first_run = (await handle.describe()).run_id
    await notes(http, [ref] * LONG_ACTIONS, tally)
    await asyncio.sleep(SETTLE_S)
    last_run = (await handle.describe()).run_id
    runs = (await client.count_workflows(f"WorkflowId = '{handle.id}'")).count
    replayed_bytes, replayed_events, _ = await history_size(handle)
    cold, warm, short_cold, cold_run_events = [], [], [], []
    for short_ref in short_refs[:REPLAY_SAMPLES]:
        await restart_worker(stack, http, tally)
        # Each restart adds two notes to the run the next one replays: its length says what
        # each cold figure is of.
        cold_run_events.append((await history_size(handle))[1])
        cold += await notes(http, [ref], tally)
        warm += await notes(http, [ref], tally)
        short_cold += await notes(http, [short_ref], tally)
        await asyncio.sleep(SETTLE_S)
    return {
        "actions": LONG_ACTIONS,
        "continued_as_new": last_run != first_run,
        "runs": runs,
        "current_run_bytes": replayed_bytes,
        "current_run_events": replayed_events,
        "cold_run_events": cold_run_events,
        "warm": timing(warm),
        "cold": timing(cold),
        "short_cold": timing(short_cold),
        **tally.as_dict(),
    }


async def fairway_burst(stack: Stack, loaded: Loaded, sessions) -> dict:
    async with CpuTimeline(stack.meter().meter) as timeline:
        return await escalate_together(sessions, loaded.due, handler(0), timeline)


async def floor_burst(stack: Stack, client: Client, n: int) -> dict:
    async with CpuTimeline(stack.meter().meter) as timeline:
        return await floor_timers_round(client, n, timeline, FLOOR_QUEUE)


async def phase(results: dict, name: str, measurement: Awaitable[dict]) -> None:
    """One measurement; a failure is reported and the run goes on, so an hour's load is not
    thrown away for one probe."""
    started = time.monotonic()
    print(f"{time.strftime('%H:%M:%S')} {name}...", flush=True)
    try:
        results[name] = await measurement
    except Exception as err:  # reported in the results
        traceback.print_exc()
        results[name] = {"error": f"{type(err).__name__}: {err}"}
    results[name]["wall_s"] = round(time.monotonic() - started, 1)


# --- the run ------------------------------------------------------------------------------------


async def run_fairway(args, windows: list[Window], tmp: Path) -> dict:
    results: dict = {}
    with processes() as start:
        stack, api_port = fairway_stack(start, tmp, args.cache, args.continue_as_new_events)
        client = await connect(stack)
        sessions = db.session_factory(db.make_engine(stack.env["FAIRWAY_DATABASE_URL"]))
        async with api_session(api_port, connections=4 * args.concurrency) as http:
            started = time.monotonic()
            loaded = await load_fairway(stack, http, client, windows, args)
            results["load"] = {"checkpoints": loaded.checkpoints, "wall_s": round(time.monotonic() - started)}
            results["cache"] = loaded.cache
            results["direct"] = loaded.direct
            await phase(results, "visibility", visibility(client))
            await phase(results, "register lists", register_lists(http, loaded))
            await phase(results, "warm and cold", warm_and_cold(stack, http, loaded, args.cache))
            await phase(results, "history weight", history_weight(http, client))
            short = loaded.refs[SAMPLES : SAMPLES + REPLAY_SAMPLES]  # untouched since they were opened
            await phase(results, "long claim", long_claim(stack, http, client, short))
            if loaded.due:
                await phase(results, "deadline burst", fairway_burst(stack, loaded, sessions))
            results["final"] = {"rss_mib": stack.rss(), "disk_mib": stack.disk()}
    return results


async def run_floor(args, windows: list[Window], tmp: Path) -> dict:
    results: dict = {}
    with processes() as start:
        stack = floor_stack(start, tmp, args.cache)
        client = await connect(stack)
        started = time.monotonic()
        results["load"] = {
            "checkpoints": await load_floor(stack, client, windows, args.concurrency),
            "wall_s": round(time.monotonic() - started),
        }
        await phase(results, "visibility", visibility(client))
        if args.due:
            await phase(results, "deadline burst", floor_burst(stack, client, args.due))
        results["final"] = {"rss_mib": stack.rss(), "disk_mib": stack.disk()}
    return results


async def measure(args) -> dict:
    windows = plan(args.claims, args.step, args.due)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="scale-fairway-") as tmp:
        fairway = await run_fairway(args, windows, Path(tmp))
    fairway_s = time.monotonic() - started
    with tempfile.TemporaryDirectory(prefix="scale-floor-") as tmp:
        floor = await run_floor(args, windows, Path(tmp))
    return {
        "fairway": fairway,
        "floor": floor,
        "wall_s": {"fairway": round(fairway_s), "total": round(time.monotonic() - started)},
    }


# --- the report ---------------------------------------------------------------------------------


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "**NOT met**", None: "not measured"}[met]


def _ok(result: dict | None) -> bool:
    return bool(result) and "error" not in result


def cpu_ratios(fairway: list[dict], floor: list[dict]) -> list[float]:
    """Fairway's CPU per opening over the floor's per start, checkpoint by checkpoint."""
    return [cpu_per(f, FAIRWAY_CPU) / cpu_per(g, FLOOR_CPU) for f, g in zip(fairway, floor, strict=False)]


def targets(results: dict) -> list[tuple[str, bool | None]]:
    fairway, floor = results["fairway"], results["floor"]
    loaded, started = fairway["load"]["checkpoints"], floor["load"]["checkpoints"]
    ratios = cpu_ratios(loaded, started)
    flat = cpu_per(loaded[-1], FAIRWAY_CPU) / cpu_per(loaded[0], FAIRWAY_CPU)
    worst_p99 = max(c["p99_ms"] for c in loaded)
    lines = [
        (
            f"CPU per opening at most {CPU_RATIO}x the floor's per start at every checkpoint: "
            f"{min(ratios):.2f}x-{max(ratios):.2f}x",
            max(ratios) <= CPU_RATIO,
        ),
        (
            f"CPU per opening flat: the last checkpoint's {cpu_per(loaded[-1], FAIRWAY_CPU):.1f} ms is "
            f"{flat:.2f}x the first's {cpu_per(loaded[0], FAIRWAY_CPU):.1f} ms (target <= {FLAT_RATIO}x)",
            flat <= FLAT_RATIO,
        ),
        (
            f"opening p99 under {P99_MS:.0f} ms at concurrency {results['concurrency']} throughout: "
            f"worst {worst_p99:.0f} ms",
            worst_p99 < P99_MS,
        ),
    ]
    direct = fairway["direct"]
    failed = sum(c["failures"] for c in loaded) + direct["failures"]
    retried = sum(c["errors"] - c["failures"] for c in loaded) + direct["errors"] - direct["failures"]
    lines.append((f"every opening succeeded: {failed} failed, {retried} attempts retried", failed == 0))
    weight = fairway.get("history weight")
    if _ok(weight):
        opening_kb, action_kb = weight["opening_bytes"] / 1024, weight["per_action_bytes"] / 1024
        lines += [
            (
                f"history at opening {opening_kb:.1f} KB (target <= {OPENING_KB:.0f} KB)",
                opening_kb <= OPENING_KB,
            ),
            (f"history per action {action_kb:.2f} KB (target <= {ACTION_KB:.0f} KB)", action_kb <= ACTION_KB),
        ]
    else:
        lines.append(("history weight", None))
    per_claim = fairway["cache"]["per_claim_mib"]
    lines.append(
        (
            f"worker memory per cached claim {per_claim:.3f} MiB (target <= {CACHED_MIB} MiB)",
            per_claim <= CACHED_MIB,
        )
    )
    for name, label in (("warm and cold", "at N"), ("long claim", f"on the {LONG_ACTIONS}-action claim")):
        result = fairway.get(name)
        if _ok(result):
            ratio = result["cold"]["p50_ms"] / result["warm"]["p50_ms"]
            lines.append(
                (f"cold action p50 {label} {ratio:.2f}x warm (target <= {COLD_RATIO}x)", ratio <= COLD_RATIO)
            )
        else:
            lines.append((f"cold action {label}", None))
    burst, floor_burst_ = fairway.get("deadline burst"), floor.get("deadline burst")
    if _ok(burst) and _ok(floor_burst_):
        ratio = burst["max_s"] / floor_burst_["max_s"]
        intact = burst["lost"] == 0 and burst["duplicated"] == 0 and burst["early"] == 0
        lines.append(
            (
                f"all {burst['claims']:,} simultaneous escalations within {ratio:.2f}x the floor's time "
                f"(target <= {BURST_RATIO}x); lost {burst['lost']}, duplicated {burst['duplicated']}, "
                f"early {burst['early']}",
                ratio <= BURST_RATIO and intact,
            )
        )
    else:
        lines.append(("simultaneous escalations", None))
    return lines


def loading_tables(fairway: list[dict], floor: list[dict]) -> list[str]:
    lines = [
        "| open | Fairway openings | per s | p50 ms | p99 ms | errors / failed | floor starts | per s "
        "| p50 ms | p99 ms | errors / failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f, g in zip(fairway, floor, strict=False):
        lines.append(
            f"| {f['open']:,} | {f['opened']:,} | {f['per_s']:.1f} | {f['p50_ms']:.0f} | {f['p99_ms']:.0f} "
            f"| {f['errors']} / {f['failures']} | {g['opened']:,} | {g['per_s']:.1f} | {g['p50_ms']:.1f} "
            f"| {g['p99_ms']:.1f} | {g['errors']} / {g['failures']} |"
        )
    lines += [
        "",
        "CPU milliseconds per opening (Fairway) and per start (floor), each process, over each "
        f"checkpoint's openings and the {SETTLE_S:.0f} s after them; the last two columns are the "
        "bench's own process and the rest of the machine, in seconds over the window (Fairway / floor).",
        "",
        "| open | temporal | worker | api | Fairway | floor temporal | floor worker | floor | ratio "
        "| bench s | others s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f, g, ratio in zip(fairway, floor, cpu_ratios(fairway, floor), strict=False):
        c, d = f["cpu_ms"], g["cpu_ms"]
        lines.append(
            f"| {f['open']:,} | {c['temporal']:.1f} | {c['worker']:.1f} | {c['api']:.1f} "
            f"| **{cpu_per(f, FAIRWAY_CPU):.1f}** | {d['temporal']:.1f} | {d['floor worker']:.1f} "
            f"| **{cpu_per(g, FLOOR_CPU):.1f}** | {ratio:.2f}x "
            f"| {f['cpu_s']['bench']} / {g['cpu_s']['bench']} "
            f"| {f['cpu_s']['others']} / {g['cpu_s']['others']} |"
        )
    lines += [
        "",
        "Resident memory (MiB) and size on disk (MiB; SQLite files with their -wal and -shm) at "
        "each checkpoint.",
        "",
        "| open | worker | temporal | api | floor worker | floor temporal | temporal.db | floor temporal.db "
        "| register |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f, g in zip(fairway, floor, strict=False):
        r, q, d, e = f["rss_mib"], g["rss_mib"], f["disk_mib"], g["disk_mib"]
        lines.append(
            f"| {f['open']:,} | {r['worker']:.0f} | {r['temporal']:.0f} | {r['api']:.0f} "
            f"| {q['floor worker']:.0f} | {q['temporal']:.0f} | {d['temporal.db']:.0f} "
            f"| {e['temporal.db']:.0f} | {d['register']:.0f} |"
        )
    return lines + growth_line(fairway, floor)


def growth_line(fairway: list[dict], floor: list[dict]) -> list[str]:
    """What each claim adds on disk and to the server's memory, from the first checkpoint to the last."""
    if len(fairway) < 2:
        return []

    def per_claim_kb(records: list[dict], key: str, name: str) -> float:
        first, last = records[0], records[-1]
        return 1024 * (last[key][name] - first[key][name]) / (last["open"] - first["open"])

    return [
        "",
        "Growth per open claim from the first checkpoint to the last: temporal.db "
        f"{per_claim_kb(fairway, 'disk_mib', 'temporal.db'):.1f} KB (floor "
        f"{per_claim_kb(floor, 'disk_mib', 'temporal.db'):.1f} KB), register "
        f"{per_claim_kb(fairway, 'disk_mib', 'register'):.1f} KB; server RSS "
        f"{per_claim_kb(fairway, 'rss_mib', 'temporal'):.1f} KB (floor "
        f"{per_claim_kb(floor, 'rss_mib', 'temporal'):.1f} KB).",
    ]


def _failed(name: str, result: dict | None) -> list[str]:
    if result is None or "error" not in result:
        return []
    return [f"- {name}: failed after {result.get('wall_s', 0):.0f} s: `{result['error']}`."]


def _errors(result: dict) -> str:
    if not result.get("errors"):
        return ""
    examples = "; ".join(result["examples"])
    return f" Errors: {result['errors']} retried, {result['failures']} failed ({examples})."


def memory_line(results: dict) -> str:
    cache = results["fairway"]["cache"]
    # The last checkpoint's, before any restart at N.
    worker = results["fairway"]["load"]["checkpoints"][-1]["rss_mib"]["worker"]
    filled = cache["claims"] < results["claims"]
    return (
        f"- Worker memory per cached claim: **{cache['per_claim_mib']:.3f} MiB** (RSS "
        f"{cache['baseline_mib']:.0f} MiB after warm-up, {cache['rss_mib']:.0f} MiB with "
        f"{cache['claims']:,} claims opened; workflow cache {cache['cache']:,}). "
        + ("With the cache full, the worker" if filled else "The cache never filled in this run; the worker")
        + f" held {worker:.0f} MiB at the last checkpoint."
    )


def actions_line(actions: dict | None) -> list[str]:
    if not _ok(actions):
        return _failed("warm and cold", actions)
    w, c = actions["warm"], actions["cold"]
    return [
        f"- Add-note through the API at N, one at a time: {w['n']} warm (claims just touched), p50 "
        f"{w['p50_ms']:.0f} ms, p99 {w['p99_ms']:.0f} ms; {c['n']} cold ({actions['cold_is']}), p50 "
        f"{c['p50_ms']:.0f} ms, p99 {c['p99_ms']:.0f} ms: cold p50 **{c['p50_ms'] / w['p50_ms']:.2f}x** warm."
        + _errors(actions)
    ]


def weight_line(weight: dict | None) -> list[str]:
    if not _ok(weight):
        return _failed("history weight", weight)
    caveat = "" if weight["same_run"] else " It continued as new meanwhile: the figures are not comparable."
    return [
        f"- History of a fresh claim once opened and projected: "
        f"**{weight['opening_bytes'] / 1024:.1f} KB**, {weight['opening_events']} events. Each add-note "
        f"adds **{weight['per_action_bytes'] / 1024:.2f} KB** and {weight['per_action_events']:.1f} events "
        f"on average, over {weight['actions']} notes 0.1 s apart (whose projections batch: "
        f"{weight['projections']} project_case activities in the whole history)." + caveat + _errors(weight)
    ]


def long_line(long: dict | None) -> list[str]:
    if not _ok(long):
        return _failed("long claim", long)
    crossed = (
        f"it continued as new ({long['runs']} runs)"
        if long["continued_as_new"]
        else "it did not continue as new"
    )
    warm, cold, short = long["warm"], long["cold"], long["short_cold"]
    return [
        f"- A long claim: {long['actions']} add-notes, after which {crossed}; the run a cold worker "
        f"replays holds {long['current_run_events']} events, {long['current_run_bytes'] / 1024:.0f} KB. "
        f"After each of {cold['n']} worker restarts (the run then {_span(long.get('cold_run_events'))} "
        f"events long, two notes more each time), an add-note on it (cold): p50 {cold['p50_ms']:.0f} ms, "
        f"max {cold['max_ms']:.0f} ms; at once another (warm): p50 {warm['p50_ms']:.0f} ms: cold p50 "
        f"**{cold['p50_ms'] / warm['p50_ms']:.2f}x** warm. A short claim's first touch in the same "
        f"restarts: p50 {short['p50_ms']:.0f} ms, max {short['max_ms']:.0f} ms." + _errors(long)
    ]


def _span(values: list[int] | None) -> str:
    return f"{min(values)}-{max(values)}" if values else "?"


def at_n_section(results: dict) -> list[str]:
    fairway, floor = results["fairway"], results["floor"]
    return [
        memory_line(results),
        *actions_line(fairway.get("warm and cold")),
        *weight_line(fairway.get("history weight")),
        *long_line(fairway.get("long claim")),
        *list_table(fairway.get("register lists")),
        *visibility_table(fairway.get("visibility"), floor.get("visibility")),
        *burst_table(fairway.get("deadline burst"), floor.get("deadline burst")),
    ]


def list_table(lists: dict | None) -> list[str]:
    if not _ok(lists):
        return _failed("register lists", lists)
    lines = [
        "",
        f"Register list, GET /claims (50 a page), {SAMPLES} requests each, one at a time:",
        "",
        "| query | matching | p50 ms | p99 ms |",
        "|---|---|---|---|",
    ]
    for name, x in lists["lists"].items():
        lines.append(
            f"| `{name}` | {x['total'] if x['total'] is not None else '-'} "
            f"| {x['p50_ms']:.0f} | {x['p99_ms']:.0f} |"
        )
    return lines + ([_errors(lists).strip()] if lists.get("errors") else [])


def visibility_table(fairway: dict | None, floor: dict | None) -> list[str]:
    if not (_ok(fairway) and _ok(floor)):
        return _failed("visibility (Fairway)", fairway) + _failed("visibility (floor)", floor)
    lines = [
        "",
        f"Visibility through the SDK, `CaseKind = 'claim'`, {VISIBILITY_SAMPLES} times each:",
        "",
        "| server | count_workflows p50 / max ms | found | list_workflows first page (100) p50 / max ms |",
        "|---|---|---|---|",
    ]
    for name, x in (("Fairway", fairway), ("floor", floor)):
        lines.append(
            f"| {name} | {x['count']['p50_ms']:.0f} / {x['count']['max_ms']:.0f} | {x['count']['found']:,} "
            f"| {x['list']['p50_ms']:.0f} / {x['list']['max_ms']:.0f} |"
        )
    return lines


def _cpu(seconds: dict[str, float]) -> str:
    return ", ".join(f"{name} {s:.2f}" for name, s in seconds.items())


def burst_table(fairway: dict | None, floor: dict | None) -> list[str]:
    """Each path's row where it completed; a failed one says why (the other still reports)."""
    if not (_ok(fairway) or _ok(floor)):
        return ["", *_failed("deadline burst (Fairway)", fairway), *_failed("deadline burst (floor)", floor)]
    rows = []
    if _ok(floor):
        rows.append(
            f"| floor | {floor['n']:,} | {floor['p50_s']:.2f} | {floor['p99_s']:.2f} | {floor['max_s']:.2f} "
            f"| {_cpu(floor['burst_cpu_s'])} |"
        )
    if _ok(fairway):
        rows.append(
            f"| Fairway | {fairway['n']:,} | {fairway['p50_s']:.2f} | {fairway['p99_s']:.2f} "
            f"| {fairway['max_s']:.2f} | {_cpu(fairway['burst_cpu_s'])} |"
        )
    claims = fairway["claims"] if _ok(fairway) else floor["n"]
    lines = [
        "",
        f"{claims:,} deadlines due at one instant among the open claims (Fairway: the first review of the "
        "directly opened claims, moved to the instant by `extend_deadline`, each to escalate to its "
        "supervisor; floor: as many FloorTimer workflows on the floor's server):",
        "",
        "| path | records | lag p50 s | lag p99 s | all recorded after s "
        "| CPU s from 1 s before to the last |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    if _ok(fairway):
        lines.append(
            f"Escalation records: one per claim for {fairway['claims']:,} claims; lost {fairway['lost']}, "
            f"duplicated {fairway['duplicated']}, early {fairway['early']}."
        )
    if _ok(floor):
        lines += replaced_lines(floor)
    return lines + _failed("deadline burst (Fairway)", fairway) + _failed("deadline burst (floor)", floor)


def report(
    results: dict, *, heading: str, command: str, note: str | None, charts: list[tuple[str, str]]
) -> str:
    fairway = results["fairway"]
    minutes = {k: v / 60 for k, v in results["wall_s"].items()}
    lines = [f"## {heading}", "", f"Machine: {machine()}."]
    if note:
        lines.append(note)
    lines += [
        f"Command: `{command}`" + (", with `--note` giving the sentence above." if note else "."),
        f"Load average (1 min) {results['load'][0]:.2f} before the run, {results['load'][1]:.2f} after. "
        f"The run took {minutes['total']:.0f} min (Fairway {minutes['fairway']:.0f} min, loading "
        f"{fairway['load']['wall_s'] / 60:.0f} min).",
        "",
        f"Fairway: one dev server (SQLite, WAL), the worker (workflow cache {results['cache']:,}) and "
        f"the API as child processes; {results['claims'] - results['due']:,} claims opened through the "
        f"API at concurrency {results['concurrency']} and {results['due']:,} from the client under a "
        "short deadline policy (a share before each checkpoint, outside its measurement), to fall due "
        "together at N. "
        + (
            f"The server suggests continue-as-new at {results['continue_as_new_events']:,} events "
            "(its default is 4K), so the long claim crosses one. "
            if results["continue_as_new_events"]
            else ""
        )
        + "Floor: FloorCase starts with a claim's seven search attributes, on its own fresh dev server "
        "after Fairway's was stopped, at the same concurrency and checkpoints.",
        "",
        "Targets (issue 13):",
        "",
        *[f"- {text}: {_verdict(met)}." for text, met in targets(results)],
        "",
        "### Loading",
        "",
        *loading_tables(fairway["load"]["checkpoints"], results["floor"]["load"]["checkpoints"]),
        "",
        "### At N",
        "",
        *at_n_section(results),
    ]
    if charts:
        lines += ["", "### Charts", "", *[f"![{title}]({name})" for title, name in charts]]
    return "\n".join(lines) + "\n"


# --- charts -------------------------------------------------------------------------------------


# One colour per part, Fairway's solid and the floor's dashed, so like is read against like.
COLOURS = {"temporal": "C0", "worker": "C1", "floor worker": "C1", "api": "C2", "register": "C2"}


def chart_series(results: dict) -> dict[str, tuple]:
    """Each chart: title, unit, log scale, and lines of (path, label, colour, value of a checkpoint)."""
    f, g = "Fairway", "floor"

    def parts(path: str, key: str, names) -> list[tuple]:
        return [
            (path, f"{path} {n.removeprefix('floor ')}", COLOURS[n], lambda c, n=n: c[key][n]) for n in names
        ]

    return {
        "throughput": (
            "Openings (Fairway) and starts (floor) per second",
            "per second",
            False,
            [(path, path, "C0", lambda c: c["per_s"]) for path in (f, g)],
        ),
        "latency": (
            "Opening latency (Fairway) and start latency (floor)",
            "ms",
            True,
            [
                (path, f"{path} {p}", colour, lambda c, p=p: c[f"{p}_ms"])
                for p, colour in (("p50", "C0"), ("p99", "C3"))
                for path in (f, g)
            ],
        ),
        "cpu": (
            "CPU per opening (Fairway) and per start (floor)",
            "CPU ms",
            False,
            [
                *parts(f, "cpu_ms", FAIRWAY_CPU),
                (f, "Fairway total", "C3", lambda c: cpu_per(c, FAIRWAY_CPU)),
                *parts(g, "cpu_ms", FLOOR_CPU),
                (g, "floor total", "C3", lambda c: cpu_per(c, FLOOR_CPU)),
            ],
        ),
        "memory": (
            "Resident memory per process",
            "MiB",
            False,
            [*parts(f, "rss_mib", ("worker", "temporal", "api")), *parts(g, "rss_mib", FLOOR_CPU)],
        ),
        "disk": (
            "Size on disk (with -wal and -shm)",
            "MiB",
            False,
            [
                *parts(f, "disk_mib", ("register",)),
                (f, "Fairway temporal.db", "C0", lambda c: c["disk_mib"]["temporal.db"]),
                (g, "floor temporal.db", "C0", lambda c: c["disk_mib"]["temporal.db"]),
            ],
        ),
    }


def charts(results: dict, directory: Path, stamp: str) -> list[tuple[str, str]]:
    """PNG charts against open claims, Fairway and floor on the same axes; (title, file name)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import ScalarFormatter
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no charts")
        return []
    runs = {
        "Fairway": results["fairway"]["load"]["checkpoints"],
        "floor": results["floor"]["load"]["checkpoints"],
    }
    written = []
    for kind, (title, unit, log_scale, lines) in chart_series(results).items():
        figure, axes = plt.subplots(figsize=(8, 4.5))
        for path, label, colour, value in lines:
            xs, ys = [c["open"] for c in runs[path]], [value(c) for c in runs[path]]
            style = "-" if path == "Fairway" else "--"
            axes.plot(xs, ys, style, color=colour, marker="o", markersize=3, label=label)
        axes.set(title=title, xlabel="open claims", ylabel=unit)
        if kind == "latency":
            axes.axhline(P99_MS, color="grey", linestyle=":", label=f"p99 target ({P99_MS:.0f} ms)")
        if log_scale:
            axes.set_yscale("log")
            axes.yaxis.set_major_formatter(ScalarFormatter())
            axes.yaxis.set_minor_formatter(ScalarFormatter())
        else:
            axes.set_ylim(bottom=0)
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize="small")
        name = f"scale-{stamp}-{kind}.png"
        figure.tight_layout()
        figure.savefig(directory / name, dpi=100)
        plt.close(figure)
        written.append((title, name))
    return written


# --- main ---------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=100_000, help="N: claims open at the end")
    parser.add_argument("--step", type=int, default=10_000, help="claims between checkpoints")
    parser.add_argument("--concurrency", type=int, default=8, help="openings (and floor starts) in flight")
    parser.add_argument("--due", type=int, default=10_000, help="claims falling due at one instant at N")
    parser.add_argument("--cache", type=int, default=DEFAULT_CACHE, help="the worker's workflow cache")
    parser.add_argument(
        "--continue-as-new-events",
        type=int,
        default=CONTINUE_AS_NEW_EVENTS,
        help="where Fairway's dev server suggests continue-as-new (0: the server's default)",
    )
    parser.add_argument("--label", default="a run", help="the section heading, after the date")
    parser.add_argument("--note", help="a sentence for the section: what else the machine was doing, say")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the results file to add a section to")
    args = parser.parse_args()
    if args.due > args.claims // 2:
        # Every checkpoint keeps openings through the API to measure.
        print(f"--due {args.due} is capped at half of --claims: {args.claims // 2}")
        args.due = args.claims // 2
    return args


def main() -> str:
    args = arguments()
    load_before = os.getloadavg()[0]
    results = asyncio.run(measure(args))
    results |= {
        "load": (load_before, os.getloadavg()[0]),
        "claims": args.claims,
        "due": args.due,
        "concurrency": args.concurrency,
        "cache": args.cache,
        "continue_as_new_events": args.continue_as_new_events,
    }
    command = shlex.join(
        ["python", "-m", "bench.scale", "--claims", str(args.claims), "--step", str(args.step)]
        + ["--concurrency", str(args.concurrency), "--due", str(args.due), "--label", args.label]
        + (["--cache", str(args.cache)] if args.cache != DEFAULT_CACHE else [])
        + (
            ["--continue-as-new-events", str(args.continue_as_new_events)]
            if args.continue_as_new_events != CONTINUE_AS_NEW_EVENTS
            else []
        )
    )
    # The raw figures first: were the report to fail, an hour's run is still in the log.
    print(json.dumps(results, indent=2, default=str), flush=True)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    written = charts(results, args.results.parent, datetime.now().strftime("%Y%m%d-%H%M"))
    text = report(
        results,
        heading=f"{date.today().isoformat()}, {args.label}",
        command=command,
        note=args.note,
        charts=written,
    )
    write_section(args.results, text, marker=MARKER, preamble=PREAMBLE)
    print(text)
    return text


if __name__ == "__main__":
    main()
