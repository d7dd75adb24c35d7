"""ClaimWorkflow: one claim from notification to closure, driven by handler Updates.

The pathway table (workflows/claim_pathway.py) says what may happen when; this module is
the machinery: one Update per step with a validator, the deadline book and its escalations,
the ledger of accepted actions, the projection into the register, and continue-as-new for
claims that live for years.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.payments import PaymentActivities
    from activities.register import RegisterActivities
    from models import claims as m
    from models import search_attributes as sa
    from models.cases import CaseLink, CasePolicy
    from models.common import ActionMeta, Actor, AppliedAction, CaseKind, LedgerEntry, Role, payload_digest
    from models.deadlines import DeadlineChangeView, LadderStep, LimitationRequest
    from models.routes import ROUTE_WORKFLOW_TYPES, RouteOpening, RouteProgress, SummitOutcome
    from workflows import claim_offers as offers
    from workflows import claim_pathway as pathway
    from workflows import claim_routes
    from workflows.case_kit import refuse as kit_refuse
    from workflows.clock import london_date
    from workflows.deadline_book import CaseRef, DeadlineBook

# Changes to running code, newest last; recorded histories without them must still replay.
BATCHED_PROJECTION = "batched-projection"  # projections gather for a moment before writing
DEADLINE_BOOK = "deadline-book"  # protocol periods become escalating deadlines
REOPEN_RESTORES_LIMITATION = "reopen-restores-limitation"
CORRECTION_KEEPS_AGREED_DATES = "correction-keeps-agreed-dates"
VISIBILITY_WITH_PROJECTION = "visibility-with-projection"
PART_36_OFFERS = "part-36-offers"  # a Part 36 offer's relevant period is a deadline
SETTLEMENT_APPROVAL = pathway.SETTLEMENT_APPROVAL  # a child's settlement waits for the court
PAYMENTS_REGISTER = "payments-register"  # each payment is written to the register's payment table
STOCKTAKE_DEADLINES = "stocktake-deadlines"  # the policy's stocktake stages set stocktake_due
COMPACT_PROJECTION = "compact-projection"  # a projection carries the claim's row, not the claim
STEPS_BEFORE_PROJECTION = "steps-before-projection"  # a ladder step due ends a projection's gathering
RECENT_NOTES = 5  # notes an action's answer carries
ROUTE_STARTERS = frozenset(
    {"propose_mediation", "agree_early_neutral_evaluation", "record_proceedings_issued"}
)
SYSTEM = Actor(id="fairway", role=Role.ADMIN)  # the claim itself, moving on when a route ends

# Actions with an effect on the deadline book beyond the table's sets and meets.
BOOK_ACTIONS = frozenset(
    {
        "extend_response_period",
        "extend_deadline",
        "correct_date",
        "waive_deadline",
        "put_on_hold",
        "take_off_hold",
        "reassign",
        "close",
        "acknowledge_escalation",
    }
)
PROJECTION_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


# Transitional copies until the claim runs on the kit.
def decode_action(steps: dict[str, Any], action: str, args: Sequence[RawValue], kind: str, stage: str):
    """The step an action names in a pathway table, and its request (who, under which key) and
    payload, from the raw arguments of the one dynamic Update every action arrives by."""
    step = steps.get(action)
    if step is None or len(args) != 2:
        raise kit_refuse(
            "unknown_action", f"a {kind} case has no action {action} taking a request and a payload", stage
        )
    converter = workflow.payload_converter()
    meta = converter.from_payload(args[0].payload, ActionMeta)
    return step, meta, converter.from_payload(args[1].payload, step.payload)


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


def opening_summary(opening: m.ClaimOpening) -> dict[str, Any]:
    """The ledger's view of an opening: references, no personal details."""
    firm = opening.claimant_firm
    return {
        "scheme": opening.scheme.value,
        "defendant": opening.defendant.code,
        "specialty": opening.specialty,
        "handler": opening.handler,
        "claimant_firm": firm.firm_id if firm else None,
    }


def refuse(refusal) -> ApplicationError:
    return ApplicationError(
        refusal.message, refusal.model_dump(mode="json"), type=refusal.code, non_retryable=True
    )


@workflow.defn
class ClaimWorkflow:
    @workflow.init
    def __init__(self, input: m.ClaimWorkflowInput) -> None:
        self.policy = input.policy
        self._lock = asyncio.Lock()
        self._dirty = False  # state the register has not seen, beyond new ledger entries
        self._rearm = False  # the deadline book changed: recompute when to wake
        self._visibility_stale = False  # NextDeadline and Overdue wait for the next projection
        self._book_enabled = workflow.patched(DEADLINE_BOOK)
        self._opening_deadlines_due = input.carried is None and self._book_enabled
        if input.carried is not None:
            self.claim = input.carried.claim
            self.requests = input.carried.requests
            self.unprojected = input.carried.unprojected
        else:
            self._open(input)

    def _open(self, input: m.ClaimWorkflowInput) -> None:
        now = workflow.now()
        opening = input.opening
        self.claim = m.Claim(
            ref=input.ref,
            opening=opening,
            stage=m.ClaimStage.NOTIFIED,
            handler=opening.handler,
            opened_at=now,
            updated_at=now,
        )
        self.requests: dict[str, AppliedAction] = {}
        self.unprojected: list[LedgerEntry] = []
        self._opened_by = input.opened_by
        self._record("open_claim", input.opened_by, None, opening_summary(opening))

    @workflow.run
    async def run(self, input: m.ClaimWorkflowInput) -> m.ClaimWorkflowInput:
        """Runs until the claim is closed and its reopen window has passed, then returns its
        whole state: a later reopen starts the workflow again from exactly that."""
        if self._opening_deadlines_due:
            async with self._lock:
                await self._set_opening_deadlines()
        while True:
            timeout = self._next_timeout()
            if timeout is None or timeout > timedelta(0):
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(self._has_work, timeout=timeout)
            self._rearm = False
            if self._book_enabled:
                async with self._lock:
                    if await self.book.escalate_due(self._recipients()):
                        self._book_changed()
                    if self._end_relevant_periods():
                        self._book_changed()
            if self._retiring():
                # Closed and past the reopen window: the run ends; the ledger keeps the timeline.
                await workflow.wait_condition(workflow.all_handlers_finished)
                if self._retiring():
                    return self._carried_input()
            if self.unprojected or self._dirty:
                if workflow.patched(BATCHED_PROJECTION):
                    await self._gather_batch()
                    step_due = self._book_enabled and self.book.step_due()
                    if workflow.patched(STEPS_BEFORE_PROJECTION) and step_due:
                        continue  # escalate first; the gathered batch is projected after
                await self._project()
            elif self._continue_as_new_due():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self.unprojected and not self._dirty:
                    workflow.continue_as_new(self._carried_input())

    @workflow.query
    def state(self) -> m.Claim:
        return self.claim

    def _has_work(self) -> bool:
        return bool(self.unprojected) or self._dirty or self._rearm or self._continue_as_new_due()

    # --- updates ---------------------------------------------------------------------

    def _context(self, meta: ActionMeta, **patched) -> pathway.Context:
        now = workflow.now()
        return pathway.Context(
            actor=meta.actor, now=now, today=london_date(now), policy=self.policy, **patched
        )

    def _refusal(self, step: pathway.Step, meta: ActionMeta, payload: Any):
        earlier = self.requests.get(meta.request_id)
        if earlier is None:
            refused = pathway.refusal(self.claim, step, payload, self._context(meta))
            return refused and refuse(refused)
        if earlier.action != step.action or earlier.payload_digest not in ("", payload_digest(payload)):
            return ApplicationError(
                f"request id {meta.request_id} was already used for another request",
                {"code": "request_id_reused", "stage": self.claim.stage},
                type="request_id_reused",
                non_retryable=True,
            )
        return None

    @workflow.update(dynamic=True)
    async def take_action(self, action: str, args: Sequence[RawValue]) -> m.ClaimView:
        """Every handler action, by name, through the pathway table: one handler for the class.
        Registering one per step on every instance cost each cached claim some five hundred
        objects that Python's collector then walked on every full collection."""
        step, meta, payload = self._decode(action, args)
        async with self._lock:
            earlier = self.requests.get(meta.request_id)
            if earlier is not None and earlier.action == step.action:
                return self._view(meta, earlier.model_copy(update={"duplicate": True}))
            # Accepted, but another action may have moved the claim while this one queued.
            if (refused := self._refusal(step, meta, payload)) is not None:
                raise refused
            before = (self.claim.stage, self.claim.handler)
            ctx = self._context(meta, patched=workflow.patched)
            pathway.apply(self.claim, step, payload, ctx)
            if step.action in ROUTE_STARTERS:
                await self._start_route(meta, payload)
            changes = await self._deadline_effects(step, payload, ctx) if self._book_enabled else []
            changes += await self._settlement_effects(step, payload, ctx, before[0])
            applied = self._record(step.action, meta, before[0], payload.model_dump(mode="json"))
            applied.payload_digest = payload_digest(payload)
            if before != (self.claim.stage, self.claim.handler):
                workflow.upsert_search_attributes(
                    [sa.STAGE.value_set(self.claim.stage.value), sa.HANDLER.value_set(self.claim.handler)]
                )
            return self._view(meta, applied, changes)

    @take_action.validator
    def _check_action(self, action: str, args: Sequence[RawValue]) -> None:
        step, meta, payload = self._decode(action, args)
        if (refused := self._refusal(step, meta, payload)) is not None:
            raise refused

    def _decode(self, action: str, args: Sequence[RawValue]) -> tuple[pathway.Step, ActionMeta, Any]:
        return decode_action(pathway.STEPS, action, args, "claim", self.claim.stage)

    def _view(self, meta: ActionMeta, applied: AppliedAction, changes=()) -> m.ClaimView:
        """The response to an action: the new state and what this actor may do next."""
        allowed = pathway.allowed_actions(self.claim, meta.actor.role)
        # The answer is stored in history with every action, so it leaves out the logs that grow
        # for years (all but the latest notes, each deadline's change history); GET
        # /claims/{ref} has them all.
        claim = self.claim.model_copy(
            update={
                "notes": self.claim.notes[-RECENT_NOTES:],
                "deadlines": {
                    n: d.model_copy(update={"changes": []}) for n, d in self.claim.deadlines.items()
                },
            }
        )
        return m.ClaimView(
            claim=claim,
            notes_total=len(self.claim.notes),
            allowed_actions=allowed,
            applied=applied,
            deadline_changes=list(changes),
        )

    def _record(self, action: str, meta: ActionMeta, stage_before, summary: dict) -> AppliedAction:
        keep = self.policy.recent_request_ids
        return record_action(
            self.claim, self.requests, self.unprojected, keep, action, meta, stage_before, summary
        )

    # --- the deadline book -----------------------------------------------------------

    @property
    def book(self) -> DeadlineBook:
        case = CaseRef("claim", self.claim.ref, workflow.info().workflow_id, self.claim.opening.team)
        return DeadlineBook(self.claim.deadlines, self.policy.deadlines, case)

    def _recipients(self) -> dict[LadderStep, str]:
        contacts = self.policy.deadlines.contacts
        team = contacts.get(self.claim.opening.team) or next(iter(contacts.values()))
        return {
            LadderStep.WARNING: self.claim.handler,
            LadderStep.SUPERVISOR: team.supervisor,
            LadderStep.HEAD_OF_SERVICE: team.head_of_service,
        }

    def _limitation_request(self) -> LimitationRequest:
        opening = self.claim.opening
        return LimitationRequest(
            incident_date=opening.incident_date,
            date_of_knowledge=opening.date_of_knowledge,
            claimant_date_of_birth=opening.claimant.date_of_birth,
            protected_party=opening.claimant.protected_party,
            standstill_until=self.claim.standstill_until,
        )

    async def _set_opening_deadlines(self) -> None:
        actor, today = self._opened_by.actor.id, london_date(self.claim.opened_at)
        await self.book.set(pathway.REVIEW, "open_claim", today, self.claim.handler, actor)
        await self.book.set_limitation(self._limitation_request(), "open_claim", self.claim.handler, actor)
        self._book_changed()

    async def _deadline_effects(self, step: pathway.Step, payload: Any, ctx: pathway.Context):
        """What the step does to the deadline book; returns the dates it set or moved."""
        if not (step.sets or step.meets or step.action in BOOK_ACTIONS):
            return []  # most actions leave the book alone: no need to wake the main loop
        book, actor = self.book, ctx.actor.id
        on = getattr(payload, step.date_field) if step.date_field else ctx.today
        changes: list[DeadlineChangeView] = []
        for name in step.sets:
            if step.action == "reopen" and not workflow.patched(REOPEN_RESTORES_LIMITATION):
                continue
            if name == pathway.LIMITATION:
                changes.append(
                    await book.set_limitation(
                        self._limitation_request(), step.action, self.claim.handler, actor
                    )
                )
            else:
                changes.append(await book.set(name, step.action, on, self.claim.handler, actor))
        for name in step.meets:
            book.meet(name, on, actor)
        changes += await self._special_deadline_effect(book, step.action, payload, actor)
        self._book_changed()
        return changes

    async def _special_deadline_effect(self, book: DeadlineBook, action: str, p: Any, actor: str):
        if action == "extend_response_period":
            return [book.extend(pathway.RESPONSE, p.new_due_date, None, p.reason, p.agreed_by, actor)]
        if action == "extend_deadline":
            return [book.extend(p.deadline, p.new_due_on, p.new_due_at, p.reason, p.agreed_by, actor)]
        if action == "correct_date":
            keep_agreed = workflow.patched(CORRECTION_KEEPS_AGREED_DATES)
            return await book.recompute(p.action, p.corrected_date, actor, keep_agreed)
        if action == "waive_deadline":
            book.waive(p.deadline, p.reason, actor)
        elif action == "put_on_hold":
            book.pause_service_clocks(actor, p.reason)
        elif action == "take_off_hold":
            book.resume_service_clocks(actor)
        elif action == "reassign":
            for deadline in self.claim.deadlines.values():
                if deadline.live:
                    deadline.owner = p.handler
        elif action == "close":
            book.waive_all("claim closed", actor)
        elif action == "acknowledge_escalation":
            await book.acknowledge(p.deadline, p.revision, p.step, p.comment, actor)
        return []

    def _book_changed(self) -> None:
        """Keep the next deadline and the overdue flag current, in state and in visibility."""
        next_at, overdue = self.book.next_deadline(), self.book.overdue()
        if (next_at, overdue) != (self.claim.next_deadline_at, self.claim.overdue):
            self.claim.next_deadline_at, self.claim.overdue = next_at, overdue
            if workflow.patched(VISIBILITY_WITH_PROJECTION):
                self._visibility_stale = True
            else:
                self._upsert_deadline_attributes()
        self._dirty = self._rearm = True

    def _upsert_deadline_attributes(self) -> None:
        next_at = self.claim.next_deadline_at
        workflow.upsert_search_attributes(
            [
                sa.NEXT_DEADLINE.value_set(next_at) if next_at else sa.NEXT_DEADLINE.value_unset(),
                sa.OVERDUE.value_set(self.claim.overdue),
            ]
        )

    # --- offers, payments and stock-takes ---------------------------------------------

    async def _settlement_effects(self, step: pathway.Step, payload: Any, ctx: pathway.Context, stage_before):
        """What offers, payments and stage arrivals do beyond the table: the register's payment
        row, each Part 36 offer's relevant period, and the policy's stock-takes."""
        if step.action == "record_payment" and workflow.patched(PAYMENTS_REGISTER):
            await self._record_payment(payload, ctx)
        if not self._book_enabled:
            return []
        changes = []
        if step.action in offers.OFFER_ACTIONS:
            changes += await self._start_relevant_period(step.action, payload, ctx)
        if self.claim.stage != stage_before and self.claim.stage in self.policy.stocktake_stages:
            changes += await self._set_stocktake(step, payload, ctx)
        met = step.action == "hold_stocktake" and self._meet_stocktakes(payload.held_on, ctx.actor.id)
        closed = self._close_relevant_periods(ctx.actor.id)
        if changes or met or closed:
            self._book_changed()
        return changes

    async def _record_payment(self, p: m.RecordPayment, ctx: pathway.Context) -> None:
        record = m.PaymentRecord(
            claim_ref=self.claim.ref,
            payment=self.claim.payments[-1],
            recorded_by=ctx.actor.id,
            recorded_at=ctx.now,
        )
        await workflow.execute_activity_method(
            PaymentActivities.record_payment,
            record,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=PROJECTION_RETRY,
        )

    async def _start_relevant_period(self, action: str, p: Any, ctx: pathway.Context):
        """A Part 36 offer, or a change to better terms, starts a relevant period (CPR 36.5, 36.9)."""
        number = len(self.claim.offers) if action == "make_offer" else p.offer_no
        offer = next(o for o in self.claim.offers if o.no == number)
        if action == "make_offer" and not (offer.part_36 and workflow.patched(PART_36_OFFERS)):
            return []
        if action == "change_offer" and not offer.changes[-1].more_advantageous:
            return []
        on = p.made_on if action == "make_offer" else p.changed_on
        name = offers.relevant_period_name(offer.no)
        change = await self.book.set(
            name,
            action,
            on,
            self.claim.handler,
            ctx.actor.id,
            rule=offers.RELEVANT_PERIOD,
            days=offer.relevant_period_days,
        )
        offer.relevant_period_ends_on = change.due_on
        return [change]

    def _end_relevant_periods(self) -> bool:
        """Run after the book's escalations: offers whose relevant period has ended show it, and
        notices given during the period take effect (CPR 36.9(4))."""
        ended = offers.expire_offers(self.claim, workflow.now())
        return self._close_relevant_periods("fairway") or bool(ended)

    def _close_relevant_periods(self, actor: str) -> bool:
        """An accepted offer meets its relevant period; a withdrawn or lapsed one, or one whose
        period has run (it stays open for acceptance, CPR 36.11), needs no more reminders."""
        closed = False
        for offer in self.claim.offers:
            deadline = offers.relevant_period(self.claim, offer)
            if deadline is None or not deadline.live:
                continue
            if offer.status == "accepted":
                self.book.meet(deadline.name, offer.closed_on, actor)
            elif offer.status not in offers.LIVE_OFFER:
                self.book.waive(deadline.name, f"offer {offer.no} is {offer.status}", actor)
            elif offer.relevant_period_expired:
                self.book.waive(deadline.name, "the relevant period has ended; the offer stays open", actor)
            else:
                continue
            closed = True
        return closed

    async def _set_stocktake(self, step: pathway.Step, payload: Any, ctx: pathway.Context):
        if not workflow.patched(STOCKTAKE_DEADLINES):
            return []
        on = getattr(payload, step.date_field) if step.date_field else ctx.today
        name = f"stocktake_due_{self.claim.stage.value}"
        change = await self.book.set(
            name, step.action, on, self.claim.handler, ctx.actor.id, rule="stocktake_due"
        )
        return [change]

    def _meet_stocktakes(self, on, actor: str) -> bool:
        due = [d for d in self.claim.deadlines.values() if d.rule == "stocktake_due" and d.live]
        for deadline in due:
            self.book.meet(deadline.name, on, actor)
        return bool(due)

    # --- projection and lifetime -----------------------------------------------------

    async def _gather_batch(self) -> None:
        """Let the actions of a burst gather so one projection writes them all.

        Each projection is an activity and a workflow task of its own; under load, writing
        per action doubled the work for every handler action. The ledger entries wait in the
        workflow's durable state meanwhile, so nothing is lost, only the register lags.
        """
        policy = self.policy
        delay = policy.projection_delay_seconds
        if not self.unprojected:
            # Only the deadline book changed (an escalation fired): the escalation record is
            # already written; the register's copy of the book can trail a little longer, so
            # a burst of escalations is not slowed by a burst of projections.
            delay = policy.book_projection_delay_seconds
        wait = timedelta(seconds=delay)
        if workflow.patched(STEPS_BEFORE_PROJECTION):
            # A ladder step falling due ends the wait: the register can trail, the
            # supervisor's escalation must not.
            wait = self.book.gathering_wait(wait) if self._book_enabled else wait
            if wait <= timedelta(0):
                return
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: len(self.unprojected) >= policy.projection_batch or self._continue_as_new_due(),
                timeout=wait,
            )

    async def _project(self) -> None:
        """Write the claim's row and its new ledger entries to the register.

        A regular activity, never a local one: its input comes from history, so it only ever
        writes actions Temporal has durably accepted. A local activity can run on the state of
        a workflow task that is then lost, and write ledger entries that never happened.
        """
        self._dirty = False
        if self._visibility_stale:
            # Visibility is a projection too: NextDeadline and Overdue move with the register,
            # so a burst of escalations is not slowed by a burst of visibility writes.
            self._visibility_stale = False
            self._upsert_deadline_attributes()
        self.claim.version += 1
        entries = list(self.unprojected)
        workflow_id = workflow.info().workflow_id
        if workflow.patched(COMPACT_PROJECTION):
            # The row alone: copying and sending the whole claim (years of notes and deadline
            # history) with every projection cost more than the action it projected.
            activity, projection = (
                RegisterActivities.project_claim_row,
                m.ClaimRowProjection(row=m.ClaimRegisterRow.of(workflow_id, self.claim), entries=entries),
            )
        else:
            activity, projection = (
                RegisterActivities.project_claim,
                m.ClaimProjection(
                    workflow_id=workflow_id, claim=self.claim.model_copy(deep=True), entries=entries
                ),
            )
        await workflow.execute_activity_method(
            activity, projection, start_to_close_timeout=timedelta(seconds=30), retry_policy=PROJECTION_RETRY
        )
        del self.unprojected[: len(entries)]

    def _continue_as_new_due(self) -> bool:
        return workflow.info().is_continue_as_new_suggested()

    def _next_timeout(self) -> timedelta | None:
        times = [
            t for t in (self._time_left_to_reopen(), self._time_to_next_deadline_step()) if t is not None
        ]
        return min(times, default=None)

    def _time_to_next_deadline_step(self) -> timedelta | None:
        return self.book.time_to_next_wakeup() if self._book_enabled else None

    def _reopen_until(self):
        """When a closed claim's run may end: its reopen window passed. None while open."""
        if self.claim.stage is not m.ClaimStage.CLOSED or self.claim.closed_at is None:
            return None
        return self.claim.closed_at + timedelta(seconds=self.policy.reopen_window_seconds)

    def _time_left_to_reopen(self) -> timedelta | None:
        until = self._reopen_until()
        # At least a second, so an update delivered with a resumed run is handled first.
        return None if until is None else max(until - workflow.now(), timedelta(seconds=1))

    def _retiring(self) -> bool:
        until = self._reopen_until()
        return until is not None and not self.unprojected and workflow.now() >= until

    def _carried_input(self) -> m.ClaimWorkflowInput:
        return m.ClaimWorkflowInput(
            ref=self.claim.ref,
            policy=self.policy,
            carried=m.CarriedState(claim=self.claim, requests=self.requests, unprojected=self.unprojected),
        )

    # --- resolution routes -------------------------------------------------------------

    async def _start_route(self, meta: ActionMeta, request: BaseModel) -> None:
        """Start the route the step just recorded, as a child that outlives this run (the claim
        continues-as-new over the years a route can take; the route reports back by signal)."""
        route = self.claim.routes[-1]
        payload = self._route_opening() | request.model_dump(mode="json")
        await workflow.start_child_workflow(
            ROUTE_WORKFLOW_TYPES[route.kind],
            {
                "ref": route.ref,
                "owner": self.claim.handler,
                "opening": payload,
                "opened_by": meta.model_dump(mode="json"),
                "parent": CaseLink(
                    kind=CaseKind.CLAIM, ref=self.claim.ref, workflow_id=workflow.info().workflow_id
                ).model_dump(mode="json"),
                "policy": CasePolicy(
                    version=self.policy.version,
                    deadlines=self.policy.deadlines,
                    projection_delay_seconds=self.policy.projection_delay_seconds,
                ).model_dump(mode="json"),
            },
            id=route.workflow_id,
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
        )

    def _route_opening(self) -> dict[str, Any]:
        claim, firm = self.claim, self.claim.opening.claimant_firm
        opening = RouteOpening(
            claim_ref=claim.ref,
            claim_workflow_id=workflow.info().workflow_id,
            owner=claim.handler,
            team=claim.opening.team,
            claimant_firm_id=firm.firm_id if firm else None,
            child_or_protected_party=pathway.needs_approval(claim, london_date(workflow.now())),
        )
        return opening.model_dump(mode="json")

    @workflow.signal
    async def route_progress(self, progress: RouteProgress) -> None:
        async with self._lock:
            before = self.claim.stage
            ended = claim_routes.route_progress(self.claim, progress)
            self._route_moved(before, ended, f"{progress.ref}:ended")

    @workflow.signal
    async def summit_outcome(self, outcome: SummitOutcome) -> None:
        async with self._lock:
            before = self.claim.stage
            ended = claim_routes.summit_outcome(self.claim, outcome)
            self._route_moved(before, ended, f"{outcome.summit_ref}:outcome")

    def _route_moved(self, stage_before: m.ClaimStage, ended: dict | None, request_id: str) -> None:
        self._dirty = True  # the register shows each route's stage
        if ended is None:
            return
        self._record("route_ended", ActionMeta(actor=SYSTEM, request_id=request_id), stage_before, ended)
        if self._close_relevant_periods(SYSTEM.id):  # a settlement lapsed the offers still open
            self._book_changed()
        if self.claim.stage != stage_before:
            workflow.upsert_search_attributes([sa.STAGE.value_set(self.claim.stage.value)])
