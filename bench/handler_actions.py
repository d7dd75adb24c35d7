"""Handler actions through the HTTP API against the dev server (WAL), beside two floors.

Fairway: each of C concurrent handlers owns one claim and adds K notes through HTTP (uvicorn API
process -> Temporal Update -> worker process; the projection activity runs behind each one).
HTTP floor: each of C concurrent callers owns one minimal workflow and sends the same HTTP
request to a one-route FastAPI app (bench/http_floor.py: served as the API is, same bearer-token
check), which sends one bare Temporal Update; no projection. Bare floor: the same minimal
workflows and Update sent straight from the client, no HTTP. Same server, same machine, one run;
at each concurrency the rounds go Fairway, HTTP floor, bare floor.

    python -m bench.handler_actions [--actions 200] [--per-handler 30] [--label TEXT] [--note TEXT]

Targets (issue 12, against the HTTP floor): p50 within 1.2x at concurrency 1; throughput at
least 0.8x at concurrency 32. The same thresholds against the bare floor were issue 3's.
Each run adds a dated section at the top of bench/results/handler_actions.md (earlier sections
are kept as history).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import aiohttp
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from bench.common import (
    CpuMeter,
    Meter,
    api_session,
    bench_keys,
    dev_server,
    machine,
    processes,
    summary,
    this_process,
    write_section,
)
from bench.floor import FloorUpdates
from fairway.devserver import free_port, wait_for_port

RESULTS = Path(__file__).parent / "results" / "handler_actions.md"
MARKER = "<!-- newest first: bench/handler_actions.py inserts each run's section below this line -->"
TOKEN = "bench-handler"
FLOOR_QUEUE = "bench-floor"
# After Fairway's round its last projections are still gathering (the claim policy's
# projection_delay_seconds, 3 s): wait them out inside Fairway's CPU window, so their CPU is
# counted as Fairway's and their workflow tasks do not land in the floors' rounds.
SETTLE_S = 5.0
PATHS = ("fairway", "http floor", "bare floor")  # the order the rounds run in
FLOORS = ("http floor", "bare floor")
P50_TARGET, THROUGHPUT_TARGET = 1.2, 0.8
OPENING = {
    "scheme": "CNST",
    "defendant": {"kind": "trust", "code": "RX1", "name": "Bench NHS Trust"},
    "specialty": "obstetrics",
    "incident_date": "2025-11-01",
    "claimant": {"name": "Bench Claimant", "date_of_birth": "1990-01-01"},
    "claimant_firm": {"firm_id": "SRA-BENCH", "name": "Bench LLP"},
    "allegations": "benchmark",
    "handler": "bench.handler",
}
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def _note(i: int | str) -> dict:
    """The request both HTTP paths get: the same body and headers (the HTTP floor reads only the
    token and the Idempotency-Key)."""
    return {"json": {"text": f"note {i}"}, "headers": HEADERS | {"Idempotency-Key": uuid.uuid4().hex}}


async def fairway_round(http: aiohttp.ClientSession, concurrency: int, per_handler: int) -> dict:
    refs = []
    for _ in range(concurrency):
        async with http.post("/claims", json=OPENING, headers=HEADERS) as response:
            response.raise_for_status()
            refs.append((await response.json())["state"]["ref"])
    latencies: list[float] = []

    async def handler(ref: str) -> None:
        for i in range(per_handler):
            started = time.perf_counter()
            async with http.post(f"/claims/{ref}/add-note", **_note(i)) as response:
                await response.read()  # the whole answer, as a handler's client would
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(handler(ref) for ref in refs))
    return summary(latencies, time.perf_counter() - started)


async def _floor_workflows(client: Client, concurrency: int, prefix: str) -> list:
    return [
        await client.start_workflow(
            FloorUpdates.run, id=f"{prefix}-{uuid.uuid4().hex}", task_queue=FLOOR_QUEUE
        )
        for _ in range(concurrency)
    ]


async def http_floor_round(
    http: aiohttp.ClientSession, client: Client, concurrency: int, per_handler: int
) -> dict:
    handles = await _floor_workflows(client, concurrency, "http-floor")

    async def act(workflow_id: str, i: int | str) -> None:
        async with http.post(f"/floor/{workflow_id}/act", **_note(i)) as response:
            await response.read()
        response.raise_for_status()

    for handle in handles:  # the first task, so the floor also measures warm workflows
        await act(handle.id, "warm")
    latencies: list[float] = []

    async def caller(workflow_id: str) -> None:
        for i in range(per_handler):
            started = time.perf_counter()
            await act(workflow_id, i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(caller(h.id) for h in handles))
    result = summary(latencies, time.perf_counter() - started)
    for handle in handles:
        await handle.signal(FloorUpdates.finish)
    return result


async def bare_floor_round(client: Client, concurrency: int, per_handler: int) -> dict:
    handles = await _floor_workflows(client, concurrency, "floor")
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
        api_port, floor_port = free_port(), free_port()
        env = bench_keys(work) | {
            "FAIRWAY_TEMPORAL_ADDRESS": address,
            "FAIRWAY_TEMPORAL_TASK_QUEUE": "bench-fairway",
            "FAIRWAY_DATABASE_URL": f"sqlite:///{work / 'fairway.db'}",
            "FAIRWAY_TOKEN_FILE": str(tokens),
            "FAIRWAY_API_PORT": str(api_port),
        }
        from fairway import db

        db.migrate(env["FAIRWAY_DATABASE_URL"])
        python = sys.executable
        meter = Meter(
            CpuMeter(
                {
                    "temporal": server,
                    "worker": start([python, "-m", "fairway.cli", "worker"], env, work / "worker.log"),
                    "api": start([python, "-m", "fairway.cli", "api"], env, work / "api.log"),
                    "floor worker": start(
                        [python, "-m", "bench.floor", FLOOR_QUEUE], env, work / "floor.log"
                    ),
                    "floor api": start(
                        [python, "-m", "bench.http_floor", str(floor_port)], env, work / "http_floor.log"
                    ),
                    "client": this_process(),  # the load generator: Temporal client or HTTP client
                }
            )
        )
        wait_for_port(api_port)
        wait_for_port(floor_port)
        # The floor's workflows read plain payloads: the floor is Temporal without Fairway.
        client = await Client.connect(address, data_converter=pydantic_data_converter)
        async with api_session(api_port) as api, api_session(floor_port) as floor_api:
            rounds = {
                "fairway": lambda c, k: fairway_round(api, c, k),
                "http floor": lambda c, k: http_floor_round(floor_api, client, c, k),
                "bare floor": lambda c, k: bare_floor_round(client, c, k),
            }
            # Warm every path (imports, sandbox, connection pools) before measuring.
            for path in PATHS:
                await rounds[path](4, 5)
            await asyncio.sleep(SETTLE_S)
            results = {}
            for concurrency, per in [(1, actions), (32, per_handler)]:
                results[concurrency] = {}
                for path in PATHS:
                    before = meter.snapshot()
                    result = await rounds[path](concurrency, per)
                    if path == "fairway":
                        await asyncio.sleep(SETTLE_S)
                    result["cpu_s"] = meter.since(before, meter.snapshot())
                    results[concurrency][path] = result
        return results


def _cpu(result: dict, path: str) -> str:
    cpu = result["cpu_s"]
    worker, api = {
        "fairway": ("worker", "api"),
        "http floor": ("floor worker", "floor api"),
        "bare floor": ("floor worker", None),
    }[path]
    return (
        f"{cpu['temporal']} / {cpu[worker]} / {cpu[api] if api else '-'} / {cpu['client']} / {cpu['others']}"
    )


def ratios(results: dict) -> dict:
    """Fairway over each floor: p50 and p99 (lower is better), throughput (higher is better)."""
    return {
        concurrency: {
            floor: {
                "p50": rounds["fairway"]["p50_ms"] / rounds[floor]["p50_ms"],
                "p99": rounds["fairway"]["p99_ms"] / rounds[floor]["p99_ms"],
                "throughput": rounds["fairway"]["per_s"] / rounds[floor]["per_s"],
            }
            for floor in FLOORS
        }
        for concurrency, rounds in results.items()
    }


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def report(results: dict, *, heading: str, command: str, load: tuple, note: str | None) -> str:
    r = ratios(results)
    lines = [
        f"## {heading}",
        "",
        f"Machine: {machine()}.",
    ]
    if note:
        lines.append(note)
    lines += [
        f"Load average (1 min) {load[0]:.2f} before the run, {load[1]:.2f} after; the last CPU "
        "column is what processes outside the bench spent on the machine during each round.",
        f"Dev server on SQLite in WAL mode. Command: `{command}`"
        + (", with `--note` giving the sentence above." if note else "."),
        "At each concurrency the rounds ran Fairway, then the HTTP floor, then the bare floor; "
        f"Fairway's round includes a {SETTLE_S:.0f} s wait for its last projections (CPU only).",
        "",
        "| concurrency | path | actions | p50 ms | p95 ms | p99 ms | actions/s "
        "| CPU s (temporal / worker / api / client / others) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for concurrency, rounds in results.items():
        for path in PATHS:
            x = rounds[path]
            lines.append(
                f"| {concurrency} | {path} | {x['n']} | {x['p50_ms']:.1f} | {x['p95_ms']:.1f} "
                f"| {x['p99_ms']:.1f} | {x['per_s']:.0f} | {_cpu(x, path)} |"
            )
    lines += [
        "",
        "| concurrency | Fairway over | p50 | p99 | throughput |",
        "|---|---|---|---|---|",
    ]
    for concurrency, floors in r.items():
        for floor, x in floors.items():
            lines.append(
                f"| {concurrency} | {floor} | {x['p50']:.2f}x | {x['p99']:.2f}x | {x['throughput']:.2f}x |"
            )
    http_p50, http_tput = r[1]["http floor"]["p50"], r[32]["http floor"]["throughput"]
    bare_p50, bare_tput = r[1]["bare floor"]["p50"], r[32]["bare floor"]["throughput"]
    lines += [
        "",
        "Targets (issue 12), against the HTTP floor:",
        "",
        f"- p50 at concurrency 1: **{http_p50:.2f}x** the HTTP floor (target <= {P50_TARGET}x): "
        f"{_verdict(http_p50 <= P50_TARGET)}.",
        f"- throughput at concurrency 32: **{http_tput:.2f}x** the HTTP floor "
        f"(target >= {THROUGHPUT_TARGET}x): {_verdict(http_tput >= THROUGHPUT_TARGET)}.",
        "",
        f"Against the bare floor (issue 3's thresholds): p50 at concurrency 1 {bare_p50:.2f}x "
        f"({_verdict(bare_p50 <= P50_TARGET)}), throughput at concurrency 32 {bare_tput:.2f}x "
        f"({_verdict(bare_tput >= THROUGHPUT_TARGET)}).",
        "",
    ]
    return "\n".join(lines)


PREAMBLE = f"""# Handler actions: Fairway through HTTP vs the engine's floors

`python -m bench.handler_actions` (see its docstring). Each run adds a dated section below,
newest first; earlier sections are kept as history.

{MARKER}
"""


def main() -> str:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", type=int, default=200, help="sequential actions at concurrency 1")
    parser.add_argument("--per-handler", type=int, default=30, help="actions per handler at concurrency 32")
    parser.add_argument("--label", default="a run", help="the section heading, after the date")
    parser.add_argument("--note", help="a sentence for the section: what else the machine was doing, say")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the results file to add a section to")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    results = asyncio.run(measure(args.actions, args.per_handler))
    load_after = os.getloadavg()[0]
    command = shlex.join(
        ["python", "-m", "bench.handler_actions", "--actions", str(args.actions)]
        + ["--per-handler", str(args.per_handler), "--label", args.label]
    )
    text = report(
        results,
        heading=f"{date.today().isoformat()}, {args.label}",
        command=command,
        load=(load_before, load_after),
        note=args.note,
    )
    write_section(args.results, text, marker=MARKER, preamble=PREAMBLE)
    print(text)
    print(json.dumps(results, indent=2))
    return text


if __name__ == "__main__":
    main()
