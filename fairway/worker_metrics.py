"""The worker's one metrics endpoint: Fairway's figures and the Temporal SDK's, on
FAIRWAY_WORKER_METRICS_HOST:FAIRWAY_WORKER_METRICS_PORT.

The SDK serves its own figures (workflow and activity task latencies, pollers, slots, the
sticky cache, its calls to the server) from its Rust core, on an address of its own. Rather
than have Prometheus scrape two ports per worker, the SDK's endpoint is bound to the loopback
interface (FAIRWAY_WORKER_SDK_METRICS_PORT) and read on each scrape of Fairway's, which serves
its families alongside its own: one target per worker, and `fairway_temporal_sdk_metrics_up`
says when the SDK's half was missing.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.error import URLError

import structlog
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from fairway.metrics import (
    ESCALATIONS_RECORDED,
    GC_PAUSES,
    PROJECTION_FAILURES,
    PROJECTION_LAG,
    SDK_METRICS_UP,
    process_registry,
)
from fairway.register_metrics import RegisterFigures, family
from fairway.settings import Settings

log = structlog.get_logger(__name__)

SDK_HOST = "127.0.0.1"  # only Fairway's endpoint reads it


def sdk_address(settings: Settings) -> str:
    return f"{SDK_HOST}:{settings.worker_sdk_metrics_port}"


def sdk_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime that serves the SDK's metrics, or None (the SDK's default runtime,
    with no metrics) when the worker serves none."""
    if settings.worker_metrics_port is None:
        return None
    prometheus = PrometheusConfig(
        bind_address=sdk_address(settings),
        # Prometheus's own conventions, so its families sit beside Fairway's unremarkably:
        # counters end in _total, durations are seconds and say so.
        counters_total_suffix=True,
        unit_suffix=True,
        durations_as_seconds=True,
    )
    return Runtime(telemetry=TelemetryConfig(metrics=prometheus))


class TemporalSdkFigures:
    """A Prometheus collector: the SDK's endpoint, read and served again as it was read."""

    def __init__(self, url: str, timeout: float = 2.0) -> None:
        self.url, self.timeout = url, timeout

    def collect(self) -> Iterator[Metric]:
        try:
            with urllib.request.urlopen(self.url, timeout=self.timeout) as response:
                text = response.read().decode()
        except (URLError, OSError) as err:
            log.warning("temporal sdk metrics unreadable", url=self.url, error=str(err))
            yield family(SDK_METRICS_UP, 0)
            return
        yield family(SDK_METRICS_UP, 1)
        yield from text_string_to_metric_families(text)


def worker_registry(sessions: sessionmaker[Session], sdk_url: str | None) -> CollectorRegistry:
    registry = process_registry()
    registry.register(ESCALATIONS_RECORDED)
    registry.register(PROJECTION_LAG)
    registry.register(PROJECTION_FAILURES)
    registry.register(GC_PAUSES)
    registry.register(RegisterFigures(sessions))
    if sdk_url is not None:
        registry.register(TemporalSdkFigures(sdk_url))
    return registry


@contextmanager
def serving_worker_metrics(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[int | None]:
    """Serve the worker's /metrics while the block runs; yields the port (None: not served).
    Call `sdk_runtime` first, so the SDK's endpoint exists to be read."""
    if settings.worker_metrics_port is None:
        yield None
        return
    registry = worker_registry(sessions, f"http://{sdk_address(settings)}/metrics")
    server, thread = start_http_server(
        settings.worker_metrics_port, addr=settings.worker_metrics_host, registry=registry
    )
    port = server.server_port
    log.info("worker metrics served", host=settings.worker_metrics_host, port=port)
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
