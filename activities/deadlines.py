"""The legal calendar as activities, so every computed date lands in the workflow's history
and a new bank-holiday table never changes a running case's past."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity

from activities import calendar
from models.deadlines import CalendarAnswers, CalendarQuestions, DueRequest, DueResult, LimitationRequest
from workflows.clock import london_date


class CalendarActivities:
    # Pure and quick, so run on the worker's event loop (async), not handed to a thread: the hop
    # to a thread and back cost the worker more than the computation (py-spy, a claim's opening).
    @activity.defn
    async def answer(self, asked: CalendarQuestions) -> CalendarAnswers:
        """Every date one step asks for, at once: one local activity, one marker in history
        and one workflow activation for all of them, not one each."""
        return CalendarAnswers(answers=[answer(question) for question in asked.questions])


def answer(question: DueRequest | LimitationRequest) -> DueResult:
    return limitation_for(question) if isinstance(question, LimitationRequest) else due_for(question)


def due_for(request: DueRequest) -> DueResult:
    """When a deadline falls due under its rule, counted from its trigger (the API's checks
    count the same way, calling this)."""
    rule = request.rule
    if rule.seconds is not None:
        due_at = request.trigger_at + timedelta(seconds=rule.seconds)
        return DueResult(
            due_on=london_date(due_at),
            due_at=due_at,
            explanation=f"{rule.seconds:g} seconds after the trigger (short policy {rule.name})",
        )
    period = rule.period
    result = calendar.compute_due(
        request.trigger_date,
        calendar.PeriodRule(
            amount=period.amount,
            unit=period.unit,
            clear_days=period.clear_days,
            short_period_excludes_non_business_days=period.short_period_excludes_non_business_days,
            end_rule=period.end_rule,
            basis=rule.basis,
        ),
    )
    extendable_to = None
    if rule.max_extension_days is not None:
        limit = calendar.agreed_extension_limit(
            result.unadjusted_date, rule.max_extension_days, period.end_rule, rule.basis
        )
        extendable_to = limit.due_date
    return DueResult(
        due_on=result.due_date,
        due_at=calendar.end_of_london_day(result.due_date),
        flags=result.flags,
        explanation=result.explanation,
        extendable_to=extendable_to,
    )


def limitation_for(request: LimitationRequest) -> DueResult:
    if request.dependants:
        result = calendar.fatal_accidents_limitation(
            request.incident_date,
            request.death_date,
            request.date_of_knowledge,
            request.claimant_date_of_birth,
            request.protected_party,
            request.standstill_until,
            dependants_knowledge=request.dependants_knowledge,
        )
    else:
        result = calendar.limitation(
            request.incident_date,
            request.date_of_knowledge,
            request.claimant_date_of_birth,
            request.protected_party,
            request.standstill_until,
            request.death_date,
            personal_representative_knowledge=request.personal_representative_knowledge,
        )
    if result.status == "suspended":
        return DueResult(due_on=None, due_at=None, suspended=True, explanation=result.explanation)
    return DueResult(
        due_on=result.limitation_date,
        due_at=calendar.end_of_london_day(result.limitation_date),
        explanation=result.explanation,
    )
