"""The Early Notification, advice, intervention and exclusion pathways, row by row, without a
Temporal server.

Every row of the four tables has a `Row` here saying who may take it, from which stages, what
refuses it (each check, and each availability, which also keeps it out of allowed_actions), what
`Pathway.apply` changes in the state, what it does to the deadline book, and what it asks of
Temporal beyond the case (an activity, a child case, a signal). A few rows have a second `Row`
for another path through them. Then, for typical cases at every stage, what each role is offered.

The book and the row hooks run on the real workflow classes and the real deadline book, with
Temporal's clock, activities, children and signals replaced by recorders; the calendar is the
real one. Each test takes milliseconds.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, NamedTuple
from unittest.mock import ANY

import pytest
from pydantic import BaseModel, TypeAdapter
from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from activities.deadlines import due_for
from models import advice as a
from models import early_notification as en
from models.cases import CasePolicy, CaseState, CaseView
from models.common import PEOPLE_ROLES, Actor, AppliedAction, Role
from models.deadlines import Deadline, LadderStep
from tests.helpers import ACTOR_IDS
from workflows import advice, early_notification, exclusion, intervention
from workflows.case_kit import CaseWorkflow, Context
from workflows.clock import end_of_london_day
from workflows.deadline_book import Calendar, DeadlineBook

TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
OPENED = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
AT = TypeAdapter(datetime).dump_python(NOW, mode="json")
WORKFLOW_ID = "the-case-under-test"
HANDLING = frozenset({Role.HANDLER, Role.SUPERVISOR, Role.ADMIN})
CLAIM_SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
ADVISING = frozenset({Role.ADVISER, Role.ADVICE_SUPERVISOR, Role.ADMIN})
ADVICE_SUPERVISING = frozenset({Role.ADVICE_SUPERVISOR, Role.ADMIN})


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def iso(offset: int) -> str:
    return day(offset).isoformat()


EVENT = day(-1)  # the day most steps record as their date (not today: deadlines count from it)
T = EVENT.isoformat()
TOMORROW = iso(1)

# --- the deadline book ---------------------------------------------------------------------

SEEDED_BY, SEEDED_ON, SEEDED_DUE = "earlier_step", day(-30), day(30)


def seeded(policy: CasePolicy, *names: str, **statuses: str) -> dict[str, Deadline]:
    """Deadlines an earlier step set: open unless `statuses` says otherwise."""
    book = {}
    for name in (*names, *statuses):
        rule = policy.deadlines.rules[name]
        book[name] = Deadline(
            name=name,
            title=rule.title,
            kind=rule.kind,
            basis=rule.basis,
            trigger=SEEDED_BY,
            trigger_date=SEEDED_ON,
            due_on=SEEDED_DUE,
            due_at=end_of_london_day(SEEDED_DUE),
            original_due_on=SEEDED_DUE,
            owner="someone",
            status=statuses.get(name, "open"),
        )
    return book


class Due(NamedTuple):
    """What a test reads of a deadline."""

    status: str
    trigger: str
    trigger_date: date
    due_on: Any
    revision: int
    met_on: date | None = None


def was(status: str = "open", met_on: date | None = None) -> Due:
    """A seeded deadline, now in `status`."""
    return Due(status, SEEDED_BY, SEEDED_ON, SEEDED_DUE, 1, met_on)


def new(trigger: str, due_on: Any = ANY, revision: int = 1, on: date = EVENT) -> Due:
    """A deadline the step set (a period's due date is the calendar's: ANY)."""
    return Due("open", trigger, on, due_on, revision)


def summary(state: CaseState) -> dict[str, Due]:
    return {
        n: Due(d.status.value, d.trigger, d.trigger_date, d.due_on, d.revision, d.met_on)
        for n, d in state.deadlines.items()
    }


# --- specifications ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    code: str
    given: dict[str, Any] = field(default_factory=dict)  # state that refuses it
    payload: dict[str, Any] = field(default_factory=dict)  # payload that refuses it
    # Refused by a check (payload or context): still offered. By its availability: not offered.
    offered: bool = True


def unavailable(code: str, **given: Any) -> Refused:
    return Refused(code, given, offered=False)


def refused(code: str, payload: dict[str, Any] | None = None, **given: Any) -> Refused:
    return Refused(code, given, payload or {})


def future(field_name: str) -> Refused:
    return refused("date_in_future", {field_name: TOMORROW})


# Steps the kit gives a kind that another case sends, not a person: tested once, below.
KIT_INTERNAL = frozenset({"link_case"})


@dataclass(frozen=True)
class Row:
    action: str
    at: str  # the stage it is taken from here
    payload: dict[str, Any]
    changes: dict[str, Any]  # what Pathway.apply changes in the state (JSON), beside updated_at
    given: dict[str, Any] = field(default_factory=dict)  # what it needs beyond a typical case there
    stages: frozenset[str] | None = None  # where it may be taken: on a row's first spec
    roles: frozenset[Role] | None = None  # who may take it (default: the kind's acting roles)
    refusals: tuple[Refused, ...] = ()
    book: dict[str, Due] = field(default_factory=dict)  # deadlines it changes
    outside: tuple[tuple[str, str, dict], ...] = ()  # what it asks of Temporal beyond the case
    later: dict[str, Any] = field(default_factory=dict)  # what its after hook changes in the state
    role: Role | None = None  # who takes it here (default: the first of its roles the kind acts as)
    label: str = ""  # another path through a row already specified


@dataclass(frozen=True)
class Kind:
    name: str
    workflow: type[CaseWorkflow]
    policy: CasePolicy
    acting: frozenset[Role]
    supervising: frozenset[Role]
    base: Any  # stage -> a typical case there
    rows: list[Row]
    opening_action: str

    @property
    def pathway(self):
        return self.workflow.pathway

    def state(self, stage: str, given: dict[str, Any] | None = None) -> CaseState:
        state = self.base(stage)
        return type(state).model_validate(state.model_dump() | copy.deepcopy(given or {}))

    def roles(self, row: Row) -> frozenset[Role]:
        return row.roles or self.acting

    def role(self, row: Row) -> Role:
        if row.role is not None:
            return row.role
        roles = self.roles(row)
        return next(
            r for r in (Role.HANDLER, Role.ADVISER, Role.SUPERVISOR, Role.ADVICE_SUPERVISOR) if r in roles
        )

    def ready(self, row: Row) -> CaseState:
        return self.state(row.at, row.given)


def context(kind: Kind, role: Role) -> Context:
    return Context(actor=Actor(id=ACTOR_IDS[role], role=role), now=NOW, today=TODAY, policy=kind.policy)


def link(kind: str, ref: str) -> dict[str, Any]:
    """Another case this one links to (JSON)."""
    return {"kind": kind, "ref": ref, "workflow_id": f"{kind}-{ref}", "relation": None, "linked_at": None}


def following(outcome: str) -> dict[str, Any]:
    """An EN case that now follows its claim: open, with its outcome, until the claim closes."""
    return {"stage": en.Stage.CLAIM_OPEN, "outcome": outcome}


def closing(stage_before: str, outcome: str | None, stage: str) -> dict[str, Any]:
    return {"stage": stage, "outcome": outcome, "closed_at": AT, "stage_before_closure": stage_before}


def common_rows(policy: CasePolicy, at: str, deadline: str, every, open_, acting, supervising) -> list[Row]:
    """The kit's rows every case has, on a deadline of the kind."""
    book = {"deadlines": seeded(policy, deadline)}
    fired = {
        "deadlines": {
            deadline: seeded(policy, deadline)[deadline].model_copy(
                update={"steps_done": [LadderStep.WARNING]}
            )
        }
    }
    closed = {"deadlines": seeded(policy, **{deadline: "met"})}
    acting_id = ACTOR_IDS[next(r for r in (Role.HANDLER, Role.ADVISER) if r in acting)]
    ack = {"deadline": deadline, "revision": 1, "step": "warning", "comment": "seen"}
    return [
        Row(
            "add_note",
            at,
            {"text": "spoke to the trust"},
            {"notes": [{"seq": 1, "text": "spoke to the trust", "author": acting_id, "at": AT}]},
            stages=every,
            roles=acting,
        ),
        Row(
            "extend_deadline",
            at,
            {"deadline": deadline, "new_due_on": iso(40), "reason": "agreed", "agreed_by": "the trust"},
            {},
            given=book,
            stages=open_,
            roles=acting,
            refusals=(
                refused("unknown_deadline", {"deadline": "nothing_due"}),
                refused("deadline_closed", **closed),
                refused("extension_not_later", {"new_due_on": SEEDED_DUE.isoformat()}),
            ),
            book={deadline: Due("extended", SEEDED_BY, SEEDED_ON, day(40), 2)},
        ),
        Row(
            "waive_deadline",
            at,
            {"deadline": deadline, "reason": "moot"},
            {},
            given=book,
            stages=open_,
            roles=supervising,
            refusals=(
                refused("unknown_deadline", {"deadline": "nothing_due"}),
                refused("deadline_closed", **closed),
            ),
            book={deadline: was("waived")},
        ),
        Row(
            "acknowledge_escalation",
            at,
            ack,
            {"acknowledged_escalations": [f"{deadline}:1:warning"]},
            given=fired,
            stages=every,
            roles=supervising,
            refusals=(
                refused("unknown_deadline", {"deadline": "nothing_due"}),
                refused("unknown_escalation", {"step": "supervisor"}),
                refused("already_acknowledged", acknowledged_escalations=[f"{deadline}:1:warning"], **fired),
            ),
            outside=(("activity", "acknowledge", {"deadline": deadline, "revision": 1, "step": "warning"}),),
        ),
    ]


# --- Early Notification --------------------------------------------------------------------------

ES = en.Stage
EN_POLICY = en.EarlyNotificationPolicy()
EN_REF = "EN-TESTCASE0001"
NOTIFIED_ON = date(2025, 12, 1)
OPENING = (en.MNSI_REPORT, en.LIABILITY_DECISION)
NOTIFICATION = en.Notification(
    mnsi_reference="MNSI-2024-001",
    trust_code="RX1",
    trust_name="Example Hospitals NHS Trust",
    date_of_birth=date(2024, 2, 1),  # from 1 Oct 2023: the family's consent first
    gestation_weeks=39,
    birth=en.Birth.FOLLOWING_LABOUR,
    mri_confirmed=True,
    actively_cooled=True,
)


def finding(found: bool) -> dict[str, Any]:
    return {"found": found, "reasons": "the expert's view", "reviewer": "lee.lawyer", "found_on": iso(-5)}


def found(found_: bool) -> dict[str, Any]:
    return finding(found_) | {"recorded_by": "hana.handler"}


ADMITTED = {"admitted": True, "decided_on": iso(-3), "reasons": "both found", "decided_by": "hana.handler"}


def en_case(stage: str) -> en.EarlyNotificationState:
    extra: dict[str, Any] = {"deadlines": seeded(EN_POLICY, *OPENING)}
    if stage == ES.AWAITING_FAMILY_DECISION:
        extra = {
            "deadlines": seeded(EN_POLICY, *OPENING, en.FAMILY_DECISION),
            "family_letter_sent_on": day(-20),
        }
    elif stage == ES.LIABILITY_ADMITTED:
        extra |= {"breach": found(True), "causation": found(True), "liability": ADMITTED}
    elif stage == ES.CLOSED:
        extra = {"outcome": "no_liability", "closed_at": OPENED + timedelta(days=100)}
    return en.EarlyNotificationState.model_validate(
        {
            "ref": EN_REF,
            "stage": stage,
            "owner": "hana.handler",
            "notification": NOTIFICATION,
            "criteria_version": "en-2023-10",
            "family_consent_required": True,
            "notified_on": NOTIFIED_ON,
            "opened_at": OPENED,
            "updated_at": OPENED,
        }
        | extra
    )


def en_review(met: bool, **more: Any) -> dict[str, Any]:
    review = {"reviewed_on": T, "reviewer": "rory.radiologist", "reasons": "on the MRI"}
    return review | more | {"met": met, "by": "hana.handler"}


def letters(purpose: str, *to: str) -> list[dict[str, Any]]:
    return [{"to": who, "purpose": purpose, "sent_on": T} for who in to]


EN_OPEN = frozenset(ES) - {ES.CLOSED}
EN_ENDS = {n: was("waived") for n in OPENING}  # a case that ends waives what is still live
REVIEW = {"reviewed_on": T, "reviewer": "rory.radiologist", "reasons": "on the MRI"}
CLOSING_REVIEW = REVIEW | {"letters_sent_on": T}
CLAIM_REF = "CLM-ABCDEFGHIJKL"
CLAIM_LINK = link("claim", CLAIM_REF)
ADMISSION_CLAIM = en.claim_ref_for(EN_REF)
DECISION = {"decided_on": T, "reasons": "no causation", "outcome_letter_sent_on": T}
CONTACT = {
    "contacted_on": T,
    "contact_with": "mother",
    "method": "phone",
    "language_needs": "Polish",
    "interpreter_used": True,
    "agreed": "monthly calls",
}
CLAIMANT = {"claimant_name": "Baby Example", "claimant_firm": {"firm_id": "SRA-1", "name": "Firm LLP"}}
INTERIM = {"paid_on": T, "amount": "50000.00", "reference": "EN-INT-1"}

EN_ROWS = [
    Row(
        "acknowledge_notification",
        ES.NOTIFIED,
        {"sent_on": T},
        {"stage": ES.AWAITING_MNSI_REPORT, "acknowledged_on": T},
        stages=frozenset({ES.NOTIFIED}),
        refusals=(future("sent_on"),),
    ),
    Row(
        "receive_mnsi_report",
        ES.AWAITING_MNSI_REPORT,
        {"received_on": T},
        {"stage": ES.MRI_TRIAGE, "mnsi_report_received_on": T},
        stages=frozenset({ES.NOTIFIED, ES.AWAITING_MNSI_REPORT}),
        refusals=(future("received_on"),),
        book={en.MNSI_REPORT: was("met", EVENT)},
    ),
    Row(
        "mri_criteria_met",
        ES.MRI_TRIAGE,
        REVIEW,
        {"stage": ES.INITIAL_CLINICAL_REVIEW, "mri_triage": en_review(True)},
        stages=frozenset({ES.MRI_TRIAGE}),
        refusals=(future("reviewed_on"),),
    ),
    Row(
        "mri_criteria_not_met",
        ES.MRI_TRIAGE,
        CLOSING_REVIEW,
        closing(ES.MRI_TRIAGE, "mri_criteria_not_met", ES.CLOSED)
        | {
            "mri_triage": en_review(False),
            "letters": letters(early_notification.NOT_MET_LETTER, "trust", "family"),
        },
        stages=frozenset({ES.MRI_TRIAGE}),
        refusals=(
            refused("date_in_future", {"reviewed_on": TOMORROW, "letters_sent_on": TOMORROW}),
            future("letters_sent_on"),
        ),
        book=EN_ENDS,
    ),
    Row(
        "initial_review_concern",
        ES.INITIAL_CLINICAL_REVIEW,
        REVIEW,
        {"stage": ES.FAMILY_LETTER_DUE, "initial_review": en_review(True)},
        stages=frozenset({ES.INITIAL_CLINICAL_REVIEW}),
        refusals=(future("reviewed_on"),),
    ),
    Row(
        "initial_review_no_concern",
        ES.INITIAL_CLINICAL_REVIEW,
        CLOSING_REVIEW,
        closing(ES.INITIAL_CLINICAL_REVIEW, "no_care_concern", ES.CLOSED)
        | {
            "initial_review": en_review(False),
            "letters": letters(early_notification.NO_CONCERN_LETTER, "trust", "family"),
        },
        stages=frozenset({ES.INITIAL_CLINICAL_REVIEW}),
        refusals=(
            refused("date_in_future", {"reviewed_on": TOMORROW, "letters_sent_on": TOMORROW}),
            future("letters_sent_on"),
        ),
        book=EN_ENDS,
    ),
    Row(
        "send_family_letter_seeking_consent",
        ES.FAMILY_LETTER_DUE,
        {"sent_on": T},
        {
            "stage": ES.AWAITING_FAMILY_DECISION,
            "family_letter_sent_on": T,
            "letters": letters("legal investigation: the family's consent sought", "family"),
        },
        stages=frozenset({ES.FAMILY_LETTER_DUE}),
        refusals=(
            future("sent_on"),
            unavailable("family_consent_not_required", family_consent_required=False),
        ),
        book={en.FAMILY_DECISION: new("send_family_letter_seeking_consent")},
    ),
    Row(
        "send_family_letter",
        ES.FAMILY_LETTER_DUE,
        {"sent_on": T},
        {
            "stage": ES.LEGAL_INVESTIGATION,
            "family_letter_sent_on": T,
            "letters": letters("legal investigation: the family told", "family"),
        },
        given={"family_consent_required": False},
        stages=frozenset({ES.FAMILY_LETTER_DUE}),
        refusals=(future("sent_on"), unavailable("family_consent_required", family_consent_required=True)),
    ),
    Row(
        "record_family_consent",
        ES.AWAITING_FAMILY_DECISION,
        {"decided_on": T},
        {"stage": ES.LEGAL_INVESTIGATION, "family_decision": {"decision": "consented", "on": T}},
        stages=frozenset({ES.AWAITING_FAMILY_DECISION}),
        refusals=(future("decided_on"),),
        book={en.FAMILY_DECISION: was("met", EVENT)},
    ),
    Row(
        "record_family_declined",
        ES.AWAITING_FAMILY_DECISION,
        {"decided_on": T},
        closing(ES.AWAITING_FAMILY_DECISION, "family_declined", ES.CLOSED)
        | {"family_decision": {"decision": "declined", "on": T}},
        stages=frozenset({ES.AWAITING_FAMILY_DECISION}),
        refusals=(future("decided_on"),),
        book=EN_ENDS | {en.FAMILY_DECISION: was("met", EVENT)},
    ),
    Row(
        "family_chooses_traditional_claim",
        ES.AWAITING_FAMILY_DECISION,
        {"decided_on": T},
        {"stage": ES.AWAITING_LETTER_OF_CLAIM, "family_decision": {"decision": "traditional_claim", "on": T}},
        stages=frozenset({ES.AWAITING_FAMILY_DECISION, ES.LEGAL_INVESTIGATION}),
        refusals=(future("decided_on"),),
        book={en.FAMILY_DECISION: was("met", EVENT)},
    ),
    Row(
        "record_letter_of_claim",
        ES.AWAITING_LETTER_OF_CLAIM,
        {"claim_ref": CLAIM_REF, "received_on": T},
        following("traditional_claim") | {"claim_ref": CLAIM_REF, "links": [CLAIM_LINK]},
        given={"family_decision": {"decision": "traditional_claim", "on": iso(-7)}},
        stages=frozenset({ES.AWAITING_FAMILY_DECISION, ES.LEGAL_INVESTIGATION, ES.AWAITING_LETTER_OF_CLAIM}),
        refusals=(future("received_on"),),
        outside=(
            (
                "activity",
                "link_claim",
                {
                    "en_ref": EN_REF,
                    "claim_ref": CLAIM_REF,
                    "actor": {"id": "hana.handler", "role": "handler"},
                    "relation": "the family's claim after this Early Notification case",
                },
            ),
        ),
    ),
    Row(
        "record_letter_of_claim",
        ES.AWAITING_FAMILY_DECISION,
        {"claim_ref": CLAIM_REF, "received_on": T},
        following("traditional_claim")
        | {
            "claim_ref": CLAIM_REF,
            "links": [CLAIM_LINK],
            "family_decision": {"decision": "traditional_claim", "on": T},
        },
        book={en.FAMILY_DECISION: was("met", EVENT)},
        outside=(("activity", "link_claim", {"en_ref": EN_REF, "claim_ref": CLAIM_REF}),),
        label="before the family decided",
    ),
    Row(
        "record_breach_finding",
        ES.LEGAL_INVESTIGATION,
        finding(True),
        {"breach": found(True)},
        stages=frozenset({ES.LEGAL_INVESTIGATION}),
        refusals=(future("found_on"),),
    ),
    Row(
        "record_causation_finding",
        ES.LEGAL_INVESTIGATION,
        finding(False),
        {"causation": found(False)},
        stages=frozenset({ES.LEGAL_INVESTIGATION}),
        refusals=(future("found_on"),),
    ),
    Row(
        "decide_no_liability",
        ES.LEGAL_INVESTIGATION,
        DECISION,
        closing(ES.LEGAL_INVESTIGATION, "no_liability", ES.CLOSED)
        | {
            "liability": {
                "admitted": False,
                "decided_on": T,
                "reasons": "no causation",
                "decided_by": "hana.handler",
            },
            "letters": letters("outcome: no liability", "family"),
        },
        given={"breach": found(True), "causation": found(False)},
        stages=frozenset({ES.LEGAL_INVESTIGATION}),
        refusals=(
            future("decided_on"),
            refused(
                "date_before_notification", {"decided_on": (NOTIFIED_ON - timedelta(days=1)).isoformat()}
            ),
            future("outcome_letter_sent_on"),
            unavailable("findings_outstanding", breach=None, causation=None),
            unavailable("findings_outstanding", causation=None),
            unavailable("findings_support_liability", causation=found(True)),
        ),
        book=EN_ENDS | {en.LIABILITY_DECISION: was("met", EVENT)},
    ),
    Row(
        "admit_liability",
        ES.LEGAL_INVESTIGATION,
        {"decided_on": T, "reasons": "both found"},
        {
            "stage": ES.LIABILITY_ADMITTED,
            "liability": {
                "admitted": True,
                "decided_on": T,
                "reasons": "both found",
                "decided_by": "hana.handler",
            },
        },
        given={"breach": found(True), "causation": found(True)},
        stages=frozenset({ES.LEGAL_INVESTIGATION}),
        refusals=(
            future("decided_on"),
            refused(
                "date_before_notification", {"decided_on": (NOTIFIED_ON - timedelta(days=1)).isoformat()}
            ),
            unavailable("findings_outstanding", breach=None),
            unavailable("findings_do_not_support_admission", causation=found(False)),
            unavailable("findings_do_not_support_admission", breach=found(False)),
        ),
        book={en.LIABILITY_DECISION: was("met", EVENT)},
    ),
    Row(
        "record_apology",
        ES.LIABILITY_ADMITTED,
        {"given_on": T, "by": "trust", "method": "meeting"},
        {"apology": {"given_on": T, "by": "trust", "method": "meeting"}},
        stages=frozenset({ES.LIABILITY_ADMITTED}),
        refusals=(future("given_on"),),
    ),
    Row(
        "record_interim_payment",
        ES.LIABILITY_ADMITTED,
        INTERIM,
        {"interim_payments": [INTERIM]},
        stages=frozenset({ES.LIABILITY_ADMITTED}),
        refusals=(
            future("paid_on"),
            refused("duplicate_payment_reference", interim_payments=[INTERIM | {"paid_on": iso(-9)}]),
        ),
    ),
    Row(
        "open_claim",
        ES.LIABILITY_ADMITTED,
        CLAIMANT,
        following("liability_admitted")
        | {
            "claim_ref": ADMISSION_CLAIM,
            "links": [link("claim", ADMISSION_CLAIM)],
        },
        given={"apology": {"given_on": iso(-1), "by": "trust", "method": "meeting"}},
        stages=frozenset({ES.LIABILITY_ADMITTED}),
        refusals=(unavailable("apology_outstanding", apology=None),),
        outside=(
            (
                "activity",
                "open_claim",
                {
                    "en_ref": EN_REF,
                    "claim_ref": ADMISSION_CLAIM,
                    "opening": {
                        "scheme": "CNST",
                        "defendant": {"kind": "trust", "code": "RX1", "name": "Example Hospitals NHS Trust"},
                        "specialty": "obstetrics",
                        "incident_date": "2024-02-01",
                        "claimant": {
                            "name": "Baby Example",
                            "date_of_birth": "2024-02-01",
                            "protected_party": False,
                        },
                        "claimant_firm": {"firm_id": "SRA-1", "name": "Firm LLP"},
                        "handler": "hana.handler",
                    },
                    "opened_by": {
                        "actor": {"id": "hana.handler", "role": "handler"},
                        "request_id": f"early-notification:{EN_REF}",
                    },
                    "policy": EN_POLICY.claim_policy.model_dump(mode="json"),
                },
            ),
        ),
    ),
    Row(
        "open_claim",
        ES.LIABILITY_ADMITTED,
        CLAIMANT | {"handler": "harry.handler", "protected_party": True},
        following("liability_admitted")
        | {
            "claim_ref": ADMISSION_CLAIM,
            "links": [link("claim", ADMISSION_CLAIM)],
        },
        given={"apology": {"given_on": iso(-1), "by": "trust", "method": "meeting"}},
        outside=(
            (
                "activity",
                "open_claim",
                {"opening": {"handler": "harry.handler", "claimant": {"protected_party": True}}},
            ),
        ),
        label="another handler for the claim",
    ),
    Row(
        "open_claim",
        ES.LIABILITY_ADMITTED,
        CLAIMANT,
        following("liability_admitted")
        | {
            "claim_ref": ADMISSION_CLAIM,
            "links": [link("claim", ADMISSION_CLAIM)],
        },
        given={
            "apology": {"given_on": iso(-1), "by": "trust", "method": "meeting"},
            "interim_payments": [INTERIM],
        },
        outside=(
            (
                "activity",
                "open_claim",
                {
                    "claim_ref": ADMISSION_CLAIM,
                    "interim_payments": [
                        {
                            "paid_on": T,
                            "amount": "50000.00",
                            "payee": "claimant",
                            "reference": "EN-INT-1",
                            "kind": "interim",
                            "court_approval_reference": None,
                        }
                    ],
                },
            ),
        ),
        label="the interim payments carried into the claim",
    ),
    Row(
        "assign_family_liaison",
        ES.NOTIFIED,
        {"officer": "fay.liaison"},
        {"family_liaison_officer": "fay.liaison"},
        stages=EN_OPEN,
    ),
    Row(
        "record_family_contact",
        ES.LEGAL_INVESTIGATION,
        CONTACT,
        {"family_contacts": [CONTACT | {"recorded_by": "hana.handler", "recorded_at": AT}]},
        stages=EN_OPEN,
        refusals=(future("contacted_on"),),
    ),
    Row(
        "record_mnsi_family_contact",
        ES.LEGAL_INVESTIGATION,
        {"contacted_on": T},
        {"mnsi_family_contact_on": T},
        given={
            "initial_candour_on": iso(-4),
            "deadlines": seeded(EN_POLICY, *OPENING, en.MNSI_FAMILY_CONTACT),
        },
        stages=EN_OPEN,
        refusals=(
            future("contacted_on"),
            refused("date_before_initial_candour", initial_candour_on=TOMORROW),
            unavailable("already_recorded", mnsi_family_contact_on=iso(-2)),
        ),
        book={en.MNSI_FAMILY_CONTACT: was("met", EVENT)},
    ),
    *common_rows(
        EN_POLICY, ES.NOTIFIED, en.LIABILITY_DECISION, frozenset(ES), EN_OPEN, HANDLING, CLAIM_SUPERVISING
    ),
]

# --- the advice case ---------------------------------------------------------------------------

AS = a.AdviceStage
ADVICE_POLICY = a.AdvicePolicy()
ADVICE_REF = "PPA-TESTCASE0001"
REFERRED_ON = day(-30)
CALL, LETTER, FOLLOW_UP = "advice_call_due", "confirmation_letter_due", "follow_up_due"
EPISODE = {"number": 1, "call_held_on": day(-10), "letter_sent_on": day(-9), "follow_up_on": day(20)}
REQUESTED = {"assessment_type": "full", "requested_on": day(-5)}
AUTHORISED = REQUESTED | {
    "icg_approved_on": day(-4),
    "organisation_consented_on": day(-4),
    "practitioner_consented_on": day(-4),
}


def child(kind: str, letter: str, type_: str, **more: Any) -> dict[str, Any]:
    ref = f"{ADVICE_REF}-{letter}1"
    record = {"ref": ref, "kind": kind, "type": type_, "workflow_id": f"{kind}-{ref}", "started_on": iso(-3)}
    return record | {"ended_at": None, "outcome": None} | more


RUNNING_INTERVENTION = child("intervention", "I", "team_review")
RUNNING_EXCLUSION = child("exclusion", "X", "immediate")
ENDED_INTERVENTION = child("intervention", "I", "team_review", ended_at=OPENED, outcome="completed")


def advice_case(stage: str) -> a.AdviceState:
    episode, letter_due = (
        {"number": 1, "call_held_on": day(-2)},
        seeded(ADVICE_POLICY, LETTER, **{CALL: "met"}),
    )
    scheduled = seeded(ADVICE_POLICY, FOLLOW_UP, **{CALL: "met", LETTER: "met"})
    requested = seeded(ADVICE_POLICY, **{CALL: "met", LETTER: "met", FOLLOW_UP: "waived"})
    extra: dict[str, Any] = {
        AS.REFERRED: {"adviser": None, "deadlines": seeded(ADVICE_POLICY, CALL)},
        AS.ADVISER_ASSIGNED: {"deadlines": seeded(ADVICE_POLICY, CALL)},
        AS.ADVICE_GIVEN: {"episodes": [episode], "deadlines": letter_due},
        AS.FOLLOW_UP_SCHEDULED: {"episodes": [EPISODE], "deadlines": scheduled},
        AS.ASSESSMENT_REQUESTED: {"episodes": [EPISODE], "assessments": [REQUESTED], "deadlines": requested},
        AS.ASSESSING: {"episodes": [EPISODE], "assessments": [AUTHORISED | {"started_on": day(-3)}]},
        AS.ASSESSMENT_REPORTED: {
            "episodes": [EPISODE],
            "assessments": [AUTHORISED | {"started_on": day(-3), "report_issued_on": day(-1)}],
        },
        AS.CLOSURE_AGREED: {
            "episodes": [episode | {"letter_sent_on": day(-1), "closure_agreed": True}],
            "deadlines": seeded(ADVICE_POLICY, **{CALL: "met", LETTER: "met"}),
        },
        AS.CLOSED: {
            "episodes": [episode | {"letter_sent_on": day(-1), "closure_agreed": True}],
            "outcome": "closed",
            "closed_at": OPENED + timedelta(days=100),
        },
    }[stage]
    return a.AdviceState.model_validate(
        {
            "ref": ADVICE_REF,
            "kind": "advice",
            "stage": stage,
            "owner": "ava.adviser",
            "team": "advice",
            "organisation_ods_code": "RX1",
            "practitioner": {"regulator": "GMC", "number": "7654321"},
            "profession": "doctor",
            "concerns": ["clinical"],
            "referred_on": REFERRED_ON,
            "adviser": "ava.adviser",
            "opened_at": OPENED,
            "updated_at": OPENED,
        }
        | extra
    )


def episode_(**fields: Any) -> dict[str, Any]:
    return (
        {"number": 1, "call_held_on": iso(-2), "letter_sent_on": None, "follow_up_on": None}
        | {"closure_agreed": False}
        | fields
    )


def assessment(**fields: Any) -> dict[str, Any]:
    return {
        "assessment_type": "full",
        "requested_on": iso(-5),
        "icg_approved_on": None,
        "icg_declined_on": None,
        "organisation_consented_on": None,
        "practitioner_consented_on": None,
        "started_on": None,
        "report_issued_on": None,
        "consent_withdrawn_by": None,
        "consent_withdrawn_on": None,
    } | fields


def authorised(**fields: Any) -> dict[str, Any]:
    return (
        assessment(
            icg_approved_on=iso(-4), organisation_consented_on=iso(-4), practitioner_consented_on=iso(-4)
        )
        | fields
    )


def here_and_child(kind: str, ref: str) -> dict[str, Any]:
    return {
        "ref": ref,
        "owner": "ava.adviser",
        "opened_by": {"actor": {"id": "ava.adviser", "role": "adviser"}, "request_id": "request-1"},
        "parent": {"kind": "advice", "ref": ADVICE_REF, "workflow_id": WORKFLOW_ID},
        "policy": ADVICE_POLICY.model_dump(mode="json"),
        "id": f"{kind}-{ref}",
    }


A_OPEN = frozenset(AS) - {AS.CLOSED}
CALLABLE = frozenset({AS.ADVISER_ASSIGNED, AS.FOLLOW_UP_SCHEDULED, AS.ASSESSMENT_REPORTED})
BEFORE_REFERRAL = (REFERRED_ON - timedelta(days=1)).isoformat()
I1, X1 = f"{ADVICE_REF}-I1", f"{ADVICE_REF}-X1"
HPAN_REVIEW = "hpan_review_due"
STARTED = AUTHORISED | {"started_on": day(-3)}
# An alert notice in force, issued 20 days ago, its review due on the seeded date.
IN_FORCE = {
    "number": 1,
    "issued_on": day(-20),
    "issuing_body": "nhs_resolution",
    "reason": "inappropriate_behaviour",
    "review_on": SEEDED_DUE,
    "reviews": [],
    "revoked_on": None,
    "revocation_reason": None,
}
REVOKED = IN_FORCE | {"revoked_on": day(-2), "revocation_reason": "issued_in_error", "review_on": None}
REVIEWABLE = {"alert_notices": [IN_FORCE], "deadlines": seeded(ADVICE_POLICY, HPAN_REVIEW)}


def notice(**fields: Any) -> dict[str, Any]:
    """The alert notice as the state keeps it (JSON)."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in IN_FORCE.items()} | fields


def set_by(trigger: str, name: str = LETTER, status: str = "open") -> Deadline:
    """A deadline `trigger` set (its rule is immaterial: what set it is the point)."""
    return seeded(ADVICE_POLICY, **{name: status})[name].model_copy(update={"trigger": trigger})


ADVICE_ROWS = [
    Row(
        "assign_adviser",
        AS.REFERRED,
        {"adviser": "abe.adviser"},
        {"stage": AS.ADVISER_ASSIGNED, "adviser": "abe.adviser", "owner": "abe.adviser"},
        stages=frozenset({AS.REFERRED}),
    ),
    Row(
        "reassign_adviser",
        AS.ASSESSING,
        {"adviser": "abe.adviser"},
        {"adviser": "abe.adviser", "owner": "abe.adviser"},
        stages=A_OPEN - {AS.REFERRED},
        roles=ADVICE_SUPERVISING,
    ),
    Row(
        "hold_advice_call",
        AS.ADVISER_ASSIGNED,
        {"held_on": T},
        {"stage": AS.ADVICE_GIVEN, "episodes": [episode_(call_held_on=T)]},
        stages=CALLABLE,
        refusals=(future("held_on"), refused("before_referral", {"held_on": BEFORE_REFERRAL})),
        book={CALL: was("met", EVENT), LETTER: new("hold_advice_call")},
    ),
    Row(
        "hold_advice_call",
        AS.FOLLOW_UP_SCHEDULED,
        {"held_on": T},
        {
            "stage": AS.ADVICE_GIVEN,
            "episodes": [
                {k: v.isoformat() if isinstance(v, date) else v for k, v in EPISODE.items()}
                | {"closure_agreed": False},
                episode_(number=2, call_held_on=T),
            ],
        },
        book={FOLLOW_UP: was("met", EVENT), LETTER: new("hold_advice_call", revision=2)},
        label="the next episode",
    ),
    Row(
        "schedule_follow_up",
        AS.ADVICE_GIVEN,
        {"letter_sent_on": T, "follow_up_on": iso(14)},
        {"stage": AS.FOLLOW_UP_SCHEDULED, "episodes": [episode_(letter_sent_on=T, follow_up_on=iso(14))]},
        stages=frozenset({AS.ADVICE_GIVEN}),
        refusals=(
            future("letter_sent_on"),
            refused("letter_before_call", {"letter_sent_on": iso(-3)}),
            refused("follow_up_not_ahead", {"follow_up_on": T}),
        ),
        book={LETTER: was("met", EVENT), FOLLOW_UP: new("schedule_follow_up", due_on=day(14))},
    ),
    Row(
        "agree_closure",
        AS.ADVICE_GIVEN,
        {"letter_sent_on": T},
        {"stage": AS.CLOSURE_AGREED, "episodes": [episode_(letter_sent_on=T, closure_agreed=True)]},
        stages=frozenset({AS.ADVICE_GIVEN}),
        refusals=(future("letter_sent_on"), refused("letter_before_call", {"letter_sent_on": iso(-3)})),
        book={LETTER: was("met", EVENT)},
    ),
    Row(
        "request_assessment",
        AS.FOLLOW_UP_SCHEDULED,
        {"assessment_type": "behavioural", "requested_on": T},
        {
            "stage": AS.ASSESSMENT_REQUESTED,
            "assessments": [assessment(assessment_type="behavioural", requested_on=T)],
        },
        stages=frozenset({AS.FOLLOW_UP_SCHEDULED}),
        refusals=(future("requested_on"), refused("before_referral", {"requested_on": BEFORE_REFERRAL})),
        book={FOLLOW_UP: was("waived")},
    ),
    Row(
        "approve_assessment",
        AS.ASSESSMENT_REQUESTED,
        {"decided_on": T},
        {"assessments": [assessment(icg_approved_on=T)]},
        stages=frozenset({AS.ASSESSMENT_REQUESTED}),
        refusals=(
            future("decided_on"),
            unavailable("icg_already_decided", assessments=[REQUESTED | {"icg_approved_on": day(-1)}]),
        ),
    ),
    Row(
        "decline_assessment",
        AS.ASSESSMENT_REQUESTED,
        {"decided_on": T, "follow_up_on": iso(14)},
        {"stage": AS.FOLLOW_UP_SCHEDULED, "assessments": [assessment(icg_declined_on=T)]},
        stages=frozenset({AS.ASSESSMENT_REQUESTED}),
        refusals=(
            future("decided_on"),
            refused("follow_up_not_ahead", {"follow_up_on": T}),
            unavailable("icg_already_decided", assessments=[REQUESTED | {"icg_approved_on": day(-1)}]),
        ),
        book={FOLLOW_UP: new("decline_assessment", due_on=day(14), revision=2)},
    ),
    Row(
        "record_consent",
        AS.ASSESSMENT_REQUESTED,
        {"party": "practitioner", "given_on": T},
        {"assessments": [assessment(practitioner_consented_on=T)]},
        stages=frozenset({AS.ASSESSMENT_REQUESTED}),
        refusals=(future("given_on"),),
    ),
    Row(
        "withdraw_consent",
        AS.ASSESSING,
        {"party": "practitioner", "withdrawn_on": T, "follow_up_on": iso(14)},
        {
            "stage": AS.FOLLOW_UP_SCHEDULED,
            "assessments": [
                authorised(started_on=iso(-3), consent_withdrawn_by="practitioner", consent_withdrawn_on=T)
            ],
        },
        stages=frozenset({AS.ASSESSMENT_REQUESTED, AS.ASSESSING}),
        refusals=(
            future("withdrawn_on"),
            refused("withdrawal_before_consent", {"withdrawn_on": iso(-5)}),
            refused("follow_up_not_ahead", {"follow_up_on": T}),
            refused("follow_up_not_ahead", {"withdrawn_on": iso(-3), "follow_up_on": iso(-2)}),
            refused(
                "consent_not_given",
                {"party": "organisation"},
                assessments=[STARTED | {"organisation_consented_on": None}],
            ),
            unavailable("no_consent_given", assessments=[REQUESTED]),
        ),
        book={FOLLOW_UP: new("withdraw_consent", due_on=day(14))},
    ),
    Row(
        "withdraw_consent",
        AS.ASSESSMENT_REQUESTED,
        {"party": "organisation", "withdrawn_on": T, "follow_up_on": iso(14)},
        {
            "stage": AS.FOLLOW_UP_SCHEDULED,
            "assessments": [
                assessment(
                    icg_approved_on=iso(-4),
                    organisation_consented_on=iso(-4),
                    consent_withdrawn_by="organisation",
                    consent_withdrawn_on=T,
                )
            ],
        },
        given={
            "assessments": [REQUESTED | {"icg_approved_on": day(-4), "organisation_consented_on": day(-4)}],
            "deadlines": seeded(ADVICE_POLICY, **{CALL: "met", FOLLOW_UP: "waived"})
            | {LETTER: set_by("approve_assessment")},
        },
        # What the assessment's own steps set ends with it; the contact the request waived
        # comes due again on the adviser's date.
        book={
            LETTER: Due("waived", "approve_assessment", SEEDED_ON, SEEDED_DUE, 1),
            FOLLOW_UP: new("withdraw_consent", due_on=day(14), revision=2),
        },
        label="before the assessment starts, ending what its steps set",
    ),
    Row(
        "start_assessment",
        AS.ASSESSMENT_REQUESTED,
        {"started_on": T},
        {"stage": AS.ASSESSING, "assessments": [authorised(started_on=T)]},
        given={"assessments": [AUTHORISED]},
        stages=frozenset({AS.ASSESSMENT_REQUESTED}),
        refusals=(
            future("started_on"),
            unavailable("assessment_not_authorised", assessments=[REQUESTED]),
            unavailable("assessment_not_authorised", assessments=[AUTHORISED | {"icg_approved_on": None}]),
            unavailable(
                "assessment_not_authorised", assessments=[AUTHORISED | {"practitioner_consented_on": None}]
            ),
        ),
    ),
    Row(
        "issue_assessment_report",
        AS.ASSESSING,
        {"issued_on": T},
        {
            "stage": AS.ASSESSMENT_REPORTED,
            "assessments": [authorised(started_on=iso(-3), report_issued_on=T)],
        },
        stages=frozenset({AS.ASSESSING}),
        refusals=(future("issued_on"),),
    ),
    Row(
        "start_intervention",
        AS.FOLLOW_UP_SCHEDULED,
        {"intervention": "psr_action_plan", "agreed_on": T},
        {"interventions": [child("intervention", "I", "psr_action_plan") | {"started_on": T}]},
        stages=frozenset({AS.ADVICE_GIVEN, AS.FOLLOW_UP_SCHEDULED, AS.ASSESSMENT_REPORTED}),
        refusals=(future("agreed_on"), refused("before_referral", {"agreed_on": BEFORE_REFERRAL})),
        outside=(
            (
                "child",
                "InterventionWorkflow.run",
                here_and_child("intervention", I1)
                | {
                    "opening": {
                        "intervention": "psr_action_plan",
                        "advice_ref": ADVICE_REF,
                        "advice_workflow_id": WORKFLOW_ID,
                        "agreed_on": T,
                        "owner": "ava.adviser",
                        "team": "advice",
                    }
                },
            ),
        ),
        later={"links": [link("intervention", I1)]},
    ),
    Row(
        "record_exclusion",
        AS.FOLLOW_UP_SCHEDULED,
        {"exclusion": "formal", "excluded_on": T, "advice_consulted_on": iso(-1)},
        {"exclusions": [child("exclusion", "X", "formal") | {"started_on": T}]},
        stages=A_OPEN - {AS.CLOSURE_AGREED},
        refusals=(
            future("excluded_on"),
            refused("advice_not_consulted", {"advice_consulted_on": None}),
            unavailable("exclusion_running", exclusions=[RUNNING_EXCLUSION]),
        ),
        outside=(
            (
                "child",
                "ExclusionWorkflow.run",
                here_and_child("exclusion", X1)
                | {
                    "opening": {
                        "exclusion": "formal",
                        "advice_ref": ADVICE_REF,
                        "advice_workflow_id": WORKFLOW_ID,
                        "excluded_on": T,
                        "advice_consulted_on": iso(-1),
                        "owner": "ava.adviser",
                        "team": "advice",
                    }
                },
            ),
        ),
        later={"links": [link("exclusion", X1)]},
    ),
    Row(
        "record_exclusion",
        AS.FOLLOW_UP_SCHEDULED,
        {"exclusion": "immediate", "excluded_on": T},
        {
            "exclusions": [
                child("exclusion", "X", "immediate", ended_at=AT, outcome="returned_to_work"),
                child("exclusion", "X", "immediate")
                | {"ref": f"{ADVICE_REF}-X2", "workflow_id": f"exclusion-{ADVICE_REF}-X2", "started_on": T},
            ]
        },
        given={"exclusions": [RUNNING_EXCLUSION | {"ended_at": NOW, "outcome": "returned_to_work"}]},
        outside=(
            (
                "child",
                "ExclusionWorkflow.run",
                {
                    "id": f"exclusion-{ADVICE_REF}-X2",
                    "opening": {"exclusion": "immediate", "advice_consulted_on": None},
                },
            ),
        ),
        later={
            "links": [
                {
                    "kind": "exclusion",
                    "ref": f"{ADVICE_REF}-X2",
                    "workflow_id": f"exclusion-{ADVICE_REF}-X2",
                    "relation": None,
                    "linked_at": None,
                }
            ]
        },
        label="a second, once the first has ended",
    ),
    Row(
        "issue_alert_notice",
        AS.FOLLOW_UP_SCHEDULED,
        {
            "issued_on": T,
            "issuing_body": "nhs_resolution",
            "reason": "unsafe_clinical_practice",
            "review_on": iso(90),
        },
        {"alert_notices": [notice(issued_on=T, reason="unsafe_clinical_practice", review_on=iso(90))]},
        stages=A_OPEN - {AS.CLOSURE_AGREED},
        refusals=(
            future("issued_on"),
            refused("before_referral", {"issued_on": BEFORE_REFERRAL}),
            refused("review_not_ahead", {"review_on": T}),
            refused("review_not_ahead", {"issued_on": iso(-5), "review_on": iso(-2)}),
            # Six months (unconfirmed) from 14 Jun 2026: 14 Dec at the latest.
            refused("review_too_far", {"review_on": date(2026, 12, 15).isoformat()}),
            unavailable("alert_notice_in_force", alert_notices=[IN_FORCE]),
        ),
        book={HPAN_REVIEW: new("issue_alert_notice", due_on=day(90))},
    ),
    Row(
        "issue_alert_notice",
        AS.ASSESSING,
        {
            "issued_on": T,
            "issuing_body": "welsh_government",
            "reason": "bogus_practitioner",
            "review_on": "2026-12-14",
        },
        {
            "alert_notices": [
                notice(revoked_on=iso(-2), revocation_reason="issued_in_error", review_on=None),
                notice(
                    number=2,
                    issued_on=T,
                    issuing_body="welsh_government",
                    reason="bogus_practitioner",
                    review_on="2026-12-14",
                ),
            ]
        },
        given={"alert_notices": [REVOKED]},
        book={HPAN_REVIEW: new("issue_alert_notice", due_on=date(2026, 12, 14))},
        label="a second, the first revoked, its review the furthest ahead allowed",
    ),
    Row(
        "review_alert_notice",
        AS.FOLLOW_UP_SCHEDULED,
        {"reviewed_on": T, "next_review_on": iso(120)},
        {"alert_notices": [notice(reviews=[T], review_on=iso(120))]},
        given=REVIEWABLE,
        stages=A_OPEN,
        refusals=(
            future("reviewed_on"),
            refused("before_last_review", {"reviewed_on": iso(-21)}),
            refused(
                "before_last_review",
                {"reviewed_on": iso(-4)},
                alert_notices=[IN_FORCE | {"reviews": [day(-3)]}],
            ),
            refused("review_not_ahead", {"next_review_on": T}),
            refused("review_too_far", {"next_review_on": date(2026, 12, 15).isoformat()}),
            unavailable("no_alert_notice", alert_notices=[REVOKED]),
            unavailable("no_alert_notice", alert_notices=[]),
        ),
        # This review is met, and the next is due on the date it set.
        book={HPAN_REVIEW: Due("open", "review_alert_notice", EVENT, day(120), 2)},
    ),
    Row(
        "revoke_alert_notice",
        AS.CLOSURE_AGREED,
        {"revoked_on": T, "reason": "regulator_restricted_practice"},
        {
            "alert_notices": [
                notice(revoked_on=T, revocation_reason="regulator_restricted_practice", review_on=None)
            ]
        },
        given=REVIEWABLE,
        stages=A_OPEN,
        refusals=(
            future("revoked_on"),
            refused("before_last_review", {"revoked_on": iso(-21)}),
            unavailable("no_alert_notice", alert_notices=[REVOKED]),
        ),
        book={HPAN_REVIEW: was("waived")},
    ),
    Row(
        "close",
        AS.CLOSURE_AGREED,
        {"closed_on": T},
        closing(AS.CLOSURE_AGREED, "closed", AS.CLOSED),
        given={
            "interventions": [ENDED_INTERVENTION],
            "deadlines": seeded(ADVICE_POLICY, FOLLOW_UP, **{CALL: "met"}),
        },
        stages=frozenset({AS.CLOSURE_AGREED}),
        refusals=(
            future("closed_on"),
            unavailable("children_running", interventions=[RUNNING_INTERVENTION]),
            unavailable("children_running", exclusions=[RUNNING_EXCLUSION]),
            unavailable("alert_notice_in_force", alert_notices=[IN_FORCE]),
        ),
        book={FOLLOW_UP: was("waived")},
    ),
    Row(
        "close",
        AS.CLOSURE_AGREED,
        {"closed_on": T},
        closing(AS.CLOSURE_AGREED, "closed", AS.CLOSED),
        given={"alert_notices": [REVOKED]},
        label="once its alert notice is revoked",
    ),
    *common_rows(
        ADVICE_POLICY, AS.ADVISER_ASSIGNED, CALL, frozenset(AS), A_OPEN, ADVISING, ADVICE_SUPERVISING
    ),
]

# --- interventions --------------------------------------------------------------------------

IS = a.InterventionStage
REPORT, PSR_FOLLOW_UP = "intervention_report_due", "psr_follow_up_due"
OBJECTIVES = [{"code": "OBJ-1", "follow_up_on": day(10)}, {"code": "OBJ-2", "follow_up_on": day(30)}]
ENDED_SIGNAL = {"ref": I1, "kind": "intervention", "ended_at": AT}


def objectives(*met: bool, **changed: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's two objectives as the state keeps them (JSON)."""
    records = []
    for objective, is_met in zip(OBJECTIVES, met or (False, False), strict=True):
        record = {"code": objective["code"], "follow_up_on": objective["follow_up_on"].isoformat()}
        record |= {"follow_ups": [], "met": is_met} | changed.get(objective["code"].replace("-", "_"), {})
        records.append(record)
    return records


def intervention_case(stage: str) -> a.InterventionState:
    type_ = {
        IS.TERMS_AGREED: "team_review",
        IS.REVIEW_HELD: "team_review",
        IS.PLAN_AGREED: "psr_action_plan",
    }.get(stage, "assisted_mediation")
    extra: dict[str, Any] = {
        IS.MEDIATOR_APPOINTED: {"mediator": "MED-7"},
        IS.MEDIATION_HELD: {"mediator": "MED-7", "deadlines": seeded(ADVICE_POLICY, REPORT)},
        IS.REVIEW_HELD: {"deadlines": seeded(ADVICE_POLICY, REPORT)},
        IS.PLAN_AGREED: {"objectives": objectives(), "deadlines": seeded(ADVICE_POLICY, PSR_FOLLOW_UP)},
        IS.REPORTED: {
            "mediator": "MED-7",
            "report_issued_on": day(-1),
            "deadlines": seeded(ADVICE_POLICY, **{REPORT: "met"}),
        },
        IS.COMPLETED: {"outcome": "completed", "closed_at": OPENED + timedelta(days=50)},
        IS.ABANDONED: {"outcome": "practitioner_left", "closed_at": OPENED + timedelta(days=50)},
    }.get(stage, {})
    return a.InterventionState.model_validate(
        {
            "ref": I1,
            "kind": "intervention",
            "stage": stage,
            "owner": "ava.adviser",
            "team": "advice",
            "parent": {"kind": "advice", "ref": ADVICE_REF, "workflow_id": f"advice-{ADVICE_REF}"},
            "intervention": type_,
            "advice_ref": ADVICE_REF,
            "agreed_on": day(-20),
            "opened_at": OPENED,
            "updated_at": OPENED,
        }
        | extra
    )


I_OPEN = frozenset(IS) - {IS.COMPLETED, IS.ABANDONED}
TEAM_REVIEW, PLAN, MEDIATION = (
    {"intervention": "team_review"},
    {"intervention": "psr_action_plan"},
    {"intervention": "assisted_mediation"},
)
PLAN_PAYLOAD = {
    "agreed_on": T,
    "objectives": [{"code": "OBJ-1", "follow_up_on": iso(30)}, {"code": "OBJ-2", "follow_up_on": iso(10)}],
}
MET_OBJECTIVES = objectives(True, True)

INTERVENTION_ROWS = [
    Row(
        "appoint_mediator",
        IS.AGREED,
        {"mediator": "MED-7", "appointed_on": T},
        {"stage": IS.MEDIATOR_APPOINTED, "mediator": "MED-7"},
        stages=frozenset({IS.AGREED}),
        refusals=(
            future("appointed_on"),
            unavailable("wrong_intervention_type", **TEAM_REVIEW),
            unavailable("wrong_intervention_type", **PLAN),
        ),
    ),
    Row(
        "hold_mediation",
        IS.MEDIATOR_APPOINTED,
        {"held_on": T},
        {"stage": IS.MEDIATION_HELD},
        stages=frozenset({IS.MEDIATOR_APPOINTED}),
        refusals=(future("held_on"), unavailable("wrong_intervention_type", **TEAM_REVIEW)),
        book={REPORT: new("hold_mediation")},
    ),
    Row(
        "agree_review_terms",
        IS.AGREED,
        {"agreed_on": T},
        {"stage": IS.TERMS_AGREED},
        given=TEAM_REVIEW,
        stages=frozenset({IS.AGREED}),
        refusals=(
            future("agreed_on"),
            unavailable("wrong_intervention_type", **MEDIATION),
            unavailable("wrong_intervention_type", **PLAN),
        ),
    ),
    Row(
        "hold_team_review",
        IS.TERMS_AGREED,
        {"held_on": T},
        {"stage": IS.REVIEW_HELD},
        stages=frozenset({IS.TERMS_AGREED}),
        refusals=(future("held_on"), unavailable("wrong_intervention_type", **PLAN)),
        book={REPORT: new("hold_team_review")},
    ),
    Row(
        "agree_action_plan",
        IS.AGREED,
        PLAN_PAYLOAD,
        {
            "stage": IS.PLAN_AGREED,
            "objectives": [
                {"code": "OBJ-1", "follow_up_on": iso(30), "follow_ups": [], "met": False},
                {"code": "OBJ-2", "follow_up_on": iso(10), "follow_ups": [], "met": False},
            ],
        },
        given=PLAN,
        stages=frozenset({IS.AGREED}),
        refusals=(
            future("agreed_on"),
            refused(
                "duplicate_objective",
                {
                    "objectives": [
                        {"code": "OBJ-1", "follow_up_on": iso(30)},
                        {"code": "OBJ-1", "follow_up_on": iso(10)},
                    ]
                },
            ),
            refused("follow_up_before_plan", {"objectives": [{"code": "OBJ-1", "follow_up_on": iso(-2)}]}),
            unavailable("wrong_intervention_type", **MEDIATION),
            unavailable("wrong_intervention_type", **TEAM_REVIEW),
        ),
        # The earliest follow-up of the plan is the one due.
        book={PSR_FOLLOW_UP: new("agree_action_plan", due_on=day(10), on=TODAY)},
    ),
    Row(
        "record_follow_up",
        IS.PLAN_AGREED,
        {"objective": "OBJ-1", "held_on": T, "met": True},
        {"objectives": objectives(True, False, OBJ_1={"follow_ups": [T]})},
        stages=frozenset({IS.PLAN_AGREED}),
        refusals=(
            future("held_on"),
            refused("unknown_objective", {"objective": "OBJ-9"}),
            refused("objective_met", objectives=objectives(True, False)),
            refused("next_follow_up_needed", {"met": False}),
            refused("next_follow_up_needed", {"met": False, "next_follow_up_on": T}),
            unavailable("objective_met", objectives=MET_OBJECTIVES),
            unavailable("wrong_intervention_type", **MEDIATION),
        ),
        # The follow-up due is met, and the next objective's comes due.
        book={PSR_FOLLOW_UP: new("record_follow_up", due_on=day(30), revision=2, on=TODAY)},
    ),
    Row(
        "record_follow_up",
        IS.PLAN_AGREED,
        {"objective": "OBJ-2", "held_on": T, "met": False, "next_follow_up_on": iso(5)},
        {"objectives": objectives(False, False, OBJ_2={"follow_ups": [T], "follow_up_on": iso(5)})},
        book={PSR_FOLLOW_UP: new("record_follow_up", due_on=day(5), revision=2, on=TODAY)},
        label="not yet met: a nearer date",
    ),
    Row(
        "record_follow_up",
        IS.PLAN_AGREED,
        {"objective": "OBJ-2", "held_on": T, "met": True},
        {"objectives": objectives(True, True, OBJ_2={"follow_ups": [T]})},
        given={"objectives": objectives(True, False)},
        book={PSR_FOLLOW_UP: was("met", EVENT)},
        label="the last objective met",
    ),
    Row(
        "issue_report",
        IS.MEDIATION_HELD,
        {"issued_on": T},
        {"stage": IS.REPORTED, "report_issued_on": T},
        stages=frozenset({IS.MEDIATION_HELD, IS.REVIEW_HELD, IS.PLAN_AGREED}),
        refusals=(
            future("issued_on"),
            unavailable(
                "objectives_outstanding", stage=IS.PLAN_AGREED, objectives=objectives(True, False), **PLAN
            ),
        ),
        book={REPORT: was("met", EVENT)},
    ),
    Row(
        "issue_report",
        IS.PLAN_AGREED,
        {"issued_on": T},
        {"stage": IS.REPORTED, "report_issued_on": T},
        given={"objectives": MET_OBJECTIVES, "deadlines": seeded(ADVICE_POLICY, **{PSR_FOLLOW_UP: "met"})},
        label="an action plan, every objective met",
    ),
    Row(
        "complete",
        IS.REPORTED,
        {"completed_on": T},
        closing(IS.REPORTED, "completed", IS.COMPLETED),
        given={"deadlines": seeded(ADVICE_POLICY, PSR_FOLLOW_UP, **{REPORT: "met"})},
        stages=frozenset({IS.REPORTED}),
        refusals=(future("completed_on"),),
        book={PSR_FOLLOW_UP: was("waived")},
        outside=(
            ("signal", f"advice-{ADVICE_REF}:intervention_ended", ENDED_SIGNAL | {"outcome": "completed"}),
        ),
    ),
    Row(
        "abandon",
        IS.MEDIATION_HELD,
        {"abandoned_on": T, "reason": "consent_withdrawn"},
        closing(IS.MEDIATION_HELD, "consent_withdrawn", IS.ABANDONED),
        stages=I_OPEN - {IS.REPORTED},
        refusals=(future("abandoned_on"),),
        book={REPORT: was("waived")},
        outside=(
            (
                "signal",
                f"advice-{ADVICE_REF}:intervention_ended",
                ENDED_SIGNAL | {"outcome": "consent_withdrawn"},
            ),
        ),
    ),
    *common_rows(
        ADVICE_POLICY, IS.MEDIATION_HELD, REPORT, frozenset(IS), I_OPEN, ADVISING, ADVICE_SUPERVISING
    ),
]

# --- exclusions ----------------------------------------------------------------------------------

XS = a.ExclusionStage
IMMEDIATE_ENDS, EXCLUSION_REVIEW, RECONSULT, BOARD_RETURN = (
    "immediate_exclusion_ends",
    "exclusion_review_due",
    "advice_reconsultation_due",
    "board_return_due",
)
RETURN_SUMMARY = "investigation continuing; exclusion kept under review"
PERIOD_1 = {"number": 1, "started_on": day(-10), "reviewed_on": None, "consulted_on": None}


def period(
    number: int, started: int, reviewed: int | None = None, consulted: int | None = None
) -> dict[str, Any]:
    return {
        "number": number,
        "started_on": iso(started),
        "reviewed_on": None if reviewed is None else iso(reviewed),
        "consulted_on": None if consulted is None else iso(consulted),
    }


def exclusion_case(stage: str) -> a.ExclusionState:
    immediate = stage == XS.IMMEDIATELY_EXCLUDED
    extra: dict[str, Any] = {
        XS.IMMEDIATELY_EXCLUDED: {"deadlines": seeded(ADVICE_POLICY, IMMEDIATE_ENDS, BOARD_RETURN)},
        XS.FORMALLY_EXCLUDED: {"deadlines": seeded(ADVICE_POLICY, EXCLUSION_REVIEW, BOARD_RETURN)},
        XS.RETURNED_TO_WORK: {"returned_on": day(-1), "outcome": "returned_to_work", "closed_at": OPENED},
        XS.ENDED: {"outcome": "resignation", "closed_at": OPENED},
    }[stage]
    return a.ExclusionState.model_validate(
        {
            "ref": X1,
            "kind": "exclusion",
            "stage": stage,
            "owner": "ava.adviser",
            "team": "advice",
            "parent": {"kind": "advice", "ref": ADVICE_REF, "workflow_id": f"advice-{ADVICE_REF}"},
            "exclusion": "immediate" if immediate else "formal",
            "advice_ref": ADVICE_REF,
            "excluded_on": day(-10),
            "consultations": [] if immediate else [day(-11)],
            "periods": [] if immediate else [PERIOD_1],
            "opened_at": OPENED,
            "updated_at": OPENED,
        }
        | extra
    )


EXCLUDED = frozenset({XS.IMMEDIATELY_EXCLUDED, XS.FORMALLY_EXCLUDED})
REVIEWED = {
    "periods": [period(1, -10, reviewed=-1)],
    "deadlines": seeded(ADVICE_POLICY, **{EXCLUSION_REVIEW: "met"}),
}
THIRD_REVIEWED = {
    "periods": [period(1, -60, reviewed=-35), period(2, -32, reviewed=-6), period(3, -4, reviewed=-1)],
    "deadlines": seeded(ADVICE_POLICY, **{EXCLUSION_REVIEW: "met", RECONSULT: "open"}),
}
THIRD_CONSULTED = [*THIRD_REVIEWED["periods"][:2], period(3, -4, reviewed=-1, consulted=-1)]
XSIGNAL = {"ref": X1, "kind": "exclusion", "ended_at": AT}

EXCLUSION_ROWS = [
    Row(
        "consult_advice_service",
        XS.FORMALLY_EXCLUDED,
        {"consulted_on": T},
        {"consultations": [iso(-11), T], "periods": [period(1, -10, consulted=-1)]},
        stages=EXCLUDED,
        refusals=(future("consulted_on"),),
    ),
    Row(
        "consult_advice_service",
        XS.FORMALLY_EXCLUDED,
        {"consulted_on": T},
        {
            "consultations": [iso(-11), T],
            "periods": THIRD_CONSULTED,
        },
        given=THIRD_REVIEWED,
        book={RECONSULT: was("met", EVENT)},
        label="after three periods",
    ),
    Row(
        "consult_advice_service",
        XS.IMMEDIATELY_EXCLUDED,
        {"consulted_on": T},
        {"consultations": [T]},
        label="before any formal period",
    ),
    Row(
        "formally_exclude",
        XS.IMMEDIATELY_EXCLUDED,
        {"excluded_on": T},
        {"stage": XS.FORMALLY_EXCLUDED, "periods": [period(1, -1)]},
        given={"consultations": [day(-1)]},
        stages=frozenset({XS.IMMEDIATELY_EXCLUDED}),
        refusals=(future("excluded_on"), unavailable("advice_not_consulted", consultations=[])),
        book={IMMEDIATE_ENDS: was("met", EVENT), EXCLUSION_REVIEW: new("formally_exclude")},
    ),
    Row(
        "review_exclusion",
        XS.FORMALLY_EXCLUDED,
        {"reviewed_on": T},
        {"periods": [period(1, -10, reviewed=-1)]},
        stages=frozenset({XS.FORMALLY_EXCLUDED}),
        refusals=(
            future("reviewed_on"),
            refused("review_before_period", {"reviewed_on": iso(-11)}),
            unavailable("already_reviewed", periods=[period(1, -10, reviewed=-1)]),
        ),
        book={EXCLUSION_REVIEW: was("met", EVENT)},
    ),
    Row(
        "renew_exclusion",
        XS.FORMALLY_EXCLUDED,
        {"renewed_on": T},
        {"periods": [period(1, -10, reviewed=-1), period(2, -1)]},
        given=REVIEWED,
        stages=frozenset({XS.FORMALLY_EXCLUDED}),
        refusals=(
            future("renewed_on"),
            unavailable("review_required", periods=[PERIOD_1]),
            unavailable("advice_consultation_required", **THIRD_REVIEWED),
        ),
        book={EXCLUSION_REVIEW: new("renew_exclusion", revision=2)},
    ),
    Row(
        "renew_exclusion",
        XS.FORMALLY_EXCLUDED,
        {"renewed_on": T},
        {"periods": [period(1, -40, reviewed=-12), period(2, -11, reviewed=-1), period(3, -1)]},
        given={
            "periods": [period(1, -40, reviewed=-12), period(2, -11, reviewed=-1)],
            "deadlines": REVIEWED["deadlines"],
        },
        # The third period starts the clock on contacting the advice service again.
        book={EXCLUSION_REVIEW: new("renew_exclusion", revision=2), RECONSULT: new("renew_exclusion")},
        label="into a third period",
    ),
    Row(
        "renew_exclusion",
        XS.FORMALLY_EXCLUDED,
        {"renewed_on": T},
        {"periods": [*THIRD_CONSULTED, period(4, -1)]},
        given=THIRD_REVIEWED | {"periods": THIRD_CONSULTED},
        book={EXCLUSION_REVIEW: new("renew_exclusion", revision=2)},
        label="into a fourth period, the advice service consulted",
    ),
    Row(
        "record_board_return",
        XS.FORMALLY_EXCLUDED,
        {"received_on": T, "summary": RETURN_SUMMARY},
        {"board_returns": [{"number": 1, "received_on": T, "summary": RETURN_SUMMARY}]},
        stages=EXCLUDED,
        refusals=(
            future("received_on"),
            refused("board_return_before_exclusion", {"received_on": iso(-11)}),
            refused(
                "board_return_out_of_order",
                {"received_on": iso(-3)},
                board_returns=[{"number": 1, "received_on": day(-2), "summary": "first"}],
            ),
        ),
        # This month's return is met and the next is due a calendar month from it (14 Jun -> 14 Jul).
        book={BOARD_RETURN: Due("open", "record_board_return", EVENT, date(2026, 7, 14), 2)},
    ),
    Row(
        "record_board_return",
        XS.IMMEDIATELY_EXCLUDED,
        {"received_on": T, "summary": RETURN_SUMMARY},
        {
            "board_returns": [
                {"number": 1, "received_on": iso(-5), "summary": "first"},
                {"number": 2, "received_on": T, "summary": RETURN_SUMMARY},
            ]
        },
        given={
            "board_returns": [{"number": 1, "received_on": day(-5), "summary": "first"}],
            "deadlines": seeded(ADVICE_POLICY, IMMEDIATE_ENDS, **{BOARD_RETURN: "missed"}),
        },
        # A late return meets the missed one all the same; the next counts from its arrival.
        book={BOARD_RETURN: Due("open", "record_board_return", EVENT, date(2026, 7, 14), 2)},
        label="late, the last one missed",
    ),
    Row(
        "return_to_work",
        XS.FORMALLY_EXCLUDED,
        {"returned_on": T},
        closing(XS.FORMALLY_EXCLUDED, "returned_to_work", XS.RETURNED_TO_WORK) | {"returned_on": T},
        stages=EXCLUDED,
        refusals=(future("returned_on"),),
        # The exclusion over, no board return is due on it.
        book={EXCLUSION_REVIEW: was("waived"), BOARD_RETURN: was("waived")},
        outside=(
            ("signal", f"advice-{ADVICE_REF}:exclusion_ended", XSIGNAL | {"outcome": "returned_to_work"}),
        ),
    ),
    Row(
        "end_exclusion",
        XS.IMMEDIATELY_EXCLUDED,
        {"ended_on": T, "reason": "resignation"},
        closing(XS.IMMEDIATELY_EXCLUDED, "resignation", XS.ENDED),
        stages=EXCLUDED,
        refusals=(future("ended_on"),),
        book={IMMEDIATE_ENDS: was("waived"), BOARD_RETURN: was("waived")},
        outside=(("signal", f"advice-{ADVICE_REF}:exclusion_ended", XSIGNAL | {"outcome": "resignation"}),),
    ),
    *common_rows(
        ADVICE_POLICY,
        XS.FORMALLY_EXCLUDED,
        EXCLUSION_REVIEW,
        frozenset(XS),
        EXCLUDED,
        ADVISING,
        ADVICE_SUPERVISING,
    ),
]

KINDS = {
    "early_notification": Kind(
        "early_notification",
        early_notification.EarlyNotificationWorkflow,
        EN_POLICY,
        HANDLING,
        CLAIM_SUPERVISING,
        en_case,
        EN_ROWS,
        "notify",
    ),
    "advice": Kind(
        "advice",
        advice.AdviceCaseWorkflow,
        ADVICE_POLICY,
        ADVISING,
        ADVICE_SUPERVISING,
        advice_case,
        ADVICE_ROWS,
        "refer",
    ),
    "intervention": Kind(
        "intervention",
        intervention.InterventionWorkflow,
        ADVICE_POLICY,
        ADVISING,
        ADVICE_SUPERVISING,
        intervention_case,
        INTERVENTION_ROWS,
        "start_intervention",
    ),
    "exclusion": Kind(
        "exclusion",
        exclusion.ExclusionWorkflow,
        ADVICE_POLICY,
        ADVISING,
        ADVICE_SUPERVISING,
        exclusion_case,
        EXCLUSION_ROWS,
        "record_exclusion",
    ),
}


def _row_id(kind: Kind, row: Row) -> str:
    return f"{kind.name}.{row.action}" + (f"[{row.label}]" if row.label else "")


ROWS = [pytest.param(kind, row, id=_row_id(kind, row)) for kind in KINDS.values() for row in kind.rows]
FIRST_ROWS = [
    pytest.param(kind, row, id=_row_id(kind, row))
    for kind in KINDS.values()
    for row in kind.rows
    if not row.label
]
REFUSALS = [
    pytest.param(kind, row, r, id=f"{_row_id(kind, row)}:{r.code}:{i}")
    for kind in KINDS.values()
    for row in kind.rows
    for i, r in enumerate(row.refusals)
]

# --- what a case asks of Temporal, recorded ---------------------------------------------------------


@dataclass
class Outside:
    calls: list[tuple[str, str, dict]] = field(default_factory=list)
    fail: BaseException | None = None


def _dump(value: Any) -> dict:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


@pytest.fixture
def outside(monkeypatch) -> Outside:
    """Temporal's clock, activities, children and signals replaced by recorders; the calendar the
    deadline book asks is the real one, called directly."""
    record = Outside()

    async def execute_activity_method(method, arg, **options):
        record.calls.append(("activity", method.__name__, _dump(arg)))
        if record.fail is not None:
            raise record.fail

    async def start_child_workflow(run, arg, *, id, **options):
        record.calls.append(("child", run.__qualname__, {"id": id, **_dump(arg)}))

    class Handle:
        def __init__(self, workflow_id: str) -> None:
            self.workflow_id = workflow_id

        async def signal(self, name: str, arg: Any) -> None:
            record.calls.append(("signal", f"{self.workflow_id}:{name}", _dump(arg)))

    async def compute(book: DeadlineBook, request):
        return due_for(request)

    monkeypatch.setattr(workflow, "now", lambda: NOW)
    monkeypatch.setattr(workflow, "info", lambda: SimpleNamespace(workflow_id=WORKFLOW_ID))
    monkeypatch.setattr(workflow, "execute_activity_method", execute_activity_method)
    monkeypatch.setattr(workflow, "start_child_workflow", start_child_workflow)
    monkeypatch.setattr(workflow, "get_external_workflow_handle", Handle)
    monkeypatch.setattr(workflow, "upsert_search_attributes", lambda attributes: None)
    monkeypatch.setattr(DeadlineBook, "_compute", compute)
    return record


def running(kind: Kind, state: CaseState) -> CaseWorkflow:
    """The kind's workflow class around `state`, as a running case would hold it."""
    case = object.__new__(kind.workflow)
    case.state, case.policy, case._input = state, kind.policy, None
    case._dirty = case._rearm = False
    case.requests, case.unprojected, case._registered = {}, [], None
    case._calendar = Calendar()
    return case


async def take(kind: Kind, case: CaseWorkflow, action: str, payload: BaseModel, ctx: Context):
    """What the kit's update handler does with an accepted step, less the ledger and projection."""
    step, state = kind.pathway.steps[action], case.state
    if step.before is not None:
        await step.before(case, payload, ctx)
    stage_before = state.stage
    kind.pathway.apply(state, step, payload, ctx)
    changes = await case._deadline_effects(step, payload, ctx, stage_before)
    applied = AppliedAction(
        seq=state.seq + 1,
        action=action,
        request_id="request-1",
        stage_before=stage_before,
        stage_after=state.stage,
        actor_id=ctx.actor.id,
    )
    if step.after is not None:
        await step.after(case, payload, ctx, applied)
    await case.after_step(step, payload, ctx, applied)
    return changes


def contains(expected: Any, actual: Any) -> bool:
    """`actual` has everything `expected` says (dicts may have more keys)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and contains(v, actual[k]) for k, v in expected.items()
        )
    return expected == actual


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in after.items() if before.get(k) != v}


# --- the tables as declared -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_every_row_of_the_table_is_specified_here(kind: Kind):
    steps = [action for action in kind.pathway.steps if action not in KIT_INTERNAL]
    assert set(steps) == {row.action for row in kind.rows}
    first_specs = [row.action for row in kind.rows if not row.label]
    assert first_specs == steps, "each row's first spec, in table order"


def test_the_kinds_a_concern_can_come_from_take_links():
    assert {name for name, kind in KINDS.items() if "link_case" in kind.pathway.steps} == {
        "early_notification",
        "advice",
    }


@pytest.mark.parametrize("kind", [KINDS["early_notification"], KINDS["advice"]], ids=["en", "advice"])
def test_another_case_links_itself_through_the_kits_own_step(kind: Kind):
    """`link_case` is the kit's (workflows/case_kit.py link_case_step, tested with the concerns
    that send it): internal, never offered, at every stage, applied once however often sent."""
    step = kind.pathway.steps["link_case"]
    assert step.internal and step.from_stages == frozenset(kind.pathway.stages)
    state = kind.state(next(iter(kind.pathway.stages)).value)
    assert "link_case" not in kind.pathway.allowed_actions(state, next(iter(kind.acting)))
    concern = {"kind": "significant_concern", "ref": "SCN-A", "workflow_id": "w", "relation": "raised"}
    payload = step.payload.model_validate(concern)
    for _ in range(2):
        kind.pathway.apply(state, step, payload, context(kind, next(iter(kind.acting))))
    assert [link.ref for link in state.links] == ["SCN-A"]


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_the_kind_declares_on_its_rows_not_in_class_hooks(kind: Kind):
    flow = kind.workflow
    assert kind.pathway.opening_action == kind.opening_action
    for hook in ("before", "after", "deadline_effects", "opening_action", "confidential"):
        assert not hasattr(flow, hook), f"{flow.__name__}.{hook}: per-action behaviour is on the rows"
    assert flow.view_type is CaseView[flow.state_type]


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_who_each_kind_assigns_cases_to_and_what_else_rows_declare(kind: Kind):
    steps = kind.pathway.steps.values()
    assignees = {s.action: s.assignee for s in steps if s.assignee}
    assert assignees == {
        "advice": {"assign_adviser": "adviser", "reassign_adviser": "adviser"},
        "early_notification": {"open_claim": "handler"},
    }.get(kind.name, {})
    for step in steps:
        if step.assignee:
            assert step.assignee in step.payload.model_fields
        assert (step.internal, step.hold, step.diverts) == (step.action in KIT_INTERNAL, "any", ())


# --- who, where, and what refuses a step ----------------------------------------------------------


@pytest.mark.parametrize(("kind", "row"), FIRST_ROWS)
def test_who_may_take_the_step(kind: Kind, row: Row):
    step, state = kind.pathway.steps[row.action], kind.ready(row)
    payload = step.payload.model_validate(row.payload)
    outcome = {role: kind.pathway.refusal(state, step, payload, context(kind, role)) for role in PEOPLE_ROLES}
    forbidden = {
        role for role, refusal in outcome.items() if refusal and refusal.code == "forbidden_for_role"
    }
    assert forbidden == PEOPLE_ROLES - kind.roles(row)
    assert all(outcome[role] is None for role in kind.roles(row)), outcome


@pytest.mark.parametrize(("kind", "row"), FIRST_ROWS)
def test_where_the_step_may_be_taken(kind: Kind, row: Row):
    step = kind.pathway.steps[row.action]
    payload, ctx = step.payload.model_validate(row.payload), context(kind, kind.role(row))
    closed = set()
    for stage in kind.pathway.stages:
        refusal = kind.pathway.refusal(kind.state(stage), step, payload, ctx)
        if refusal is not None and refusal.code == "action_not_allowed":
            assert refusal.stage == stage and row.action not in refusal.allowed_actions
            closed.add(stage.value)
    assert closed == {s.value for s in kind.pathway.stages} - set(row.stages)


@pytest.mark.parametrize(("kind", "row"), ROWS)
def test_a_ready_case_offers_and_takes_the_step(kind: Kind, row: Row):
    step, state, role = kind.pathway.steps[row.action], kind.ready(row), kind.role(row)
    assert row.action in kind.pathway.allowed_actions(state, role)
    assert (
        kind.pathway.refusal(state, step, step.payload.model_validate(row.payload), context(kind, role))
        is None
    )


@pytest.mark.parametrize(("kind", "row", "refusal"), REFUSALS)
def test_what_refuses_the_step(kind: Kind, row: Row, refusal: Refused):
    step, role = kind.pathway.steps[row.action], kind.role(row)
    state = kind.state(row.at, row.given | refusal.given)
    payload = step.payload.model_validate(row.payload | refusal.payload)
    answer = kind.pathway.refusal(state, step, payload, context(kind, role))
    assert answer is not None and answer.code == refusal.code, answer
    assert answer.stage == state.stage and answer.allowed_actions == kind.pathway.allowed_actions(state, role)
    # A refusal by the state alone is an availability: the step is not offered while it holds.
    assert (row.action in answer.allowed_actions) is refusal.offered


# --- what a step does -------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "row"), ROWS)
def test_what_the_step_changes_in_the_state(kind: Kind, row: Row):
    step, state = kind.pathway.steps[row.action], kind.ready(row)
    before = state.model_dump(mode="json")
    kind.pathway.apply(state, step, step.payload.model_validate(row.payload), context(kind, kind.role(row)))
    assert changed(before, state.model_dump(mode="json")) == row.changes | {"updated_at": AT}


@pytest.mark.parametrize(("kind", "row"), ROWS)
async def test_what_the_step_does_to_the_book_and_beyond_the_case(kind: Kind, row: Row, outside: Outside):
    step, state = kind.pathway.steps[row.action], kind.ready(row)
    payload, ctx = step.payload.model_validate(row.payload), context(kind, kind.role(row))
    applied_only = kind.ready(row)
    kind.pathway.apply(applied_only, step, payload, ctx)
    book_before = summary(state)

    await take(kind, running(kind, state), row.action, payload, ctx)

    assert changed(book_before, summary(state)) == row.book
    assert {n for n in book_before if n not in state.deadlines} == set()
    ignored = {"deadlines", "next_deadline_at", "overdue"}
    after = state.model_dump(mode="json", exclude=ignored)
    assert changed(applied_only.model_dump(mode="json", exclude=ignored), after) == row.later
    assert [(kind_, name) for kind_, name, _ in outside.calls] == [(k, n) for k, n, _ in row.outside]
    for (_, _, arg), (_, _, expected) in zip(outside.calls, row.outside, strict=True):
        assert contains(expected, arg), arg


# --- what each role is offered ---------------------------------------------------------------------

OPEN_COMMON, OPEN_SUPERVISING = {"add_note", "extend_deadline"}, {"waive_deadline", "acknowledge_escalation"}
ENDED_COMMON, ENDED_SUPERVISING = {"add_note"}, {"acknowledge_escalation"}
EN_ANY_TIME = {"assign_family_liaison", "record_family_contact", "record_mnsi_family_contact"}
BOTH_FOUND = {"breach": found(True), "causation": found(True)}
APOLOGISED = {"apology": {"given_on": iso(-1), "by": "trust", "method": "meeting"}}

CLAIM_INSTEAD = {"family_chooses_traditional_claim", "record_letter_of_claim"}
LEGAL = {*CLAIM_INSTEAD, "record_breach_finding", "record_causation_finding"}
NOT_FOUND = {"breach": found(False), "causation": found(False)}
RE = {"reassign_adviser"}  # what an advice supervisor alone is offered at most advice stages
EXCLUDED_ANY_TIME = {"consult_advice_service", "record_board_return", "return_to_work", "end_exclusion"}
HPAN = "issue_alert_notice"
IN_FORCE_NOW = {"review_alert_notice", "revoke_alert_notice"}  # with an alert notice in force

# For typical cases at each stage (with what the case has): what the kind's acting roles are
# offered beyond notes and deadline extensions, and what its supervising roles alone are offered
# beyond waivers and acknowledgments. Everyone else: nothing.
OFFERED: dict[str, list[tuple[str, dict[str, Any], set[str], set[str]]]] = {
    "early_notification": [
        (ES.NOTIFIED, {}, {"acknowledge_notification", "receive_mnsi_report", *EN_ANY_TIME}, set()),
        (ES.AWAITING_MNSI_REPORT, {}, {"receive_mnsi_report", *EN_ANY_TIME}, set()),
        (ES.MRI_TRIAGE, {}, {"mri_criteria_met", "mri_criteria_not_met", *EN_ANY_TIME}, set()),
        (
            ES.INITIAL_CLINICAL_REVIEW,
            {},
            {"initial_review_concern", "initial_review_no_concern", *EN_ANY_TIME},
            set(),
        ),
        (ES.FAMILY_LETTER_DUE, {}, {"send_family_letter_seeking_consent", *EN_ANY_TIME}, set()),
        (
            ES.FAMILY_LETTER_DUE,
            {"family_consent_required": False},
            {"send_family_letter", *EN_ANY_TIME},
            set(),
        ),
        (
            ES.AWAITING_FAMILY_DECISION,
            {},
            {"record_family_consent", "record_family_declined", *CLAIM_INSTEAD, *EN_ANY_TIME},
            set(),
        ),
        (ES.LEGAL_INVESTIGATION, {}, {*LEGAL, *EN_ANY_TIME}, set()),
        (ES.LEGAL_INVESTIGATION, {"breach": found(True)}, {*LEGAL, *EN_ANY_TIME}, set()),
        (ES.LEGAL_INVESTIGATION, {"causation": found(False)}, {*LEGAL, *EN_ANY_TIME}, set()),
        (ES.LEGAL_INVESTIGATION, NOT_FOUND, {*LEGAL, "decide_no_liability", *EN_ANY_TIME}, set()),
        (
            ES.LEGAL_INVESTIGATION,
            NOT_FOUND | {"breach": found(True)},
            {*LEGAL, "decide_no_liability", *EN_ANY_TIME},
            set(),
        ),
        (ES.LEGAL_INVESTIGATION, BOTH_FOUND, {*LEGAL, "admit_liability", *EN_ANY_TIME}, set()),
        (ES.LIABILITY_ADMITTED, {}, {"record_apology", "record_interim_payment", *EN_ANY_TIME}, set()),
        (
            ES.LIABILITY_ADMITTED,
            APOLOGISED,
            {"record_apology", "record_interim_payment", "open_claim", *EN_ANY_TIME},
            set(),
        ),
        (ES.AWAITING_LETTER_OF_CLAIM, {}, {"record_letter_of_claim", *EN_ANY_TIME}, set()),
        (ES.CLAIM_OPEN, {}, EN_ANY_TIME, set()),
        (
            ES.CLAIM_OPEN,
            {"mnsi_family_contact_on": iso(-3)},
            EN_ANY_TIME - {"record_mnsi_family_contact"},
            set(),
        ),
        (ES.CLOSED, {}, set(), set()),
    ],
    "advice": [
        (AS.REFERRED, {}, {"assign_adviser", "record_exclusion", HPAN}, set()),
        (AS.ADVISER_ASSIGNED, {}, {"hold_advice_call", "record_exclusion", HPAN}, RE),
        (
            AS.ADVICE_GIVEN,
            {},
            {"schedule_follow_up", "agree_closure", "start_intervention", "record_exclusion", HPAN},
            RE,
        ),
        (
            AS.FOLLOW_UP_SCHEDULED,
            {},
            {"hold_advice_call", "request_assessment", "start_intervention", "record_exclusion", HPAN},
            RE,
        ),
        (
            AS.FOLLOW_UP_SCHEDULED,
            {"exclusions": [RUNNING_EXCLUSION]},
            {"hold_advice_call", "request_assessment", "start_intervention", HPAN},
            RE,
        ),
        (
            AS.FOLLOW_UP_SCHEDULED,
            {"alert_notices": [IN_FORCE]},
            {
                "hold_advice_call",
                "request_assessment",
                "start_intervention",
                "record_exclusion",
                *IN_FORCE_NOW,
            },
            RE,
        ),
        (
            AS.FOLLOW_UP_SCHEDULED,
            {"alert_notices": [REVOKED]},
            {"hold_advice_call", "request_assessment", "start_intervention", "record_exclusion", HPAN},
            RE,
        ),
        (
            AS.ASSESSMENT_REQUESTED,
            {},
            {"approve_assessment", "decline_assessment", "record_consent", "record_exclusion", HPAN},
            RE,
        ),
        (
            AS.ASSESSMENT_REQUESTED,
            {"assessments": [REQUESTED | {"icg_approved_on": day(-1)}]},
            {"record_consent", "record_exclusion", HPAN},
            RE,
        ),
        (
            AS.ASSESSMENT_REQUESTED,
            {"assessments": [REQUESTED | {"practitioner_consented_on": day(-1)}]},
            {
                "approve_assessment",
                "decline_assessment",
                "record_consent",
                "withdraw_consent",
                "record_exclusion",
                HPAN,
            },
            RE,
        ),
        (
            AS.ASSESSMENT_REQUESTED,
            {"assessments": [AUTHORISED]},
            {"record_consent", "withdraw_consent", "start_assessment", "record_exclusion", HPAN},
            RE,
        ),
        (AS.ASSESSING, {}, {"withdraw_consent", "issue_assessment_report", "record_exclusion", HPAN}, RE),
        (
            AS.ASSESSMENT_REPORTED,
            {},
            {"hold_advice_call", "start_intervention", "record_exclusion", HPAN},
            RE,
        ),
        (AS.CLOSURE_AGREED, {}, {"close"}, RE),
        (AS.CLOSURE_AGREED, {"interventions": [ENDED_INTERVENTION]}, {"close"}, RE),
        (AS.CLOSURE_AGREED, {"interventions": [RUNNING_INTERVENTION]}, set(), RE),
        (AS.CLOSURE_AGREED, {"exclusions": [RUNNING_EXCLUSION]}, set(), RE),
        (AS.CLOSURE_AGREED, {"alert_notices": [IN_FORCE]}, IN_FORCE_NOW, RE),
        (AS.CLOSURE_AGREED, {"alert_notices": [REVOKED]}, {"close"}, RE),
        (AS.CLOSED, {}, set(), set()),
        (AS.CLOSED, {"alert_notices": [REVOKED]}, set(), set()),
    ],
    "intervention": [
        (IS.AGREED, MEDIATION, {"appoint_mediator", "abandon"}, set()),
        (IS.AGREED, TEAM_REVIEW, {"agree_review_terms", "abandon"}, set()),
        (IS.AGREED, PLAN, {"agree_action_plan", "abandon"}, set()),
        (IS.MEDIATOR_APPOINTED, {}, {"hold_mediation", "abandon"}, set()),
        (IS.MEDIATION_HELD, {}, {"issue_report", "abandon"}, set()),
        (IS.TERMS_AGREED, {}, {"hold_team_review", "abandon"}, set()),
        (IS.REVIEW_HELD, {}, {"issue_report", "abandon"}, set()),
        (IS.PLAN_AGREED, {}, {"record_follow_up", "abandon"}, set()),
        (IS.PLAN_AGREED, {"objectives": objectives(True, False)}, {"record_follow_up", "abandon"}, set()),
        (IS.PLAN_AGREED, {"objectives": MET_OBJECTIVES}, {"issue_report", "abandon"}, set()),
        (IS.REPORTED, {}, {"complete"}, set()),
        (IS.COMPLETED, {}, set(), set()),
        (IS.ABANDONED, {}, set(), set()),
    ],
    "exclusion": [
        (XS.IMMEDIATELY_EXCLUDED, {}, EXCLUDED_ANY_TIME, set()),
        (
            XS.IMMEDIATELY_EXCLUDED,
            {"consultations": [day(-1)]},
            {"formally_exclude", *EXCLUDED_ANY_TIME},
            set(),
        ),
        (XS.FORMALLY_EXCLUDED, {}, {"review_exclusion", *EXCLUDED_ANY_TIME}, set()),
        (XS.FORMALLY_EXCLUDED, REVIEWED, {"renew_exclusion", *EXCLUDED_ANY_TIME}, set()),
        (XS.FORMALLY_EXCLUDED, THIRD_REVIEWED, EXCLUDED_ANY_TIME, set()),
        (XS.FORMALLY_EXCLUDED, {"periods": THIRD_CONSULTED}, {"renew_exclusion", *EXCLUDED_ANY_TIME}, set()),
        (XS.RETURNED_TO_WORK, {}, set(), set()),
        (XS.ENDED, {}, set(), set()),
    ],
}


@pytest.mark.parametrize(
    ("name", "stage", "given", "acting", "supervising"),
    [
        pytest.param(name, *o, id=f"{name}.{o[0]}:{i}")
        for name, os in OFFERED.items()
        for i, o in enumerate(os)
    ],
)
def test_what_each_role_is_offered(name, stage, given, acting, supervising):
    kind = KINDS[name]
    state = kind.state(stage, given)
    ended = stage in kind.pathway.final
    acting = acting | (ENDED_COMMON if ended else OPEN_COMMON)
    supervising = acting | supervising | (ENDED_SUPERVISING if ended else OPEN_SUPERVISING)
    expected = {role: set() for role in PEOPLE_ROLES}
    for role in kind.acting:
        expected[role] = set(acting)
    for role in kind.supervising:
        expected[role] = set(supervising)
    offered = {role: set(kind.pathway.allowed_actions(state, role)) for role in PEOPLE_ROLES}
    assert offered == expected


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_every_stage_of_every_kind_is_shown_above(kind: Kind):
    assert {o[0] for o in OFFERED[kind.name]} == set(kind.pathway.stages)


# --- the steps that ask other systems first ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cause", "code"),
    [
        (ApplicationError("no claim CLM-ABCDEFGHIJKL", type="unknown_claim"), "unknown_claim"),
        (ApplicationError("the register is down", type="OperationalError"), "claim_unavailable"),
    ],
)
@pytest.mark.parametrize("action", ["open_claim", "record_letter_of_claim"])
async def test_a_claim_that_says_no_refuses_the_step_and_changes_nothing(
    action, cause, code, outside: Outside
):
    kind = KINDS["early_notification"]
    row = next(r for r in kind.rows if r.action == action and not r.label)
    step, state = kind.pathway.steps[action], kind.ready(row)
    before = state.model_dump()
    error = ActivityError(
        "activity failed",
        scheduled_event_id=1,
        started_event_id=2,
        identity="worker",
        activity_type=action,
        activity_id="1",
        retry_state=None,
    )
    error.__cause__ = cause
    outside.fail = error
    with pytest.raises(ApplicationError) as refused_:
        await take(
            kind,
            running(kind, state),
            action,
            step.payload.model_validate(row.payload),
            context(kind, Role.HANDLER),
        )
    assert refused_.value.type == code and refused_.value.details[0]["stage"] == row.at
    assert state.model_dump() == before


# --- what time does ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "status", "closes"),
    [
        (ES.AWAITING_FAMILY_DECISION, "missed", True),
        (ES.AWAITING_FAMILY_DECISION, "open", False),
        (ES.AWAITING_FAMILY_DECISION, "extended", False),
        (ES.LEGAL_INVESTIGATION, "missed", False),
    ],
)
async def test_the_familys_window_expiring_closes_the_case_and_changes_the_book(
    stage, status, closes, outside
):
    kind = KINDS["early_notification"]
    state = kind.state(stage, {"deadlines": seeded(EN_POLICY, *OPENING, **{en.FAMILY_DECISION: status})})
    case = running(kind, state)
    assert await case.on_time_passed() is closes
    if closes:
        assert (state.stage, state.outcome) == (ES.CLOSED, "family_decision_expired")
        assert state.family_decision.model_dump(mode="json") == {"decision": "window_expired", "on": iso(0)}
        assert {d.status.value for n, d in state.deadlines.items() if n != en.FAMILY_DECISION} == {"waived"}
        assert case.unprojected[-1].action == "family_decision_window_expired"
    else:
        assert state.stage == stage and not case.unprojected
    assert [c[:2] for c in outside.calls] == [("activity", "project_early_notification")]


async def test_a_missed_exclusion_review_gives_a_right_to_return_once_and_leaves_the_book(outside):
    kind = KINDS["exclusion"]
    state = kind.state(
        XS.FORMALLY_EXCLUDED, {"deadlines": seeded(ADVICE_POLICY, **{EXCLUSION_REVIEW: "missed"})}
    )
    case = running(kind, state)
    book = summary(state)
    assert await case.on_time_passed() is False
    assert (
        state.right_to_return
        and state.right_to_return_reason == exclusion.RIGHT_TO_RETURN_IF_MISSED[EXCLUSION_REVIEW]
    )
    assert state.missed == [f"right_to_return:{EXCLUSION_REVIEW}:1"] and summary(state) == book
    assert [e.action for e in case.unprojected] == ["right_to_return"]
    assert await case.on_time_passed() is False
    assert [e.action for e in case.unprojected] == ["right_to_return"], "once per missed deadline"


# --- the advice service's recurring dates ----------------------------------------------------------


@pytest.mark.parametrize(("type_", "first"), [("immediate", IMMEDIATE_ENDS), ("formal", EXCLUSION_REVIEW)])
async def test_an_exclusion_opens_with_its_first_board_return_a_calendar_month_on(type_, first, outside):
    """MHPS Part II para 38: whatever the exclusion, its first monthly return is due a calendar
    month from the day the practitioner was excluded (31 Jan 2026 -> 28 Feb, CPR 2.10 counting)."""
    kind = KINDS["exclusion"]
    opening = a.ExclusionOpening(
        exclusion=type_,
        advice_ref=ADVICE_REF,
        advice_workflow_id=f"advice-{ADVICE_REF}",
        excluded_on=date(2026, 1, 31),
        advice_consulted_on=date(2026, 1, 30) if type_ == "formal" else None,
        owner="ava.adviser",
    )
    meta = {"actor": {"id": "ava.adviser", "role": "adviser"}, "request_id": "request-1"}
    opened = a.ExclusionInput(
        ref=X1, owner="ava.adviser", opening=opening, opened_by=meta, policy=ADVICE_POLICY
    )
    case = running(kind, exclusion_case(XS.IMMEDIATELY_EXCLUDED))
    case.state = case.open(opened, NOW)
    await case.on_open(opened)
    assert set(case.state.deadlines) == {first, BOARD_RETURN}
    returns = case.state.deadlines[BOARD_RETURN]
    assert (returns.trigger, returns.trigger_date, returns.due_on) == (
        "record_exclusion",
        date(2026, 1, 31),
        date(2026, 2, 28),
    )
    assert returns.basis.startswith("MHPS Part II para 38")


async def test_a_board_return_meets_this_months_and_sets_the_next_in_its_history(outside):
    kind = KINDS["exclusion"]
    state = kind.state(XS.FORMALLY_EXCLUDED)
    step = kind.pathway.steps["record_board_return"]
    payload = step.payload.model_validate({"received_on": T, "summary": RETURN_SUMMARY})
    await take(kind, running(kind, state), "record_board_return", payload, context(kind, Role.ADVISER))
    returns = state.deadlines[BOARD_RETURN]
    assert [c.change for c in returns.changes] == ["met", "set"]
    assert returns.changes[1].previous_due_on == SEEDED_DUE and returns.due_on == date(2026, 7, 14)


async def test_a_withdrawal_of_consent_says_why_the_assessments_deadlines_end(outside):
    kind = KINDS["advice"]
    row = next(r for r in ADVICE_ROWS if r.action == "withdraw_consent" and r.label)
    state = kind.ready(row)
    step = kind.pathway.steps["withdraw_consent"]
    await take(
        kind,
        running(kind, state),
        "withdraw_consent",
        step.payload.model_validate(row.payload),
        context(kind, Role.ADVISER),
    )
    waived = state.deadlines[LETTER].changes[-1]
    assert (waived.change, waived.reason) == (
        "waived",
        f"the organisation withdrew consent to the assessment on {EVENT}",
    )


@pytest.mark.parametrize(
    ("since", "latest"),
    [
        (date(2026, 6, 14), date(2026, 12, 14)),
        (date(2026, 8, 31), date(2027, 2, 28)),  # the shorter month's last day (Dodds v Walker)
        (date(2027, 8, 31), date(2028, 2, 29)),
    ],
)
def test_an_alert_notices_next_review_is_at_most_the_unconfirmed_interval_ahead(since, latest):
    assert a.HPAN_REVIEW_MONTHS == 6
    assert advice.latest_review_on(since, ADVICE_POLICY) == latest


def test_a_short_policy_times_the_review_in_seconds_but_keeps_the_published_interval():
    from tests.advice_paths import SHORT_ADVICE

    rules = SHORT_ADVICE.deadlines.rules
    assert rules[HPAN_REVIEW].seconds == rules[BOARD_RETURN].seconds == 4.0
    assert rules[HPAN_REVIEW].period is None
    assert advice.latest_review_on(date(2026, 6, 14), SHORT_ADVICE) == date(2026, 12, 14)
