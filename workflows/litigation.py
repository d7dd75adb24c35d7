"""LitigationWorkflow: proceedings on a claim under the CPR timetable, from issue to judgment,
settlement, discontinuance or strike-out.

A child of the claim (workflows/route.py), started when the claim records that proceedings
were issued. Dates the CPR fixes are computed by the calendar activity (claim form service,
particulars, acknowledgment, defence); the deemed day of service by the service activity;
dates the court fixes are entered from its notice or order. Court deadlines stop for nothing,
not even a stay. A stay is told to the claim: ADR may run on the claim only while it lasts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, get_args

from temporalio import workflow

from activities.court_service import ServiceActivities
from models import litigation as m
from models.deadlines import Deadline, DeadlineChangeView, DeadlineStatus
from models.litigation import CourtDate as D
from models.litigation import LitigationStage as S
from models.routes import RouteKind, RouteOutcome, RouteResult, SettlementTerms
from workflows.activity_options import COMPUTATION
from workflows.case_kit import Context, Pathway, Step, both, common_steps, every, not_future
from workflows.clock import london_date
from workflows.route import RouteWorkflow, tell_claim

CLAIM_FORM_SERVICE = "claim_form_service_due"
NOTICE_TO_SERVE = "claim_form_service_required_by_notice"
PARTICULARS = "particulars_of_claim_due"
ACKNOWLEDGMENT = "acknowledgment_of_service_due"
DEFENCE = D.DEFENCE.value
DEFENCE_WITHOUT_ACKNOWLEDGMENT = "defence_due_without_acknowledgment"  # CPR 15.4(1)(a)
QUESTIONNAIRE = D.DIRECTIONS_QUESTIONNAIRE.value
CMC = D.CASE_MANAGEMENT_CONFERENCE.value
TRIAL_WINDOW = D.TRIAL_WINDOW.value
TRIAL = D.TRIAL.value
STAY_ENDS = "stay_ends"
AGENDA_RESPONSE = "experts_agenda_response_due"  # Model Directions: 21 days
AGENDA_AGREEMENT = "experts_agenda_agreement_due"  # then 7 days

EVERY = frozenset(S)
FINAL = frozenset(
    {S.SETTLED, S.DISCONTINUED, S.STRUCK_OUT, S.JUDGMENT_FOR_CLAIMANT, S.JUDGMENT_FOR_DEFENDANT}
)
OPEN = EVERY - FINAL
DIRECTIONS_STAGES = frozenset({S.DIRECTIONS_GIVEN, S.TRIAL_LISTED})
DIRECTIONS = get_args(m.ComplyWithDirection.model_fields["direction"].annotation)  # complied with


# --- checks --------------------------------------------------------------------------------


def _not_stayed(state: m.LitigationState):
    if state.stayed:
        return (
            "proceedings_stayed",
            f"proceedings are stayed ({state.litigation.stays[-1].reason}); lift the stay first",
        )
    return None


def _on_or_after_issue(field: str):
    def check(state: m.LitigationState, p: Any, ctx: Context):
        if getattr(p, field) < state.litigation.issued_on:
            return (
                "before_issue",
                f"{field} is before the claim form was issued on {state.litigation.issued_on}",
            )
        return None

    return check


def _sent_not_future(state: m.LitigationState, p: m.ServeParticulars, ctx: Context):
    if p.sent_at > ctx.now:
        return "date_in_future", f"sent_at {p.sent_at} is in the future"
    return None


def _questionnaire_after_notice(state: m.LitigationState, p: m.AllocationNotice, ctx: Context):
    if p.questionnaire_due_on < p.served_on:
        return "due_before_notice", "the questionnaire cannot be due before the notice was served"
    return None


def _dates_not_met(state: m.LitigationState, p: m.CourtOrder, ctx: Context):
    met = [n.value for n in p.dates if (d := state.deadlines.get(n.value)) and d.status is DeadlineStatus.MET]
    if met:
        return "deadline_met", f"already met, an order cannot move it: {', '.join(met)}"
    return None


def _direction_live(state: m.LitigationState, p: m.ComplyWithDirection, ctx: Context):
    deadline = state.deadlines.get(p.direction)
    if deadline is None:
        return "unknown_deadline", f"no order has set {p.direction}"
    if not deadline.live:
        return "deadline_closed", f"{p.direction} is {deadline.status}"
    return None


def _within_window(state: m.LitigationState, p: m.ListTrial, ctx: Context):
    lit = state.litigation
    if lit.trial_window_from and not (lit.trial_window_from <= p.trial_on <= lit.trial_window_to):
        return (
            "outside_trial_window",
            f"the trial window is {lit.trial_window_from} to {lit.trial_window_to}; an order can move it",
        )
    return None


def _time_for_response(state: m.LitigationState) -> Deadline | None:
    """CPR 12.3: the time that counts for judgment in default. Before an acknowledgment, the
    time to acknowledge service or to file a defence (CPR 15.4(1)(a)), whichever runs later (an
    agreement may have extended the defence's); after one, the time to file the defence."""
    names = (
        (ACKNOWLEDGMENT, DEFENCE_WITHOUT_ACKNOWLEDGMENT)
        if state.stage == S.PARTICULARS_SERVED
        else (DEFENCE,)
    )
    dated = [d for n in names if (d := state.deadlines.get(n)) is not None and d.due_on is not None]
    return max(dated, key=lambda d: d.due_on, default=None)


def _time_for_response_dated(state: m.LitigationState):
    if _time_for_response(state) is None:
        name = ACKNOWLEDGMENT if state.stage == S.PARTICULARS_SERVED else DEFENCE
        return "no_deadline", f"{name} has no date, so its time cannot have expired"
    return None


def _time_for_response_expired(state: m.LitigationState, p: m.DefaultJudgment, ctx: Context):
    """Judgment in default only once the time for a response has run out (CPR 12.3)."""
    deadline = _time_for_response(state)
    if p.entered_on <= deadline.due_on:
        return (
            "time_not_expired",
            f"{deadline.name} runs to {deadline.due_on}: default judgment only after it expires (CPR 12.3)",
        )
    return None


def _notice_brings_service_forward(state: m.LitigationState, p: m.NoticeToServe, ctx: Context):
    """A CPR 7.7 notice is only worth serving if it asks for service before CPR 7.5 does; a
    case started under a policy without the notice's deadline cannot take one."""
    if NOTICE_TO_SERVE not in ctx.policy.deadlines.rules:
        return "policy_lacks_deadline", f"this case's deadline policy has no {NOTICE_TO_SERVE}"
    last = state.deadlines.get(CLAIM_FORM_SERVICE)
    if last is not None and last.due_on is not None and p.serve_by >= last.due_on:
        return (
            "notice_changes_nothing",
            f"the claim form must be served by {last.due_on} anyway (CPR 7.5): ask for an earlier date",
        )
    return None


def _agenda(state: m.LitigationState) -> m.ExpertsAgenda | None:
    return state.litigation.experts_agendas[-1] if state.litigation.experts_agendas else None


def _no_agenda_in_hand(state: m.LitigationState):
    """One agenda at a time: the next discussion's once the last one is agreed."""
    agenda = _agenda(state)
    if agenda is not None and agenda.agreed_on is None:
        return (
            "agenda_in_hand",
            f"the {agenda.discipline} experts' agenda received on {agenda.received_on} is not agreed",
        )
    return None


def _agenda_awaiting_answer(state: m.LitigationState):
    agenda = _agenda(state)
    if agenda is None or agenda.responded_on is not None:
        return "no_agenda_to_answer", "no draft agenda for the experts' discussion awaits our answer"
    return None


def _agenda_amendments_open(state: m.LitigationState):
    agenda = _agenda(state)
    if agenda is None or not agenda.amendments_proposed or agenda.agreed_on is not None:
        return "no_amendments_proposed", "no experts' agenda with amendments proposed awaits agreement"
    return None


def _after_the_agenda(field: str, since: str):
    """A step on the agenda is not dated before the step it answers."""

    def check(state: m.LitigationState, p: Any, ctx: Context):
        earlier = getattr(_agenda(state), since)
        if getattr(p, field) < earlier:
            return "date_before_agenda", f"{field} is before the agenda's {since} ({earlier})"
        return None

    return check


def _stayed(state: m.LitigationState):
    if not state.stayed:
        return "not_stayed", "proceedings are not stayed"
    return None


def _a_direction_outstanding(state: m.LitigationState):
    """Some direction an order has set is still to be complied with."""
    if not any((d := state.deadlines.get(name)) is not None and d.live for name in DIRECTIONS):
        return "deadline_closed", "every direction an order has set is complied with or closed"
    return None


# --- effects on the state ---------------------------------------------------------------------


def _claim_form_served(state: m.LitigationState, p: m.ServeClaimForm, ctx: Context) -> None:
    state.litigation.claim_form_served_by, state.litigation.claim_form_step_taken_on = (
        p.method,
        p.step_taken_on,
    )


def _notice_to_serve(state: m.LitigationState, p: m.NoticeToServe, ctx: Context) -> None:
    state.litigation.notice_to_serve_on, state.litigation.service_required_by = p.served_on, p.serve_by


def _served_with_particulars(state: m.LitigationState, p: m.ServeClaimForm, ctx: Context) -> None:
    _claim_form_served(state, p, ctx)
    state.litigation.particulars_served_by = p.method


def _particulars_served(state: m.LitigationState, p: m.ServeParticulars, ctx: Context) -> None:
    state.litigation.particulars_served_by = p.method


def _acknowledged(state: m.LitigationState, p: m.FileAcknowledgment, ctx: Context) -> None:
    state.litigation.acknowledged_on = p.filed_on


def _defended(state: m.LitigationState, p: m.FileDefence, ctx: Context) -> None:
    state.litigation.defence_filed_on, state.litigation.liability = p.filed_on, p.liability


def _allocation_notice(state: m.LitigationState, p: m.AllocationNotice, ctx: Context) -> None:
    state.litigation.proposed_track = p.proposed_track


def _questionnaire_filed(state: m.LitigationState, p: m.FileQuestionnaire, ctx: Context) -> None:
    state.litigation.questionnaire_filed_on = p.filed_on


def _conference_listed(state: m.LitigationState, p: m.ListConference, ctx: Context) -> None:
    state.litigation.cmc_on = p.listed_for


def _directions(p: m.DirectionsOrder) -> dict[D, Any]:
    return {
        D.DISCLOSURE: p.disclosure_on,
        D.WITNESS_STATEMENTS: p.witness_statements_on,
        D.EXPERT_REPORTS: p.expert_reports_on,
        D.EXPERTS_JOINT_STATEMENT: p.experts_joint_statement_on,
        D.PRE_TRIAL_REVIEW: p.pre_trial_review_on,
        D.TRIAL_WINDOW: p.trial_window_from,
    }


def _directions_given(state: m.LitigationState, p: m.DirectionsOrder, ctx: Context) -> None:
    lit = state.litigation
    lit.directions_made_on, lit.track = p.made_on, p.track
    lit.trial_window_from, lit.trial_window_to = p.trial_window_from, p.trial_window_to
    lit.orders.append(
        m.CourtOrderRecord(
            made_on=p.made_on,
            dates={k.value: v for k, v in _directions(p).items()}
            | {"trial_window_closes": p.trial_window_to},
            description="directions order",
        )
    )


def _court_order(state: m.LitigationState, p: m.CourtOrder, ctx: Context) -> None:
    lit = state.litigation
    lit.orders.append(
        m.CourtOrderRecord(
            made_on=p.made_on, dates={k.value: v for k, v in p.dates.items()}, description=p.description
        )
    )
    lit.cmc_on = p.dates.get(D.CASE_MANAGEMENT_CONFERENCE, lit.cmc_on)
    lit.trial_on = p.dates.get(D.TRIAL, lit.trial_on)
    if D.TRIAL_WINDOW in p.dates:
        # A moved window keeps its length unless the order says otherwise.
        length = (lit.trial_window_to - lit.trial_window_from) if lit.trial_window_from else timedelta(0)
        lit.trial_window_from = p.dates[D.TRIAL_WINDOW]
        lit.trial_window_to = lit.trial_window_from + length


def _complied(state: m.LitigationState, p: m.ComplyWithDirection, ctx: Context) -> None:
    state.litigation.complied[p.direction] = p.complied_on


def _agenda_received(state: m.LitigationState, p: m.ReceiveExpertsAgenda, ctx: Context) -> None:
    agenda = m.ExpertsAgenda(discipline=p.discipline, received_on=p.received_on)
    state.litigation.experts_agendas.append(agenda)


def _agenda_answered(state: m.LitigationState, p: m.RespondToExpertsAgenda, ctx: Context) -> None:
    agenda = _agenda(state)
    agenda.responded_on, agenda.amendments_proposed = p.sent_on, p.amendments_proposed
    if not p.amendments_proposed:
        agenda.agreed_on = p.sent_on  # agreed as drafted


def _agenda_agreed(state: m.LitigationState, p: m.AgreeExpertsAgenda, ctx: Context) -> None:
    _agenda(state).agreed_on = p.agreed_on


def _trial_listed(state: m.LitigationState, p: m.ListTrial, ctx: Context) -> None:
    state.litigation.trial_on = p.trial_on


def _trial_held(state: m.LitigationState, p: m.TrialHeld, ctx: Context) -> None:
    state.litigation.trial_held_on = p.held_on


def _ended(
    state: m.LitigationState, result: RouteResult, reason: str, settlement: SettlementTerms | None = None
) -> None:
    state.outcome = result.value
    state.route_outcome = RouteOutcome(result=result, reason=reason, settlement=settlement)
    state.stayed = False  # the proceedings are over: nothing is left to stay


def _judgment_for_claimant(state: m.LitigationState, p: m.JudgmentForClaimant, ctx: Context) -> None:
    state.litigation.judgment_on = p.given_on
    state.litigation.trial_held_on = state.litigation.trial_held_on or p.given_on
    _ended(state, RouteResult.JUDGMENT_FOR_CLAIMANT, p.notes or "judgment for the claimant", p.award)


def _judgment_for_defendant(state: m.LitigationState, p: m.JudgmentForDefendant, ctx: Context) -> None:
    state.litigation.judgment_on = p.given_on
    state.litigation.trial_held_on = state.litigation.trial_held_on or p.given_on
    _ended(state, RouteResult.JUDGMENT_FOR_DEFENDANT, p.notes or "judgment for the defendant")


def _default_judgment(state: m.LitigationState, p: m.DefaultJudgment, ctx: Context) -> None:
    state.litigation.default_judgment_on = p.entered_on


def _default_judgment_set_aside(state: m.LitigationState, p: m.SetAsideDefaultJudgment, ctx: Context) -> None:
    state.litigation.default_judgment_set_aside_on = p.set_aside_on


def _consent_order(state: m.LitigationState, p: m.ConsentOrder, ctx: Context) -> None:
    _ended(state, RouteResult.SETTLED, f"consent order sealed on {p.sealed_on}", p.settlement)


def _discontinued(state: m.LitigationState, p: m.Discontinuance, ctx: Context) -> None:
    _ended(state, RouteResult.DISCONTINUED, f"notice of discontinuance (CPR 38): {p.reason}")


def _struck_out(state: m.LitigationState, p: m.StrikeOut, ctx: Context) -> None:
    _ended(state, RouteResult.STRUCK_OUT, p.reason)


def _stay(state: m.LitigationState, p: m.StayProceedings, ctx: Context) -> None:
    state.stayed = True
    state.litigation.stays.append(m.StayRecord(stayed_on=p.stayed_on, reason=p.reason, until=p.until))


def _lift(state: m.LitigationState, p: m.LiftStay, ctx: Context) -> None:
    state.stayed = False
    stay = state.litigation.stays[-1]
    stay.lifted_on, stay.lift_reason = p.lifted_on, p.reason


# --- the deadline book beyond the table: dates from service, notices and orders ---------------


async def _deemed_served(request: m.DeemedServiceRequest) -> date:
    served = await workflow.execute_local_activity_method(
        ServiceActivities.deemed_service, request, **COMPUTATION
    )
    return served.deemed_served_on


def _court_dates(
    case: LitigationWorkflow, action: str, made_on: date, dates: dict, ctx: Context
) -> list[DeadlineChangeView]:
    book, owner, actor = case.book, case.state.owner, ctx.actor.id
    return [
        book.set_date(name.value, action, made_on, due_on, owner, actor) for name, due_on in dates.items()
    ]


async def _service_required_by_notice(case: LitigationWorkflow, p: m.NoticeToServe, ctx: Context):
    owner, actor = case.state.owner, ctx.actor.id
    action = "serve_notice_to_serve_claim_form"
    return [case.book.set_date(NOTICE_TO_SERVE, action, p.served_on, p.serve_by, owner, actor)]


async def _particulars_due(case: LitigationWorkflow, p: m.ServeClaimForm, ctx: Context):
    """CPR 7.4: the particulars 14 days after the claim form's deemed service (CPR 6.14)."""
    state, book, owner, actor = case.state, case.book, case.state.owner, ctx.actor.id
    lit = state.litigation
    request = m.DeemedServiceRequest(document="claim_form", method=p.method, step_taken_on=p.step_taken_on)
    lit.claim_form_deemed_served_on = served = await _deemed_served(request)
    change = await book.set(PARTICULARS, "serve_claim_form", served, owner, actor)
    # CPR 7.4(2): never later than the last day for serving the claim form. (A short test
    # policy counts seconds, not days: nothing to cap.)
    last = state.deadlines[CLAIM_FORM_SERVICE].due_on
    if ctx.policy.deadlines.rules[PARTICULARS].period is not None and change.due_on > last:
        change = book.set_date(PARTICULARS, "serve_claim_form", served, last, owner, actor)
    return [change]


async def _response_due(case: LitigationWorkflow, action: str, served: date, actor: str):
    """From the particulars' service, 14 days to acknowledge it (CPR 10.3) and, unless it is
    acknowledged, 14 days to file the defence (CPR 15.4(1)(a)): two deadlines of their own."""
    book, owner = case.book, case.state.owner
    return [
        await book.set(ACKNOWLEDGMENT, action, served, owner, actor),
        await book.set(DEFENCE_WITHOUT_ACKNOWLEDGMENT, action, served, owner, actor),
    ]


async def _acknowledgment_due_on_service(case: LitigationWorkflow, p: m.ServeClaimForm, ctx: Context):
    """CPR 10.3, 15.4: served with the particulars, the claim form's deemed service starts both."""
    lit = case.state.litigation
    request = m.DeemedServiceRequest(document="claim_form", method=p.method, step_taken_on=p.step_taken_on)
    lit.claim_form_deemed_served_on = lit.particulars_deemed_served_on = await _deemed_served(request)
    return await _response_due(
        case, "serve_claim_form_with_particulars", lit.particulars_deemed_served_on, ctx.actor.id
    )


async def _acknowledgment_due(case: LitigationWorkflow, p: m.ServeParticulars, ctx: Context):
    """The particulars are in (met when sent); the acknowledgment and the defence are due from
    their deemed service (CPR 6.26, 10.3, 15.4(1)(a))."""
    lit, actor = case.state.litigation, ctx.actor.id
    case.book.meet(PARTICULARS, london_date(p.sent_at), actor)
    request = m.DeemedServiceRequest(document="other", method=p.method, sent_at=p.sent_at)
    lit.particulars_deemed_served_on = await _deemed_served(request)
    return await _response_due(case, "serve_particulars_of_claim", lit.particulars_deemed_served_on, actor)


async def _defence_due(case: LitigationWorkflow, p: m.FileAcknowledgment, ctx: Context):
    # CPR 15.4(1)(b): 28 days after service of the particulars, once service is acknowledged.
    served, owner = case.state.litigation.particulars_deemed_served_on, case.state.owner
    return [await case.book.set(DEFENCE, "file_acknowledgment_of_service", served, owner, ctx.actor.id)]


async def _defence_due_by_order(case: LitigationWorkflow, p: m.SetAsideDefaultJudgment, ctx: Context):
    owner, actor, action = case.state.owner, ctx.actor.id, "set_aside_default_judgment"
    return [case.book.set_date(DEFENCE, action, p.set_aside_on, p.defence_due_on, owner, actor)]


async def _questionnaire_due(case: LitigationWorkflow, p: m.AllocationNotice, ctx: Context):
    owner, actor, action = case.state.owner, ctx.actor.id, "record_allocation_notice"
    return [case.book.set_date(QUESTIONNAIRE, action, p.served_on, p.questionnaire_due_on, owner, actor)]


async def _conference_on(case: LitigationWorkflow, p: m.ListConference, ctx: Context):
    owner, actor, action = case.state.owner, ctx.actor.id, "list_case_management_conference"
    return [case.book.set_date(CMC, action, p.notified_on, p.listed_for, owner, actor)]


async def _directions_due(case: LitigationWorkflow, p: m.DirectionsOrder, ctx: Context):
    return _court_dates(case, "record_directions_order", p.made_on, _directions(p), ctx)


async def _ordered_dates(case: LitigationWorkflow, p: m.CourtOrder, ctx: Context):
    return _court_dates(case, "record_court_order", p.made_on, p.dates, ctx)


async def _direction_met(case: LitigationWorkflow, p: m.ComplyWithDirection, ctx: Context):
    case.book.meet(p.direction, p.complied_on, ctx.actor.id)
    return []


async def _agenda_agreement_due(case: LitigationWorkflow, p: m.RespondToExpertsAgenda, ctx: Context):
    """Amendments proposed: 7 days to agree the agenda (Model Directions)."""
    if not p.amendments_proposed:
        return []
    owner, actor = case.state.owner, ctx.actor.id
    return [await case.book.set(AGENDA_AGREEMENT, "respond_to_experts_agenda", p.sent_on, owner, actor)]


async def _trial_on(case: LitigationWorkflow, p: m.ListTrial, ctx: Context):
    owner, actor = case.state.owner, ctx.actor.id
    return [case.book.set_date(TRIAL, "list_trial", p.notified_on, p.trial_on, owner, actor)]


async def _stay_ends(case: LitigationWorkflow, p: m.StayProceedings, ctx: Context):
    if p.until is None:
        return []
    owner, actor = case.state.owner, ctx.actor.id
    return [case.book.set_date(STAY_ENDS, "stay_proceedings", p.stayed_on, p.until, owner, actor)]


PROGRESSING = _not_stayed  # a step of the timetable: not while the proceedings are stayed

PATHWAY = Pathway(
    "litigation",
    S,
    [
        Step(
            "serve_notice_to_serve_claim_form",
            m.NoticeToServe,
            frozenset({S.ISSUED}),
            None,
            "Our notice requiring the claim form to be served by a date at least 14 days on (CPR 7.7)",
            _notice_to_serve,
            both(not_future("served_on"), _on_or_after_issue("served_on"), _notice_brings_service_forward),
            available=PROGRESSING,
            book=_service_required_by_notice,
        ),
        Step(
            "serve_claim_form",
            m.ServeClaimForm,
            frozenset({S.ISSUED}),
            S.CLAIM_FORM_SERVED,
            "Claim form served (CPR 7.5 step taken); particulars due within 14 days (CPR 7.4)",
            _claim_form_served,
            both(not_future("step_taken_on"), _on_or_after_issue("step_taken_on")),
            date_field="step_taken_on",
            meets=(CLAIM_FORM_SERVICE, NOTICE_TO_SERVE),
            available=PROGRESSING,
            book=_particulars_due,
        ),
        Step(
            "serve_claim_form_with_particulars",
            m.ServeClaimForm,
            frozenset({S.ISSUED}),
            S.PARTICULARS_SERVED,
            "Claim form served with the particulars; acknowledgment and defence due (CPR 10.3, 15.4)",
            _served_with_particulars,
            both(not_future("step_taken_on"), _on_or_after_issue("step_taken_on")),
            date_field="step_taken_on",
            meets=(CLAIM_FORM_SERVICE, NOTICE_TO_SERVE),
            available=PROGRESSING,
            book=_acknowledgment_due_on_service,
        ),
        Step(
            "serve_particulars_of_claim",
            m.ServeParticulars,
            frozenset({S.CLAIM_FORM_SERVED}),
            S.PARTICULARS_SERVED,
            "Particulars served (CPR 7.4); acknowledgment and defence due 14 days after (CPR 10.3, 15.4)",
            _particulars_served,
            _sent_not_future,
            available=PROGRESSING,
            book=_acknowledgment_due,
        ),
        Step(
            "file_acknowledgment_of_service",
            m.FileAcknowledgment,
            frozenset({S.PARTICULARS_SERVED}),
            S.ACKNOWLEDGED,
            "Acknowledgment of service filed; defence due 28 days after the particulars (CPR 15.4(1)(b))",
            _acknowledged,
            not_future("filed_on"),
            date_field="filed_on",
            meets=(ACKNOWLEDGMENT,),
            waives=(DEFENCE_WITHOUT_ACKNOWLEDGMENT,),  # the 28 days of CPR 15.4(1)(b) take over
            available=PROGRESSING,
            book=_defence_due,
        ),
        Step(
            "file_defence",
            m.FileDefence,
            frozenset({S.PARTICULARS_SERVED, S.ACKNOWLEDGED}),
            S.DEFENCE_FILED,
            "Defence filed",
            _defended,
            not_future("filed_on"),
            date_field="filed_on",
            meets=(ACKNOWLEDGMENT, DEFENCE_WITHOUT_ACKNOWLEDGMENT, DEFENCE),
            available=PROGRESSING,
        ),
        Step(
            "record_default_judgment",
            m.DefaultJudgment,
            frozenset({S.PARTICULARS_SERVED, S.ACKNOWLEDGED}),
            S.DEFAULT_JUDGMENT,
            "Judgment in default (CPR 12): no acknowledgment or defence in time; damages to be decided",
            _default_judgment,
            both(not_future("entered_on"), _time_for_response_expired),
            available=every(PROGRESSING, _time_for_response_dated),
        ),
        Step(
            "set_aside_default_judgment",
            m.SetAsideDefaultJudgment,
            frozenset({S.DEFAULT_JUDGMENT}),
            S.ACKNOWLEDGED,
            "Default judgment set aside (CPR 13); the defence is due by the date in the order",
            _default_judgment_set_aside,
            not_future("set_aside_on"),
            available=PROGRESSING,
            book=_defence_due_by_order,
        ),
        Step(
            "record_allocation_notice",
            m.AllocationNotice,
            frozenset({S.DEFENCE_FILED}),
            S.DIRECTIONS_QUESTIONNAIRE_DUE,
            "Notice of proposed allocation served (CPR 26.3); the questionnaire date is the notice's",
            _allocation_notice,
            both(not_future("served_on"), _questionnaire_after_notice),
            available=PROGRESSING,
            book=_questionnaire_due,
        ),
        Step(
            "file_directions_questionnaire",
            m.FileQuestionnaire,
            frozenset({S.DIRECTIONS_QUESTIONNAIRE_DUE}),
            S.DIRECTIONS_QUESTIONNAIRE_FILED,
            "Directions questionnaire filed",
            _questionnaire_filed,
            not_future("filed_on"),
            date_field="filed_on",
            meets=(QUESTIONNAIRE,),
            available=PROGRESSING,
        ),
        Step(
            "list_case_management_conference",
            m.ListConference,
            frozenset({S.DIRECTIONS_QUESTIONNAIRE_FILED, S.CMC_LISTED}),
            S.CMC_LISTED,
            "Case management conference listed (or relisted) by the court",
            _conference_listed,
            not_future("notified_on"),
            available=PROGRESSING,
            book=_conference_on,
        ),
        Step(
            "record_directions_order",
            m.DirectionsOrder,
            frozenset({S.DIRECTIONS_QUESTIONNAIRE_FILED, S.CMC_LISTED}),
            S.DIRECTIONS_GIVEN,
            "Directions order: disclosure, witness statements, experts, pre-trial review, trial window",
            _directions_given,
            not_future("made_on"),
            date_field="made_on",
            meets=(CMC,),
            available=PROGRESSING,
            book=_directions_due,
        ),
        Step(
            "record_court_order",
            m.CourtOrder,
            OPEN,
            None,
            "A court order setting or moving named dates (time to serve the claim form: CPR 7.6)",
            _court_order,
            both(not_future("made_on"), _dates_not_met),
            book=_ordered_dates,
        ),
        Step(
            "record_direction_complied",
            m.ComplyWithDirection,
            DIRECTIONS_STAGES,
            None,
            "A direction complied with (disclosure given, statements or reports exchanged...)",
            _complied,
            both(not_future("complied_on"), _direction_live),
            available=_a_direction_outstanding,
            book=_direction_met,
        ),
        Step(  # the experts' agenda keeps to its days whatever a stay holds up, as the directions do
            "receive_experts_agenda",
            m.ReceiveExpertsAgenda,
            DIRECTIONS_STAGES,
            None,
            "The claimant's draft agenda for the experts' discussion received: answer in 21 days",
            _agenda_received,
            not_future("received_on"),
            date_field="received_on",
            sets=(AGENDA_RESPONSE,),
            available=_no_agenda_in_hand,
        ),
        Step(
            "respond_to_experts_agenda",
            m.RespondToExpertsAgenda,
            DIRECTIONS_STAGES,
            None,
            "The experts' agenda agreed, or amendments proposed: then 7 days to agree it",
            _agenda_answered,
            both(not_future("sent_on"), _after_the_agenda("sent_on", "received_on")),
            date_field="sent_on",
            meets=(AGENDA_RESPONSE,),
            available=_agenda_awaiting_answer,
            book=_agenda_agreement_due,
        ),
        Step(
            "record_experts_agenda_agreed",
            m.AgreeExpertsAgenda,
            DIRECTIONS_STAGES,
            None,
            "The amended agenda for the experts' discussion agreed",
            _agenda_agreed,
            both(not_future("agreed_on"), _after_the_agenda("agreed_on", "responded_on")),
            date_field="agreed_on",
            meets=(AGENDA_AGREEMENT,),
            available=_agenda_amendments_open,
        ),
        Step(
            "list_trial",
            m.ListTrial,
            DIRECTIONS_STAGES,
            S.TRIAL_LISTED,
            "Trial date fixed within the window (or moved)",
            _trial_listed,
            both(not_future("notified_on"), _within_window),
            date_field="notified_on",
            meets=(TRIAL_WINDOW,),
            available=PROGRESSING,
            book=_trial_on,
        ),
        Step(
            "record_trial_held",
            m.TrialHeld,
            frozenset({S.TRIAL_LISTED}),
            S.TRIAL_HELD,
            "Trial held; judgment reserved",
            _trial_held,
            not_future("held_on"),
            date_field="held_on",
            meets=(TRIAL,),
            available=PROGRESSING,
        ),
        Step(
            "record_judgment_for_claimant",
            m.JudgmentForClaimant,
            frozenset({S.TRIAL_LISTED, S.TRIAL_HELD, S.DEFAULT_JUDGMENT}),  # damages assessed
            S.JUDGMENT_FOR_CLAIMANT,
            "Judgment for the claimant with damages: payment follows on the claim",
            _judgment_for_claimant,
            not_future("given_on"),
            date_field="given_on",
            meets=(TRIAL,),
            available=PROGRESSING,
        ),
        Step(
            "record_judgment_for_defendant",
            m.JudgmentForDefendant,
            frozenset({S.TRIAL_LISTED, S.TRIAL_HELD}),
            S.JUDGMENT_FOR_DEFENDANT,
            "Judgment for the defendant",
            _judgment_for_defendant,
            not_future("given_on"),
            date_field="given_on",
            meets=(TRIAL,),
            available=PROGRESSING,
        ),
        Step(
            "record_consent_order",
            m.ConsentOrder,
            OPEN,
            S.SETTLED,
            "Settled by consent order (a child's settlement still needs approval, CPR 21.10)",
            _consent_order,
            not_future("sealed_on"),
        ),
        Step(
            "record_discontinuance",
            m.Discontinuance,
            OPEN,
            S.DISCONTINUED,
            "The claimant discontinued (CPR 38)",
            _discontinued,
            not_future("served_on"),
        ),
        Step(
            "record_strike_out",
            m.StrikeOut,
            OPEN,
            S.STRUCK_OUT,
            "The court struck the claim out",
            _struck_out,
            not_future("struck_out_on"),
        ),
        Step(
            "stay_proceedings",
            m.StayProceedings,
            OPEN,
            None,
            "Proceedings stayed (e.g. for ADR); court deadlines keep running",
            _stay,
            not_future("stayed_on"),
            available=PROGRESSING,
            book=_stay_ends,
            after=tell_claim,  # ADR may run on the claim only while the proceedings are stayed
        ),
        Step(
            "lift_stay",
            m.LiftStay,
            OPEN,
            None,
            "Stay lifted: the timetable goes on",
            _lift,
            not_future("lifted_on"),
            date_field="lifted_on",
            meets=(STAY_ENDS,),
            available=_stayed,
            after=tell_claim,
        ),
        *common_steps(OPEN, EVERY),
    ],
    final=FINAL,
    opening_action="record_proceedings_issued",
)


@workflow.defn
class LitigationWorkflow(RouteWorkflow):
    pathway = PATHWAY
    route = RouteKind.LITIGATION
    input_type = m.LitigationInput
    state_type = m.LitigationState

    @workflow.init
    def __init__(self, input: m.LitigationInput) -> None:
        self.start_case(input)

    @workflow.run
    async def run(self, input: m.LitigationInput) -> m.LitigationState:
        return await self.run_case()

    def open(self, input: m.LitigationInput, now: datetime) -> m.LitigationState:
        o = input.opening
        details = m.LitigationDetails(issued_on=o.issued_on, court=o.court, claim_number=o.claim_number)
        return self.open_route(input, now, m.LitigationState, litigation=details)

    def opening_summary(self, input: m.LitigationInput) -> dict[str, Any]:
        o = input.opening
        return super().opening_summary(input) | {"issued_on": o.issued_on.isoformat(), "court": o.court}

    async def on_open(self, input: m.LitigationInput) -> None:
        o = input.opening
        opening, actor = self.pathway.opening_action, input.opened_by.actor.id
        await self.book.set(CLAIM_FORM_SERVICE, opening, o.issued_on, o.owner, actor)
        await self.tell_claim()

    def facts(self) -> dict[str, Any]:
        lit = self.state.litigation
        return super().facts() | {
            "claim_number": lit.claim_number,
            "court": lit.court,
            "issued_on": lit.issued_on.isoformat(),
            "trial_on": lit.trial_on.isoformat() if lit.trial_on else None,
        }
