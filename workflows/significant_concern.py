"""SignificantConcernWorkflow and AdviceConcernWorkflow: one significant concern, from being
raised to being closed (DOMAIN.md 6, the Significant Concerns Framework).

Raised (from a case or on its own) → assessed against the Framework's thresholds, significant
harm or significant risk, with reasons (neither: closed there) → the provider contacted → an
onward referral invited, or assurance sought that one was made (and the provider's answer
recorded) → shared with a regulator, more than one if need be → closed. A concern the
provider's referral or assurance settles may close without being shared.

The two workflow types are one pathway on two tiers (models/significant_concern.py says why):
the claims-side kind and the advice kind differ only in who may act and which team owns them.
When raised from a case, the concern records its source and asks the source, once, to record
the link back (an internal `link_case` step on the claim, EN and advice pathways); a source
whose run has ended keeps no link, and the concern says so (`source_linked`). No timings are
published, so the concern sets no deadlines.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from activities.significant_concerns import ConcernActivities
from models import significant_concern as m
from models.advice import ADVICE_SUPERVISING, ADVISING
from models.cases import CaseLink
from models.common import CaseKind, case_workflow_id
from models.significant_concern import Finding, Outcome
from models.significant_concern import Stage as S
from workflows.activity_options import ASKING_ANOTHER_CASE
from workflows.case_kit import (
    ACTING,
    SUPERVISING,
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
ONWARD = frozenset({S.REFERRAL_INVITED, S.ASSURANCE_SOUGHT})
SHAREABLE = ONWARD | {S.SHARED_WITH_REGULATOR}
# A source case busy or on a restarting worker gets a few tries; then the concern goes on without.
SOURCE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5)


# --- effects -------------------------------------------------------------------------------


def _assess(state: m.ConcernState, p: m.AssessConcern, ctx: Context) -> None:
    state.assessment = m.Assessment(**p.model_dump(), assessed_by=ctx.actor.id)
    if p.finding is Finding.THRESHOLD_NOT_MET:
        state.outcome = Outcome.THRESHOLD_NOT_MET.value
        state.closure_reason = p.reasons


def _contact(state: m.ConcernState, p: m.ContactProvider, ctx: Context) -> None:
    state.provider_contact = m.ProviderContact(**p.model_dump())


def _invite(state: m.ConcernState, p: m.InviteReferral, ctx: Context) -> None:
    state.onward = m.OnwardReferral(how="invited", on=p.invited_on, body=p.refer_to)


def _seek(state: m.ConcernState, p: m.SeekAssurance, ctx: Context) -> None:
    state.onward = m.OnwardReferral(how="assurance_sought", on=p.sought_on, body=p.referral_said_made_to)


def _answered(state: m.ConcernState, p: m.RecordProviderResponse, ctx: Context) -> None:
    state.onward.response_on, state.onward.referral_made = p.received_on, p.referral_made


def _share(state: m.ConcernState, p: m.ShareWithRegulator, ctx: Context) -> None:
    state.sharings.append(m.Sharing(**p.model_dump(), shared_by=ctx.actor.id))


def _close(state: m.ConcernState, p: m.CloseConcern, ctx: Context) -> None:
    shared = bool(state.sharings)
    state.outcome = (Outcome.SHARED_WITH_REGULATOR if shared else Outcome.PROVIDER_ASSURED).value
    state.closure_reason = p.reason


# --- checks --------------------------------------------------------------------------------


def on_or_after(field: str, earlier, describe: str):
    """A date in the request no earlier than one the case already holds."""

    def check(state: m.ConcernState, p: Any, ctx: Context):
        floor = earlier(state)
        if getattr(p, field) < floor:
            return "dates_out_of_order", f"{field} is before {describe} ({floor})"
        return None

    return check


def _not_answered(state: m.ConcernState):
    if state.onward is not None and state.onward.response_on is not None:
        return "already_answered", f"the provider answered on {state.onward.response_on}"
    return None


def _closable(state: m.ConcernState):
    """Closed once shared, or once the provider has answered the invitation or the request."""
    if state.sharings or (state.onward is not None and state.onward.response_on is not None):
        return None
    return "provider_not_answered", "close once the provider has answered, or share with a regulator"


# --- the pathway ---------------------------------------------------------------------------

BELOW_THRESHOLD = Divert(
    S.CLOSED, "threshold not met", when=lambda state, p, ctx: p.finding is Finding.THRESHOLD_NOT_MET
)


def steps(acting, supervising) -> list[Step]:
    """The pathway's rows for one tier's roles: the same steps on both kinds."""
    return [
        Step(
            "assess_concern",
            m.AssessConcern,
            frozenset({S.RAISED}),
            S.ASSESSED,
            "Assessed against the Framework: significant harm or risk, with reasons (neither: closed)",
            _assess,
            not_future("assessed_on"),
            roles=acting,
            diverts=(BELOW_THRESHOLD,),
        ),
        Step(
            "contact_provider",
            m.ContactProvider,
            frozenset({S.ASSESSED}),
            S.PROVIDER_CONTACTED,
            "The provider contacted (usually the first contact)",
            _contact,
            both(
                not_future("contacted_on"),
                on_or_after("contacted_on", lambda s: s.assessment.assessed_on, "the assessment"),
            ),
            roles=acting,
        ),
        Step(
            "invite_referral",
            m.InviteReferral,
            frozenset({S.PROVIDER_CONTACTED}),
            S.REFERRAL_INVITED,
            "The provider invited to make an onward referral",
            _invite,
            both(
                not_future("invited_on"),
                on_or_after("invited_on", lambda s: s.provider_contact.contacted_on, "the contact"),
            ),
            roles=acting,
        ),
        Step(
            "seek_assurance",
            m.SeekAssurance,
            frozenset({S.PROVIDER_CONTACTED}),
            S.ASSURANCE_SOUGHT,
            "Assurance sought from the provider that an onward referral was made",
            _seek,
            both(
                not_future("sought_on"),
                on_or_after("sought_on", lambda s: s.provider_contact.contacted_on, "the contact"),
            ),
            roles=acting,
        ),
        Step(
            "record_provider_response",
            m.RecordProviderResponse,
            ONWARD,
            None,
            "The provider's answer: whether the referral was made",
            _answered,
            both(
                not_future("received_on"),
                on_or_after("received_on", lambda s: s.onward.on, "the invitation or request"),
            ),
            roles=acting,
            available=_not_answered,
        ),
        Step(
            "share_with_regulator",
            m.ShareWithRegulator,
            SHAREABLE,
            S.SHARED_WITH_REGULATOR,
            "Shared with a regulator (again for each further regulator)",
            _share,
            both(
                not_future("shared_on"),
                on_or_after("shared_on", lambda s: s.provider_contact.contacted_on, "the provider contact"),
            ),
            roles=acting,
        ),
        Step(
            "close_concern",
            m.CloseConcern,
            SHAREABLE,
            S.CLOSED,
            "Closed: shared with a regulator, or settled by the provider's referral or assurance",
            _close,
            not_future("closed_on"),
            roles=acting,
            available=_closable,
        ),
        *common_steps(OPEN, EVERY, acting=acting, supervising=supervising),
    ]


def pathway(kind: CaseKind, acting, supervising) -> Pathway:
    return Pathway(kind.value, S, steps(acting, supervising), final=FINAL, opening_action="raise")


CLAIMS_PATHWAY = pathway(CaseKind.SIGNIFICANT_CONCERN, ACTING, SUPERVISING)
ADVICE_PATHWAY = pathway(CaseKind.ADVICE_CONCERN, ADVISING, ADVICE_SUPERVISING)


class ConcernWorkflow(CaseWorkflow):
    """What both concern workflows share; each sets its kind, pathway and team."""

    kind: CaseKind
    team: str
    input_type = m.ConcernInput
    state_type = m.ConcernState

    def open(self, input: m.ConcernInput, now: datetime) -> m.ConcernState:
        raised = input.opening
        source = None
        if raised.source is not None:
            kind = CaseKind(raised.source.kind)
            ref = raised.source.ref
            source = CaseLink(
                kind=kind, ref=ref, workflow_id=case_workflow_id(kind, ref), relation="raised from"
            )
        return m.ConcernState(
            ref=input.ref,
            kind=self.kind,
            team=self.team,
            stage=self.pathway.initial,
            owner=input.owner,
            raised_on=raised.raised_on,
            provider_ods_code=raised.provider_ods_code,
            description=raised.description,
            source=source,
            links=[source] if source else [],
            opened_at=now,
            updated_at=now,
        )

    def opening_summary(self, input: m.ConcernInput) -> dict[str, Any]:
        """References only: the description stays in the case, out of the ledger."""
        source = input.opening.source
        return {
            "raised_on": input.opening.raised_on.isoformat(),
            "provider_ods_code": input.opening.provider_ods_code,
            "source_kind": source.kind if source else None,
            "source_ref": source.ref if source else None,
            "owner": input.owner,
        }

    async def on_open(self, input: m.ConcernInput) -> None:
        """The source records the link back, once whatever retries (the update's id is derived
        from this concern). A source that cannot be reached leaves the concern open without it."""
        state = self.state
        if state.source is None:
            return
        request = m.SourceLinkRequest(
            concern_kind=state.kind,
            concern_ref=state.ref,
            concern_workflow_id=workflow.info().workflow_id,
            source=state.source,
            actor=input.opened_by.actor,
        )
        try:
            state.source_linked = await workflow.execute_activity_method(
                ConcernActivities.link_source,
                request,
                summary=f"link {state.source.kind.value} {state.source.ref} to {state.ref}",
                **ASKING_ANOTHER_CASE,
                retry_policy=SOURCE_RETRY,
            )
        except ActivityError:
            workflow.logger.warning("source %s not linked to %s", state.source.ref, state.ref)
            state.source_linked = False

    def facts(self) -> dict[str, Any]:
        """References and figures for reporting: the source, the finding, the regulators shared
        with and the days from raising to sharing."""
        s = self.state
        first_shared = s.sharings[0].shared_on if s.sharings else None
        return {
            "source_kind": s.source.kind.value if s.source else None,
            "source_ref": s.source.ref if s.source else None,
            "provider_ods_code": s.provider_ods_code,
            "raised_on": s.raised_on.isoformat(),
            "finding": s.assessment.finding.value if s.assessment else None,
            "onward": s.onward.how if s.onward else None,
            "regulators": [sharing.regulator.value for sharing in s.sharings],
            "days_to_sharing": (first_shared - s.raised_on).days if first_shared else None,
        }


@workflow.defn
class SignificantConcernWorkflow(ConcernWorkflow):
    """A concern claims-side staff see: raised from a claim, an EN case, or on its own."""

    pathway = CLAIMS_PATHWAY
    kind = CaseKind.SIGNIFICANT_CONCERN
    team = m.CLAIMS_TEAM
    state_type = m.ConcernState

    @workflow.init
    def __init__(self, input: m.ConcernInput) -> None:
        self.start_case(input)

    @workflow.run
    async def run(self, input: m.ConcernInput) -> m.ConcernState:
        return await self.run_case()


@workflow.defn
class AdviceConcernWorkflow(ConcernWorkflow):
    """A concern only advice roles see: raised from an advice case, or on its own by an adviser."""

    pathway = ADVICE_PATHWAY
    kind = CaseKind.ADVICE_CONCERN
    team = m.ADVICE_TEAM
    state_type = m.ConcernState

    @workflow.init
    def __init__(self, input: m.ConcernInput) -> None:
        self.start_case(input)

    @workflow.run
    async def run(self, input: m.ConcernInput) -> m.ConcernState:
        return await self.run_case()
