"""The worker's /metrics, served in-process on a free port while a real worker runs cases: the
Temporal SDK's figures read from its own endpoint and served beside Fairway's, the register's,
the projection lag, and escalations counted once each."""

from __future__ import annotations

import contextlib

import httpx
from prometheus_client.parser import text_string_to_metric_families
from temporalio.service import RPCError

from activities.escalations import EscalationActivities
from fairway.client import connect
from fairway.devserver import free_port
from fairway.metrics import API, FIGURES, SDK_FIGURES, WORKER, api_registry
from fairway.settings import Settings
from fairway.worker_metrics import TemporalSdkFigures, sdk_runtime, serving_worker_metrics, worker_registry
from models.deadlines import LadderStep
from models.register import CaseRow
from tests.conftest import TEST_POLICY, running_fairway
from tests.helpers import assert_eventually, ok, open_claim
from tests.register.test_escalations import _escalation, _ref


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def names(read: dict) -> set[str]:
    return {name for name, _ in read}


async def scrape(port: int) -> dict[tuple[str, tuple], float]:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert response.status_code == 200
    return samples(response.text)


async def test_the_worker_serves_the_sdks_figures_beside_its_own(temporal, sqlite_sessions):
    address = temporal.client.service_client.config.target_host
    settings = Settings(temporal_address=address, worker_metrics_port=0, worker_sdk_metrics_port=free_port())
    client = await connect(settings, runtime=sdk_runtime(settings), service="fairway-worker")
    with serving_worker_metrics(settings, sqlite_sessions) as port:
        before = await scrape(port)
        # Each action projected at once, in the task that took it: by an activity, whose figures
        # the SDK then serves (a projection gathered behind a timer is written inside its task).
        at_once = TEST_POLICY.model_copy(update={"projection_delay_seconds": 0})
        async with running_fairway(client, sqlite_sessions, policy=at_once) as fairway:
            ref = (await open_claim(fairway.http))["state"]["ref"]

            def projected() -> None:
                with sqlite_sessions() as session:
                    assert session.get(CaseRow, ref) is not None

            await assert_eventually(projected)  # by the opening itself, as a local activity
            await ok(fairway.http, ref, "add_note", {"text": "an action, projected by an activity"})

            def projected_again() -> None:
                with sqlite_sessions() as session:
                    assert session.get(CaseRow, ref).version == 2

            await assert_eventually(projected_again)
            with contextlib.suppress(RPCError):  # a call refused, so the SDK has a failure to count
                await client.get_workflow_handle("claim-no-such-case").describe()
            after = await scrape(port)

    assert after["fairway_temporal_sdk_metrics_up", ()] == 1
    assert after["fairway_register_up", ()] == 1
    missing = set(SDK_FIGURES) - names(after)
    assert not missing, f"the SDK serves none of {sorted(missing)}: update SDK_FIGURES and the dashboard"
    lag = ("fairway_projection_lag_seconds_count", ())
    assert after[lag] > before.get(lag, 0)
    assert "process_cpu_seconds_total" in names(after)


def test_an_sdk_endpoint_that_does_not_answer_is_reported():
    read = {}
    for family in TemporalSdkFigures(f"http://127.0.0.1:{free_port()}/metrics", timeout=1).collect():
        read.update({(s.name, tuple(s.labels.items())): s.value for s in family.samples})
    assert read == {("fairway_temporal_sdk_metrics_up", ()): 0}


def test_no_port_serves_nothing_and_makes_no_runtime(sqlite_sessions):
    settings = Settings(worker_metrics_port="")
    assert settings.worker_metrics_port is None
    assert sdk_runtime(settings) is None
    with serving_worker_metrics(settings, sqlite_sessions) as port:
        assert port is None


def test_an_escalation_is_counted_once_however_often_it_is_retried(sqlite_sessions):
    registry = worker_registry(sqlite_sessions, sdk_url=None)
    step = {"step": "supervisor"}
    before = registry.get_sample_value("fairway_escalations_recorded_total", step) or 0
    escalation = _escalation(_ref(), LadderStep.SUPERVISOR)
    activities = EscalationActivities(sqlite_sessions)
    activities.escalate(escalation)
    activities.escalate(escalation)  # a retry: its rows are already there
    assert registry.get_sample_value("fairway_escalations_recorded_total", step) == before + 1


def test_every_declared_figure_is_served_where_the_docs_say(sqlite_sessions):
    served = {
        API: {family.name for family in api_registry().collect()},
        WORKER: {
            family.name
            for family in worker_registry(
                sqlite_sessions, f"http://127.0.0.1:{free_port()}/metrics"
            ).collect()
        },
    }
    for figure in FIGURES:
        assert figure.name in served[figure.served_by], (figure.name, figure.served_by)
