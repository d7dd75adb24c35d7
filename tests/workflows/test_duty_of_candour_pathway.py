"""The duty of candour's rules and its pathway table, row by row, without a Temporal server.

The rules: Reg 20's harm thresholds, the incident's dates, the contract's 10 days as a policy
value, the reference an Early Notification case derives for its candour case, and the teams'
escalation contacts. The table: for each row, who may take it, from which stages, what refuses
it, what it changes in the state and in the deadline book; for typical cases at every stage,
what each role is offered. The hooks: opening sets the written follow-up from the report, and
an Early Notification case opens its candour case as a child and links it both ways. Temporal's
clock, activities and children are replaced by recorders; the calendar is the real one.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError
from temporalio import workflow

from activities.deadlines import due_for
from api.duty_of_candour import SPEC
from models import duty_of_candour as m
from models import early_notification as en
from models.cases import CaseLink
from models.common import PEOPLE_ROLES, ActionMeta, Actor, CaseKind, Role
from models.deadline_policies import STANDARD
from models.deadlines import Deadline, DueRequest
from models.duty_of_candour import Harm
from models.duty_of_candour import Stage as S
from tests.helpers import ACTOR_IDS
from workflows import duty_of_candour, early_notification
from workflows.case_kit import Context
from workflows.clock import end_of_london_day
from workflows.deadline_book import Calendar, DeadlineBook

TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
OPENED = datetime(2026, 6, 5, 9, 0, tzinfo=UTC)
AT = TypeAdapter(datetime).dump_python(NOW, mode="json")
HANDLING = frozenset({Role.HANDLER, Role.SUPERVISOR, Role.ADMIN})
SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
PATHWAY = duty_of_candour.PATHWAY
POLICY = m.DutyOfCandourPolicy()
FOLLOW_UP = m.WRITTEN_FOLLOW_UP


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def iso(offset: int) -> str:
    return day(offset).isoformat()


TOMORROW = iso(1)
REPORTED = day(-10)

# --- the rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("harm", "notifiable"),
    [
        (Harm.DEATH, True),
        (Harm.SEVERE_HARM, True),
        (Harm.MODERATE_HARM, True),
        (Harm.PROLONGED_PSYCHOLOGICAL_HARM, True),
        (Harm.LOW_HARM, False),
        (Harm.NO_HARM, False),
    ],
)
def test_reg_20s_harm_thresholds_decide_what_is_notifiable(harm, notifiable):
    assert m.notifiable(harm) is notifiable


def test_every_harm_level_is_graded():
    assert set(Harm) > m.NOTIFIABLE_HARM


def incident(**overrides: Any) -> m.Incident:
    body = {
        "provider_code": "RX1",
        "provider_name": "Example Hospitals NHS Trust",
        "incident_on": day(-20),
        "reported_on": REPORTED,
        "incident_reference": "INC-1",
    }
    return m.Incident.model_validate(body | overrides)


def test_an_incident_cannot_be_reported_before_it_happened():
    assert incident(reported_on=day(-20)).reported_on == day(-20), "the same day is fine"
    with pytest.raises(ValidationError) as refused:
        incident(reported_on=day(-21))
    assert refused.value.errors()[0]["ctx"]["code"] == "dates_out_of_order"


@pytest.mark.parametrize(
    ("reported", "due"),
    [
        (date(2026, 6, 1), date(2026, 6, 11)),
        # Calendar days: a Friday's report is due the Monday after next, the weekends counted.
        (date(2026, 6, 5), date(2026, 6, 15)),
        # Over the Christmas bank holidays, still counted.
        (date(2026, 12, 22), date(2027, 1, 1)),
    ],
)
async def test_the_written_follow_up_is_due_10_calendar_days_after_the_report(reported, due):
    rule = m.CANDOUR_DEADLINES.rules[FOLLOW_UP]
    result = due_for(DueRequest(rule=rule, trigger_date=reported, trigger_at=NOW))
    assert result.due_on == due


def test_the_10_days_are_the_contracts_and_say_what_is_unconfirmed():
    rule = m.CANDOUR_DEADLINES.rules[FOLLOW_UP]
    assert (rule.period.amount, rule.period.unit) == (m.CONTRACT_DAYS, "days") == (10, "days")
    for words in (
        "NHS Standard Contract",
        "operational days is unconfirmed",
        "Reg 20",
        "as soon as reasonably practicable",
    ):
        assert words.lower() in rule.basis.lower(), words
    assert list(m.CANDOUR_DEADLINES.rules) == [FOLLOW_UP], "Reg 20 sets no day count of its own"


def test_each_team_holding_candour_cases_escalates_to_its_own_people():
    assert m.CONTACTS[m.CLAIMS_TEAM] == STANDARD.contacts["claims"]
    assert m.CONTACTS[m.EN_TEAM] == en.CONTACTS[en.TEAM], "kept equal to the EN policy's"


def test_an_early_notification_case_derives_its_candour_cases_reference():
    ref = m.candour_ref_for("EN-ABCDEFGHIJKL")
    assert ref == m.candour_ref_for("EN-ABCDEFGHIJKL") != m.candour_ref_for("EN-ABCDEFGHIJKM")
    assert re.fullmatch(SPEC.ref_pattern, ref), "served at the kind's own routes"
    assert ref != en.claim_ref_for("EN-ABCDEFGHIJKL")


# --- typical cases at each stage ---------------------------------------------------------------

ASSESSED = {"assessed_on": iso(-9), "harm": "moderate_harm", "reasons": "a moderate increase in treatment"}
TOLD = {
    "notified_on": iso(-8),
    "relevant_person": "patient",
    "given_by": "consultant surgeon",
    "further_enquiries": "a patient safety incident investigation",
    "support_offered": "the patient advice and liaison service",
}
APOLOGY = {"given_on": iso(-8), "method": "in_person", "given_by": "consultant surgeon"}
WRITTEN = {"sent_on": iso(-5), "enquiries": "the investigation's terms of reference"}
UPDATE = {"given_on": iso(-1), "method": "phone", "shared": "the investigation has begun"}
OUTCOME = {"shared_on": iso(-1), "method": "letter", "findings": "a missed observation"}


def book(status: str = "open", met_on: date | None = None) -> dict[str, Any]:
    """The written follow-up as opening set it: 10 days from the report."""
    due = REPORTED + timedelta(days=10)
    rule = POLICY.deadlines.rules[FOLLOW_UP]
    deadline = Deadline(
        name=FOLLOW_UP,
        title=rule.title,
        kind=rule.kind,
        basis=rule.basis,
        trigger="report_incident",
        trigger_date=REPORTED,
        due_on=due,
        due_at=end_of_london_day(due),
        original_due_on=due,
        owner="hana.handler",
        status=status,
        met_on=met_on,
    )
    return {FOLLOW_UP: deadline.model_dump(mode="json")}


# What a case has by each stage, beyond the one before it.
REACHED: list[tuple[S, dict[str, Any]]] = [
    (S.INCIDENT_REPORTED, {"deadlines": book()}),
    (S.NOTIFIABLE, {"harm": ASSESSED}),
    (S.NOTIFIED_IN_PERSON, {"in_person": TOLD}),
    (S.WRITTEN_FOLLOW_UP_SENT, {"apology": APOLOGY, "written_follow_up": WRITTEN, "deadlines": book("met")}),
    (S.UPDATING, {"updates": [UPDATE]}),
    (S.CLOSED, {"outcome_shared": OUTCOME, "outcome": "outcome_shared", "closed_at": AT}),
]


def case(stage: S, given: dict[str, Any] | None = None) -> m.DutyOfCandourState:
    body: dict[str, Any] = {
        "ref": "DOC-TESTCASE0001",
        "stage": stage,
        "owner": "hana.handler",
        "incident": incident().model_dump(mode="json"),
        "opened_at": OPENED,
        "updated_at": OPENED,
    }
    for reached, has in REACHED:
        body |= copy.deepcopy(has)
        if reached == stage:
            break
    return m.DutyOfCandourState.model_validate(body | copy.deepcopy(given or {}))


def context(role: Role) -> Context:
    return Context(actor=Actor(id=ACTOR_IDS[role], role=role), now=NOW, today=TODAY, policy=POLICY)


# --- the table, row by row ------------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    code: str
    payload: dict[str, Any] = field(default_factory=dict)  # payload that refuses it
    given: dict[str, Any] = field(default_factory=dict)  # state that refuses it
    offered: bool = True  # refused by its availability (the state alone): not offered either


def future(field_name: str) -> Refused:
    return Refused("date_in_future", {field_name: TOMORROW})


def before_incident(field_name: str) -> Refused:
    return Refused("date_before_incident", {field_name: iso(-21)})


@dataclass(frozen=True)
class Row:
    action: str
    at: S
    payload: dict[str, Any]
    changes: dict[str, Any]  # what Pathway.apply changes in the state (JSON), beside updated_at
    stages: frozenset[S]  # where it may be taken
    given: dict[str, Any] = field(default_factory=dict)
    roles: frozenset[Role] = HANDLING
    refusals: tuple[Refused, ...] = ()
    book: dict[str, str] = field(default_factory=dict)  # deadlines it changes, and to what status
    label: str = ""  # another path through a row already specified

    def ready(self) -> m.DutyOfCandourState:
        return case(self.at, self.given)

    @property
    def role(self) -> Role:
        return next(r for r in (Role.HANDLER, Role.SUPERVISOR) if r in self.roles)


def closing(stage_before: S, outcome: str) -> dict[str, Any]:
    return {"stage": S.CLOSED, "outcome": outcome, "closed_at": AT, "stage_before_closure": stage_before}


EVERY = frozenset(S)
OPEN = EVERY - {S.CLOSED}
AFTER_WRITING = frozenset({S.WRITTEN_FOLLOW_UP_SENT, S.UPDATING})
ACK = {"deadline": FOLLOW_UP, "revision": 1, "step": "warning", "comment": "chased the trust"}

ROWS = [
    Row(
        "assess_harm",
        S.INCIDENT_REPORTED,
        ASSESSED,
        {"stage": S.NOTIFIABLE, "harm": ASSESSED},
        frozenset({S.INCIDENT_REPORTED}),
        refusals=(future("assessed_on"), before_incident("assessed_on")),
    ),
    Row(
        "assess_harm",
        S.INCIDENT_REPORTED,
        ASSESSED | {"harm": "low_harm"},
        closing(S.INCIDENT_REPORTED, "not_notifiable") | {"harm": ASSESSED | {"harm": "low_harm"}},
        frozenset({S.INCIDENT_REPORTED}),
        book={FOLLOW_UP: "waived"},
        label="below the thresholds",
    ),
    Row(
        "notify_in_person",
        S.NOTIFIABLE,
        TOLD,
        {"stage": S.NOTIFIED_IN_PERSON, "in_person": TOLD},
        frozenset({S.NOTIFIABLE}),
        refusals=(future("notified_on"), before_incident("notified_on")),
    ),
    Row(
        "record_apology",
        S.NOTIFIED_IN_PERSON,
        APOLOGY,
        {"apology": APOLOGY},
        frozenset({S.NOTIFIED_IN_PERSON}),
        refusals=(
            future("given_on"),
            Refused("date_before_notification", {"given_on": iso(-9)}),
            Refused("apology_already_recorded", given={"apology": APOLOGY}, offered=False),
        ),
    ),
    Row(
        "send_written_follow_up",
        S.NOTIFIED_IN_PERSON,
        WRITTEN,
        {"stage": S.WRITTEN_FOLLOW_UP_SENT, "written_follow_up": WRITTEN},
        frozenset({S.NOTIFIED_IN_PERSON}),
        given={"apology": APOLOGY},
        refusals=(
            future("sent_on"),
            Refused("date_before_notification", {"sent_on": iso(-9)}),
            Refused("apology_outstanding", given={"apology": None}, offered=False),
        ),
        book={FOLLOW_UP: "met"},
    ),
    Row(
        "record_update",
        S.WRITTEN_FOLLOW_UP_SENT,
        UPDATE,
        {"stage": S.UPDATING, "updates": [UPDATE]},
        AFTER_WRITING,
        refusals=(future("given_on"), Refused("date_before_follow_up", {"given_on": iso(-6)})),
    ),
    Row(
        "record_update",
        S.UPDATING,
        UPDATE,
        {"updates": [UPDATE, UPDATE]},
        AFTER_WRITING,
        label="a further update",
    ),
    Row(
        "share_outcome",
        S.UPDATING,
        OUTCOME,
        closing(S.UPDATING, "outcome_shared") | {"outcome_shared": OUTCOME},
        AFTER_WRITING,
        refusals=(future("shared_on"), Refused("date_before_follow_up", {"shared_on": iso(-6)})),
    ),
    Row(
        "add_note",
        S.NOTIFIABLE,
        {"text": "the family asked for a meeting"},
        {"notes": [{"seq": 1, "text": "the family asked for a meeting", "author": "hana.handler", "at": AT}]},
        EVERY,
    ),
    Row(
        "extend_deadline",
        S.NOTIFIED_IN_PERSON,
        {"deadline": FOLLOW_UP, "new_due_on": iso(10), "reason": "family abroad", "agreed_by": "the family"},
        {},
        OPEN,
        refusals=(
            Refused("unknown_deadline", {"deadline": "nothing_due"}),
            Refused("deadline_closed", given={"deadlines": book("met")}),
            Refused("extension_not_later", {"new_due_on": iso(-1)}),
        ),
        book={FOLLOW_UP: "extended"},
    ),
    Row(
        "waive_deadline",
        S.NOTIFIED_IN_PERSON,
        {"deadline": FOLLOW_UP, "reason": "the family asked for no letter"},
        {},
        OPEN,
        roles=SUPERVISING,
        refusals=(Refused("deadline_closed", given={"deadlines": book("waived")}),),
        book={FOLLOW_UP: "waived"},
    ),
    Row(
        "acknowledge_escalation",
        S.NOTIFIED_IN_PERSON,
        ACK,
        {"acknowledged_escalations": [f"{FOLLOW_UP}:1:warning"]},
        EVERY,
        given={"deadlines": {FOLLOW_UP: book()[FOLLOW_UP] | {"steps_done": ["warning"]}}},
        roles=SUPERVISING,
        refusals=(Refused("unknown_escalation", {"step": "supervisor"}),),
    ),
]
FIRST_ROWS = [pytest.param(r, id=r.action) for r in ROWS if not r.label]
ALL_ROWS = [pytest.param(r, id=f"{r.action}[{r.label}]" if r.label else r.action) for r in ROWS]
REFUSALS = [pytest.param(r, x, id=f"{r.action}:{x.code}") for r in ROWS for x in r.refusals]


def test_every_row_of_the_table_is_specified_here():
    assert [r.action for r in ROWS if not r.label] == list(PATHWAY.steps), "each row's first spec, in order"
    assert PATHWAY.opening_action == "report_incident" and PATHWAY.final == {S.CLOSED}


@pytest.mark.parametrize("row", FIRST_ROWS)
def test_who_may_take_the_step(row: Row):
    step, state = PATHWAY.steps[row.action], row.ready()
    payload = step.payload.model_validate(row.payload)
    outcome = {role: PATHWAY.refusal(state, step, payload, context(role)) for role in PEOPLE_ROLES}
    forbidden = {
        role for role, refusal in outcome.items() if refusal and refusal.code == "forbidden_for_role"
    }
    assert forbidden == PEOPLE_ROLES - row.roles
    assert SPEC.access.acting(step.roles) == row.roles, "within the claims tier: no adviser acts"


@pytest.mark.parametrize("row", FIRST_ROWS)
def test_where_the_step_may_be_taken(row: Row):
    step = PATHWAY.steps[row.action]
    payload, ctx = step.payload.model_validate(row.payload), context(row.role)
    closed = set()
    for stage in S:
        refusal = PATHWAY.refusal(case(stage, row.given), step, payload, ctx)
        if refusal is not None and refusal.code == "action_not_allowed":
            assert refusal.stage == stage and row.action not in refusal.allowed_actions
            closed.add(stage)
    assert closed == EVERY - row.stages


@pytest.mark.parametrize("row", ALL_ROWS)
def test_a_ready_case_offers_and_takes_the_step(row: Row):
    step, state = PATHWAY.steps[row.action], row.ready()
    assert row.action in PATHWAY.allowed_actions(state, row.role)
    assert PATHWAY.refusal(state, step, step.payload.model_validate(row.payload), context(row.role)) is None


@pytest.mark.parametrize(("row", "refusal"), REFUSALS)
def test_what_refuses_the_step(row: Row, refusal: Refused):
    step = PATHWAY.steps[row.action]
    state = case(row.at, row.given | refusal.given)
    payload = step.payload.model_validate(row.payload | refusal.payload)
    answer = PATHWAY.refusal(state, step, payload, context(row.role))
    assert answer is not None and answer.code == refusal.code, answer
    assert answer.allowed_actions == PATHWAY.allowed_actions(state, row.role)
    assert (row.action in answer.allowed_actions) is refusal.offered


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in after.items() if before.get(k) != v}


def as_json(changes: dict[str, Any]) -> dict[str, Any]:
    return TypeAdapter(dict[str, Any]).dump_python(changes, mode="json")


@pytest.mark.parametrize("row", ALL_ROWS)
def test_what_the_step_changes_in_the_state(row: Row):
    step, state = PATHWAY.steps[row.action], row.ready()
    before = state.model_dump(mode="json")
    PATHWAY.apply(state, step, step.payload.model_validate(row.payload), context(row.role))
    assert changed(before, state.model_dump(mode="json")) == as_json(row.changes) | {"updated_at": AT}


# --- what a case asks of Temporal, recorded --------------------------------------------------------


@dataclass
class Outside:
    calls: list[tuple[str, str, dict]] = field(default_factory=list)


def _dump(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


@pytest.fixture
def outside(monkeypatch) -> Outside:
    """Temporal's clock, activities and children replaced by recorders; the calendar is real."""
    record = Outside()

    async def execute_activity_method(method, arg, **options):
        record.calls.append(("activity", method.__name__, _dump(arg)))

    async def start_child_workflow(run, arg, *, id, **options):
        record.calls.append(("child", run.__qualname__, {"id": id, **_dump(arg)} | options))

    async def compute(book: DeadlineBook, request):
        return due_for(request)

    monkeypatch.setattr(workflow, "now", lambda: NOW)
    monkeypatch.setattr(workflow, "info", lambda: SimpleNamespace(workflow_id="the-case-under-test"))
    monkeypatch.setattr(workflow, "execute_activity_method", execute_activity_method)
    monkeypatch.setattr(workflow, "start_child_workflow", start_child_workflow)
    monkeypatch.setattr(DeadlineBook, "_compute", compute)
    return record


def running(flow: type, state, policy) -> Any:
    """The workflow class around `state`, as a running case would hold it."""
    case_ = object.__new__(flow)
    case_.state, case_.policy, case_._input = state, policy, None
    case_._dirty = case_._rearm = False
    case_.requests, case_.unprojected, case_._registered = {}, [], None
    case_._calendar = Calendar()
    return case_


@pytest.mark.parametrize("row", ALL_ROWS)
async def test_what_the_step_does_to_the_book(row: Row, outside: Outside):
    step, state = PATHWAY.steps[row.action], row.ready()
    payload, ctx = step.payload.model_validate(row.payload), context(row.role)
    before = {n: d.status.value for n, d in state.deadlines.items()}
    stage_before = state.stage
    PATHWAY.apply(state, step, payload, ctx)
    await running(duty_of_candour.DutyOfCandourWorkflow, state, POLICY)._deadline_effects(
        step, payload, ctx, stage_before
    )
    after = {n: d.status.value for n, d in state.deadlines.items()}
    assert changed(before, after) == row.book
    if row.book.get(FOLLOW_UP) == "met":
        assert state.deadlines[FOLLOW_UP].met_on == date.fromisoformat(WRITTEN["sent_on"])


# --- what each role is offered -------------------------------------------------------------------

COMMON_OPEN, SUPERVISING_OPEN = {"add_note", "extend_deadline"}, {"waive_deadline", "acknowledge_escalation"}
# A typical case at each stage (with what it has): what handling roles are offered beyond notes and
# extensions. Supervisors and admins also waive and acknowledge; everyone else: nothing.
OFFERED: list[tuple[S, dict[str, Any], set[str]]] = [
    (S.INCIDENT_REPORTED, {}, {"assess_harm"}),
    (S.NOTIFIABLE, {}, {"notify_in_person"}),
    (S.NOTIFIED_IN_PERSON, {}, {"record_apology"}),
    (S.NOTIFIED_IN_PERSON, {"apology": APOLOGY}, {"send_written_follow_up"}),
    (S.WRITTEN_FOLLOW_UP_SENT, {}, {"record_update", "share_outcome"}),
    (S.UPDATING, {}, {"record_update", "share_outcome"}),
]


@pytest.mark.parametrize(
    ("stage", "given", "acting"), OFFERED, ids=[f"{o[0]}:{i}" for i, o in enumerate(OFFERED)]
)
def test_what_each_role_is_offered(stage, given, acting):
    state = case(stage, given)
    expected = {role: set() for role in PEOPLE_ROLES}
    expected |= {role: acting | COMMON_OPEN for role in HANDLING}
    expected |= {role: acting | COMMON_OPEN | SUPERVISING_OPEN for role in SUPERVISING}
    assert {role: set(PATHWAY.allowed_actions(state, role)) for role in PEOPLE_ROLES} == expected


def test_an_ended_case_takes_notes_and_acknowledgments_only():
    state = case(S.CLOSED)
    assert {role: set(PATHWAY.allowed_actions(state, role)) for role in PEOPLE_ROLES} == {
        role: ({"add_note"} if role in HANDLING else set())
        | ({"acknowledge_escalation"} if role in SUPERVISING else set())
        for role in PEOPLE_ROLES
    }


def test_every_open_stage_is_shown_above():
    assert {o[0] for o in OFFERED} == OPEN


# --- opening, and the case an Early Notification case opens -----------------------------------------

OPENER = ActionMeta(actor=Actor(id="hana.handler", role=Role.HANDLER), request_id="open-1")


async def test_opening_sets_the_written_follow_up_from_the_report(outside: Outside):
    flow = object.__new__(duty_of_candour.DutyOfCandourWorkflow)
    opening = m.DutyOfCandourInput(
        ref="DOC-TESTCASE0001", owner="hana.handler", opening=incident(), opened_by=OPENER
    )
    state = flow.open(opening, NOW)
    assert (state.stage, state.team, state.parent, state.event_floor().on) == (
        S.INCIDENT_REPORTED,
        "claims",
        None,
        day(-20),
    )
    case_ = running(duty_of_candour.DutyOfCandourWorkflow, state, POLICY)
    await case_.on_open(opening)
    deadline = state.deadlines[FOLLOW_UP]
    assert (deadline.trigger, deadline.trigger_date, deadline.due_on, deadline.owner) == (
        "report_incident",
        REPORTED,
        REPORTED + timedelta(days=10),
        "hana.handler",
    )
    assert case_.opening_summary(opening) == {
        "provider_code": "RX1",
        "incident_reference": "INC-1",
        "owner": "hana.handler",
        "opened_by_case": None,
    }


def test_the_register_keeps_figures_and_references_only():
    state = case(S.UPDATING)
    facts = running(duty_of_candour.DutyOfCandourWorkflow, state, POLICY).facts()
    assert facts == {
        "provider_code": "RX1",
        "incident_reference": "INC-1",
        "harm": "moderate_harm",
        "notifiable": True,
        "days_to_notification": 2,
        "days_to_written_follow_up": 5,
        "apology_recorded": True,
        "updates": 1,
    }


NOTIFICATION = en.Notification(
    mnsi_reference="MNSI-2024-001",
    trust_code="RX1",
    trust_name="Example Hospitals NHS Trust",
    date_of_birth=date(2026, 3, 1),
    gestation_weeks=39,
    birth=en.Birth.FOLLOWING_LABOUR,
    mri_confirmed=True,
    actively_cooled=True,
)


async def test_an_early_notification_case_opens_its_candour_case_linked_both_ways(outside: Outside):
    policy = en.EarlyNotificationPolicy()
    opening = en.EarlyNotificationInput(
        ref="EN-TESTCASE0001", owner="hana.handler", opening=NOTIFICATION, opened_by=OPENER, policy=policy
    )
    flow = early_notification.EarlyNotificationWorkflow
    state = object.__new__(flow).open(opening, NOW)
    case_ = running(flow, state, policy)
    await case_.on_open(opening)

    ref = m.candour_ref_for("EN-TESTCASE0001")
    workflow_id = f"duty_of_candour-{ref}"
    assert set(state.deadlines) == {en.MNSI_REPORT, en.LIABILITY_DECISION}, "no candour deadline of its own"
    [(kind, run, child)] = [c for c in outside.calls if c[0] == "child"]
    assert (kind, run) == ("child", "DutyOfCandourWorkflow.run")
    assert child["id"] == workflow_id and child["parent_close_policy"] is workflow.ParentClosePolicy.ABANDON
    assert (child["ref"], child["owner"], child["team"]) == (ref, "hana.handler", "early_notification")
    assert child["opening"] == {
        "provider_code": "RX1",
        "provider_name": "Example Hospitals NHS Trust",
        "incident_on": "2026-03-01",
        "reported_on": TODAY.isoformat(),
        "incident_reference": "MNSI-2024-001",
        "handler": "hana.handler",
    }
    assert child["opened_by"] == {
        "actor": {"id": "hana.handler", "role": "handler"},
        "request_id": "early-notification:EN-TESTCASE0001:candour",
    }
    assert child["policy"]["version"] == "candour-standard-2026-11"
    assert child["policy"]["deadlines"] == {"name": "duty-of-candour", "version": "2026-11"}
    # Both ways: the candour case's parent is the EN case; the EN case's links name the candour case.
    assert CaseLink.model_validate(child["parent"]).model_dump(exclude={"linked_at"}) == {
        "kind": CaseKind.EARLY_NOTIFICATION,
        "ref": "EN-TESTCASE0001",
        "workflow_id": "the-case-under-test",
        "relation": "the Early Notification case that opened it",
    }
    assert state.candour_ref == ref
    assert [(link.kind, link.ref, link.workflow_id) for link in state.links] == [
        (CaseKind.DUTY_OF_CANDOUR, ref, workflow_id)
    ]
    summary = case_.opening_summary(opening)
    assert summary["candour_ref"] == ref and "date_of_birth" not in summary
