"""ContractDisputeWorkflow: one primary care contract dispute, from the referral to the
determination and any judicial review of it (DOMAIN.md 5).

The API refuses a referral made more than 3 years after the matter before the case starts
(api/contract_dispute.py); the case puts that limit on its book, met by the referral, so the
date it was due stays on the record. Within 7 days the adjudicator asks the parties for
representations within a period it sets (2 to 4 weeks, the policy's range); the other party's
observations on them follow within another such period. A party that lets a period pass is not
waited for: once the deadline is missed the adjudicator may go on without it. A hearing or an
expert's advice is optional; then the written determination. A GMS contractor's dispute may be
taken to judicial review; a determination quashed there is made again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from temporalio import workflow

from models import contract_dispute as m
from models.common import CaseKind
from models.contract_dispute import ContractType, JudicialReviewResult, Outcome
from models.contract_dispute import Stage as S
from models.deadlines import DeadlineChangeView, DeadlineStatus
from workflows.case_kit import (
    CaseWorkflow,
    Context,
    Divert,
    Pathway,
    Step,
    both,
    common_steps,
    not_future,
)

EVERY = frozenset(S)
FINAL = frozenset({S.CLOSED})
OPEN = EVERY - FINAL
BEFORE_REQUEST = frozenset({S.REFERRED, S.ACKNOWLEDGED})
UNDER_CONSIDERATION = frozenset({S.UNDER_CONSIDERATION})
UNDETERMINED = OPEN - {S.DETERMINED, S.JUDICIAL_REVIEW}
# Dispute outcomes can be judicially reviewed for all GMS contractors (DOMAIN.md 5); for the
# other contracts DOMAIN.md confirms nothing, so the flag is offered for these alone.
JUDICIAL_REVIEW_CONTRACTS = frozenset({ContractType.GMS})


# --- effects -------------------------------------------------------------------------------


def _acknowledge(state: m.ContractDisputeState, p: m.AcknowledgeReferral, ctx: Context) -> None:
    state.acknowledged_on = p.sent_on


def _request(field: str):
    def request(state: m.ContractDisputeState, p: m.RequestSubmissions, ctx: Context) -> None:
        setattr(state, field, m.Submissions(requested_on=p.requested_on, period_days=p.period_days))

    return request


def _received(field: str):
    def receive(state: m.ContractDisputeState, p: m.RecordSubmissions, ctx: Context) -> None:
        submissions: m.Submissions = getattr(state, field)
        submissions.received_on, submissions.parties = p.received_on, list(p.parties)

    return receive


def _without(field: str):
    def proceed(state: m.ContractDisputeState, p: m.ProceedWithout, ctx: Context) -> None:
        getattr(state, field).proceeded_without = p.reason

    return proceed


def _arrange_hearing(state: m.ContractDisputeState, p: m.ArrangeHearing, ctx: Context) -> None:
    state.hearings.append(m.Hearing(arranged_on=p.arranged_on, hearing_on=p.hearing_on))


def _hearing_held(state: m.ContractDisputeState, p: m.RecordHearing, ctx: Context) -> None:
    state.hearings[-1].held_on = p.held_on


def _instruct_expert(state: m.ContractDisputeState, p: m.InstructExpert, ctx: Context) -> None:
    state.expert_advice.append(m.ExpertAdvice(**p.model_dump()))


def _expert_advised(state: m.ContractDisputeState, p: m.ReceiveExpertAdvice, ctx: Context) -> None:
    state.expert_advice[-1].received_on = p.received_on


def _determine(state: m.ContractDisputeState, p: m.IssueDetermination, ctx: Context) -> None:
    state.determinations.append(m.Determination(**p.model_dump(), determined_by=ctx.actor.id))


def _flag_judicial_review(state: m.ContractDisputeState, p: m.FlagJudicialReview, ctx: Context) -> None:
    state.judicial_reviews.append(m.JudicialReview(**p.model_dump()))


def _judicial_review_decided(
    state: m.ContractDisputeState, p: m.RecordJudicialReviewOutcome, ctx: Context
) -> None:
    review = state.judicial_reviews[-1]
    review.decided_on, review.result = p.decided_on, p.result
    if p.result is not JudicialReviewResult.QUASHED:
        state.outcome = Outcome.DETERMINATION_STANDS.value


def _close(state: m.ContractDisputeState, p: m.CloseDispute, ctx: Context) -> None:
    state.outcome = Outcome.DETERMINED.value


def _withdraw(state: m.ContractDisputeState, p: m.WithdrawReferral, ctx: Context) -> None:
    state.withdrawn = p
    state.outcome = Outcome.WITHDRAWN.value


# --- checks --------------------------------------------------------------------------------


def period_within(policy_field: str, what: str):
    """The period the adjudicator sets must be within the policy's range (2 to 4 weeks)."""

    def check(state: m.ContractDisputeState, p: m.RequestSubmissions, ctx: Context):
        return getattr(ctx.policy, policy_field).refusal(what, p.period_days)

    return check


def not_before(field: str, earlier: Callable[[m.ContractDisputeState], date], describe: str):
    """A date in the request no earlier than one the case already holds."""

    def check(state: m.ContractDisputeState, p: Any, ctx: Context):
        floor = earlier(state)
        if getattr(p, field) < floor:
            return "dates_out_of_order", f"{field} is before {describe} ({floor})"
        return None

    return check


def period_passed(deadline: str, what: str):
    """Going on without a submission only once its period has passed (the deadline missed)."""

    def available(state: m.ContractDisputeState):
        due = state.deadlines.get(deadline)
        if due is None or due.status is not DeadlineStatus.MISSED:
            when = f" (due {due.due_on})" if due is not None else ""
            return "period_not_passed", f"the period for {what} has not passed{when}"
        return None

    return available


def judicial_review_open_to(state: m.ContractDisputeState):
    contract = state.referral.contract_type
    if contract in JUDICIAL_REVIEW_CONTRACTS:
        return None
    return (
        "judicial_review_not_recorded",
        f"judicial review is recorded for GMS contract disputes only; this is a {contract.value} dispute",
    )


# --- the deadline book ---------------------------------------------------------------------


def _period_set(deadline: str):
    """The deadline the request starts, for the period the adjudicator set."""

    async def book(
        case: ContractDisputeWorkflow, p: m.RequestSubmissions, ctx: Context
    ) -> list[DeadlineChangeView]:
        state = case.state
        return [
            await case.book.set(
                deadline, ctx.action, p.requested_on, state.owner, ctx.actor.id, days=p.period_days
            )
        ]

    return book


def _date_entered(deadline: str, trigger_field: str, due_field: str):
    async def book(case: ContractDisputeWorkflow, p: Any, ctx: Context) -> list[DeadlineChangeView]:
        on, due = getattr(p, trigger_field), getattr(p, due_field)
        return [case.book.set_date(deadline, ctx.action, on, due, case.state.owner, ctx.actor.id)]

    return book


# --- the pathway ---------------------------------------------------------------------------

QUASHED = Divert(
    S.UNDER_CONSIDERATION,
    "quashed: determined again",
    when=lambda state, p, ctx: p.result is JudicialReviewResult.QUASHED,
)

STEPS = [
    Step(
        "acknowledge_referral",
        m.AcknowledgeReferral,
        frozenset({S.REFERRED}),
        S.ACKNOWLEDGED,
        "Referral acknowledged to the parties",
        _acknowledge,
        not_future("sent_on"),
    ),
    Step(
        "request_representations",
        m.RequestSubmissions,
        BEFORE_REQUEST,
        S.REPRESENTATIONS_REQUESTED,
        "Written request to the parties for representations, within the period the adjudicator sets",
        _request("representations"),
        both(not_future("requested_on"), period_within("representations_days", "representations")),
        date_field="requested_on",
        meets=(m.REPRESENTATIONS_REQUEST,),
        book=_period_set(m.REPRESENTATIONS),
    ),
    Step(
        "record_representations",
        m.RecordSubmissions,
        frozenset({S.REPRESENTATIONS_REQUESTED}),
        S.REPRESENTATIONS_RECEIVED,
        "Representations received",
        _received("representations"),
        both(
            not_future("received_on"),
            not_before("received_on", lambda s: s.representations.requested_on, "the request"),
        ),
        date_field="received_on",
        meets=(m.REPRESENTATIONS,),
    ),
    Step(
        "proceed_without_representations",
        m.ProceedWithout,
        frozenset({S.REPRESENTATIONS_REQUESTED}),
        S.UNDER_CONSIDERATION,
        "The period for representations passed without them: the adjudicator goes on",
        _without("representations"),
        not_future("decided_on"),
        available=period_passed(m.REPRESENTATIONS, "representations"),
        waives=(m.REPRESENTATIONS,),
    ),
    Step(
        "request_observations",
        m.RequestSubmissions,
        frozenset({S.REPRESENTATIONS_RECEIVED}),
        S.OBSERVATIONS_REQUESTED,
        "Representations copied to the other party, with a request for observations within the period set",
        _request("observations"),
        both(
            not_future("requested_on"),
            not_before("requested_on", lambda s: s.representations.received_on, "the representations"),
            period_within("observations_days", "observations"),
        ),
        book=_period_set(m.OBSERVATIONS),
    ),
    Step(
        "record_observations",
        m.RecordSubmissions,
        frozenset({S.OBSERVATIONS_REQUESTED}),
        S.UNDER_CONSIDERATION,
        "Observations received: the dispute is ready for the adjudicator",
        _received("observations"),
        both(
            not_future("received_on"),
            not_before("received_on", lambda s: s.observations.requested_on, "the request"),
        ),
        date_field="received_on",
        meets=(m.OBSERVATIONS,),
    ),
    Step(
        "proceed_without_observations",
        m.ProceedWithout,
        frozenset({S.OBSERVATIONS_REQUESTED}),
        S.UNDER_CONSIDERATION,
        "The period for observations passed without them: the adjudicator goes on",
        _without("observations"),
        not_future("decided_on"),
        available=period_passed(m.OBSERVATIONS, "observations"),
        waives=(m.OBSERVATIONS,),
    ),
    Step(
        "arrange_hearing",
        m.ArrangeHearing,
        UNDER_CONSIDERATION,
        S.HEARING_ARRANGED,
        "An oral hearing arranged (optional)",
        _arrange_hearing,
        not_future("arranged_on"),
        book=_date_entered(m.HEARING, "arranged_on", "hearing_on"),
    ),
    Step(
        "record_hearing",
        m.RecordHearing,
        frozenset({S.HEARING_ARRANGED}),
        S.UNDER_CONSIDERATION,
        "Hearing held",
        _hearing_held,
        both(
            not_future("held_on"),
            not_before("held_on", lambda s: s.hearings[-1].arranged_on, "its arrangement"),
        ),
        date_field="held_on",
        meets=(m.HEARING,),
    ),
    Step(
        "instruct_expert",
        m.InstructExpert,
        UNDER_CONSIDERATION,
        S.EXPERT_INSTRUCTED,
        "An expert's advice sought by the adjudicator (optional), by the date set",
        _instruct_expert,
        not_future("instructed_on"),
        book=_date_entered(m.EXPERT_ADVICE, "instructed_on", "advice_due_on"),
    ),
    Step(
        "receive_expert_advice",
        m.ReceiveExpertAdvice,
        frozenset({S.EXPERT_INSTRUCTED}),
        S.UNDER_CONSIDERATION,
        "Expert's advice received",
        _expert_advised,
        both(
            not_future("received_on"),
            not_before("received_on", lambda s: s.expert_advice[-1].instructed_on, "the instruction"),
        ),
        date_field="received_on",
        meets=(m.EXPERT_ADVICE,),
    ),
    Step(
        "issue_determination",
        m.IssueDetermination,
        UNDER_CONSIDERATION,
        S.DETERMINED,
        "Written notice of the determination, with reasons, sent to the parties",
        _determine,
        both(not_future("determined_on"), not_future("notice_sent_on")),
    ),
    Step(
        "flag_judicial_review",
        m.FlagJudicialReview,
        frozenset({S.DETERMINED}),
        S.JUDICIAL_REVIEW,
        "A party seeks judicial review of the determination (GMS contracts)",
        _flag_judicial_review,
        both(
            not_future("flagged_on"),
            not_before("flagged_on", lambda s: s.determination.determined_on, "the determination"),
        ),
        available=judicial_review_open_to,
    ),
    Step(
        "record_judicial_review_outcome",
        m.RecordJudicialReviewOutcome,
        frozenset({S.JUDICIAL_REVIEW}),
        S.CLOSED,
        "The court's decision on judicial review: the determination stands, or is quashed and made again",
        _judicial_review_decided,
        both(
            not_future("decided_on"),
            not_before("decided_on", lambda s: s.judicial_review.flagged_on, "the claim"),
        ),
        diverts=(QUASHED,),
    ),
    Step(
        "close_dispute",
        m.CloseDispute,
        frozenset({S.DETERMINED}),
        S.CLOSED,
        "Closed on the determination",
        _close,
        not_future("closed_on"),
    ),
    Step(
        "withdraw_referral",
        m.WithdrawReferral,
        UNDETERMINED,
        S.CLOSED,
        "The referral withdrawn before the determination",
        _withdraw,
        not_future("withdrawn_on"),
    ),
    *common_steps(OPEN, EVERY),
]
PATHWAY = Pathway(CaseKind.CONTRACT_DISPUTE.value, S, STEPS, final=FINAL, opening_action="refer")


@workflow.defn
class ContractDisputeWorkflow(CaseWorkflow):
    pathway = PATHWAY
    # Only for api/cases.py, whose history route still reads the class.
    input_type = m.ContractDisputeInput
    state_type = m.ContractDisputeState

    @workflow.init
    def __init__(self, input: m.ContractDisputeInput) -> None:
        self.start_case(input)

    @workflow.run
    async def run(self, input: m.ContractDisputeInput) -> m.ContractDisputeState:
        return await self.run_case()

    def open(self, input: m.ContractDisputeInput, now: datetime) -> m.ContractDisputeState:
        return m.ContractDisputeState(
            ref=input.ref,
            stage=self.pathway.initial,
            owner=input.owner,
            referral=input.opening,
            opened_at=now,
            updated_at=now,
        )

    def opening_summary(self, input: m.ContractDisputeInput) -> dict[str, Any]:
        r = input.opening
        return {
            "contract_type": r.contract_type.value,
            "subject": r.subject.value,
            "contractor_ods_code": r.contractor_ods_code,
            "commissioner_ods_code": r.commissioner_ods_code,
            "referred_by": r.referred_by,
            "referred_on": r.referred_on.isoformat(),
            "owner": input.owner,
        }

    async def on_open(self, input: m.ContractDisputeInput) -> None:
        """The 3 years, met by the referral itself (the API refused it out of time), and the
        adjudicator's 7 days to ask for representations."""
        referral, owner, actor = input.opening, self.state.owner, input.opened_by.actor.id
        opening = self.pathway.opening_action
        await self.book.set(m.REFERRAL, opening, m.limit_runs_from(referral), owner, actor)
        self.book.meet(m.REFERRAL, referral.referred_on, actor)
        await self.book.set(m.REPRESENTATIONS_REQUEST, opening, referral.referred_on, owner, actor)

    def facts(self) -> dict[str, Any]:
        """References and figures for reporting: the contract, the parties' codes, the time to
        the determination and whether it went to judicial review."""
        s, r = self.state, self.state.referral
        determined = s.determinations[0].determined_on if s.determinations else None
        return {
            "contract_type": r.contract_type.value,
            "subject": r.subject.value,
            "referred_by": r.referred_by,
            "contractor_ods_code": r.contractor_ods_code,
            "commissioner_ods_code": r.commissioner_ods_code,
            "referred_on": r.referred_on.isoformat(),
            "determination_result": s.determination.result.value if s.determination else None,
            "days_to_determination": (determined - r.referred_on).days if determined else None,
            "judicial_review": bool(s.judicial_reviews),
        }
