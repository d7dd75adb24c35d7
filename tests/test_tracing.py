"""Tracing is off unless an OTLP endpoint is configured; configured, Temporal's tracing
interceptor is on the client and on the worker built from it, and a claim's opening makes
spans from the API's call through the workflow run to its activity."""

from __future__ import annotations

import importlib
import sys

import pytest
import temporalio.worker
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from structlog.testing import capture_logs
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor

from fairway import tracing
from fairway.client import connect
from fairway.settings import Settings
from tests.conftest import running_fairway
from tests.helpers import open_claim


@pytest.fixture(autouse=True)
def no_standard_variables(monkeypatch):
    for name in (*tracing.STANDARD_ENDPOINTS, "OTEL_SERVICE_NAME"):
        monkeypatch.delenv(name, raising=False)


def test_nothing_is_installed_without_an_exporter():
    assert not tracing.configured(Settings())
    assert tracing.interceptors(Settings(), "fairway-api") == []
    assert tracing.interceptors(Settings(otel_exporter_otlp_endpoint=""), "fairway-api") == []


def test_fairways_endpoint_or_the_standard_one_turns_it_on(monkeypatch):
    ours = Settings(otel_exporter_otlp_endpoint="http://collector:4318/")
    [interceptor] = tracing.interceptors(ours, "fairway-worker")
    assert isinstance(interceptor, TracingInterceptor)
    assert tracing.span_exporter(ours)._endpoint == "http://collector:4318/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    assert tracing.configured(Settings())
    assert tracing.span_exporter(Settings())._endpoint == "http://collector:4318/v1/traces"


def test_the_service_name_is_the_processs_unless_the_standard_one_is_set(monkeypatch):
    name = "service.name"
    assert tracing.tracer_provider(InMemorySpanExporter(), "fairway-api").resource.attributes[name] == (
        "fairway-api"
    )
    monkeypatch.setenv("OTEL_SERVICE_NAME", "claims-api-eu")
    assert tracing.tracer_provider(InMemorySpanExporter(), "fairway-api").resource.attributes[name] == (
        "claims-api-eu"
    )


def test_without_the_packages_the_module_imports_and_a_process_runs_untraced_saying_why(monkeypatch):
    for module in [m for m in sys.modules if m.startswith(("opentelemetry", "fairway.tracing"))]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # as if not installed
    without = importlib.import_module("fairway.tracing")
    assert without.interceptors(Settings(), "fairway-api") == []
    asked = Settings(otel_exporter_otlp_endpoint="http://collector:4318")
    with capture_logs() as logs:
        assert without.interceptors(asked, "fairway-api") == []
        assert without.interceptors(asked, "fairway-api") == []  # said once, not on every connect
    assert [(e["log_level"], e["fix"]) for e in logs] == [("error", without.MISSING)]
    with pytest.raises(without.TracingUnavailable, match=r"fairway\[tracing\]"):
        without.span_exporter(asked)


def test_a_process_connecting_again_reuses_its_tracer():
    ours = Settings(otel_exporter_otlp_endpoint="http://collector:4318")
    assert tracing.interceptors(ours, "fairway-api") is tracing.interceptors(ours, "fairway-api")
    [api], [worker] = tracing.interceptors(ours, "fairway-api"), tracing.interceptors(ours, "fairway-worker")
    assert api is not worker


async def test_configured_the_interceptor_is_on_the_client_and_its_worker(temporal):
    settings = Settings(
        temporal_address=temporal.client.service_client.config.target_host,
        otel_exporter_otlp_endpoint="http://127.0.0.1:9",  # never reached: no span is ended here
    )
    client = await connect(settings)
    [on_client] = [i for i in client.config()["interceptors"] if isinstance(i, TracingInterceptor)]
    # A worker takes every client interceptor that is also a worker one (temporalio's rule), so
    # the worker built on this client traces too: the next test sees its spans.
    assert isinstance(on_client, temporalio.worker.Interceptor)

    untraced = await connect(Settings(temporal_address=settings.temporal_address))
    assert list(untraced.config()["interceptors"]) == []


async def test_an_opening_is_traced_through_the_workflow_to_its_activity(client, sqlite_sessions):
    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exported))
    traced = Client(**{**client.config(), "interceptors": [tracing.tracing_interceptor(provider)]})
    async with running_fairway(traced, sqlite_sessions) as fairway:
        await open_claim(fairway.http)
    spans = {span.name: span for span in exported.get_finished_spans()}
    started = spans["StartUpdateWithStartWorkflow:ClaimWorkflow"]  # the API's call
    traced_through = ["HandleUpdate:opened", "RunWorkflow:ClaimWorkflow", "RunActivity:project_case"]
    assert {spans[name].context.trace_id for name in traced_through} == {started.context.trace_id}
