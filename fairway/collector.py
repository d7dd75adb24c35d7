"""The worker's garbage collector, set for a cache of thousands of cases.

Python's collector walks every tracked object in a full (oldest-generation) collection. A worker
caching 3,000 claims holds about 600,000 of them (some 190 per cached claim, most the SDK's),
and with the default thresholds it ran a full collection every 400 or so openings while its
cache filled and churned, each stopping every case on the worker for 140-720 ms: the openings
caught behind those pauses were the slowest one in a hundred (bench/results/scale.md). So:

- what start-up built (modules, classes, schemas, the SDK) lives as long as the process, and is
  frozen out of every collection;
- the youngest generation is collected after 10,000 new objects rather than 700, so the older
  ones, and the full collection after ten of those, come about fourteen times less often. A
  full collection is no shorter (it still walks the cache, and frees the evicted cases' cycles
  then), but one in several thousand openings waits on it, not one in four hundred; the evicted
  cases it frees wait that much longer, which the worker's resident memory shows.

Each collection's pause is served as `fairway_gc_pause_seconds`, by generation."""

from __future__ import annotations

import gc
import time

from fairway.metrics import GC_PAUSES

YOUNG_OBJECTS = 10_000  # new tracked objects before the youngest generation is collected
OLDER_EVERY = 10  # collections of a generation before the next one up is (Python's own)


def tune_for_cached_cases() -> None:
    """Call once the worker is built, before it polls."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, OLDER_EVERY, OLDER_EVERY)
    if _time_pause not in gc.callbacks:
        gc.callbacks.append(_time_pause)


_started: list[float] = []


def _time_pause(phase: str, info: dict) -> None:
    if phase == "start":
        _started[:] = [time.perf_counter()]
    elif _started:
        GC_PAUSES.labels(generation=str(info["generation"])).observe(time.perf_counter() - _started[0])
