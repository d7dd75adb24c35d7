"""Builds and runs the Fairway worker: every workflow and activity is registered here."""

from __future__ import annotations

import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import structlog
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.worker import PollerBehaviorAutoscaling, UnsandboxedWorkflowRunner, Worker

from activities.coding import CodingActivities
from activities.court_service import ServiceActivities
from activities.deadlines import CalendarActivities
from activities.early_notification import EarlyNotificationActivities
from activities.escalations import EscalationActivities
from activities.notifications import LEASE, OutboxDispatcher, notifier_from
from activities.payments import PaymentActivities
from activities.pharmacy_appeals import PharmacyAppealActivities
from activities.register import RegisterActivities
from activities.significant_concerns import ConcernActivities
from activities.summits import SummitActivities
from fairway import db
from fairway.clinical_coding import current_taxonomy, read_taxonomy_file
from fairway.collector import tune_for_cached_cases
from fairway.escalation_contacts import Contacts, read_contacts_file
from fairway.settings import SHIPPED_TAXONOMY_FILE, Settings
from fairway.startup import register_when_ready, temporal_when_ready
from fairway.worker_metrics import sdk_runtime, serving_worker_metrics
from models.coding import Taxonomy
from models.deadline_policies import published_teams
from models.deadlines import EscalationContacts
from workflows.advice import AdviceCaseWorkflow
from workflows.claim import ClaimWorkflow
from workflows.contract_dispute import ContractDisputeWorkflow
from workflows.duty_of_candour import DutyOfCandourWorkflow
from workflows.early_neutral_evaluation import EarlyNeutralEvaluationWorkflow
from workflows.early_notification import EarlyNotificationWorkflow
from workflows.exclusion import ExclusionWorkflow
from workflows.intervention import InterventionWorkflow
from workflows.litigation import LitigationWorkflow
from workflows.mediation import MediationWorkflow
from workflows.pharmacy_appeal import PharmacyAppealWorkflow
from workflows.resolution_summit import ResolutionSummitWorkflow
from workflows.significant_concern import AdviceConcernWorkflow, SignificantConcernWorkflow

log = structlog.get_logger(__name__)

WORKFLOWS = [
    ClaimWorkflow,
    MediationWorkflow,
    ResolutionSummitWorkflow,
    EarlyNeutralEvaluationWorkflow,
    AdviceCaseWorkflow,
    InterventionWorkflow,
    ExclusionWorkflow,
    LitigationWorkflow,
    EarlyNotificationWorkflow,
    ContractDisputeWorkflow,
    PharmacyAppealWorkflow,
    DutyOfCandourWorkflow,
    SignificantConcernWorkflow,
    AdviceConcernWorkflow,
]


def workflow_runner() -> UnsandboxedWorkflowRunner:
    """Workflows run outside the SDK's sandbox. The sandbox re-imports each workflow's module
    for every run it keeps: measured here, 0.045 MiB of the 0.18 MiB a cached claim cost and
    about a fifth of the worker's CPU per opening, and every payload's serialization context
    asked across it. What it guarded at run time is guarded before: tests/test_determinism.py
    refuses wall clocks, randomness, I/O and threads in workflow and model code, and the replay
    tests run every workflow type over recorded histories."""
    return UnsandboxedWorkflowRunner()


def activities(
    sessions: sessionmaker[Session],
    client: Client | None = None,
    contacts: Contacts | None = None,
    taxonomy: Taxonomy | None = None,
) -> list:
    """Every activity, with its dependencies injected: the register's sessions, each team's
    escalation contacts, the clinical coding taxonomy (the one shipped unless given) and, for
    activities that act on other cases (open a claim, ask a claim to join a summit), the client."""
    register = RegisterActivities(sessions)
    coding = CodingActivities(taxonomy or read_taxonomy_file(SHIPPED_TAXONOMY_FILE))
    escalations = EscalationActivities(sessions, contacts)
    calendar = CalendarActivities()
    payments = PaymentActivities(sessions)
    summits = SummitActivities(client)  # a summit asks its claims to join and leave
    early_notification = EarlyNotificationActivities(client, sessions)  # opens and notes claims
    pharmacy_appeals = PharmacyAppealActivities(client)  # a lead appeal asks another to join it
    concerns = ConcernActivities(client)  # a concern asks the case it came from to link it
    return [
        register.project_case,
        escalations.escalate,
        escalations.acknowledge,
        escalations.resolve,
        calendar.answer,
        ServiceActivities().deemed_service,
        payments.record_payment,
        summits.join_claim,
        summits.leave_claim,
        early_notification.open_claim,
        early_notification.link_claim,
        early_notification.project_early_notification,
        pharmacy_appeals.join_appeal,
        concerns.link_source,
        coding.check_coding,
    ]


def build_worker(
    client: Client,
    task_queue: str,
    sessions: sessionmaker[Session],
    contacts: Contacts | None = None,
    taxonomy: Taxonomy | None = None,
    **options,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities(sessions, client, contacts, taxonomy),
        activity_executor=ThreadPoolExecutor(max_workers=32),
        workflow_runner=workflow_runner(),
        **polling(),
        **options,
    )


def caching(settings: Settings) -> dict:
    """How the worker keeps cases between tasks: how many, and how long a case's next task waits
    for this worker (which has it cached) before another may take it and replay it."""
    return {
        "max_cached_workflows": settings.cached_cases,
        "sticky_queue_schedule_to_start_timeout": timedelta(seconds=settings.worker_sticky_wait_seconds),
    }


def polling() -> dict:
    """How many polls the worker keeps open for tasks: as many as the server says are waiting
    (Temporal's poller autoscaling). The SDK's default of five workflow-task polls gives a worker
    that caches workflows one poll for new and evicted cases (the other four wait on its cached
    cases' own queue), one task at a time: 11-14 a second on this machine, so that 100 bare starts
    a second built a backlog of thousands (bench/results/scale.md, 2026-12-07)."""
    return {
        "workflow_task_poller_behavior": PollerBehaviorAutoscaling(),
        "activity_task_poller_behavior": PollerBehaviorAutoscaling(),
    }


def escalation_contacts(settings: Settings) -> dict[str, EscalationContacts]:
    """The operator's contacts per team; none without a file (the policies' own stand)."""
    if settings.escalation_contacts_file is None:
        return {}
    return read_contacts_file(settings.escalation_contacts_file, published_teams())


async def run_worker(settings: Settings) -> None:
    contacts = escalation_contacts(settings)  # a mistake in the file stops the worker here
    taxonomy = current_taxonomy(settings)  # and so does one in the taxonomy
    await register_when_ready(settings.database_url)
    client = await temporal_when_ready(settings, runtime=sdk_runtime(settings), service="fairway-worker")
    engine = db.make_engine(settings.database_url)
    sessions = db.session_factory(engine)
    worker = build_worker(
        client,
        settings.temporal_task_queue,
        sessions,
        contacts,
        taxonomy,
        **caching(settings),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # The notifications outbox is sent from here, beside the worker that fills it.
    lease = timedelta(seconds=settings.outbox_lease_seconds) if settings.outbox_lease_seconds else LEASE
    outbox = OutboxDispatcher(sessions, notifier_from(settings), lease=lease)
    dispatcher = asyncio.create_task(outbox.run(stop))
    tune_for_cached_cases()  # built: what start-up made is frozen out of every collection
    try:
        with serving_worker_metrics(settings, sessions):
            async with worker:
                log.info("worker started", task_queue=settings.temporal_task_queue)
                await stop.wait()
                log.info("worker stopping")
    finally:
        stop.set()
        await dispatcher
        engine.dispose()


if __name__ == "__main__":
    from fairway.logging import configure_logging
    from fairway.settings import get_settings

    configure_logging()
    asyncio.run(run_worker(get_settings()))
