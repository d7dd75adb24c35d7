"""Every figure Fairway exports to Prometheus, declared once: the API's and the worker's
counters and histograms, and the gauges read from the register when Prometheus scrapes.

Each declaration is also a row of docs/metrics.md (`fairway docs`), and the Grafana
dashboard may only chart names declared here or in `SDK_FIGURES` (tests/test_compose.py).
The metric objects belong to no registry of their own: each process builds its registry
(`api_registry`, fairway/worker_metrics.py) from the ones it serves.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)

# The `_created` series double every counter and histogram for a timestamp nobody charts.
disable_created_metrics()

API = "API"
WORKER = "worker"

SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}


@dataclass(frozen=True)
class Figure:
    """One exported metric, as docs/metrics.md describes it."""

    name: str
    type: str  # counter, gauge or histogram
    meaning: str
    labels: tuple[str, ...]
    served_by: str

    @property
    def samples(self) -> set[str]:
        """The names its samples carry in the exposition (a counter's with `_total`)."""
        return {self.name + suffix for suffix in SUFFIXES[self.type]}


FIGURES: list[Figure] = []


def _declare(served_by: str, type_: str, name: str, meaning: str, labels: tuple[str, ...] = ()) -> Figure:
    figure = Figure(name, type_, meaning, labels, served_by)
    FIGURES.append(figure)
    return figure


def counter(served_by: str, name: str, meaning: str, labels: tuple[str, ...] = ()) -> Counter:
    figure = _declare(served_by, "counter", name, meaning, labels)
    return Counter(figure.name, meaning, labels, registry=None)


def histogram(
    served_by: str, name: str, meaning: str, labels: tuple[str, ...], buckets: tuple[float, ...]
) -> Histogram:
    figure = _declare(served_by, "histogram", name, meaning, labels)
    return Histogram(figure.name, meaning, labels, registry=None, buckets=buckets)


def gauge(served_by: str, name: str, meaning: str, labels: tuple[str, ...] = ()) -> Figure:
    """A gauge read at scrape time by a collector, which builds its family from this."""
    return _declare(served_by, "gauge", name, meaning, labels)


# --- the API ----------------------------------------------------------------------------------

HTTP_REQUESTS = counter(
    API,
    "fairway_http_requests",
    "HTTP requests answered, by method, route template (never a raw path: no case reference) "
    "and status; `unrouted` for a path no route matched",
    ("method", "route", "status"),
)
HTTP_DURATION = histogram(
    API,
    "fairway_http_request_duration_seconds",
    "time from a request's arrival to its last response byte, by method and route template",
    ("method", "route"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CASE_ACTIONS = counter(
    API,
    "fairway_case_actions",
    "openings and handler actions answered, by case kind, action, outcome (`applied`, "
    "`duplicate`: a retried request answered from the case's record, `refused`: a 4xx, "
    "`failed`: a 5xx) and the refusal's `code` (empty when applied or duplicate)",
    ("kind", "action", "outcome", "code"),
)

# --- the worker -------------------------------------------------------------------------------

ESCALATIONS_RECORDED = counter(
    WORKER,
    "fairway_escalations_recorded",
    "escalations written to the register, by ladder step (`warning`, `supervisor`, "
    "`head_of_service`); a retried activity that finds its row already there is not counted",
    ("step",),
)
PROJECTION_LAG = histogram(
    WORKER,
    "fairway_projection_lag_seconds",
    "for each action written to the register, the time from the case accepting it to the "
    "write committing: how far the register (lists, queues, the ledger) trails the cases",
    (),
    buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0),
)
PROJECTION_FAILURES = counter(
    WORKER,
    "fairway_projection_failures",
    "projection attempts the register refused (unreachable, read-only, a value it cannot store); "
    "Temporal retries each until the register takes it, and the log tells each case once",
)
GC_PAUSES = histogram(
    WORKER,
    "fairway_gc_pause_seconds",
    "each garbage collection's pause of the whole worker, by generation (2: the full one, "
    "which walks every cached case; fairway/collector.py)",
    ("generation",),
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
SDK_METRICS_UP = gauge(
    WORKER,
    "fairway_temporal_sdk_metrics_up",
    "1 when the Temporal SDK's own metrics were read for this scrape (they follow, as `temporal_*`), "
    "0 when its endpoint did not answer",
)

# --- read from the register at scrape time (by the worker) -----------------------------------

REGISTER_UP = gauge(WORKER, "fairway_register_up", "1 when the register answered this scrape's reads, else 0")
OUTBOX_UNSENT = gauge(WORKER, "fairway_outbox_unsent", "notifications in the outbox not yet sent")
OUTBOX_RETRYING = gauge(
    WORKER, "fairway_outbox_retrying", "unsent notifications whose sending has failed at least once"
)
OUTBOX_OLDEST_AGE = gauge(
    WORKER,
    "fairway_outbox_oldest_unsent_age_seconds",
    "age of the oldest unsent notification (0 when none is waiting)",
)
ESCALATIONS_OPEN = gauge(
    WORKER,
    "fairway_escalations_open",
    "escalations waiting for a person to acknowledge them, by ladder step",
    ("step",),
)

# The Temporal SDK's own figures that the Grafana dashboard charts. The SDK names them, not
# Fairway: tests/test_worker_metrics.py checks a running worker serves each of them.
SDK_FIGURES = (
    "temporal_workflow_task_schedule_to_start_latency_seconds_bucket",
    "temporal_workflow_task_execution_latency_seconds_bucket",
    "temporal_activity_schedule_to_start_latency_seconds_bucket",
    "temporal_activity_execution_latency_seconds_bucket",
    "temporal_worker_task_slots_available",
    "temporal_sticky_cache_size",
    "temporal_num_pollers",
    "temporal_request_total",
    "temporal_request_failure_total",
)


def figures(served_by: str) -> list[Figure]:
    return [f for f in FIGURES if f.served_by == served_by]


def exported_samples() -> set[str]:
    """Every sample name Fairway's endpoints can serve, the SDK's charted ones included."""
    return {sample for figure in FIGURES for sample in figure.samples} | set(SDK_FIGURES)


def process_registry() -> CollectorRegistry:
    """A registry holding the process's own figures (CPU, memory, open files, Python's GC)."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry


def api_registry() -> CollectorRegistry:
    registry = process_registry()
    for metric in (HTTP_REQUESTS, HTTP_DURATION, CASE_ACTIONS):
        registry.register(metric)
    return registry
