"""Shared pieces for benchmarks: a WAL-mode dev server, child processes, percentiles."""

from __future__ import annotations

import asyncio
import bisect
import os
import platform
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from fairway.devserver import free_port, start_dev_args, wait_for_port


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
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def dev_server(start, workdir: Path, extra: list[str] = ()) -> tuple[str, subprocess.Popen]:
    port, ui = free_port(), free_port()
    args = start_dev_args(workdir / "temporal.db", port=port, ui_port=ui, extra=list(extra))
    server = start(args, log=workdir / "temporal.log")
    wait_for_port(port)
    return f"127.0.0.1:{port}", server


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
