"""The deadline book: named deadlines a case's workflow owns, with their escalation ladders.

One module, reused by every workflow. The book lives in the case's state (so it is carried
across continue-as-new and projected to the register); the workflow asks it when to wake
next and lets it fire whatever ladder steps have come due. Dates come from the calendar
activities, so they land in history; everything else here is deterministic.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from temporalio import workflow

from activities.deadlines import CalendarActivities
from activities.escalations import EscalationActivities
from models.common import SYSTEM_ACTOR
from models.deadlines import (
    CalendarQuestions,
    Deadline,
    DeadlineChange,
    DeadlineChangeView,
    DeadlineKind,
    DeadlineMoved,
    DeadlinePolicy,
    DeadlineStatus,
    DueRequest,
    DueResult,
    Escalation,
    EscalationAcknowledgment,
    LadderStep,
    LimitationRequest,
)
from workflows import register_writes
from workflows.activity_options import COMPUTATION, REGISTER_WRITE
from workflows.clock import end_of_london_day, london_date


class Calendar:
    """The legal calendar as one case asks it: the dates a step asks for at once (in a gather:
    an opening's review and limitation, a correction's recomputed deadlines) go in one local
    activity. Each local activity costs the worker a workflow activation and the history a
    marker of its own."""

    def __init__(self) -> None:
        self._waiting: list[tuple[DueRequest | LimitationRequest, asyncio.Future]] = []
        self._asking: asyncio.Task | None = None  # held, so the task is never collected mid-way

    async def ask(self, question: DueRequest | LimitationRequest) -> DueResult:
        answer = asyncio.get_running_loop().create_future()
        self._waiting.append((question, answer))
        if len(self._waiting) == 1:
            # Runs after the tasks already ready (a gather's others), which ask before it does.
            self._asking = asyncio.get_running_loop().create_task(self._ask_together())
        return await answer

    async def _ask_together(self) -> None:
        asked, self._waiting = self._waiting, []
        try:
            answers = await workflow.execute_local_activity_method(
                CalendarActivities.answer, CalendarQuestions(questions=[q for q, _ in asked]), **COMPUTATION
            )
        except asyncio.CancelledError:
            for _, answer in asked:
                answer.cancel()
            raise
        except Exception as err:  # each asker sees the failure as its own
            for _, answer in asked:
                if not answer.done():
                    answer.set_exception(err)
            return
        for (_, answer), result in zip(asked, answers.answers, strict=True):
            if not answer.done():  # an asker cancelled meanwhile takes no answer
                answer.set_result(result)


@dataclass
class CaseRef:
    kind: str
    ref: str
    workflow_id: str
    team: str


class DeadlineBook:
    def __init__(
        self,
        deadlines: dict[str, Deadline],
        policy: DeadlinePolicy,
        case: CaseRef,
        calendar: Calendar | None = None,
    ) -> None:
        self.deadlines = deadlines
        self.policy = policy
        self.case = case
        self.calendar = calendar or Calendar()

    # --- setting -------------------------------------------------------------------------

    async def set(
        self,
        name: str,
        trigger: str,
        trigger_date: date,
        owner: str,
        actor: str,
        rule: str | None = None,
        days: int | None = None,
    ) -> DeadlineChangeView:
        """Set deadline `name` under policy rule `rule` (default: the rule called `name`).

        `days` is a period the case itself chose, within the rule (a Part 36 offer may give
        more than 21 days); a short test policy's period in seconds ignores it.
        """
        policy_rule = self.policy.rules[rule or name]
        if days is not None and policy_rule.period is not None:
            period = policy_rule.period.model_copy(update={"amount": days})
            policy_rule = policy_rule.model_copy(update={"period": period})
        result = await self._compute(
            DueRequest(rule=policy_rule, trigger_date=trigger_date, trigger_at=workflow.now())
        )
        return self._place(name, trigger, trigger_date, owner, actor, result, rule=rule)

    def set_date(
        self, name: str, trigger: str, trigger_date: date, due_on: date, owner: str, actor: str
    ) -> DeadlineChangeView:
        """A due date given by someone else (a court order, a notice, an agreed timetable)."""
        result = DueResult(due_on=due_on, due_at=end_of_london_day(due_on), explanation="date entered")
        return self._place(name, trigger, trigger_date, owner, actor, result)

    async def set_limitation(
        self, request: LimitationRequest, trigger: str, owner: str, actor: str, name: str = "limitation"
    ):
        result = await self.calendar.ask(request)
        return self._place(name, trigger, request.incident_date, owner, actor, result)

    async def recompute(
        self, trigger: str, corrected: date, actor: str, keep_agreed: bool = True
    ) -> list[DeadlineChangeView]:
        """A trigger date was wrong: every deadline computed from it moves."""
        # An extended deadline's date was agreed and a waived one is gone: a correction leaves
        # both alone. A met one keeps its status and only shows its corrected date.
        computed = (DeadlineStatus.OPEN, DeadlineStatus.MISSED, DeadlineStatus.MET)
        if not keep_agreed:  # as running claims did before this rule
            computed = tuple(DeadlineStatus)
        moving = [
            d
            for d in self.deadlines.values()
            if d.trigger == trigger and d.kind != DeadlineKind.STATUTORY and d.status in computed
        ]
        results = await asyncio.gather(  # asked together: one local activity for all of them
            *(
                self._compute(
                    DueRequest(
                        rule=self.policy.rules[d.rule or d.name],
                        trigger_date=corrected,
                        trigger_at=workflow.now(),
                    )
                )
                for d in moving
            )
        )
        views = [
            self._place(d.name, trigger, corrected, d.owner, actor, result, "recomputed", d.rule)
            for d, result in zip(moving, results, strict=True)
        ]
        return views

    async def _compute(self, request: DueRequest) -> DueResult:
        return await self.calendar.ask(request)

    def _place(self, name, trigger, trigger_date, owner, actor, result: DueResult, change="set", rule=None):
        policy_rule = self.policy.rules[rule or name]
        previous = self.deadlines.get(name)
        deadline = Deadline(
            name=name,
            rule=rule,
            title=policy_rule.title,
            kind=policy_rule.kind,
            basis=policy_rule.basis,
            trigger=trigger,
            trigger_date=trigger_date,
            due_on=result.due_on,
            due_at=result.due_at,
            original_due_on=result.due_on,
            extendable_to=result.extendable_to,
            owner=owner,
            flags=result.flags + (["suspended"] if result.suspended else []),
            explanation=result.explanation,
            revision=previous.revision + 1 if previous else 1,
            changes=previous.changes if previous else [],
        )
        # A correction keeps a met deadline met; setting it afresh (the next episode's letter,
        # the next exclusion period's review) starts a new, open one.
        if change == "recomputed" and previous is not None and previous.status is DeadlineStatus.MET:
            deadline.status, deadline.met_on = DeadlineStatus.MET, previous.met_on
        self._arm(deadline)
        deadline.changes.append(
            DeadlineChange(
                at=workflow.now(),
                actor=actor,
                change=change,
                due_on=deadline.due_on,
                due_at=deadline.due_at,
                previous_due_on=previous.due_on if previous else None,
            )
        )
        self.deadlines[name] = deadline
        return DeadlineChangeView(
            name=name, previous_due_on=previous.due_on if previous else None, due_on=deadline.due_on
        )

    def _arm(self, deadline: Deadline) -> None:
        """Set the ladder's times from the due time; a new revision starts the ladder again."""
        deadline.steps_done, deadline.armed_at = [], workflow.now()
        if deadline.due_at is None:
            deadline.warn_at = deadline.supervisor_at = deadline.head_of_service_at = None
            return
        ladder = self.policy.rules[deadline.rule or deadline.name].ladder
        deadline.warn_at = deadline.due_at - timedelta(seconds=ladder.warn_before_seconds)
        deadline.supervisor_at = deadline.due_at - timedelta(seconds=ladder.supervisor_before_seconds)
        deadline.head_of_service_at = deadline.due_at + timedelta(
            seconds=ladder.head_of_service_after_seconds
        )

    # --- meeting, extending, waiving -----------------------------------------------------

    def meet(self, name: str, on: date, actor: str) -> None:
        deadline = self.deadlines.get(name)
        if deadline is None or not deadline.live:
            return
        deadline.status, deadline.met_on = DeadlineStatus.MET, on
        deadline.changes.append(
            DeadlineChange(at=workflow.now(), actor=actor, change="met", due_on=deadline.due_on)
        )

    def extend(
        self,
        name: str,
        new_due_on: date | None,
        new_due_at: datetime | None,
        reason: str,
        agreed_by: str,
        actor: str,
    ) -> DeadlineChangeView:
        deadline = self.deadlines[name]
        previous = deadline.due_on
        deadline.due_at = new_due_at or end_of_london_day(new_due_on)
        deadline.due_on = new_due_on or london_date(new_due_at)
        deadline.status, deadline.revision = DeadlineStatus.EXTENDED, deadline.revision + 1
        deadline.paused_remaining_seconds = None
        self._arm(deadline)
        deadline.changes.append(
            DeadlineChange(
                at=workflow.now(),
                actor=actor,
                change="extended",
                due_on=deadline.due_on,
                due_at=deadline.due_at,
                previous_due_on=previous,
                reason=reason,
                agreed_by=agreed_by,
            )
        )
        return DeadlineChangeView(name=name, previous_due_on=previous, due_on=deadline.due_on)

    def waive(self, name: str, reason: str, actor: str) -> None:
        deadline = self.deadlines[name]
        deadline.status = DeadlineStatus.WAIVED
        deadline.changes.append(
            DeadlineChange(at=workflow.now(), actor=actor, change="waived", reason=reason)
        )

    def waive_all(self, reason: str, actor: str) -> None:
        for deadline in self.deadlines.values():
            if deadline.live:
                self.waive(deadline.name, reason, actor)

    # --- service clocks ------------------------------------------------------------------

    def pause_service_clocks(self, actor: str, reason: str) -> None:
        """Our own targets stop while a case is on hold; legal deadlines never do."""
        now = workflow.now()
        for deadline in self._live(DeadlineKind.SERVICE):
            if deadline.due_at is not None and not deadline.paused:
                deadline.paused_remaining_seconds = (deadline.due_at - now).total_seconds()
                deadline.paused_on = london_date(now)
                deadline.changes.append(DeadlineChange(at=now, actor=actor, change="paused", reason=reason))

    def resume_service_clocks(self, actor: str) -> None:
        now = workflow.now()
        for deadline in self._live(DeadlineKind.SERVICE):
            if deadline.paused:
                if self.policy.rules[deadline.rule or deadline.name].period is not None:
                    # A period in days stops for the whole days on hold and stays due at the
                    # end of a London day.
                    deadline.due_on += timedelta(days=(london_date(now) - deadline.paused_on).days)
                    deadline.due_at = end_of_london_day(deadline.due_on)
                else:
                    deadline.due_at = now + timedelta(seconds=deadline.paused_remaining_seconds)
                    deadline.due_on = london_date(deadline.due_at)
                deadline.paused_remaining_seconds = deadline.paused_on = None
                steps_done = list(deadline.steps_done)
                self._arm(deadline)
                deadline.steps_done = steps_done
                deadline.changes.append(
                    DeadlineChange(
                        at=now, actor=actor, change="resumed", due_on=deadline.due_on, due_at=deadline.due_at
                    )
                )

    def _live(self, kind: DeadlineKind | None = None) -> list[Deadline]:
        return [d for d in self.deadlines.values() if d.live and (kind is None or d.kind == kind)]

    # --- time ------------------------------------------------------------------------------

    def _pending(self, deadline: Deadline) -> list[tuple[LadderStep, datetime]]:
        if not deadline.live or deadline.paused or deadline.due_at is None:
            return []
        steps = [
            (LadderStep.WARNING, deadline.warn_at),
            (LadderStep.SUPERVISOR, deadline.supervisor_at),
            (LadderStep.HEAD_OF_SERVICE, deadline.head_of_service_at),
        ]
        return [(step, at) for step, at in steps if step not in deadline.steps_done]

    def next_wakeup(self) -> datetime | None:
        times = [at for d in self.deadlines.values() for _, at in self._pending(d)]
        times += [d.due_at for d in self._live() if d.due_at and not d.paused and d.status != "missed"]
        return min(times, default=None)

    def next_wakeup_summary(self) -> str:
        """What the next wake-up is for, in the domain's words, for the timer's summary in the
        Temporal Web UI (`case_review_due: escalate to supervisor`)."""
        due = [
            (at, f"{d.name}: {STEP_WORDS[step]}")
            for d in self.deadlines.values()
            for step, at in self._pending(d)
        ]
        due += [(d.due_at, f"{d.name}: falls due") for d in self._live() if d.due_at and not d.paused]
        return min(due, default=(None, "the next deadline"), key=lambda pair: pair[0])[1]

    def time_to_next_wakeup(self) -> timedelta | None:
        """How long until the next ladder step or due time: zero once one has come."""
        wakeup = self.next_wakeup()
        return None if wakeup is None else max(wakeup - workflow.now(), timedelta(0))

    def step_due(self) -> bool:
        return self.time_to_next_wakeup() == timedelta(0)

    def gathering_wait(self, delay: timedelta) -> timedelta:
        """How long a case may gather actions for its next register write: `delay`, cut
        short by a ladder step falling due (the register can trail, an escalation must not)."""
        step = self.time_to_next_wakeup()
        return delay if step is None else min(delay, step)

    def next_deadline(self) -> datetime | None:
        return min((d.due_at for d in self._live() if d.due_at and not d.paused), default=None)

    def overdue(self) -> bool:
        return any(d.status is DeadlineStatus.MISSED for d in self.deadlines.values())

    async def escalate_due(self, recipients: dict[LadderStep, str], in_task: bool) -> bool:
        """Fire every ladder step that has come due, in order; mark missed deadlines.

        Each step is one register write of one escalation record and one notification, keyed
        so a retry or replay writes nothing twice; from inside the wake-up's task if `in_task`
        (workflows/register_writes.py). Returns whether anything changed.
        """
        now, changed = workflow.now(), False
        for deadline in self._live():
            if deadline.paused or deadline.due_at is None:
                continue
            due = [(step, at) for step, at in self._pending(deadline) if at <= now]
            for step, at in due:
                if (step, at) != due[-1] and deadline.armed_at is not None and at < deadline.armed_at:
                    self._skip(deadline, step, due[-1][0], now)
                else:
                    await self._escalate(deadline, step, recipients[step], now, in_task)
                changed = True
            if deadline.due_at <= now and deadline.status is not DeadlineStatus.MISSED:
                deadline.status = DeadlineStatus.MISSED
                deadline.changes.append(
                    DeadlineChange(at=now, actor=SYSTEM_ACTOR.id, change="missed", due_on=deadline.due_on)
                )
                changed = True
        return changed

    async def resolve(self, moved: list[DeadlineMoved]) -> None:
        """Tell the register which escalated deadlines moved on: their escalations still waiting
        for a person are resolved, and every one shows its deadline as it now stands."""
        if moved:
            await asyncio.gather(
                *(
                    workflow.execute_activity_method(
                        EscalationActivities.resolve,
                        m,
                        summary=f"register: {m.deadline} {m.status}, its escalations resolved",
                        **REGISTER_WRITE,
                    )
                    for m in moved
                )
            )

    async def acknowledge(self, name: str, revision: int, step: str, comment: str, actor: str) -> None:
        """A supervisor has seen an escalation: recorded against it in the register."""
        await workflow.execute_activity_method(
            EscalationActivities.acknowledge,
            EscalationAcknowledgment(
                case_ref=self.case.ref,
                deadline=name,
                revision=revision,
                step=step,
                actor=actor,
                comment=comment,
                at=workflow.now(),
            ),
            summary=f"register: {name} {step} acknowledged by {actor}",
            **REGISTER_WRITE,
        )

    def _skip(self, deadline: Deadline, step: LadderStep, instead: LadderStep, now: datetime) -> None:
        """A step whose time had passed before the deadline was set: only the latest one applies."""
        deadline.steps_done.append(step)
        deadline.changes.append(
            DeadlineChange(
                at=now,
                actor=SYSTEM_ACTOR.id,
                change="skipped",
                reason=f"{step} passed before it was set; {instead} now",
            )
        )

    async def _escalate(
        self, deadline: Deadline, step: LadderStep, proposed: str, now: datetime, in_task: bool
    ) -> None:
        """One ladder step: `proposed` is the owner or the policy's contact; the write answers
        who was told (the operator's contacts file may name someone else for the team)."""
        told = await register_writes.write(
            EscalationActivities.escalate,
            Escalation(
                case_kind=self.case.kind,
                case_ref=self.case.ref,
                workflow_id=self.case.workflow_id,
                team=self.case.team,
                deadline=deadline.name,
                deadline_title=deadline.title,
                revision=deadline.revision,
                step=step,
                due_at=deadline.due_at,
                recipient=proposed,
                message=_message(deadline, step, self.case.ref, now),
                at=now,
            ),
            summary=f"{deadline.name}: {STEP_WORDS[step]} (team {self.case.team})",
            in_task=in_task,
        )
        deadline.steps_done.append(step)
        deadline.changes.append(
            DeadlineChange(at=now, actor=SYSTEM_ACTOR.id, change="escalated", reason=f"{step} to {told}")
        )


STEP_WORDS = {
    LadderStep.WARNING: "warn the handler",
    LadderStep.SUPERVISOR: "escalate to supervisor",
    LadderStep.HEAD_OF_SERVICE: "escalate to head of service",
}

# Where a deadline stands, as far as its escalations care.
Standing = tuple[DeadlineStatus, int, bool]  # status, revision, whether its ladder had started


def standings(deadlines: dict[str, Deadline]) -> dict[str, Standing]:
    return {n: (d.status, d.revision, bool(d.steps_done)) for n, d in deadlines.items()}


def moved_on(
    before: dict[str, Standing], deadlines: dict[str, Deadline], case_ref: str, how: str, at: datetime
) -> list[DeadlineMoved]:
    """The deadlines whose ladder had started and which an action met, waived or extended."""
    moved = []
    for name, (status, revision, escalated) in before.items():
        now = deadlines.get(name)
        if now is None or not escalated:
            continue
        settled = now.status in (DeadlineStatus.MET, DeadlineStatus.WAIVED) and now.status != status
        if settled or now.revision != revision:
            moved.append(
                DeadlineMoved(
                    case_ref=case_ref,
                    deadline=name,
                    revision=revision,
                    status=now.status.value,
                    due_on=now.due_on,
                    how=how,
                    at=at,
                )
            )
    return moved


def _message(deadline: Deadline, step: LadderStep, ref: str, now: datetime) -> str:
    """Worded for the date it is sent on: a warning for a deadline already past says so."""
    past = deadline.due_at is not None and deadline.due_at <= now
    due = "due date suspended" if not deadline.due_on else f"{'was due' if past else 'due'} {deadline.due_on}"
    lead = {
        LadderStep.WARNING: "Past its date" if past else "Coming up",
        LadderStep.SUPERVISOR: "Escalated to you as supervisor",
        LadderStep.HEAD_OF_SERVICE: "Escalated to you as head of service",
    }[step]
    return f"{lead}: {deadline.title} on {ref}, {due} ({deadline.basis}). Owner: {deadline.owner}."
