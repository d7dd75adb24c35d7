"""OpenTelemetry tracing through the Temporal SDK's interceptor, off unless an exporter is set.

Set FAIRWAY_OTEL_EXPORTER_OTLP_ENDPOINT (or the standard OTEL_EXPORTER_OTLP_ENDPOINT or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and every client call (the API's starts, updates and
queries) and every workflow and activity the worker runs makes a span, sent over OTLP/HTTP,
joined into one trace per request by the headers Temporal carries. The packages come with
`pip install 'fairway[tracing]'`; without them this module still imports, and a process asked
to trace logs once what to install and runs untraced: a missing extra must not stop cases.

The interceptor sits on the client, so a worker built on that client has it too. Its
workflow spans are made only when a workflow is not replaying, which keeps workflow code
deterministic.
"""

from __future__ import annotations

import os

import structlog

from fairway.settings import Settings

log = structlog.get_logger(__name__)

STANDARD_ENDPOINTS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


MISSING = "tracing is configured but its packages are missing: pip install 'fairway[tracing]'"


class TracingUnavailable(RuntimeError):
    """An exporter is configured but the tracing packages are not installed."""


def configured(settings: Settings) -> bool:
    return bool(settings.otel_exporter_otlp_endpoint) or any(os.environ.get(v) for v in STANDARD_ENDPOINTS)


def traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces path under a collector's base address, as the standard variable
    is read (an explicit endpoint given to the exporter is used exactly as given)."""
    return endpoint.rstrip("/") + "/v1/traces"


def span_exporter(settings: Settings):
    """The OTLP exporter: Fairway's setting if given, else the standard variables, which the
    exporter reads itself (with OTEL_EXPORTER_OTLP_HEADERS and the rest)."""
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError as err:
        raise TracingUnavailable(MISSING) from err
    if settings.otel_exporter_otlp_endpoint:
        return OTLPSpanExporter(endpoint=traces_url(settings.otel_exporter_otlp_endpoint))
    return OTLPSpanExporter()


def tracer_provider(exporter, service: str):
    """Spans batched to `exporter`, under the process's service name (OTEL_SERVICE_NAME wins)."""
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # Resource.create adds OTEL_RESOURCE_ATTRIBUTES; attributes given to it override the
    # environment's, so the standard service name is looked up here to let it win.
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME") or service})
    provider = TracerProvider(resource=resource)  # flushed at exit by its own atexit hook
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def tracing_interceptor(provider):
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return TracingInterceptor(provider.get_tracer("fairway"))


# One tracer provider per service and exporter in a process: a client connected again (the
# start-up wait tries until Temporal answers) reuses it rather than starting another exporter.
_installed: dict[tuple, list] = {}


def interceptors(settings: Settings, service: str) -> list:
    """The client's interceptors: the tracing one when an exporter is configured, else none."""
    if not configured(settings):
        return []
    key = (service, settings.otel_exporter_otlp_endpoint, *(os.environ.get(v) for v in STANDARD_ENDPOINTS))
    if key not in _installed:
        _installed[key] = _install(settings, service)
    return _installed[key]


def _install(settings: Settings, service: str) -> list:
    try:
        return [tracing_interceptor(tracer_provider(span_exporter(settings), service))]
    except (TracingUnavailable, ImportError):
        log.error("tracing is configured but not installed; running without it", fix=MISSING)
        return []
