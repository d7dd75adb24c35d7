"""The case kit: what every case workflow shares, the claim included.

A kit workflow is a pathway table (stages, the steps allowed in each, where each leads, and
what each does beyond its stage: deadlines, other cases, activities) plus a state model. The
kit turns each step into a Temporal Update with a validator, keeps the recent request ids so a
retried action has one effect, keeps the case's deadline book and fires its escalations,
records each accepted action for the ledger, projects the case into the register, and
continues-as-new when Temporal suggests it. A workflow subclasses `CaseWorkflow`, defines
`open`, and overrides the few class-level hooks it needs; its own `@workflow.run` calls
`self.run_case()`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

from activities.register import RegisterActivities
from models import search_attributes as sa
from models.access import ACCESS
from models.cases import (
    AcknowledgeEscalation,
    ActionReceipt,
    AddNote,
    CaseCarried,
    CaseLink,
    CaseNote,
    CasePolicy,
    CaseProgress,
    CaseProjection,
    CaseState,
    CaseView,
    ExtendDeadline,
    LinkCase,
    WaiveDeadline,
)
from models.common import (
    SYSTEM_ACTOR,
    ActionMeta,
    Actor,
    AppliedAction,
    LedgerEntry,
    Refusal,
    Role,
    date_refusal,
    far_future,
    payload_digest,
)
from models.deadlines import DeadlineChangeView, LadderStep
from workflows import register_writes
from workflows.clock import end_of_london_day, london_date
from workflows.deadline_book import Calendar, CaseRef, DeadlineBook, moved_on, standings

ACTING = frozenset({Role.HANDLER, Role.SUPERVISOR, Role.ADMIN})
SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
PREVIOUS = "previous stage"  # a step's target: back to where the case was before it ended
RECENT_NOTES = 5  # notes an action's answer carries


@dataclass(frozen=True)
class Context:
    actor: Actor
    now: datetime
    today: date
    policy: CasePolicy
    action: str = ""  # the step being taken: deadlines it sets name it as their trigger


Effect = Callable[[Any, Any, Context], None]
Check = Callable[[Any, Any, Context], "tuple[str, str] | None"]
StateCheck = Callable[[Any], "tuple[str, str] | None"]
# Row hooks get the running case workflow: its state, its deadline book, its activities.
BookEffect = Callable[["CaseWorkflow", Any, Context], Awaitable[list[DeadlineChangeView]]]
Before = Callable[["CaseWorkflow", Any, Context], Awaitable[None]]
After = Callable[["CaseWorkflow", Any, Context, AppliedAction], Awaitable[None]]


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


def every(*checks: StateCheck) -> StateCheck:
    """State checks in turn, for a step's availability: the first refusal."""

    def available(state: Any):
        return next((refused for check in checks if (refused := check(state))), None)

    return available


def not_future(field: str) -> Check:
    """A date the request reports as past: not in the future, nor before the case's first event
    (a claim's incident, a baby's birth)."""

    def check(state: Any, payload: Any, ctx: Context):
        return date_refusal(field, getattr(payload, field), ctx.today, state.event_floor())

    return check


@dataclass(frozen=True)
class Divert:
    """Where a step leads instead of its `leads_to`, from `origins` (None: from any of the
    step's stages) when `when` holds."""

    to: str
    label: str
    when: Callable[[Any, Any, Context], bool] | None = None
    origins: frozenset[str] | None = None

    def applies(self, state: Any, payload: Any, ctx: Context) -> bool:
        return (self.origins is None or state.stage in self.origins) and (
            self.when is None or self.when(state, payload, ctx)
        )


@dataclass(frozen=True)
class Step:
    """One row of a pathway table: everything one handler action is and does."""

    action: str
    payload: type[BaseModel]
    from_stages: frozenset[str]
    leads_to: str | None  # None: the stage does not change; PREVIOUS: back to before the end
    describe: str
    apply: Effect = _no_effect
    check: Check = _no_check
    roles: frozenset[Role] = ACTING
    date_field: str | None = None  # the payload's date of the event; deadlines count from it
    sets: tuple[str, ...] = ()  # deadlines this step starts
    meets: tuple[str, ...] = ()  # deadlines this step satisfies
    waives: tuple[str, ...] = ()  # deadlines this step makes moot
    hold: Literal["off", "on", "any"] = "any"  # whether the case must be off hold, on hold, or either
    diverts: tuple[Divert, ...] = ()  # other stages it leads to, the first that applies
    # A check on the state alone: while it refuses, the step is not offered in allowed_actions.
    available: StateCheck | None = None
    book: BookEffect | None = None  # its effect on the deadline book beyond sets, meets and waives
    before: Before | None = None  # before it changes anything; may refuse (an activity said no)
    after: After | None = None  # once applied: start or tell other cases; must not fail
    internal: bool = False  # sent by another case's workflow, never through the API
    # The payload field naming an actor the case is assigned to: the API checks the directory.
    assignee: str | None = None
    private: tuple[str, ...] = ()  # payload fields the ledger does not keep (names go elsewhere)

    @property
    def touches_book(self) -> bool:
        return bool(self.sets or self.meets or self.waives or self.book)


class Pathway:
    """A case kind's pathway as data: validators, allowed actions, the API and docs come from it."""

    def __init__(
        self,
        kind: str,
        stages: type[StrEnum],
        steps: list[Step],
        final: frozenset[str],
        initial: str | None = None,
        opening_action: str = "open",
    ) -> None:
        self.kind, self.stages, self.final = kind, stages, final
        self.initial = initial or next(iter(stages)).value
        self.opening_action = opening_action
        self.steps = {s.action: s for s in steps}
        every = {s.value for s in stages}
        for step in steps:
            targets = {d.to for d in step.diverts} | ({step.leads_to} - {None, PREVIOUS})
            unknown = (set(step.from_stages) | targets) - every
            if unknown:
                raise ValueError(f"{kind}.{step.action}: unknown stage {unknown}")

    @property
    def open_stages(self) -> frozenset[str]:
        return frozenset(s.value for s in self.stages if s.value not in self.final)

    @property
    def public_steps(self) -> list[Step]:
        """The steps a person takes through the API (not those another case sends)."""
        return [s for s in self.steps.values() if not s.internal]

    def order(self, stages) -> list[str]:
        order = [s.value for s in self.stages]
        return sorted((str(s) for s in stages), key=order.index)

    def _closed_to(self, state: Any, step: Step) -> tuple[str, str] | None:
        """Why the case's state alone rules the step out now (stage, hold, availability)."""
        if state.stage not in step.from_stages:
            return "action_not_allowed", f"{step.action} is not allowed at stage {state.stage}"
        on_hold = getattr(state, "hold", None) is not None
        if step.hold != "any" and (step.hold == "on") != on_hold:
            where = "on" if on_hold else "off"
            code = "on_hold" if on_hold else "not_on_hold"
            return code, f"{step.action} is not allowed while {where} hold"
        if step.available is not None:
            return step.available(state)
        return None

    def allowed_actions(self, state: Any, role: Role) -> list[str]:
        return [s.action for s in self.public_steps if role in s.roles and self._closed_to(state, s) is None]

    def refusal(self, state: Any, step: Step, payload: Any, ctx: Context) -> Refusal | None:
        """Why `step` may not be taken now, or None if it may. What is allowed instead is worked
        out only for a refusal: every accepted action is checked twice (validator and handler)."""

        def refuse(code: str, message: str) -> Refusal:
            allowed = self.allowed_actions(state, ctx.actor.role)
            if code == "action_not_allowed":
                message += f"; allowed now: {', '.join(allowed)}"
            return Refusal(code=code, message=message, stage=state.stage, allowed_actions=allowed)

        if ctx.actor.role not in step.roles:
            return refuse(
                "forbidden_for_role", f"{step.action} needs one of: {', '.join(sorted(step.roles))}"
            )
        if refused := self._closed_to(state, step):
            return refuse(*refused)
        if refused := far_future(payload):
            return refuse(*refused)
        if refused := step.check(state, payload, ctx):
            return refuse(*refused)
        return None

    def target(self, state: Any, step: Step, payload: Any, ctx: Context) -> str | None:
        return next((d.to for d in step.diverts if d.applies(state, payload, ctx)), step.leads_to)

    def apply(self, state: Any, step: Step, payload: Any, ctx: Context) -> None:
        """Take the step: its effect, then its stage change."""
        target = self.target(state, step, payload, ctx)
        step.apply(state, payload, ctx)
        if target == PREVIOUS:
            state.stage, state.stage_before_closure = state.stage_before_closure or self.initial, None
            state.closed_at = state.outcome = None
        elif target is not None:
            if target in self.final and state.stage not in self.final:
                state.stage_before_closure = state.stage
                state.closed_at = state.closed_at or ctx.now
            state.stage = target
        state.updated_at = ctx.now

    def mermaid(self) -> str:
        """The pathway as a Mermaid state diagram, generated so the docs cannot drift."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}: {self.opening_action}"]
        for step in self.public_steps:
            for divert in step.diverts:
                for origin in self.order(divert.origins or step.from_stages):
                    lines.append(f"    {origin} --> {divert.to}: {step.action} ({divert.label})")
            if step.leads_to is None:
                continue
            target = "reopened" if step.leads_to == PREVIOUS else step.leads_to
            for origin in self.order(step.from_stages):
                lines.append(f"    {origin} --> {target}: {step.action}")
        if any(s.leads_to == PREVIOUS for s in self.steps.values()):
            lines.append("    note right of reopened: back to the stage before it ended")
        lines += [f"    {final} --> [*]" for final in self.order(self.final)]
        return "\n".join(lines) + "\n"


# --- steps every case has ------------------------------------------------------------


def _add_note(state: CaseState, p: AddNote, ctx: Context) -> None:
    state.notes.append(CaseNote(seq=state.seq + 1, text=p.text, author=ctx.actor.id, at=ctx.now))


def _live_deadline(state: CaseState, name: str):
    deadline = state.deadlines.get(name)
    if deadline is None:
        return "unknown_deadline", f"the case has no deadline {name}"
    if not deadline.live:
        return "deadline_closed", f"{name} is {deadline.status}"
    return None


def extension_refusal(
    state: CaseState, name: str, new_on: date | None, new_at: datetime | None, ctx: Context
):
    """Why `name` may not move to the new due date or instant: it must be live and later, and
    within the most its rule allows by agreement (CPR 15.5: a defence by 28 days)."""
    if refused := _live_deadline(state, name):
        return refused
    deadline = state.deadlines[name]
    if (new_at or end_of_london_day(new_on)) <= (deadline.due_at or ctx.now):
        return "extension_not_later", f"the new due time must be after the current one ({deadline.due_on})"
    rule = ctx.policy.deadlines.rules.get(deadline.rule or deadline.name)
    limit = rule.max_extension_days if rule else None
    latest = deadline.extendable_to  # computed with the deadline, from its period's own end
    if limit is not None and latest is None and deadline.original_due_on:
        latest = deadline.original_due_on + timedelta(days=limit)  # a date entered, not computed
    if latest is None or (new_on or london_date(new_at)) <= latest:
        return None
    if limit == 0:
        return "extension_too_long", f"{name} cannot be extended by agreement: only a court order moves it"
    return (
        "extension_too_long",
        f"{name} may be extended by agreement by at most {limit} days from the end of its period, "
        f"to {latest}; longer needs the court",
    )


def _extension_later(state: CaseState, p: ExtendDeadline, ctx: Context):
    return extension_refusal(state, p.deadline, p.new_due_on, p.new_due_at, ctx)


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


async def _extend(case: CaseWorkflow, p: ExtendDeadline, ctx: Context) -> list[DeadlineChangeView]:
    return [case.book.extend(p.deadline, p.new_due_on, p.new_due_at, p.reason, p.agreed_by, ctx.actor.id)]


async def _waive(case: CaseWorkflow, p: WaiveDeadline, ctx: Context) -> list[DeadlineChangeView]:
    case.book.waive(p.deadline, p.reason, ctx.actor.id)
    return []


async def _record_acknowledgment(case: CaseWorkflow, p: AcknowledgeEscalation, ctx: Context):
    await case.book.acknowledge(p.deadline, p.revision, p.step, p.comment, ctx.actor.id)
    return []


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
            book=_extend,
        ),
        Step(
            "waive_deadline",
            WaiveDeadline,
            open_stages,
            None,
            "A deadline waived by a supervisor",
            check=_waivable,
            roles=supervising,
            book=_waive,
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
            book=_record_acknowledgment,
        ),
    ]


def _linked(state: CaseState, p: LinkCase, ctx: Context) -> None:
    if not any(link.ref == p.ref for link in state.links):
        state.links.append(CaseLink(**p.model_dump(), linked_at=ctx.now))


def link_case_step(every: frozenset[str], acting=ACTING) -> Step:
    """Another case's link to this one (a significant concern raised from it): sent by that case
    under its opener's name, at any stage, never through the API."""
    return Step(
        "link_case",
        LinkCase,
        every,
        None,
        "Linked to another case (sent by that case)",
        _linked,
        roles=acting,
        internal=True,
    )


def refuse(code: str, message: str, stage: str | None = None, allowed: list[str] = ()) -> ApplicationError:
    """A refusal the API turns into a 409 (or 403) with this code."""
    return _as_error(Refusal(code=code, message=message, stage=stage, allowed_actions=list(allowed)))


def _as_error(refusal: Refusal) -> ApplicationError:
    return ApplicationError(
        refusal.message, refusal.model_dump(mode="json"), type=refusal.code, non_retryable=True
    )


# --- the workflow machinery -------------------------------------------------------------


def _key_reused(earlier: AppliedAction, action: str, meta: ActionMeta, digest: str) -> bool:
    """Whether a request id already recorded was used for another request: another action,
    another actor or another body (the same request again is a retry, answered as such)."""
    return (
        earlier.action != action
        or earlier.actor_id not in ("", meta.actor.id)
        or earlier.payload_digest not in ("", digest)
    )


SYSTEM = SYSTEM_ACTOR  # the case itself, moving on by a signal or timer


class CaseWorkflow:
    """Base of every case workflow. Subclasses set the class attributes and define `open`."""

    pathway: ClassVar[Pathway]
    input_type: ClassVar[type[BaseModel]]  # ref, opening, opened_by, owner, parent, policy, carried
    state_type: ClassVar[type[CaseState]]
    view_type: ClassVar[type[CaseView]]  # CaseView of the state type, set for each subclass

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "state_type" in cls.__dict__:
            cls.view_type = CaseView[cls.state_type]

    # --- hooks (what a kind does beyond its rows) ---------------------------------------------

    def open(self, input: Any, now: datetime) -> CaseState:
        raise NotImplementedError

    async def on_open(self, input: Any) -> None:
        """Once, when the case first starts: set its opening deadlines, tell its parent."""

    async def after_step(self, step: Step, payload: Any, ctx: Context, applied: AppliedAction) -> None:
        """After every accepted step (a route tells its claim of a new stage). Must not fail."""

    def followers(self) -> list[CaseLink]:
        """Cases told of each new stage of this one, whatever moved it (a step, a signal, the
        clock): an Early Notification case follows the claim it led to."""
        return []

    async def on_followed_progress(self, progress: CaseProgress) -> None:
        """A case this one follows has moved on (under the lock)."""

    async def on_time_passed(self) -> bool:
        """After the deadline book has fired what came due: time-driven moves of the case.
        Returns whether the deadline book changed."""
        return False

    def facts(self) -> dict[str, Any]:
        """References and figures the register keeps for reporting; never names."""
        return {}

    def detail_row(self) -> dict[str, Any] | None:
        """A kind's own register row beside the case row (the claim's), or None."""
        return None

    def opening_summary(self, input: Any) -> dict[str, Any]:
        return {}

    def opened_already(self) -> Refusal:
        """The refusal of an opening that reaches this case but did not open it: a kind whose
        reference follows from its opening (an EN case's, from the MNSI investigation) says
        which case the thing was already opened as."""
        state = self.state
        return Refusal(
            code="already_opened",
            message=f"{self.pathway.kind} {state.ref} was opened by another request",
            stage=state.stage,
            existing_ref=state.ref,
        )

    def ledger_summary(self, step: Step, payload: Any) -> dict[str, Any]:
        """What the ledger keeps of an accepted step: its payload, less its private fields."""
        return payload.model_dump(mode="json", exclude=set(step.private))

    # --- set-up ---------------------------------------------------------------------------

    def start_case(self, input: Any) -> None:
        """Called from the subclass's `@workflow.init`."""
        self.policy: CasePolicy = input.policy
        self._lock = asyncio.Lock()
        self._dirty = self._rearm = False
        self._projected_at: datetime | None = None  # when this run last wrote the register
        self._last_action_at: datetime | None = None  # when this run last took an action
        self._alarm_at: datetime | None = None
        self._alarm: asyncio.Task | None = None
        self._fresh = input.carried is None
        self._calendar = Calendar()  # one per case, so the dates a step asks for go together
        self._update_task: int | None = None  # the history length of the task that last took an Update
        self._input = input
        if input.carried is not None:
            self.state = input.carried.state
            self.requests: dict[str, AppliedAction] = input.carried.requests
            self.unprojected: list[LedgerEntry] = input.carried.unprojected
        else:
            digest = payload_digest(input.opening)  # before `open`, which may fill in defaults
            # The start event's time, not the first task's: the same in every attempt of that
            # task, so the opening's projection (written from inside it) is the same too.
            opened_at = workflow.info().workflow_start_time
            self.state = self.open(input, opened_at)
            self.requests, self.unprojected = {}, []
            opened = self._record(
                self.pathway.opening_action, input.opened_by, None, self.opening_summary(input), at=opened_at
            )
            opened.payload_digest = digest
        workflow.set_query_handler("state", lambda: self.state)
        self._ready = not self._fresh
        self._opening_answered = not self._fresh  # the first `opened` is the start's own

    @workflow.update
    async def opened(self, meta: ActionMeta, digest: str) -> CaseView:
        """The case as it stands once its opening is done: the answer to opening it. The API
        starts the workflow with this update, so one round trip gives the new case and its
        first deadlines; a retry of the same opening (same key, same body) finds the case and
        is answered from it as a duplicate; another body under that key is refused, and so is
        another request that finds the case (`opened_already`). Unlike an
        action's receipt, the whole answer: a case is opened once, and a query after it would
        cost every opening another round trip through the server and the worker."""
        await workflow.wait_condition(lambda: self._ready)
        if (refused := self.opening_refusal(meta, digest)) is not None:
            raise _as_error(refused)
        opening = self.requests[meta.request_id]
        duplicate, self._opening_answered = self._opening_answered, True
        return self.view(meta.actor, opening.model_copy(update={"duplicate": duplicate}))

    @opened.validator
    def _check_opening(self, meta: ActionMeta, digest: str) -> None:
        """Refused before it is accepted, so a refused opening leaves nothing in the history of
        the case it found."""
        if (refused := self.opening_refusal(meta, digest)) is not None:
            raise _as_error(refused)

    @workflow.query
    def opening_refusal(self, meta: ActionMeta, digest: str) -> Refusal | None:
        """Why an opening that found this case is refused, if it is: its key opened this case
        with another body, or it did not open this case at all (a second notification of the
        same MNSI investigation, say). None: it is the opening's own retry. Asked as a query of a
        case that has ended, which takes no update."""
        opening = self.requests.get(meta.request_id)
        if opening is None:
            return self.opened_already()
        if _key_reused(opening, self.pathway.opening_action, meta, digest):
            return Refusal(
                code="request_id_reused",
                message=f"request id {meta.request_id} already opened this case with another request",
                stage=self.state.stage,
            )
        return None

    @workflow.query
    def answer(self, actor: Actor, request_id: str, receipt: ActionReceipt) -> CaseView:
        """The whole answer to an action, from its receipt: the case as it stands now and what
        `actor` may do next. Asked right after the update, so the case's history keeps one
        small receipt per action rather than a copy of the case."""
        applied = self.requests.get(request_id)
        if applied is not None and receipt.duplicate:
            applied = applied.model_copy(update={"duplicate": True})
        return self.view(actor, applied, receipt.deadline_changes)

    async def run_case(self) -> Any:
        """The case's life: wait for actions and deadlines, project, continue-as-new, until it has
        ended, its register is written and any reopen window has passed."""
        if self._fresh:
            async with self._lock:
                await self.on_open(self._input)
                self._book_changed()
        self._ready = True
        while True:
            wake_at = self._wake_at()
            if wake_at is None or wake_at > workflow.now():
                self._set_alarm(wake_at)
                await workflow.wait_condition(lambda: self._has_work() or self._alarm_rang())
            self._rearm = False
            async with self._lock:
                escalated = await self.book.escalate_due(self.recipients(), in_task=self._writes_in_task())
                if await self.on_time_passed() or escalated:
                    self._book_changed()
            if self.unprojected or self._dirty:
                if await self._gather_batch():
                    continue  # a ladder step fell due: escalate first, project the batch after
                await self._project()
            elif self._retiring():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if self._retiring():
                    return self._final_result()
            elif self._run_is_long():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if (busy := self._busy_for()) > timedelta(0):
                    with contextlib.suppress(TimeoutError):
                        await workflow.wait_condition(lambda: bool(self.unprojected), timeout=busy)
                    continue
                if not self.unprojected and not self._dirty:
                    workflow.continue_as_new(self._carried_input())

    def _final_result(self) -> Any:
        """A case that can be reopened returns what a new run needs to carry on (the claim);
        any other returns its final state, which a parent case may be waiting for."""
        return self._carried_input() if self.policy.reopen_window_seconds else self.state

    def _carried_input(self) -> Any:
        carried = CaseCarried[self.state_type](
            state=self.state, requests=self.requests, unprojected=self.unprojected
        )
        return self._input.model_copy(update={"carried": carried, "opening": None, "opened_by": None})

    def _has_work(self) -> bool:
        return bool(self.unprojected) or self._dirty or self._rearm or self._run_is_long()

    def _busy_for(self) -> timedelta:
        """How long to put off our own continue-as-new while handlers are acting: an action that
        reaches a run as it continues as new waits about a second for the new one, so a run
        long by our rule waits for a quiet spell. Temporal's own suggestion is not put off."""
        if workflow.info().is_continue_as_new_suggested() or self._last_action_at is None:
            return timedelta(0)
        quiet_until = self._last_action_at + timedelta(seconds=self.policy.quiet_before_continuing_seconds)
        return max(quiet_until - workflow.now(), timedelta(0))

    def _time_to_continue(self) -> bool:
        return self._run_is_long() and self._busy_for() <= timedelta(0)

    def _run_is_long(self) -> bool:
        """Long enough to continue as new: when Temporal suggests it, or sooner, at the policy's
        length of run, so that a case evicted from the worker's cache replays a short history."""
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self.policy.events_per_run
        )

    def _finished(self) -> bool:
        return self.state.stage in self.pathway.final

    def _retire_at(self) -> datetime | None:
        """When an ended case's run may end: after its reopen window (the claim's)."""
        if not self._finished() or self.state.closed_at is None:
            return None
        return self.state.closed_at + timedelta(seconds=self.policy.reopen_window_seconds)

    def _retiring(self) -> bool:
        until = self._retire_at()
        return until is not None and not self.unprojected and not self._dirty and workflow.now() >= until

    def _wake_at(self) -> datetime | None:
        """When the case must next wake by itself: a ladder step or the end of its run."""
        times = [self.book.time_to_next_wakeup()]
        if (until := self._retire_at()) is not None:
            # At least a second, so an update delivered with a resumed run is handled first.
            times.append(max(until - workflow.now(), timedelta(seconds=1)))
        timeout = min((t for t in times if t is not None), default=None)
        return None if timeout is None else workflow.now() + timeout

    def _set_alarm(self, at: datetime | None) -> None:
        """One durable timer for the next wake-up, kept while that instant stands: an action
        that leaves the deadlines alone adds no timer to the case's history. Its summary says in
        the domain's words what it wakes the case for."""
        running = self._alarm is not None and not self._alarm.done()
        if running and at == self._alarm_at:
            return
        if running:
            self._alarm.cancel()
        self._alarm_at = at
        if at is None:
            self._alarm = None
            return
        summary = self.book.next_wakeup_summary() if at != self._retire_at() else "the reopen window ends"
        self._alarm = asyncio.create_task(workflow.sleep(at - workflow.now(), summary=summary))

    def _alarm_rang(self) -> bool:
        return self._alarm is not None and self._alarm.done()

    # --- updates --------------------------------------------------------------------------

    def context(self, meta: ActionMeta, action: str = "") -> Context:
        now = workflow.now()
        return Context(actor=meta.actor, now=now, today=london_date(now), policy=self.policy, action=action)

    def _refusal(self, step: Step, meta: ActionMeta, payload: Any) -> ApplicationError | None:
        earlier = self.requests.get(meta.request_id)
        if earlier is None:
            refused = self.pathway.refusal(self.state, step, payload, self.context(meta, step.action))
            return refused and _as_error(refused)
        if _key_reused(earlier, step.action, meta, payload_digest(payload)):
            return refuse(
                "request_id_reused",
                f"request id {meta.request_id} was already used for another request",
                self.state.stage,
            )
        return None

    @workflow.update(dynamic=True)
    async def take_action(self, action: str, args: Sequence[RawValue]) -> ActionReceipt:
        """Every handler action, by name, through the kind's pathway table: one handler for the
        class, not one registered per step on every instance (each cached case then walked by
        Python's collector)."""
        self._update_task = workflow.info().get_current_history_length()
        step, meta, payload = self._decode(action, args)
        async with self._lock:
            earlier = self.requests.get(meta.request_id)
            if earlier is not None and not _key_reused(earlier, step.action, meta, payload_digest(payload)):
                return ActionReceipt.of(earlier, duplicate=True)
            # Accepted, but another action may have moved the case while this one queued.
            if (refused := self._refusal(step, meta, payload)) is not None:
                raise refused
            ctx = self.context(meta, step.action)
            if step.before is not None:
                await step.before(self, payload, ctx)
            stage_before = self.state.stage
            self.pathway.apply(self.state, step, payload, ctx)
            changes = await self._deadline_effects(step, payload, ctx, stage_before)
            applied = self._record(step.action, meta, stage_before, self.ledger_summary(step, payload))
            applied.payload_digest = payload_digest(payload)
            if step.after is not None:
                await step.after(self, payload, ctx, applied)
            await self.after_step(step, payload, ctx, applied)
            return ActionReceipt.of(applied, changes=changes)

    @take_action.validator
    def _check_action(self, action: str, args: Sequence[RawValue]) -> None:
        step, meta, payload = self._decode(action, args)
        if (refused := self._refusal(step, meta, payload)) is not None:
            raise refused

    def _decode(self, action: str, args: Sequence[RawValue]) -> tuple[Step, ActionMeta, Any]:
        """The step an action names, and its request (who, under which key) and payload, from
        the raw arguments of the one dynamic Update every action arrives by."""
        step = self.pathway.steps.get(action)
        if step is None or len(args) != 2:
            raise refuse(
                "unknown_action",
                f"a {self.pathway.kind} case has no action {action} taking a request and a payload",
                self.state.stage,
            )
        converter = workflow.payload_converter()
        meta = converter.from_payload(args[0].payload, ActionMeta)
        return step, meta, converter.from_payload(args[1].payload, step.payload)

    def view(self, actor: Actor, applied: AppliedAction | None = None, changes=()) -> CaseView:
        """The answer to an action: the new state and what this actor may do next. It leaves
        out the logs that grow for years (all but the latest notes, each deadline's change
        history), so an action's answer stays small; a read of the case has them all."""
        state = self.state
        if applied is not None:
            state = state.model_copy(
                update={
                    "notes": state.notes[-RECENT_NOTES:],
                    "deadlines": {
                        n: d.model_copy(update={"changes": []}) for n, d in state.deadlines.items()
                    },
                }
            )
        return self.view_type(
            state=state,
            notes_total=len(self.state.notes),
            allowed_actions=self.pathway.allowed_actions(self.state, actor.role),
            applied=applied,
            deadline_changes=list(changes),
        )

    def _record(
        self,
        action: str,
        meta: ActionMeta,
        stage_before: str | None,
        summary: dict,
        at: datetime | None = None,
    ) -> AppliedAction:
        """Number an accepted action, queue its ledger entry and remember its request id (the
        latest of them, carried across continue-as-new)."""
        case = self.state
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
            at=at or workflow.now(),
        )
        self.unprojected.append(entry)
        self._last_action_at = entry.at
        applied = AppliedAction(
            seq=entry.seq,
            action=action,
            request_id=meta.request_id,
            stage_before=stage_before,
            stage_after=case.stage,
            actor_id=meta.actor.id,
        )
        self.requests[meta.request_id] = applied
        while len(self.requests) > self.policy.recent_request_ids:
            del self.requests[next(iter(self.requests))]
        return applied

    def record_system(self, action: str, stage_before: str | None, summary: dict, request_id: str) -> None:
        """An event the case takes on by itself (a signal, a timer): in the ledger as `system`."""
        self._record(action, ActionMeta(actor=SYSTEM, request_id=request_id), stage_before, summary)
        self._dirty = True

    def search_attributes(self) -> list:
        return [
            sa.CASE_KIND.value_set(self.state.kind.value),
            sa.STAGE.value_set(self.state.stage),
            sa.HANDLER.value_set(self.state.owner),
        ]

    def _show(self) -> None:
        """Visibility shows what the register shows, written with each projection: one upsert of
        only what changed since the case last showed itself (its start already shows its kind,
        stage and handler). NextDeadline and Overdue make "what is overdue" one visibility query
        across every case kind."""
        next_at = self.state.next_deadline_at
        wanted = [
            *self.search_attributes(),
            sa.NEXT_DEADLINE.value_set(next_at) if next_at else sa.NEXT_DEADLINE.value_unset(),
            sa.OVERDUE.value_set(self.state.overdue),
        ]
        shown = workflow.info().typed_search_attributes
        changed = [update for update in wanted if shown.get(update.key) != update.value]
        if changed:
            workflow.upsert_search_attributes(changed)
        workflow.set_current_details(self._details())

    def _details(self) -> str:
        """What the Temporal Web UI shows as the case's current details: references only."""
        s = self.state
        due = s.next_deadline_at.strftime("%Y-%m-%d %H:%M UTC") if s.next_deadline_at else "none"
        overdue = " (overdue)" if s.overdue else ""
        lines = [f"**{s.kind.value} {s.ref}**", f"stage: {s.stage}", f"handler: {s.owner}"]
        return "  \n".join([*lines, f"next deadline: {due}{overdue}"])  # Markdown line breaks

    # --- the deadline book ----------------------------------------------------------------

    @property
    def book(self) -> DeadlineBook:
        case = CaseRef(self.state.kind.value, self.state.ref, workflow.info().workflow_id, self.state.team)
        return DeadlineBook(self.state.deadlines, self.policy.deadlines, case, self._calendar)

    def recipients(self) -> dict[LadderStep, str]:
        contacts = self.policy.deadlines.contacts
        team = contacts.get(self.state.team) or next(iter(contacts.values()))
        return {
            LadderStep.WARNING: self.state.owner,
            LadderStep.SUPERVISOR: team.supervisor,
            LadderStep.HEAD_OF_SERVICE: team.head_of_service,
        }

    def event_date(self, step: Step, payload: Any, ctx: Context) -> date:
        return getattr(payload, step.date_field) if step.date_field else ctx.today

    async def _deadline_effects(
        self, step: Step, payload: Any, ctx: Context, stage_before: str
    ) -> list[DeadlineChangeView]:
        ended = self._finished() and stage_before not in self.pathway.final
        moved = stage_before != self.state.stage
        arrived = await self.on_stage_arrival(step, payload, ctx) if moved else []
        if not (step.touches_book or ended or moved):
            return []  # most actions leave the book alone: no need to wake the main loop
        book, actor = self.book, ctx.actor.id
        before = standings(self.state.deadlines)
        on = self.event_date(step, payload, ctx)
        # Met before set: a step may meet a recurring deadline and set its next (a board return).
        for name in step.meets:
            book.meet(name, on, actor)
        changes = [await book.set(name, step.action, on, self.state.owner, actor) for name in step.sets]
        for name in step.waives:
            if (d := self.state.deadlines.get(name)) is not None and d.live:
                book.waive(name, f"moot after {step.action}", actor)
        if step.book is not None:
            changes += await step.book(self, payload, ctx)
        changes += arrived
        if ended:
            book.waive_all(f"case reached {self.state.stage}", actor)
        await book.resolve(moved_on(before, self.state.deadlines, self.state.ref, step.action, ctx.now))
        self._book_changed()
        return changes

    async def on_stage_arrival(self, step: Step, payload: Any, ctx: Context) -> list[DeadlineChangeView]:
        """Deadlines a stage sets whichever step reaches it (the claim's stock-takes)."""
        return []

    def _book_changed(self) -> None:
        book = self.book
        self.state.next_deadline_at, self.state.overdue = book.next_deadline(), book.overdue()
        self._dirty = self._rearm = True

    def _gathering_time(self) -> timedelta:
        """How long to let a batch gather before projecting it. An action after a quiet spell is
        projected at once (no timer in its history); a burst is written at most once per
        `projection_delay_seconds`, by one projection. Only the deadline book changed (an
        escalation fired, already recorded): the register's copy of the book can trail longer,
        so a burst of escalations across many cases is not slowed by their projections (written
        at once, in the wake-up's own task, a burst of 1,000 took 14.7 s, against 10.5-11.1 s
        deferred; bench/results/deadlines.md)."""
        policy = self.policy
        if not self.unprojected:
            return timedelta(seconds=policy.book_projection_delay)
        if self._projected_at is None:
            return timedelta(0)
        since = workflow.now() - self._projected_at
        return max(timedelta(seconds=policy.projection_delay_seconds) - since, timedelta(0))

    async def _gather_batch(self) -> bool:
        """Let a burst of actions gather so one projection writes them all; a ladder step
        falling due ends the wait (the register can trail, an escalation must not). Returns
        whether a ladder step is due first."""
        policy = self.policy
        if self._finished() or policy.projection_delay_seconds <= 0:
            return False
        wait = self.book.gathering_wait(self._gathering_time())
        if wait > timedelta(0):
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: (
                        len(self.unprojected) >= policy.projection_batch
                        or self._finished()
                        or self._time_to_continue()
                    ),
                    timeout=wait,
                )
        return self.book.step_due()

    # --- projection -------------------------------------------------------------------------

    async def _project(self) -> None:
        """Write the case's row and its new ledger entries to the register: only what Temporal
        has accepted, so from inside this task only if it took no Update (a local activity can
        run on a workflow task that is then lost, with an Update it took), else as an activity,
        whose input comes from history. An opening's projection is then written inside the
        opening's own task (an opening costs no activity task and no second workflow task: a
        fifth of the server's CPU per opening, bench/results/scale.md), and the register has the
        case when the opening is answered; it is dated by its start event, so a lost attempt of
        that task writes the same rows."""
        self._dirty = False
        self._show()
        self.state.version += 1
        entries = list(self.unprojected)
        self._projected_at = workflow.now()
        await register_writes.write(
            RegisterActivities.project_case,
            self._projection(entries),
            summary=f"register: project {self.state.ref} (seq {self.state.seq})",
            in_task=self._writes_in_task(),
        )
        del self.unprojected[: len(entries)]
        await self._tell_followers(entries)

    def _writes_in_task(self) -> bool:
        """Whether this workflow task may write the register from inside itself: it took no
        Update (workflows/register_writes.py). Every activation of one task sees the same
        history length, and its replay the recorded one; an Update taken by an attempt that was
        lost comes again with the next attempt, and sets it again."""
        return self._update_task != workflow.info().get_current_history_length()

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
            confidential=ACCESS[s.kind].tier.confidential,
            opened_at=s.opened_at,
            updated_at=s.updated_at,
            closed_at=s.closed_at,
            outcome=s.outcome,
            next_deadline_at=s.next_deadline_at,
            overdue=s.overdue,
            seq=s.seq,
            version=s.version,
            facts=self.facts(),
            detail=self.detail_row(),
            entries=entries,
        )

    async def _tell_followers(self, entries: list[LedgerEntry]) -> None:
        """Each new stage the projected entries passed through, in order and once, after the
        register has them: the state remembers the last one told, across continue-as-new, so a
        new run tells nothing twice."""
        state = self.state
        followers = self.followers()
        if not followers:
            return
        for entry in entries:
            if entry.stage_after == state.progress_told:
                continue
            state.progress_told = entry.stage_after
            progress = CaseProgress(
                kind=state.kind,
                ref=state.ref,
                stage=entry.stage_after,
                ended=entry.stage_after in self.pathway.final,
                at=entry.at,
            )
            for link in followers:
                await self.signal_case(link.workflow_id, "case_progress", progress)

    @workflow.signal
    async def case_progress(self, progress: CaseProgress) -> None:
        """A case this one follows has a new stage."""
        async with self._lock:
            await self.on_followed_progress(progress)

    # --- other cases ------------------------------------------------------------------------

    async def signal_case(self, workflow_id: str, signal: str, arg: BaseModel) -> bool:
        """Tell another case something; a case that has ended is told nothing (and says so)."""
        try:
            await workflow.get_external_workflow_handle(workflow_id).signal(signal, arg)
            return True
        except ApplicationError:
            workflow.logger.warning("could not signal %s: %s", workflow_id, signal)
            return False
