"""Shared pieces for benchmarks: a WAL-mode dev server, child processes, CPU and memory from /proc,
percentiles, the dated results file, and the deadline benches' way of making claims fall due at
one instant."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import func, select
from temporalio.api.enums.v1 import EventType, PendingWorkflowTaskState
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from bench.floor import FloorTimer
from fairway.converter import data_converter
from fairway.devserver import free_port, start_dev_args, stop, wait_for_port
from fairway.keys import read_key_file, write_dev_keys
from models.cases import ExtendDeadline
from models.claims import ClaimInput, ClaimOpening, ClaimPolicy, ClaimState
from models.common import ActionMeta, Actor, CaseKind, case_workflow_id
from models.register import EscalationRow
from workflows.claim import ClaimWorkflow


@contextmanager
def processes():
    started: list[subprocess.Popen] = []

    def start(args: list[str], env: dict | None = None, log: Path | None = None) -> subprocess.Popen:
        out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
        started.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in reversed(started):
            stop(proc)


def dev_server(start, workdir: Path, extra: list[str] = ()) -> tuple[str, subprocess.Popen]:
    port, ui = free_port(), free_port()
    args = start_dev_args(workdir / "temporal.db", port=port, ui_port=ui, extra=list(extra))
    server = start(args, log=workdir / "temporal.log")
    wait_for_port(port)
    return f"127.0.0.1:{port}", server


def bench_keys(workdir: Path) -> dict[str, str]:
    """The key setting for a bench's Fairway processes: a fresh key file of its own."""
    return {"FAIRWAY_ENCRYPTION_KEY_FILE": str(write_dev_keys(workdir / "encryption-keys.json"))}


async def connect_as_fairway(address: str, env: dict[str, str]) -> Client:
    """A client that reads and writes payloads as the bench's Fairway processes do."""
    keys = read_key_file(Path(env["FAIRWAY_ENCRYPTION_KEY_FILE"]))
    return await Client.connect(address, data_converter=data_converter(keys))


def this_process() -> int:
    """The benchmark's own pid: the load generator is metered beside what it measures."""
    return os.getpid()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy so far (all cores, every process), from /proc/stat:
    on a shared machine, this less what the bench's own processes spent is what others spent."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds each named process spends during a measured block."""

    def __init__(self, procs: dict[str, subprocess.Popen | int]) -> None:
        self.pids = {name: p if isinstance(p, int) else p.pid for name, p in procs.items()}

    def snapshot(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    @staticmethod
    def since(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {name: round(after[name] - before[name], 2) for name in before}


def rss_mib(pid: int) -> float:
    """Resident memory of a process now (VmRSS), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def sqlite_mib(path: Path) -> float:
    """A SQLite database's size on disk with its -wal and -shm files."""
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return sum(f.stat().st_size for f in files if f.exists()) / 2**20


class Meter:
    """CPU per named process over a round, and what the rest of the machine spent meanwhile."""

    def __init__(self, meter: CpuMeter) -> None:
        self.meter = meter

    def snapshot(self) -> tuple[dict[str, float], float]:
        return self.meter.snapshot(), machine_cpu_seconds()

    @staticmethod
    def since(before, after) -> dict[str, float]:
        cpu = CpuMeter.since(before[0], after[0])
        cpu["others"] = round(max(0.0, after[1] - before[1] - sum(cpu.values())), 2)
        return cpu


class CpuTimeline:
    """Samples a CpuMeter every `interval` seconds in the background, so the CPU of a window
    can be read afterwards: from just before a due instant to the last record, say, which is
    only known once the last record is in."""

    def __init__(self, meter: CpuMeter, interval: float = 0.1) -> None:
        self.meter, self.interval = meter, interval
        self.times: list[float] = []
        self.samples: list[dict[str, float]] = []
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> CpuTimeline:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc) -> None:
        self._task.cancel()

    async def _sample(self) -> None:
        while True:
            self.times.append(time.time())
            self.samples.append(self.meter.snapshot())
            await asyncio.sleep(self.interval)

    def between(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds per process from the last sample at or before `start` to the first at
        or after `end` (epoch seconds)."""
        first = max(0, bisect.bisect_right(self.times, start) - 1)
        last = min(len(self.times) - 1, bisect.bisect_left(self.times, end))
        return CpuMeter.since(self.samples[first], self.samples[last])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(latencies_s: list[float], wall_s: float) -> dict:
    ms = [v * 1000 for v in latencies_s]
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "mean_ms": statistics.fmean(ms),
        "per_s": len(ms) / wall_s,
    }


def machine() -> str:
    python = sys.version.split()[0]
    return f"{platform.node()} · {os.cpu_count()} cores · Python {python} · {platform.platform()}"


def api_session(port: int, connections: int = 64) -> aiohttp.ClientSession:
    """An HTTP client for a bench's API process."""
    # The load generator shares the machine with what it measures, so it has to be light:
    # aiohttp's C parser costs about a fifth of httpx's CPU per request (measured: 0.3 s
    # against 1.6-2.8 s for the 960 actions at concurrency 32), CPU the floor's own
    # Temporal client never spent.
    return aiohttp.ClientSession(
        base_url=f"http://127.0.0.1:{port}",
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=60),
    )


def write_section(path: Path, section: str, *, marker: str, preamble: str) -> None:
    """Insert `section` as the newest, below the marker; everything else stays as it was."""
    text = path.read_text() if path.exists() else preamble
    if marker not in text:
        text = preamble + "\n" + text
    before, after = text.split(marker, 1)
    path.write_text(f"{before}{marker}\n\n{section.rstrip()}\n\n{after.lstrip()}")


async def limited(coros, concurrency: int = 32) -> list:
    gate = asyncio.Semaphore(concurrency)

    async def run(coro):
        async with gate:
            return await coro

    return await asyncio.gather(*(run(c) for c in coros))


def lag_summary(lags: list[float]) -> dict:
    return {
        "p50_s": percentile(lags, 50),
        "p99_s": percentile(lags, 99),
        "max_s": max(lags),
    }


# --- deadlines falling due at one instant -----------------------------------------------------


async def start_claim(
    client: Client,
    ref: str,
    opening: ClaimOpening,
    policy: ClaimPolicy,
    actor: Actor,
    task_queue: str,
    **start,
):
    """A claim started straight from the client, under a policy of the bench's own (the API
    gives every claim the server's). A start tried again after its answer was lost (by the SDK
    or the caller) finds the claim started, and answers its handle."""
    meta = ActionMeta(actor=actor, request_id=f"open-{ref}")
    workflow_id = case_workflow_id(CaseKind.CLAIM, ref)
    try:
        return await client.start_workflow(
            ClaimWorkflow.run,
            ClaimInput(ref=ref, owner=actor.id, opening=opening, opened_by=meta, policy=policy),
            id=workflow_id,
            task_queue=task_queue,
            **start,
        )
    except WorkflowAlreadyStartedError:
        return client.get_workflow_handle(workflow_id)


async def opened(handle) -> None:
    """The claim sets its opening deadlines just after it starts and escalates the overdue one."""
    for _ in range(600):
        try:
            state = await handle.query("state", result_type=ClaimState)
            review = state.deadlines.get("case_review_due")
        except RPCError:  # a query waits for the task in flight; under set-up's burst it can time out
            review = None
        if review is not None and "supervisor" in review.steps_done:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{handle.id} did not open its deadlines")


async def extend_to(handle, actor: Actor, due: datetime, deadline: str = "case_review_due") -> None:
    """Move an opened claim's deadline to the instant `due`, by the handler's `extend_deadline`."""
    await opened(handle)
    meta = ActionMeta(actor=actor, request_id=uuid.uuid4().hex)
    payload = ExtendDeadline(deadline=deadline, new_due_at=due, reason="bench", agreed_by="bench")
    await handle.execute_update("extend_deadline", args=[meta, payload])


def _escalations(step: str, revision: int, deadline: str | None):
    query = select(EscalationRow).where(EscalationRow.step == step, EscalationRow.revision == revision)
    return query.where(EscalationRow.deadline == deadline) if deadline else query


def count(sessions, step: str, revision: int, deadline: str | None = None) -> int:
    with sessions() as session:
        rows = _escalations(step, revision, deadline).subquery()
        return session.scalar(select(func.count()).select_from(rows))


async def wait_for_rows(
    sessions, step: str, revision: int, n: int, within: float, deadline: str | None = None
) -> None:
    until = time.monotonic() + within
    while (done := count(sessions, step, revision, deadline)) < n:
        if time.monotonic() > until:
            raise TimeoutError(
                f"only {done} of {n} {step} escalations (revision {revision}) after {within:.0f}s"
            )
        await asyncio.sleep(0.25)


def escalation_rows(sessions, step: str, revision: int, deadline: str | None = None) -> list[EscalationRow]:
    with sessions() as session:
        return list(session.scalars(_escalations(step, revision, deadline)).all())


def ledger_check(rows: list[EscalationRow], expected: int, due: datetime) -> dict:
    """Exactly one record per claim for the ladder step, none before the instant."""
    per_claim: dict[str, int] = {}
    for row in rows:
        per_claim[row.case_ref] = per_claim.get(row.case_ref, 0) + 1
    return {
        "n": len(rows),
        "claims": len(per_claim),
        "duplicated": sum(c - 1 for c in per_claim.values()),
        "lost": expected - len(per_claim),
        "early": sum(1 for row in rows if row.recorded_at < due),
    }


def burst_cpu(timeline: CpuTimeline, due: datetime, last: float) -> dict[str, float]:
    """CPU seconds from one second before the due instant until the last record."""
    return timeline.between(due.timestamp() - 1, due.timestamp() + last)


async def wait_for_finish(client: Client, task_queue: str, within: float, workflow_type: str) -> None:
    """Until no workflow of the type is running on the queue (others may stay open there)."""
    until = time.monotonic() + within
    query = f"TaskQueue = '{task_queue}' AND WorkflowType = '{workflow_type}' AND ExecutionStatus = 'Running'"
    while (running := (await client.count_workflows(query)).count) > 0:
        if time.monotonic() > until:
            raise TimeoutError(f"{running} floor workflows still running after {within:.0f}s")
        await asyncio.sleep(0.25)


async def asleep(handle, until: datetime) -> bool:
    """Whether the floor's workflow has started its timer (its first task is done) by `until`:
    with thousands started at once on a loaded server, some take minutes, so the wait runs to a
    time rather than for one."""
    while datetime.now(UTC) < until:
        async for event in handle.fetch_history_events():
            if event.HasField("timer_started_event_attributes"):
                return True
        await asyncio.sleep(0.5)
    return False


async def asleep_or_replaced(handles: list, start_again, replace_by: datetime, until: datetime) -> list[str]:
    """Every floor timer asleep before `until`. One not yet asleep at `replace_by` (its timer not
    started, each time seen so far because its first workflow task was still scheduled, attempt
    1) is terminated and started again, and what the server said of it is returned: one first
    task in thousands waited twenty minutes (three runs on 2026-12-07), which would otherwise end
    the floor's round. The cause found since: the floor's worker had one poll for new workflows
    (the SDK's default with a cache), so its starts queued thousands deep; its polls are
    autoscaled now (`worker.polling`), and the check stays as a guard that says what it did."""
    stuck = [i for i, ok in enumerate(await limited(asleep(h, replace_by) for h in handles)) if not ok]
    seen = []
    for i in stuck:
        seen.append(f"{handles[i].id}: {await where_stuck(handles[i])}")
        await handles[i].terminate(reason="not asleep at half the lead")
        handles[i] = await start_again()
    for i in stuck:
        if not await asleep(handles[i], until):
            stuck_again = await where_stuck(handles[i])
            raise TimeoutError(f"{handles[i].id} did not start its timer by {until:%H:%M:%S}: {stuck_again}")
    return seen


def replaced_lines(floor: dict) -> list[str]:
    replaced = floor.get("replaced") or []
    if not replaced:
        return []
    return [
        f"- Floor timers started again in set-up, not asleep at half the lead (what the server "
        f"said of each): {len(replaced)}: " + "; ".join(replaced) + "."
    ]


async def where_stuck(handle) -> str:
    """What the server says of a workflow that has not got as far as it should: its history so
    far and its pending workflow task, for the record of a failed set-up."""
    described = await handle.describe()
    history = handle.fetch_history_events()
    events = [EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") async for e in history]
    task = described.raw_description.pending_workflow_task
    pending = "none"
    if described.raw_description.HasField("pending_workflow_task"):
        state = PendingWorkflowTaskState.Name(task.state)
        scheduled, first = task.scheduled_time.ToDatetime(), task.original_scheduled_time.ToDatetime()
        pending = f"{state} (attempt {task.attempt}, scheduled {scheduled:%H:%M:%S}, first {first:%H:%M:%S})"
    return f"status {described.status.name}; history {', '.join(events)}; pending workflow task {pending}"


REVIEW = "case_review_due"  # the deadline the deadline benches move to one instant


def lead(n: int) -> timedelta:
    """How far ahead the common instant is set: far enough that set-up and its trailing
    projections have settled before it."""
    return timedelta(seconds=max(40, n / 8))


def burst_window(n: int) -> float:
    """How long after the instant a burst of n is waited for before what is missing counts as
    lost: ten minutes, and a tenth of a second more for each (a 10,000 burst took ten minutes
    on two cores, and its last 118 records fell outside a window of 600 s)."""
    return 600 + n / 10


async def escalate_together(sessions, handles, actor: Actor, timeline: CpuTimeline) -> dict:
    """Move every opened claim's first review to one instant T and wait until each has escalated
    to its supervisor there (revision 2 of the deadline): the lag of each record behind T, where
    the lag went, and whether any was lost, duplicated or early."""
    n = len(handles)
    setup_started = time.monotonic()
    due = datetime.now(UTC) + lead(n)
    await limited(extend_to(h, actor, due) for h in handles)
    # Revision 2's warning (two days before T) fires at once: set-up is done when all are in.
    until_due = (due - datetime.now(UTC)).total_seconds()
    await wait_for_rows(sessions, "warning", 2, n, within=until_due, deadline=REVIEW)
    if datetime.now(UTC) >= due:
        raise RuntimeError("setup overran the due instant; use fewer claims or a later instant")
    print(f"fairway: {n} claims set up in {time.monotonic() - setup_started:.0f}s; due at {due:%H:%M:%S}")
    window = burst_window(n)
    with contextlib.suppress(TimeoutError):  # what never arrives is counted as lost below
        within = window + (due - datetime.now(UTC)).total_seconds()
        await wait_for_rows(sessions, "supervisor", 2, n, within=within, deadline=REVIEW)
    await asyncio.sleep(2)  # any duplicate would show up now
    rows = escalation_rows(sessions, "supervisor", 2, REVIEW)
    if not rows:
        raise RuntimeError(f"no supervisor escalation recorded within {window:.0f} s of {due:%H:%M:%S}")
    lags = [(row.recorded_at - due).total_seconds() for row in rows]
    # Escalation.at is workflow.now() in the task the timer woke: when that task started.
    waiting = [(row.created_at - due).total_seconds() for row in rows]
    writing = [(row.recorded_at - row.created_at).total_seconds() for row in rows]
    return {
        "milestones": await milestones(handles, due),
        "task_started_after_due": lag_summary(waiting),
        "recorded_after_task_started": lag_summary(writing),
        **ledger_check(rows, n, due),
        "burst_cpu_s": burst_cpu(timeline, due, max(lags)),
        **lag_summary(lags),
    }


async def floor_timers_round(client: Client, n: int, timeline: CpuTimeline, task_queue: str) -> dict:
    """The floor's burst: n minimal workflows that sleep to one instant and run a no-op activity."""
    # The same lead as Fairway's, and every timer started well before it, so neither round's
    # burst is slowed by the tail of its own set-up. (On 2026-12-07 neither n/20 s nor n/8 s let
    # 10,000 timers start among 100,000 open workflows: the floor's worker took new workflows on
    # one poll, behind a backlog of its own starts. Its polls scale now, as Fairway's do.)
    now = datetime.now(UTC)
    due = now + lead(n)

    def start_timer():
        return client.start_workflow(
            FloorTimer.run, due.isoformat(), id=f"floor-timer-{uuid.uuid4().hex}", task_queue=task_queue
        )

    handles = await limited(start_timer() for _ in range(n))
    replaced = await asleep_or_replaced(handles, start_timer, now + lead(n) / 2, due - timedelta(seconds=10))
    if datetime.now(UTC) >= due - timedelta(seconds=10):
        raise RuntimeError("floor setup overran the due instant")
    await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
    # Polled like Fairway's register, four times a second; results are fetched afterwards,
    # since a thousand waiting result requests would load the machine during the burst.
    await wait_for_finish(client, task_queue, within=burst_window(n), workflow_type="FloorTimer")
    ran = await limited(h.result() for h in handles)
    lags = [(datetime.fromisoformat(r) - due).total_seconds() for r in ran]
    return {
        "n": len(lags),
        "replaced": replaced,
        "burst_cpu_s": burst_cpu(timeline, due, max(lags)),
        "milestones": await milestones(handles, due),
        **lag_summary(lags),
    }


# The path from a due instant to its record, as the workflow's history shows it.
MILESTONES = {
    EventType.EVENT_TYPE_TIMER_FIRED: "timer fired",
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED: "task picked up",
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: "task completed",
    EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: "activity picked up",
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "activity completed",
    # Fairway's wake-up writes from inside its task (workflows/register_writes.py): a marker.
    EventType.EVENT_TYPE_MARKER_RECORDED: "written inside the task",
}


async def milestones(handles, due: datetime, sample: int = 60) -> dict[str, dict]:
    """Seconds from the due instant to each milestone of the wake-up, over sampled histories."""
    seen: dict[str, list[float]] = {name: [] for name in MILESTONES.values()}
    timed_out = 0
    for handle in random.sample(handles, min(sample, len(handles))):
        reached: dict[str, float] = {}
        async for event in handle.fetch_history_events():
            at = event.event_time.ToDatetime(tzinfo=UTC)
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT and at >= due:
                # Left too long on the worker's sticky queue: sent again with its whole history.
                timed_out += 1
            name = MILESTONES.get(event.event_type)
            if name is None or (not reached and name != "timer fired") or at < due - timedelta(seconds=1):
                continue
            reached.setdefault(name, (at - due).total_seconds())
            if len(reached) == len(MILESTONES):
                break
        for name, after in reached.items():
            seen[name].append(after)
    return {
        **{name: lag_summary(values) for name, values in seen.items() if values},
        "sampled": min(sample, len(handles)),
        "tasks timed out": timed_out,
    }
