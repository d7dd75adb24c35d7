"""EarlyNotificationWorkflow: one maternity Early Notification case, from the trust's
notification to its outcome (DOMAIN.md 3).

The API checks the entry criteria before the case starts (models/early_notification.py). At
opening the case checks the reporting before it against its periods: the clinical team telling
the trust's legal team (14 days from the birth), for the pre-2020 scheme the report to NHS
Resolution (30 days from the birth), MNSI's call to the trust (1 working day from the trust's
report); each is a deadline met at once with the date the notification records. The case then
waits for MNSI's report, triages the MRI evidence, reviews the care, writes to the
family and, for births from 1 Oct 2023, waits up to 3 months for their consent before the
legal investigation. An admission of liability opens a claim (a ClaimWorkflow, through an
activity), linked both ways; a family that brings a traditional claim instead links the case to
theirs. Either way the EN case then follows the claim (`claim_open`): the claim tells it of each
new stage (the kit's followers), and it closes when the claim does. The trust's duty of candour
is a case of its own (workflows/duty_of_candour.py), opened with this one and linked both ways;
once it says the family was told in person, MNSI's contact with the family is due within 5
working days.

If the family's 3 months pass without a decision recorded, the case closes by itself: without
consent NHS Resolution may not investigate, and the family keeps the ordinary claim route.
The deadline's ladder warns the handler before the end and tells the supervisor at it; a
family that asks for more time gets it through `extend_deadline`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from activities.early_notification import EarlyNotificationActivities
from models import early_notification as m
from models.cases import CaseLink, CaseProgress
from models.claims import Claimant, ClaimOpening, Defendant, Scheme, claim_workflow_id
from models.common import ActionMeta, CaseKind, Refusal, case_workflow_id
from models.deadlines import DeadlineStatus
from models.duty_of_candour import CandourGiven, DutyOfCandourInput, Incident, candour_ref_for
from models.early_notification import Outcome
from models.early_notification import Stage as S
from workflows.activity_options import ASKING_ANOTHER_CASE, REGISTER_WRITE
from workflows.case_kit import (
    SYSTEM,
    CaseWorkflow,
    Context,
    Pathway,
    Step,
    both,
    common_steps,
    link_case_step,
    not_future,
    refuse,
)
from workflows.clock import london_date
from workflows.duty_of_candour import DutyOfCandourWorkflow

EVERY = frozenset(S)
FINAL = frozenset({S.CLOSED})
OPEN = EVERY - FINAL
LEGAL = frozenset({S.LEGAL_INVESTIGATION})
# Opening or noting a claim: a few tries, then the step is refused and nothing has changed.
CLAIM_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5)
CLAIM_SPECIALTY = "obstetrics"


# --- effects -------------------------------------------------------------------------------


def _close(state: m.EarlyNotificationState, outcome: Outcome) -> None:
    state.outcome = outcome.value


def _acknowledge(state, p: m.AcknowledgeNotification, ctx: Context) -> None:
    state.acknowledged_on = p.sent_on


def _report(state, p: m.ReceiveMnsiReport, ctx: Context) -> None:
    state.mnsi_report_received_on = p.received_on


def _review(field: str, met: bool):
    def review(state, p: m.Review, ctx: Context) -> None:
        record = m.ReviewRecord(**p.model_dump(include=set(m.Review.model_fields)), met=met, by=ctx.actor.id)
        setattr(state, field, record)

    return review


def _closing_review(field: str, outcome: Outcome, purpose: str):
    review = _review(field, False)

    def close(state, p: m.ReviewWithLetters, ctx: Context) -> None:
        review(state, p, ctx)
        for to in ("trust", "family"):
            state.letters.append(m.Letter(to=to, purpose=purpose, sent_on=p.letters_sent_on))
        _close(state, outcome)

    return close


def _family_letter(purpose: str):
    def letter(state, p: m.SendFamilyLetter, ctx: Context) -> None:
        state.family_letter_sent_on = p.sent_on
        state.letters.append(m.Letter(to="family", purpose=purpose, sent_on=p.sent_on))

    return letter


def _family_decides(decision: str, outcome: Outcome | None = None):
    def decide(state, p: m.FamilyDecisionOn, ctx: Context) -> None:
        state.family_decision = m.FamilyDecision(decision=decision, on=p.decided_on)
        if outcome is not None:
            _close(state, outcome)

    return decide


def _letter_of_claim(state, p: m.RecordLetterOfClaim, ctx: Context) -> None:
    if state.family_decision is None or state.family_decision.decision != "traditional_claim":
        state.family_decision = m.FamilyDecision(decision="traditional_claim", on=p.received_on)
    _link_claim(state, p.claim_ref)
    _close(state, Outcome.TRADITIONAL_CLAIM)


def _link_claim(state, claim_ref: str) -> None:
    state.claim_ref = claim_ref
    link = CaseLink(kind=CaseKind.CLAIM, ref=claim_ref, workflow_id=claim_workflow_id(claim_ref))
    if link not in state.links:
        state.links.append(link)


def _finding(field: str):
    def find(state, p: m.Finding, ctx: Context) -> None:
        setattr(state, field, m.FindingRecord(**p.model_dump(), recorded_by=ctx.actor.id))

    return find


def _no_liability(state, p: m.DecideNoLiability, ctx: Context) -> None:
    state.liability = m.LiabilityDecision(
        admitted=False, decided_on=p.decided_on, reasons=p.reasons, decided_by=ctx.actor.id
    )
    state.letters.append(
        m.Letter(to="family", purpose="outcome: no liability", sent_on=p.outcome_letter_sent_on)
    )
    _close(state, Outcome.NO_LIABILITY)


def _admit(state, p: m.AdmitLiability, ctx: Context) -> None:
    state.liability = m.LiabilityDecision(
        admitted=True, decided_on=p.decided_on, reasons=p.reasons, decided_by=ctx.actor.id
    )


def _apology(state, p: m.RecordApology, ctx: Context) -> None:
    state.apology = p


def _interim(state, p: m.RecordInterimPayment, ctx: Context) -> None:
    state.interim_payments.append(p)


def _claim_opened(state, p: m.OpenClaim, ctx: Context) -> None:
    _link_claim(state, m.claim_ref_for(state.ref))
    _close(state, Outcome.LIABILITY_ADMITTED)


def _mnsi_contacted_family(state, p: m.RecordMnsiFamilyContact, ctx: Context) -> None:
    state.mnsi_family_contact_on = p.contacted_on


def _liaison(state, p: m.AssignFamilyLiaison, ctx: Context) -> None:
    state.family_liaison_officer = p.officer


def _contact(state, p: m.RecordFamilyContact, ctx: Context) -> None:
    state.family_contacts.append(
        m.FamilyContact(**p.model_dump(), recorded_by=ctx.actor.id, recorded_at=ctx.now)
    )


# --- checks --------------------------------------------------------------------------------


def _letter_for_the_birth(consent_required: bool):
    """Which letter the family gets depends on the birth alone: from 1 Oct 2023 the one seeking
    their consent, before it the one telling them of the investigation."""

    def available(state: m.EarlyNotificationState):
        if state.family_consent_required == consent_required:
            return None
        if consent_required:
            return (
                "family_consent_not_required",
                "born before 1 Oct 2023: the letter tells the family of the investigation "
                "(send_family_letter)",
            )
        return (
            "family_consent_required",
            "born on or after 1 Oct 2023: the family's consent comes first "
            "(send_family_letter_seeking_consent)",
        )

    return available


def _not_before_notification(field: str):
    def check(state, p: Any, ctx: Context):
        if getattr(p, field) < state.notified_on:
            return "date_before_notification", f"{field} is before the notification ({state.notified_on})"
        return None

    return check


def _findings_support(admitted: bool):
    """A liability decision needs both findings, and they must point its way."""

    def available(state: m.EarlyNotificationState):
        missing = [name for name in ("breach", "causation") if getattr(state, name) is None]
        if missing:
            return "findings_outstanding", f"record the {' and '.join(missing)} finding first"
        supports = state.breach.found and state.causation.found
        if admitted and not supports:
            return "findings_do_not_support_admission", "an admission needs breach and causation both found"
        if not admitted and supports:
            return "findings_support_liability", "breach and causation were both found: admit liability"
        return None

    return available


def _not_before_initial_candour(state: m.EarlyNotificationState, p: m.RecordMnsiFamilyContact, ctx):
    if state.initial_candour_on is not None and p.contacted_on < state.initial_candour_on:
        return (
            "date_before_initial_candour",
            f"MNSI contacts the family after the trust's initial candour ({state.initial_candour_on})",
        )
    return None


def _mnsi_family_contact_outstanding(state: m.EarlyNotificationState):
    if state.mnsi_family_contact_on is not None:
        return "already_recorded", f"MNSI contacted the family on {state.mnsi_family_contact_on}"
    return None


def _apology_recorded(state: m.EarlyNotificationState):
    if state.apology is None:
        return "apology_outstanding", "record the apology before the claim is opened"
    return None


def _new_payment_reference(state, p: m.RecordInterimPayment, ctx: Context):
    if any(paid.reference == p.reference for paid in state.interim_payments):
        return "duplicate_payment_reference", f"an interim payment {p.reference} is already recorded"
    return None


# --- time ------------------------------------------------------------------------------------


def family_decision_window_expired(state: m.EarlyNotificationState, now: datetime) -> bool:
    """While the case waits for the family, a missed decision deadline closes it: without their
    consent there is no legal investigation. Returns whether it closed."""
    deadline = state.deadlines.get(m.FAMILY_DECISION)
    if state.stage != S.AWAITING_FAMILY_DECISION or deadline is None:
        return False
    if deadline.status is not DeadlineStatus.MISSED:
        return False
    state.family_decision = m.FamilyDecision(decision="window_expired", on=london_date(now))
    state.stage, state.outcome = S.CLOSED, Outcome.FAMILY_DECISION_EXPIRED.value
    state.closed_at = state.updated_at = now
    return True


# --- what a step does outside the case ------------------------------------------------------


async def _open_the_claim(case: EarlyNotificationWorkflow, p: m.OpenClaim, ctx: Context) -> None:
    """The admission's claim is opened before the case closes on it: if the claim cannot be
    opened the step is refused and the case is as it was."""
    request = claim_from_admission(case.state, p, ctx)
    await case.claim_activity(EarlyNotificationActivities.open_claim, request)


async def _link_the_familys_claim(
    case: EarlyNotificationWorkflow, p: m.RecordLetterOfClaim, ctx: Context
) -> None:
    """The family's own claim is told of this case before it closes on it: an unknown claim
    refuses the step."""
    await case.claim_activity(EarlyNotificationActivities.link_claim, claim_back_link(case.state, p, ctx))


def claim_from_admission(
    state: m.EarlyNotificationState, p: m.OpenClaim, ctx: Context
) -> m.ClaimFromEarlyNotification:
    """The claim an admission opens: the EN facts, the claimant the payload names, and the claim
    policy of the EN policy in force."""
    n = state.notification
    opening = ClaimOpening(
        scheme=Scheme.CNST,
        defendant=Defendant(kind="trust", code=n.trust_code, name=n.trust_name),
        specialty=CLAIM_SPECIALTY,
        incident_date=n.date_of_birth,
        claimant=Claimant(
            name=p.claimant_name, date_of_birth=n.date_of_birth, protected_party=p.protected_party
        ),
        claimant_firm=p.claimant_firm,
        allegations=(
            f"Early Notification {state.ref} (MNSI {n.mnsi_reference}): liability admitted on "
            f"{state.liability.decided_on} after the EN legal investigation found breach and causation."
        ),
        handler=p.handler or state.owner,
    )
    return m.ClaimFromEarlyNotification(
        en_ref=state.ref,
        claim_ref=m.claim_ref_for(state.ref),
        opening=opening,
        opened_by=ActionMeta(actor=ctx.actor, request_id=f"early-notification:{state.ref}"),
        policy=ctx.policy.claim_policy,
        note=f"Opened from Early Notification case {state.ref} after liability was admitted.",
        interim_payments=[m.interim_payment(paid) for paid in state.interim_payments],
    )


def candour_case(
    state: m.EarlyNotificationState, opened_by: ActionMeta, policy: m.EarlyNotificationPolicy, here: CaseLink
) -> DutyOfCandourInput:
    """The trust's duty of candour for the baby, as a case of its own: the incident is the birth,
    and its report (from which the contract's 10 days run) is the notification to NHS Resolution,
    the day this case learnt of it; the trust's own report date is not in the notification. It
    stays with this case's handler and team."""
    n = state.notification
    return DutyOfCandourInput(
        ref=candour_ref_for(state.ref),
        owner=state.owner,
        team=state.team,
        opening=Incident(
            provider_code=n.trust_code,
            provider_name=n.trust_name,
            incident_on=n.date_of_birth,
            reported_on=state.notified_on,
            incident_reference=n.mnsi_reference,
            handler=state.owner,
        ),
        opened_by=ActionMeta(actor=opened_by.actor, request_id=f"early-notification:{state.ref}:candour"),
        parent=here,
        policy=policy.candour_policy,
    )


def claim_back_link(
    state: m.EarlyNotificationState, p: m.RecordLetterOfClaim, ctx: Context
) -> m.ClaimBackLink:
    return m.ClaimBackLink(
        en_ref=state.ref,
        claim_ref=p.claim_ref,
        actor=ctx.actor,
        note=f"The family's claim after Early Notification case {state.ref}; the EN case closes.",
        relation="the family's claim after this Early Notification case",
    )


# --- the pathway ---------------------------------------------------------------------------

NOT_MET_LETTER = "MRI criteria not met: no EN investigation; legal advice and the CNST claim route"
NO_CONCERN_LETTER = "initial review: no further EN investigation; legal advice and the CNST claim route"
SIGNPOSTED = "letters to trust and family signpost the ordinary claim route"
DECIDED = m.FAMILY_DECISION

STEPS = [
    Step(
        "acknowledge_notification",
        m.AcknowledgeNotification,
        frozenset({S.NOTIFIED}),
        S.AWAITING_MNSI_REPORT,
        "Notification acknowledged to the trust",
        _acknowledge,
        not_future("sent_on"),
    ),
    Step(
        "receive_mnsi_report",
        m.ReceiveMnsiReport,
        frozenset({S.NOTIFIED, S.AWAITING_MNSI_REPORT}),
        S.MRI_TRIAGE,
        "MNSI report received",
        _report,
        not_future("received_on"),
        date_field="received_on",
        meets=(m.MNSI_REPORT,),
    ),
    Step(
        "mri_criteria_met",
        m.Review,
        frozenset({S.MRI_TRIAGE}),
        S.INITIAL_CLINICAL_REVIEW,
        "MRI triage: the EN MRI criteria for intrapartum HIE are met",
        _review("mri_triage", True),
        not_future("reviewed_on"),
    ),
    Step(
        "mri_criteria_not_met",
        m.ReviewWithLetters,
        frozenset({S.MRI_TRIAGE}),
        S.CLOSED,
        f"MRI triage: criteria not met; {SIGNPOSTED}",
        _closing_review("mri_triage", Outcome.MRI_CRITERIA_NOT_MET, NOT_MET_LETTER),
        both(not_future("reviewed_on"), not_future("letters_sent_on")),
    ),
    Step(
        "initial_review_concern",
        m.Review,
        frozenset({S.INITIAL_CLINICAL_REVIEW}),
        S.FAMILY_LETTER_DUE,
        "Initial clinical review: substandard care may have made a difference",
        _review("initial_review", True),
        not_future("reviewed_on"),
    ),
    Step(
        "initial_review_no_concern",
        m.ReviewWithLetters,
        frozenset({S.INITIAL_CLINICAL_REVIEW}),
        S.CLOSED,
        f"Initial clinical review: no indication of substandard care that made a difference; {SIGNPOSTED}",
        _closing_review("initial_review", Outcome.NO_CARE_CONCERN, NO_CONCERN_LETTER),
        both(not_future("reviewed_on"), not_future("letters_sent_on")),
    ),
    Step(
        "send_family_letter_seeking_consent",
        m.SendFamilyLetter,
        frozenset({S.FAMILY_LETTER_DUE}),
        S.AWAITING_FAMILY_DECISION,
        "Letter to the family seeking consent to a legal investigation (births from 1 Oct 2023; 3 months)",
        _family_letter("legal investigation: the family's consent sought"),
        not_future("sent_on"),
        available=_letter_for_the_birth(consent_required=True),
        date_field="sent_on",
        sets=(DECIDED,),
    ),
    Step(
        "send_family_letter",
        m.SendFamilyLetter,
        frozenset({S.FAMILY_LETTER_DUE}),
        S.LEGAL_INVESTIGATION,
        "Letter telling the family of the legal investigation (births before 1 Oct 2023)",
        _family_letter("legal investigation: the family told"),
        not_future("sent_on"),
        available=_letter_for_the_birth(consent_required=False),
    ),
    Step(
        "record_family_consent",
        m.FamilyDecisionOn,
        frozenset({S.AWAITING_FAMILY_DECISION}),
        S.LEGAL_INVESTIGATION,
        "The family consents to the legal investigation",
        _family_decides("consented"),
        not_future("decided_on"),
        date_field="decided_on",
        meets=(DECIDED,),
    ),
    Step(
        "record_family_declined",
        m.FamilyDecisionOn,
        frozenset({S.AWAITING_FAMILY_DECISION}),
        S.CLOSED,
        "The family declines a legal investigation: closed",
        _family_decides("declined", Outcome.FAMILY_DECLINED),
        not_future("decided_on"),
        date_field="decided_on",
        meets=(DECIDED,),
    ),
    Step(
        "family_chooses_traditional_claim",
        m.FamilyDecisionOn,
        frozenset({S.AWAITING_FAMILY_DECISION, S.LEGAL_INVESTIGATION}),
        S.AWAITING_LETTER_OF_CLAIM,
        "The family will bring a traditional claim instead: waiting for its letter of claim",
        _family_decides("traditional_claim"),
        not_future("decided_on"),
        date_field="decided_on",
        meets=(DECIDED,),
    ),
    Step(
        "record_letter_of_claim",
        m.RecordLetterOfClaim,
        frozenset({S.AWAITING_FAMILY_DECISION, S.LEGAL_INVESTIGATION, S.AWAITING_LETTER_OF_CLAIM}),
        S.CLAIM_OPEN,
        "The family's letter of claim arrived: linked to its claim, which the case follows until it closes",
        _letter_of_claim,
        not_future("received_on"),
        date_field="received_on",
        meets=(DECIDED,),
        before=_link_the_familys_claim,
    ),
    Step(
        "record_breach_finding",
        m.Finding,
        LEGAL,
        None,
        "Legal investigation: finding on breach of duty, with reasons and reviewer",
        _finding("breach"),
        not_future("found_on"),
    ),
    Step(
        "record_causation_finding",
        m.Finding,
        LEGAL,
        None,
        "Legal investigation: finding on causation, with reasons and reviewer",
        _finding("causation"),
        not_future("found_on"),
    ),
    Step(
        "decide_no_liability",
        m.DecideNoLiability,
        LEGAL,
        S.CLOSED,
        "Liability decision: no liability; outcome letter to the family; closed",
        _no_liability,
        both(
            not_future("decided_on"),
            _not_before_notification("decided_on"),
            not_future("outcome_letter_sent_on"),
        ),
        date_field="decided_on",
        meets=(m.LIABILITY_DECISION,),
        available=_findings_support(admitted=False),
    ),
    Step(
        "admit_liability",
        m.AdmitLiability,
        LEGAL,
        S.LIABILITY_ADMITTED,
        "Liability decision: liability admitted",
        _admit,
        both(not_future("decided_on"), _not_before_notification("decided_on")),
        date_field="decided_on",
        meets=(m.LIABILITY_DECISION,),
        available=_findings_support(admitted=True),
    ),
    Step(
        "record_apology",
        m.RecordApology,
        frozenset({S.LIABILITY_ADMITTED}),
        None,
        "Apology given to the family",
        _apology,
        not_future("given_on"),
    ),
    Step(
        "record_interim_payment",
        m.RecordInterimPayment,
        frozenset({S.LIABILITY_ADMITTED}),
        None,
        "Interim payment made to meet the family's immediate needs",
        _interim,
        both(not_future("paid_on"), _new_payment_reference),
    ),
    Step(
        "open_claim",
        m.OpenClaim,
        frozenset({S.LIABILITY_ADMITTED}),
        S.CLAIM_OPEN,
        "A CNST claim opened from the admission, linked both ways; quantum proceeds there, and the "
        "case follows it until it closes",
        _claim_opened,
        available=_apology_recorded,
        before=_open_the_claim,
        assignee="handler",  # the new claim's handler, when named
        private=("claimant_name",),  # it goes to the claim, not to the EN ledger
    ),
    Step(
        "assign_family_liaison",
        m.AssignFamilyLiaison,
        OPEN,
        None,
        "Family liaison officer assigned",
        _liaison,
    ),
    Step(
        "record_family_contact",
        m.RecordFamilyContact,
        OPEN,
        None,
        "Contact with the family: who, when, how, language needs, what was agreed",
        _contact,
        not_future("contacted_on"),
    ),
    Step(
        "record_mnsi_family_contact",
        m.RecordMnsiFamilyContact,
        OPEN,
        None,
        "MNSI's first contact with the family (due 5 working days after the trust's initial candour)",
        _mnsi_contacted_family,
        both(not_future("contacted_on"), _not_before_initial_candour),
        date_field="contacted_on",
        meets=(m.MNSI_FAMILY_CONTACT,),
        available=_mnsi_family_contact_outstanding,
    ),
    *common_steps(OPEN, EVERY),
    link_case_step(EVERY),
]
PATHWAY = Pathway(CaseKind.EARLY_NOTIFICATION.value, S, STEPS, final=FINAL, opening_action="notify")
OPENING_DEADLINES = (m.MNSI_REPORT, m.LIABILITY_DECISION)


@workflow.defn
class EarlyNotificationWorkflow(CaseWorkflow):
    pathway = PATHWAY
    # Only for api/cases.py, whose history route still reads the class: remove once it reads
    # pathway.opening_action. The case itself reads the pathway.
    input_type = m.EarlyNotificationInput
    state_type = m.EarlyNotificationState

    @workflow.init
    def __init__(self, input: m.EarlyNotificationInput) -> None:
        self._registered: dict | None = None  # the early_notification row as last written
        self.start_case(input)

    @workflow.run
    async def run(self, input: m.EarlyNotificationInput) -> m.EarlyNotificationState:
        return await self.run_case()

    # --- opening ---------------------------------------------------------------------------

    def open(self, input: m.EarlyNotificationInput, now: datetime) -> m.EarlyNotificationState:
        notification = input.opening
        version = m.criteria_for(notification.date_of_birth)  # the API refused births before it
        return m.EarlyNotificationState(
            ref=input.ref,
            stage=self.pathway.initial,
            owner=input.owner,
            notification=notification,
            criteria_version=version.version if version else "outside-scheme",
            family_consent_required=version.family_consent_required if version else False,
            notified_on=london_date(now),
            opened_at=now,
            updated_at=now,
        )

    def opening_summary(self, input: m.EarlyNotificationInput) -> dict[str, Any]:
        n = input.opening
        return {
            "mnsi_reference": n.mnsi_reference,
            "trust_code": n.trust_code,
            "owner": input.owner,
            "candour_ref": candour_ref_for(input.ref),
        }

    def opened_already(self) -> Refusal:
        """Another notification of this MNSI investigation found the case (its reference follows
        from the investigation's): refused, naming the case it was notified as."""
        state, mnsi = self.state, self.state.notification.mnsi_reference
        return Refusal(
            code="already_notified",
            message=f"MNSI investigation {mnsi} was already notified as {state.ref}",
            stage=state.stage,
            existing_ref=state.ref,
            mnsi_reference=mnsi,
        )

    async def on_open(self, input: m.EarlyNotificationInput) -> None:
        state, actor, notify = self.state, input.opened_by.actor.id, self.pathway.opening_action
        reported = m.reporting_chain(state.notification, state.criteria_version, state.notified_on)
        # Computed at once: one round of local activities in the opening's task, not several.
        await asyncio.gather(
            *(
                self.book.set(name, notify, state.notified_on, state.owner, actor)
                for name in OPENING_DEADLINES
            ),
            *(
                self.book.set(step.deadline, notify, step.counted_from, state.owner, actor)
                for step in reported
            ),
        )
        # The reporting before the notification is past: each deadline is met at once with its
        # recorded date, in the same task, so none is ever warned of or escalated, and the book
        # shows how late each was met.
        for step in reported:
            self.book.meet(step.deadline, step.met_on, actor)
        await self._open_candour_case(input)

    async def _open_candour_case(self, input: m.EarlyNotificationInput) -> None:
        """The trust's duty of candour runs as a case of its own, opened with this one and linked
        both ways: its parent is this case, and this case's links name it. It outlives this
        case's runs and its closing (ABANDON), as the duty does."""
        state, now = self.state, workflow.now()
        here = CaseLink(
            kind=CaseKind.EARLY_NOTIFICATION,
            ref=state.ref,
            workflow_id=workflow.info().workflow_id,
            relation="the Early Notification case that opened it",
            linked_at=now,
        )
        child = candour_case(state, input.opened_by, self.policy, here)
        workflow_id = case_workflow_id(CaseKind.DUTY_OF_CANDOUR, child.ref)
        try:
            await workflow.start_child_workflow(
                DutyOfCandourWorkflow.run,
                child,
                id=workflow_id,
                parent_close_policy=ParentClosePolicy.ABANDON,
                static_summary=f"duty of candour {child.ref} of early notification {state.ref}",
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.warning("candour case %s was already started", workflow_id)
        state.candour_ref = child.ref
        state.links.append(
            CaseLink(
                kind=CaseKind.DUTY_OF_CANDOUR,
                ref=child.ref,
                workflow_id=workflow_id,
                relation="the trust's duty of candour for this incident",
                linked_at=now,
            )
        )

    # --- what the case does outside itself ------------------------------------------------------

    async def claim_activity(self, method, arg) -> m.ClaimLinked:
        """Open or note a claim (a few tries); a claim that cannot be reached refuses the step."""
        try:
            return await workflow.execute_activity_method(
                method, arg, **ASKING_ANOTHER_CASE, retry_policy=CLAIM_RETRY
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.type == "unknown_claim":
                raise refuse("unknown_claim", cause.message, self.state.stage) from err
            raise refuse(
                "claim_unavailable", "the claim could not be reached; try again", self.state.stage
            ) from err

    # --- time ------------------------------------------------------------------------------

    # --- what other cases tell it ------------------------------------------------------------

    @workflow.signal
    async def candour_given(self, given: CandourGiven) -> None:
        """The trust's duty of candour case says the family was told in person: MNSI's contact
        with the family is due within 5 working days (once; a repeat changes nothing)."""
        async with self._lock:
            state = self.state
            if state.stage in FINAL or state.initial_candour_on is not None:
                return
            state.initial_candour_on = given.notified_on
            state.updated_at = workflow.now()
            summary = {"candour_ref": given.candour_ref, "notified_on": str(given.notified_on)}
            request_id = f"{given.candour_ref}:in-person"
            self.record_system("initial_candour_given", state.stage, summary, request_id)
            if state.mnsi_family_contact_on is None:  # MNSI may have been in touch already
                await self.book.set(
                    m.MNSI_FAMILY_CONTACT, "initial_candour_given", given.notified_on, state.owner, SYSTEM.id
                )
                self._book_changed()

    async def on_followed_progress(self, progress: CaseProgress) -> None:
        """The claim this case led to has a new stage: recorded, and the case closes with it."""
        state = self.state
        if progress.ref != state.claim_ref or state.stage != S.CLAIM_OPEN:
            return
        if progress.stage == state.claim_stage and not progress.ended:
            return
        state.claim_stage, state.updated_at = progress.stage, workflow.now()
        summary = {"claim_ref": progress.ref, "claim_stage": progress.stage}
        request_id = f"{progress.ref}:{progress.stage}:{progress.at.isoformat()}"
        if not progress.ended:
            self.record_system("claim_progress", S.CLAIM_OPEN, summary, request_id)
            return
        state.stage, state.closed_at = S.CLOSED, workflow.now()
        self.book.waive_all(f"the claim {progress.ref} has closed", SYSTEM.id)
        self._book_changed()
        self.record_system("claim_closed", S.CLAIM_OPEN, summary, request_id)

    async def on_time_passed(self) -> bool:
        expired = self._expire_family_decision()
        if expired:  # before the register's await, so no read sees a closed case still overdue
            self._book_changed()
        await self._register()
        return expired

    def _expire_family_decision(self) -> bool:
        """The family's 3 months passed without a decision recorded: the case closes by itself.
        Returns whether it did (and so waived the rest of the book)."""
        state = self.state
        deadline = state.deadlines.get(m.FAMILY_DECISION)
        now = workflow.now()
        if not family_decision_window_expired(state, now):
            return False
        self.book.waive_all("the family's decision window expired", SYSTEM.id)
        summary = {"deadline": m.FAMILY_DECISION, "due_on": str(deadline.due_on)}
        request_id = f"{m.FAMILY_DECISION}-expired:{deadline.revision}"
        self.record_system("family_decision_window_expired", S.AWAITING_FAMILY_DECISION, summary, request_id)
        return True

    # --- the register ----------------------------------------------------------------------

    def _record_row(self) -> m.EarlyNotificationRecord:
        s, n = self.state, self.state.notification
        decided = s.liability.decided_on if s.liability else None
        target = s.deadlines.get(m.LIABILITY_DECISION)
        return m.EarlyNotificationRecord(
            ref=s.ref,
            workflow_id=workflow.info().workflow_id,
            mnsi_reference=n.mnsi_reference,
            trust_code=n.trust_code,
            criteria_version=s.criteria_version,
            family_consent_required=s.family_consent_required,
            stage=s.stage,
            outcome=s.outcome,
            notified_on=s.notified_on,
            liability_decided_on=decided,
            liability_admitted=s.liability.admitted if s.liability else None,
            days_to_liability_decision=m.days_between(s.notified_on, decided),
            days_from_birth_to_liability_decision=m.days_between(n.date_of_birth, decided),
            liability_decision_target_on=target.original_due_on if target else None,
            claim_ref=s.claim_ref,
            seq=s.seq,
        )

    async def _register(self) -> None:
        """Keep the early_notification row current: written when what it shows changes."""
        row = self._record_row()
        shown = row.model_dump(exclude={"seq"})
        if shown == self._registered:
            return
        await workflow.execute_activity_method(
            EarlyNotificationActivities.project_early_notification,
            row,
            **REGISTER_WRITE,
        )
        self._registered = shown

    def facts(self) -> dict[str, Any]:
        row = self._record_row()
        return row.model_dump(
            mode="json",
            include={
                "mnsi_reference",
                "trust_code",
                "criteria_version",
                "family_consent_required",
                "liability_admitted",
                "days_to_liability_decision",
                "days_from_birth_to_liability_decision",
                "claim_ref",
            },
        ) | {"candour_ref": self.state.candour_ref, "claim_stage": self.state.claim_stage}
