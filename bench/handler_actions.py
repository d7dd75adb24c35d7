"""Handler actions through the HTTP API against the dev server (WAL), beside the engine's floor.

Fairway: each of C concurrent handlers owns one claim and adds K notes through HTTP (uvicorn API
process -> Temporal Update -> worker process; the projection activity runs behind each one).
Floor: each of C concurrent callers owns one minimal workflow and sends K bare Temporal Updates
straight from the client, no HTTP, no projection. Same server, same machine, same run.

    python -m bench.handler_actions [--actions 200] [--per-handler 30]

Targets (issue 3): p50 within 1.2x the floor at concurrency 1; throughput at least 0.8x the
floor at concurrency 32. Results go to bench/results/handler_actions.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from bench.common import CpuMeter, dev_server, machine, processes, summary, this_process
from bench.floor import FloorUpdates
from fairway.devserver import free_port, wait_for_port

RESULTS = Path(__file__).parent / "results" / "handler_actions.md"
TOKEN = "bench-handler"
OPENING = {
    "scheme": "CNST",
    "defendant": {"kind": "trust", "code": "RX1", "name": "Bench NHS Trust"},
    "specialty": "obstetrics",
    "incident_date": "2024-03-01",
    "claimant": {"name": "Bench Claimant", "date_of_birth": "1990-01-01"},
    "claimant_firm": {"firm_id": "SRA-BENCH", "name": "Bench LLP"},
    "allegations": "benchmark",
    "handler": "bench.handler",
}


async def fairway_round(http: aiohttp.ClientSession, concurrency: int, per_handler: int) -> dict:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    refs = []
    for _ in range(concurrency):
        async with http.post("/claims", json=OPENING, headers=headers) as response:
            response.raise_for_status()
            refs.append((await response.json())["claim"]["ref"])
    latencies: list[float] = []

    async def handler(ref: str) -> None:
        for i in range(per_handler):
            started = time.perf_counter()
            async with http.post(
                f"/claims/{ref}/add-note",
                json={"text": f"note {i}"},
                headers=headers | {"Idempotency-Key": uuid.uuid4().hex},
            ) as response:
                await response.read()  # the whole answer, as a handler's client would
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(handler(ref) for ref in refs))
    return summary(latencies, time.perf_counter() - started)


async def floor_round(client: Client, task_queue: str, concurrency: int, per_handler: int) -> dict:
    handles = [
        await client.start_workflow(FloorUpdates.run, id=f"floor-{uuid.uuid4().hex}", task_queue=task_queue)
        for _ in range(concurrency)
    ]
    for handle in handles:  # the first task, so the floor also measures warm workflows
        await handle.execute_update(FloorUpdates.act, "warm")
    latencies: list[float] = []

    async def caller(handle) -> None:
        for _ in range(per_handler):
            started = time.perf_counter()
            await handle.execute_update(FloorUpdates.act, uuid.uuid4().hex)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(caller(h) for h in handles))
    result = summary(latencies, time.perf_counter() - started)
    for handle in handles:
        await handle.signal(FloorUpdates.finish)
    return result


async def measure(actions: int, per_handler: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp, processes() as start:
        work = Path(tmp)
        address, server = dev_server(start, work)
        tokens = work / "tokens.json"
        tokens.write_text(json.dumps({"tokens": {TOKEN: {"actor": "bench.handler", "role": "handler"}}}))
        api_port = free_port()
        env = {
            "FAIRWAY_TEMPORAL_ADDRESS": address,
            "FAIRWAY_TEMPORAL_TASK_QUEUE": "bench-fairway",
            "FAIRWAY_DATABASE_URL": f"sqlite:///{work / 'fairway.db'}",
            "FAIRWAY_TOKEN_FILE": str(tokens),
            "FAIRWAY_API_PORT": str(api_port),
        }
        from fairway import db

        db.migrate(env["FAIRWAY_DATABASE_URL"])
        meter = CpuMeter(
            {
                "temporal": server,
                "worker": start([sys.executable, "-m", "fairway.cli", "worker"], env, work / "worker.log"),
                "api": start([sys.executable, "-m", "fairway.cli", "api"], env, work / "api.log"),
                "floor worker": start(
                    [sys.executable, "-m", "bench.floor", "bench-floor"], env, work / "floor.log"
                ),
                "client": this_process(),  # the load generator: Temporal client or HTTP client
            }
        )
        wait_for_port(api_port)
        client = await Client.connect(address, data_converter=pydantic_data_converter)
        # The load generator shares the machine with what it measures, so it has to be light:
        # aiohttp's C parser costs about a fifth of httpx's CPU per request (measured: 0.3 s
        # against 1.6-2.8 s for the 960 actions at concurrency 32), CPU the floor's own
        # Temporal client never spent.
        connector = aiohttp.TCPConnector(limit=64)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(
            base_url=f"http://127.0.0.1:{api_port}", connector=connector, timeout=timeout
        ) as http:
            # Warm both paths (imports, sandbox, connection pools) before measuring.
            await fairway_round(http, 4, 5)
            await floor_round(client, "bench-floor", 4, 5)
            results = {}
            for concurrency, per in [(1, actions), (32, per_handler)]:
                before = meter.snapshot()
                floor = await floor_round(client, "bench-floor", concurrency, per)
                middle = meter.snapshot()
                fairway = await fairway_round(http, concurrency, per)
                await asyncio.sleep(2)  # let the last projections land, so their CPU is counted
                after = meter.snapshot()
                floor["cpu_s"] = meter.since(before, middle)
                fairway["cpu_s"] = meter.since(middle, after)
                results[concurrency] = {"floor": floor, "fairway": fairway}
        return results


def _cpu(result: dict, path: str) -> str:
    cpu = result["cpu_s"]
    worker = cpu["floor worker"] if path == "floor" else cpu["worker"]
    api = "-" if path == "floor" else cpu["api"]
    return f"{cpu['temporal']} / {worker} / {api} / {cpu['client']}"


def report(results: dict) -> str:
    one, many = results[1], results[32]
    p50_ratio = one["fairway"]["p50_ms"] / one["floor"]["p50_ms"]
    throughput_ratio = many["fairway"]["per_s"] / many["floor"]["per_s"]
    lines = [
        "# Handler actions: Fairway through HTTP vs the engine's floor",
        "",
        f"Machine: {machine()}.",
        "Dev server on SQLite in WAL mode. Command: `python -m bench.handler_actions`.",
        "",
        "| concurrency | path | actions | p50 ms | p95 ms | p99 ms | actions/s "
        "| CPU s (temporal / worker / api / client) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for concurrency, pair in results.items():
        for path in ("floor", "fairway"):
            r = pair[path]
            lines.append(
                f"| {concurrency} | {path} | {r['n']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} "
                f"| {r['p99_ms']:.1f} | {r['per_s']:.0f} | {_cpu(r, path)} |"
            )
    lines += [
        "",
        f"- p50 at concurrency 1: **{p50_ratio:.2f}x** the floor (target <= 1.2x): "
        f"{'met' if p50_ratio <= 1.2 else 'NOT met'}.",
        f"- throughput at concurrency 32: **{throughput_ratio:.2f}x** the floor (target >= 0.8x): "
        f"{'met' if throughput_ratio >= 0.8 else 'NOT met'}.",
        "",
    ]
    return "\n".join(lines)


ANALYSIS = """
## What dominates the difference

Measured on 2026-11-25 by the CPU each process spent in the same round (last column), by the
same Update sent straight to a claim workflow without HTTP, and by sampling the worker and the
API with py-spy (`--gil`: whichever thread holds the interpreter) at concurrency 1 and 32:

- **Concurrency 1: the HTTP hop is most of the budget.** The floor is a Temporal Update of
  about 5 ms; the 1.2x target leaves about 1 ms for everything Fairway adds. Sent straight to
  the claim workflow, Fairway's Update takes 6-7.5 ms (a larger workflow answering with the
  claim, about 3.3 kB, against an integer); HTTP adds about 1 ms more: the API process spends
  about 1.2 ms of CPU per action (uvicorn with httptools and uvloop; FastAPI's routing,
  dependencies and body validation about 40% of it, the Temporal client call about 20%, the
  event loop's I/O about 28%, the action's log line about 5%).
- **Concurrency 32: CPU on two shared cores.** Per action, Fairway costs the server about
  1.5x the floor's CPU (larger events, and each burst of actions ends in a projection: a
  timer, an activity and two workflow tasks), the worker about 1.9x, plus the API's 1 ms.
- **In the worker most of the time is the SDK's.** About 35-40% of the worker's interpreter
  time goes to entering the workflow sandbox for each payload's serialization context
  (`_Instance._run_code`, an `exec` per payload, three passes per activation and completion),
  for the floor and Fairway alike but more for Fairway's two-argument Update and larger answer.
  Fairway's own workflow code (the pathway check, the change, the answer) is about 5%; the
  projection activity about 10%.

Changes that counted (this session): a projection now carries the claim's register row, built
in the workflow, instead of a deep copy of the whole claim (concurrency 32 from 0.49x to
0.61-0.75x over six runs; concurrency 1 from 2.1x to 1.35-1.55x); the ledger's entries go in
one statement; the load generator is aiohttp, because httpx spent 1.6-2.8 CPU seconds per
round on the same two cores (the floor's Temporal client spends about 0.5).

Tried and not kept: the unsandboxed workflow runner cut the worker's CPU by about a quarter
(concurrency 32 at 0.64-0.73x, concurrency 1 still about 1.4x). Temporal discourages running
without the sandbox, and it would still not meet the targets, so the sandbox stays.

The targets are not met on this 2-core machine: at concurrency 1 the HTTP hop alone is about
the whole 20% allowance, and at concurrency 32 the same two cores carry the API, a worker doing
more per action and a server storing larger events. What would move them: an Update answer
that carries less than the claim (a contract change for clients), a single-argument Update (a
change to the recorded shape of every handler action), or cores for the API beside the engine.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", type=int, default=200, help="sequential actions at concurrency 1")
    parser.add_argument("--per-handler", type=int, default=30, help="actions per handler at concurrency 32")
    args = parser.parse_args()
    results = asyncio.run(measure(args.actions, args.per_handler))
    text = report(results) + ANALYSIS
    RESULTS.write_text(text)
    print(text)
    print(json.dumps(results, indent=2))
    return text


if __name__ == "__main__":
    main()
