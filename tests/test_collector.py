"""The worker's collector: start-up frozen out, the young generation collected less often, and
every pause timed."""

from __future__ import annotations

import gc

from fairway import collector
from fairway.metrics import GC_PAUSES


def _pauses(generation: int) -> float:
    counts = (
        s.value
        for s in GC_PAUSES.collect()[0].samples
        if s.name.endswith("_count") and s.labels == {"generation": str(generation)}
    )
    return next(counts, 0.0)


def test_the_worker_collector_freezes_start_up_and_times_each_pause():
    thresholds = gc.get_threshold()
    try:
        collector.tune_for_cached_cases()
        assert gc.get_threshold() == (collector.YOUNG_OBJECTS, 10, 10)
        assert gc.get_freeze_count() > 0  # this process's modules, at least
        before = _pauses(2)
        gc.collect()
        assert _pauses(2) == before + 1
        collector.tune_for_cached_cases()  # again: still one timer
        assert gc.callbacks.count(collector._time_pause) == 1
    finally:
        gc.callbacks.remove(collector._time_pause)
        gc.unfreeze()
        gc.set_threshold(*thresholds)
