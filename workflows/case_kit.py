"""The case kit: what every case workflow beyond the claim shares.

A kit workflow is a pathway table (stages, the steps allowed in each, where each leads) plus a
state model. The kit turns each step into a Temporal Update with a validator, keeps the recent
request ids so a retried action has one effect, keeps the case's deadline book and fires its
escalations, records each accepted action for the ledger, projects the case into the
register's case table, and continues-as-new when Temporal suggests it. A workflow subclasses
`CaseWorkflow`, defines `open`, and overrides the hooks it needs; its own `@workflow.run`
calls `self.run_case()`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.register import RegisterActivities
    from models import search_attributes as sa
    from models.cases import CaseCarried, CaseNote, CasePolicy, CaseProjection, CaseState, CaseView
    from models.claims import AcknowledgeEscalation, AddNote, ExtendDeadline, WaiveDeadline
    from models.common import ActionMeta, Actor, AppliedAction, LedgerEntry, Refusal, Role, payload_digest
    from models.deadlines import DeadlineChangeView, LadderStep
    from workflows.clock import end_of_london_day, london_date
    from workflows.deadline_book import CaseRef, DeadlineBook

ACTING = frozenset({Role.HANDLER, Role.SUPERVISOR, Role.ADMIN})
SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
DEADLINE_VISIBILITY = "kit-deadline-visibility"  # patch: NextDeadline and Overdue in visibility
STEPS_BEFORE_PROJECTION = "kit-steps-before-projection"  # patch: a ladder step due ends a gathering
PROJECTION_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@dataclass(frozen=True)
class Context:
    actor: Actor
    now: datetime
    today: date
    policy: CasePolicy


Effect = Callable[[Any, Any, Context], None]
Check = Callable[[Any, Any, Context], "tuple[str, str] | None"]


def _no_effect(state: Any, payload: Any, ctx: Context) -> None:
    return None


def _no_check(state: Any, payload: Any, ctx: Context) -> None:
    return None


def both(*checks: Check) -> Check:
    def check(state: Any, payload: Any, ctx: Context):
        for c in checks:
            if refused := c(state, payload, ctx):
                return refused
        return None

    return check


def not_future(field: str) -> Check:
    def check(state: Any, payload: Any, ctx: Context):
        value = getattr(payload, field)
        if value is not None and value > ctx.today:
            return "date_in_future", f"{field} {value} is in the future"
        return None

    return check


@dataclass(frozen=True)
class Step:
    action: str
    payload: type[BaseModel]
    from_stages: frozenset[str]
    leads_to: str | None  # None: the stage does not change
    describe: str
    apply: Effect = _no_effect
    check: Check = _no_check
    roles: frozenset[Role] = ACTING
    date_field: str | None = None  # the payload's date of the event; deadlines count from it
    sets: tuple[str, ...] = ()  # deadlines this step starts
    meets: tuple[str, ...] = ()  # deadlines this step satisfies
    waives: tuple[str, ...] = ()  # deadlines this step makes moot


class Pathway:
    """A case kind's pathway as data: validators, allowed actions, the API and docs come from it."""

    def __init__(
        self,
        kind: str,
        stages: type[StrEnum],
        steps: list[Step],
        final: frozenset[str],
        initial: str | None = None,
    ) -> None:
        self.kind, self.stages, self.final = kind, stages, final
        self.initial = initial or next(iter(stages)).value
        self.steps = {s.action: s for s in steps}
        every = {s.value for s in stages}
        for step in steps:
            unknown = set(step.from_stages) - every
            if unknown or (step.leads_to is not None and step.leads_to not in every):
                raise ValueError(f"{kind}.{step.action}: unknown stage {unknown or step.leads_to}")

    @property
    def open_stages(self) -> frozenset[str]:
        return frozenset(s.value for s in self.stages if s.value not in self.final)

    def allowed_actions(self, state: CaseState, role: Role) -> list[str]:
        return [s.action for s in self.steps.values() if role in s.roles and state.stage in s.from_stages]

    def refusal(self, state: CaseState, step: Step, payload: Any, ctx: Context) -> Refusal | None:
        """Why `step` may not be taken now, or None if it may."""
        allowed = self.allowed_actions(state, ctx.actor.role)

        def refuse(code: str, message: str) -> Refusal:
            return Refusal(code=code, message=message, stage=state.stage, allowed_actions=allowed)

        if ctx.actor.role not in step.roles:
            return refuse(
                "forbidden_for_role", f"{step.action} needs one of: {', '.join(sorted(step.roles))}"
            )
        if state.stage not in step.from_stages:
            return refuse(
                "action_not_allowed",
                f"{step.action} is not allowed at stage {state.stage}; allowed now: {', '.join(allowed)}",
            )
        if refused := step.check(state, payload, ctx):
            return refuse(*refused)
        return None

    def apply(self, state: CaseState, step: Step, payload: Any, ctx: Context) -> None:
        step.apply(state, payload, ctx)
        if step.leads_to is not None:
            state.stage = step.leads_to
            if step.leads_to in self.final and state.closed_at is None:
                state.closed_at = ctx.now
        state.updated_at = ctx.now

    def mermaid(self) -> str:
        """The pathway as a Mermaid state diagram, generated so the docs cannot drift."""
        order = [s.value for s in self.stages]
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for step in self.steps.values():
            if step.leads_to is None:
                continue
            for origin in sorted(step.from_stages, key=order.index):
                lines.append(f"    {origin} --> {step.leads_to}: {step.action}")
        lines += [f"    {final} --> [*]" for final in sorted(self.final, key=order.index)]
        return "\n".join(lines) + "\n"


# --- steps every kit case has ---------------------------------------------------------


def _add_note(state: CaseState, p: AddNote, ctx: Context) -> None:
    state.notes.append(CaseNote(seq=state.seq + 1, text=p.text, author=ctx.actor.id, at=ctx.now))


def _live_deadline(state: CaseState, name: str):
    deadline = state.deadlines.get(name)
    if deadline is None:
        return "unknown_deadline", f"the case has no deadline {name}"
    if not deadline.live:
        return "deadline_closed", f"{name} is {deadline.status}"
    return None


def _extension_later(state: CaseState, p: ExtendDeadline, ctx: Context):
    if refused := _live_deadline(state, p.deadline):
        return refused
    deadline = state.deadlines[p.deadline]
    new_at = p.new_due_at or end_of_london_day(p.new_due_on)
    if new_at <= (deadline.due_at or ctx.now):
        return "extension_not_later", f"the new due time must be after the current one ({deadline.due_on})"
    rule = ctx.policy.deadlines.rules[getattr(deadline, "rule", None) or deadline.name]
    new_on = p.new_due_on or london_date(p.new_due_at)
    limit = rule.max_extension_days
    if limit is not None and deadline.original_due_on and (new_on - deadline.original_due_on).days > limit:
        return (
            "extension_too_long",
            f"{p.deadline} may be extended by agreement by at most {limit} days; longer needs the court",
        )
    return None


def _waivable(state: CaseState, p: WaiveDeadline, ctx: Context):
    return _live_deadline(state, p.deadline)


def escalation_key(deadline: str, revision: int, step: str) -> str:
    return f"{deadline}:{revision}:{step}"


def _escalation_open(state: CaseState, p: AcknowledgeEscalation, ctx: Context):
    deadline = state.deadlines.get(p.deadline)
    if deadline is None:
        return "unknown_deadline", f"the case has no deadline {p.deadline}"
    fired = p.revision < deadline.revision or p.step in deadline.steps_done
    if p.revision > deadline.revision or not fired:
        return "unknown_escalation", f"no {p.step} escalation of {p.deadline} revision {p.revision}"
    if escalation_key(p.deadline, p.revision, p.step) in state.acknowledged_escalations:
        return "already_acknowledged", "this escalation was already acknowledged"
    return None


def _acknowledged(state: CaseState, p: AcknowledgeEscalation, ctx: Context) -> None:
    state.acknowledged_escalations.append(escalation_key(p.deadline, p.revision, p.step))


def common_steps(
    open_stages: frozenset[str], every: frozenset[str], acting=ACTING, supervising=SUPERVISING
) -> list[Step]:
    """Notes, deadline extensions and waivers, and escalation acknowledgments."""
    return [
        Step("add_note", AddNote, every, None, "Add a note", _add_note, roles=acting),
        Step(
            "extend_deadline",
            ExtendDeadline,
            open_stages,
            None,
            "A deadline extended by agreement",
            check=_extension_later,
            roles=acting,
        ),
        Step(
            "waive_deadline",
            WaiveDeadline,
            open_stages,
            None,
            "A deadline waived by a supervisor",
            check=_waivable,
            roles=supervising,
        ),
        Step(
            "acknowledge_escalation",
            AcknowledgeEscalation,
            every,
            None,
            "An escalation acknowledged",
            _acknowledged,
            _escalation_open,
            roles=supervising,
        ),
    ]


def refuse(code: str, message: str, stage: str | None = None, allowed: list[str] = ()) -> ApplicationError:
    """A refusal the API turns into a 409 (or 403) with this code."""
    refusal = Refusal(code=code, message=message, stage=stage, allowed_actions=list(allowed))
    return ApplicationError(message, refusal.model_dump(mode="json"), type=code, non_retryable=True)


def decode_action(steps: dict[str, Any], action: str, args: Sequence[RawValue], kind: str, stage: str):
    """The step an action names in a pathway table, and its request (who, under which key) and
    payload, from the raw arguments of the one dynamic Update every action arrives by."""
    step = steps.get(action)
    if step is None or len(args) != 2:
        raise refuse(
            "unknown_action", f"a {kind} case has no action {action} taking a request and a payload", stage
        )
    converter = workflow.payload_converter()
    meta = converter.from_payload(args[0].payload, ActionMeta)
    return step, meta, converter.from_payload(args[1].payload, step.payload)


def _as_error(refusal: Refusal) -> ApplicationError:
    return ApplicationError(
        refusal.message, refusal.model_dump(mode="json"), type=refusal.code, non_retryable=True
    )


# --- the workflow machinery -------------------------------------------------------------


def record_action(
    case: Any,
    requests: dict[str, AppliedAction],
    unprojected: list[LedgerEntry],
    keep: int,
    action: str,
    meta: ActionMeta,
    stage_before: str | None,
    summary: dict,
) -> AppliedAction:
    """Number an accepted action, queue its ledger entry and remember its request id (the
    latest `keep` of them, carried across continue-as-new); the claim and every kit case."""
    case.seq += 1
    entry = LedgerEntry(
        seq=case.seq,
        action=action,
        actor_id=meta.actor.id,
        actor_role=meta.actor.role,
        request_id=meta.request_id,
        stage_before=stage_before,
        stage_after=case.stage,
        summary=summary,
        at=workflow.now(),
    )
    unprojected.append(entry)
    applied = AppliedAction(
        seq=entry.seq,
        action=action,
        request_id=meta.request_id,
        stage_before=stage_before,
        stage_after=case.stage,
    )
    requests[meta.request_id] = applied
    while len(requests) > keep:
        del requests[next(iter(requests))]
    return applied


class CaseWorkflow:
    """Base of every kit workflow. Subclasses set the class attributes and define `open`."""

    pathway: ClassVar[Pathway]
    input_type: ClassVar[type[BaseModel]]  # ref, opening, opened_by, parent, policy, carried
    state_type: ClassVar[type[CaseState]]
    view_type: ClassVar[type[CaseView]]
    opening_action: ClassVar[str] = "open"
    confidential: ClassVar[bool] = False

    # --- hooks --------------------------------------------------------------------------

    def open(self, input: Any, now: datetime) -> CaseState:
        raise NotImplementedError

    async def on_open(self, input: Any) -> None:
        """Once, when the case first starts: set its opening deadlines, tell its parent."""

    async def before(self, step: Step, payload: Any, ctx: Context) -> None:
        """Before an accepted step changes anything; may raise a refusal (e.g. an activity said no)."""

    async def after(self, step: Step, payload: Any, ctx: Context, applied: AppliedAction) -> None:
        """After a step has changed the state: signals to other cases. Must not fail."""

    async def deadline_effects(self, step: Step, payload: Any, ctx: Context) -> list[DeadlineChangeView]:
        """A step's effects on the deadline book beyond the table's sets, meets and waives."""
        return []

    async def on_time_passed(self) -> None:
        """After the deadline book has fired what came due: time-driven moves of the case."""

    def facts(self) -> dict[str, Any]:
        """References and figures the register keeps for reporting; never names."""
        return {}

    def opening_summary(self, input: Any) -> dict[str, Any]:
        return {}

    def ledger_summary(self, step: Step, payload: Any) -> dict[str, Any]:
        """What the ledger keeps of an accepted step: its payload, less anything personal."""
        return payload.model_dump(mode="json")

    # --- set-up ---------------------------------------------------------------------------

    def start_case(self, input: Any) -> None:
        """Called from the subclass's `@workflow.init`."""
        self.policy: CasePolicy = input.policy
        self._lock = asyncio.Lock()
        self._dirty = self._rearm = False
        self._fresh = input.carried is None
        self._input = input
        if input.carried is not None:
            self.state = input.carried.state
            self.requests: dict[str, AppliedAction] = input.carried.requests
            self.unprojected: list[LedgerEntry] = input.carried.unprojected
        else:
            self.state = self.open(input, workflow.now())
            self.requests, self.unprojected = {}, []
            self._record(self.opening_action, input.opened_by, None, self.opening_summary(input))
        workflow.set_query_handler("state", lambda: self.state)
        self._ready = not self._fresh
        self._visible_deadlines = (None, False)  # what visibility shows; a new run shows it again
        workflow.set_update_handler("opened", self._opened)

    async def _opened(self, meta: ActionMeta) -> Any:
        """The case as it stands once its opening is done: the answer to opening it (the API
        starts the workflow with this update, so one round trip gives the new case)."""
        await workflow.wait_condition(lambda: self._ready)
        return self.view(meta.actor)

    async def run_case(self) -> Any:
        """The case's life: wait for actions and deadlines, project, continue-as-new; returns
        the final state once the case reaches a final stage with nothing left to write."""
        if self._fresh:
            async with self._lock:
                self._upsert_stage()
                await self.on_open(self._input)
                self._book_changed()
        self._ready = True
        while True:
            timeout = self.book.time_to_next_wakeup()
            if timeout is None or timeout > timedelta(0):
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(self._has_work, timeout=timeout)
            self._rearm = False
            async with self._lock:
                if await self.book.escalate_due(self.recipients()):
                    self._book_changed()
                await self.on_time_passed()
            if self.unprojected or self._dirty:
                if self.policy.projection_delay_seconds > 0 and not self._finished():
                    await self._gather_batch()
                    if workflow.patched(STEPS_BEFORE_PROJECTION) and self.book.step_due():
                        continue  # escalate first; the gathered batch is projected after
                await self._project()
            elif self._finished():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if self._finished() and not self.unprojected and not self._dirty:
                    return self.state
            elif workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self.unprojected and not self._dirty:
                    workflow.continue_as_new(self._carried_input())

    def _carried_input(self) -> Any:
        carried = CaseCarried[self.state_type](
            state=self.state, requests=self.requests, unprojected=self.unprojected
        )
        return self._input.model_copy(update={"carried": carried, "opening": None, "opened_by": None})

    def _has_work(self) -> bool:
        return (
            bool(self.unprojected)
            or self._dirty
            or self._rearm
            or self._finished()
            or workflow.info().is_continue_as_new_suggested()
        )

    def _finished(self) -> bool:
        return self.state.stage in self.pathway.final

    # --- updates --------------------------------------------------------------------------

    def context(self, meta: ActionMeta) -> Context:
        now = workflow.now()
        return Context(actor=meta.actor, now=now, today=london_date(now), policy=self.policy)

    def _refusal(self, step: Step, meta: ActionMeta, payload: Any) -> ApplicationError | None:
        earlier = self.requests.get(meta.request_id)
        if earlier is None:
            refused = self.pathway.refusal(self.state, step, payload, self.context(meta))
            return refused and _as_error(refused)
        if earlier.action != step.action or earlier.payload_digest not in ("", payload_digest(payload)):
            return refuse(
                "request_id_reused",
                f"request id {meta.request_id} was already used for another request",
                self.state.stage,
            )
        return None

    @workflow.update(dynamic=True)
    async def take_action(self, action: str, args: Sequence[RawValue]) -> Any:
        """Every handler action, by name, through the kind's pathway table: one handler for the
        class, not one registered per step on every instance (each cached case then walked by
        Python's collector)."""
        step, meta, payload = self._decode(action, args)
        async with self._lock:
            earlier = self.requests.get(meta.request_id)
            if earlier is not None and earlier.action == step.action:
                return self.view(meta.actor, earlier.model_copy(update={"duplicate": True}))
            # Accepted, but another action may have moved the case while this one queued.
            if (refused := self._refusal(step, meta, payload)) is not None:
                raise refused
            ctx = self.context(meta)
            await self.before(step, payload, ctx)
            stage_before = self.state.stage
            self.pathway.apply(self.state, step, payload, ctx)
            changes = await self._deadline_effects(step, payload, ctx)
            applied = self._record(step.action, meta, stage_before, self.ledger_summary(step, payload))
            applied.payload_digest = payload_digest(payload)
            if stage_before != self.state.stage:
                self._upsert_stage()
            await self.after(step, payload, ctx, applied)
            return self.view(meta.actor, applied, changes)

    @take_action.validator
    def _check_action(self, action: str, args: Sequence[RawValue]) -> None:
        step, meta, payload = self._decode(action, args)
        if (refused := self._refusal(step, meta, payload)) is not None:
            raise refused

    def _decode(self, action: str, args: Sequence[RawValue]) -> tuple[Step, ActionMeta, Any]:
        return decode_action(self.pathway.steps, action, args, self.pathway.kind, self.state.stage)

    def view(self, actor: Actor, applied: AppliedAction | None = None, changes=()) -> CaseView:
        return self.view_type(
            state=self.state,
            allowed_actions=self.pathway.allowed_actions(self.state, actor.role),
            applied=applied,
            deadline_changes=list(changes),
        )

    def _record(
        self, action: str, meta: ActionMeta, stage_before: str | None, summary: dict
    ) -> AppliedAction:
        keep = self.policy.recent_request_ids
        return record_action(
            self.state, self.requests, self.unprojected, keep, action, meta, stage_before, summary
        )

    def record_system(self, action: str, stage_before: str | None, summary: dict, request_id: str) -> None:
        """An event the case takes on by itself (a signal, a timer): in the ledger as `fairway`."""
        meta = ActionMeta(actor=Actor(id="fairway", role=Role.ADMIN), request_id=request_id)
        self._record(action, meta, stage_before, summary)
        if stage_before != self.state.stage:
            self._upsert_stage()

    def _upsert_stage(self) -> None:
        workflow.upsert_search_attributes(
            [
                sa.CASE_KIND.value_set(self.state.kind.value),
                sa.STAGE.value_set(self.state.stage),
                sa.HANDLER.value_set(self.state.owner),
            ]
        )

    def _upsert_deadline_attributes(self) -> None:
        """NextDeadline and Overdue move with the register, so "what is overdue" is one
        visibility query across every case kind, as it is for claims."""
        shown = (self.state.next_deadline_at, self.state.overdue)
        if shown == self._visible_deadlines or not workflow.patched(DEADLINE_VISIBILITY):
            return
        self._visible_deadlines = shown
        next_at, overdue = shown
        workflow.upsert_search_attributes(
            [
                sa.NEXT_DEADLINE.value_set(next_at) if next_at else sa.NEXT_DEADLINE.value_unset(),
                sa.OVERDUE.value_set(overdue),
            ]
        )

    # --- the deadline book ----------------------------------------------------------------

    @property
    def book(self) -> DeadlineBook:
        case = CaseRef(self.state.kind.value, self.state.ref, workflow.info().workflow_id, self.state.team)
        return DeadlineBook(self.state.deadlines, self.policy.deadlines, case)

    def recipients(self) -> dict[LadderStep, str]:
        contacts = self.policy.deadlines.contacts
        team = contacts.get(self.state.team) or next(iter(contacts.values()))
        return {
            LadderStep.WARNING: self.state.owner,
            LadderStep.SUPERVISOR: team.supervisor,
            LadderStep.HEAD_OF_SERVICE: team.head_of_service,
        }

    async def _deadline_effects(self, step: Step, payload: Any, ctx: Context) -> list[DeadlineChangeView]:
        book, actor = self.book, ctx.actor.id
        on = getattr(payload, step.date_field) if step.date_field else ctx.today
        changes = [await book.set(name, step.action, on, self.state.owner, actor) for name in step.sets]
        for name in step.meets:
            book.meet(name, on, actor)
        for name in step.waives:
            if (d := self.state.deadlines.get(name)) is not None and d.live:
                book.waive(name, f"moot after {step.action}", actor)
        if step.action == "extend_deadline":
            p = payload
            changes.append(book.extend(p.deadline, p.new_due_on, p.new_due_at, p.reason, p.agreed_by, actor))
        elif step.action == "waive_deadline":
            book.waive(payload.deadline, payload.reason, actor)
        elif step.action == "acknowledge_escalation":
            p = payload
            await book.acknowledge(p.deadline, p.revision, p.step, p.comment, actor)
        changes += await self.deadline_effects(step, payload, ctx)
        if step.leads_to in self.pathway.final:
            book.waive_all(f"case reached {step.leads_to}", actor)
        self._book_changed()
        return changes

    def _book_changed(self) -> None:
        book = self.book
        self.state.next_deadline_at, self.state.overdue = book.next_deadline(), book.overdue()
        self._dirty = self._rearm = True

    async def _gather_batch(self) -> None:
        """Let a burst of actions gather so one projection writes them all; a ladder step
        falling due ends the wait (the register can trail, an escalation must not)."""
        wait = timedelta(seconds=self.policy.projection_delay_seconds)
        if workflow.patched(STEPS_BEFORE_PROJECTION):
            wait = self.book.gathering_wait(wait)
            if wait <= timedelta(0):
                return
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(self._finished, timeout=wait)

    # --- projection -------------------------------------------------------------------------

    async def _project(self) -> None:
        """Write the case's row and its new ledger entries to the register (a regular activity:
        its input comes from history, so it only writes what Temporal has accepted)."""
        self._dirty = False
        self._upsert_deadline_attributes()
        self.state.version += 1
        entries = list(self.unprojected)
        await workflow.execute_activity_method(
            RegisterActivities.project_case,
            self._projection(entries),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=PROJECTION_RETRY,
        )
        del self.unprojected[: len(entries)]

    def _projection(self, entries: list[LedgerEntry]) -> CaseProjection:
        s = self.state
        return CaseProjection(
            workflow_id=workflow.info().workflow_id,
            kind=s.kind,
            ref=s.ref,
            parent_ref=s.parent.ref if s.parent else None,
            stage=s.stage,
            owner=s.owner,
            team=s.team,
            confidential=self.confidential,
            opened_at=s.opened_at,
            updated_at=s.updated_at,
            closed_at=s.closed_at,
            outcome=s.outcome,
            next_deadline_at=s.next_deadline_at,
            overdue=s.overdue,
            seq=s.seq,
            version=s.version,
            facts=self.facts(),
            entries=entries,
        )

    # --- other cases ------------------------------------------------------------------------

    async def signal_case(self, workflow_id: str, signal: str, arg: BaseModel) -> bool:
        """Tell another case something; a case that has ended is told nothing (and says so)."""
        try:
            await workflow.get_external_workflow_handle(workflow_id).signal(signal, arg)
            return True
        except ApplicationError:
            workflow.logger.warning("could not signal %s: %s", workflow_id, signal)
            return False
