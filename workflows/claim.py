"""ClaimWorkflow: one claim from notification to closure, driven by handler Updates.

The pathway table (workflows/claim_pathway.py) says what may happen when; this module is
the machinery: one Update per step with a validator, the ledger of accepted actions, the
projection into the register, and continue-as-new for claims that live for years.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.register import RegisterActivities
    from models import claims as m
    from models import search_attributes as sa
    from models.common import ActionMeta, AppliedAction, LedgerEntry, payload_digest
    from workflows import claim_pathway as pathway
    from workflows.clock import london_date

# Projections gather for a moment before they are written (added after recorded histories).
BATCHED_PROJECTION = "batched-projection"
PROJECTION_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


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


@workflow.defn
class ClaimWorkflow:
    @workflow.init
    def __init__(self, input: m.ClaimWorkflowInput) -> None:
        self.policy = input.policy
        if input.carried is not None:
            self.claim = input.carried.claim
            self.requests = input.carried.requests
            self.unprojected = input.carried.unprojected
        else:
            self._open(input)
        for step in pathway.STEPS.values():
            workflow.set_update_handler(step.action, self._handler(step), validator=self._validator(step))

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
        self._record("open_claim", input.opened_by, None, opening_summary(opening))

    @workflow.run
    async def run(self, input: m.ClaimWorkflowInput) -> m.Claim:
        while True:
            try:
                await workflow.wait_condition(
                    lambda: bool(self.unprojected) or self._continue_as_new_due(),
                    timeout=self._time_left_to_reopen(),
                )
            except TimeoutError:
                # Closed and past the reopen window: the claim's run ends; the ledger keeps it.
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self.unprojected and self.claim.stage is m.ClaimStage.CLOSED:
                    return self.claim
                continue
            if self.unprojected:
                if workflow.patched(BATCHED_PROJECTION):
                    await self._gather_batch()
                await self._project()
            elif self._continue_as_new_due():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self.unprojected:
                    workflow.continue_as_new(self._carried_input())

    @workflow.query
    def state(self) -> m.Claim:
        return self.claim

    # --- updates ---------------------------------------------------------------------

    def _context(self, meta: ActionMeta) -> pathway.Context:
        now = workflow.now()
        return pathway.Context(actor=meta.actor, now=now, today=london_date(now))

    def _validator(self, step: pathway.Step):
        def validate(meta: ActionMeta, payload: Any) -> None:
            earlier = self.requests.get(meta.request_id)
            if earlier is not None:
                if earlier.action != step.action or earlier.payload_digest not in (
                    "",
                    payload_digest(payload),
                ):
                    raise ApplicationError(
                        f"request id {meta.request_id} was already used for another request",
                        {"code": "request_id_reused", "stage": self.claim.stage},
                        type="request_id_reused",
                        non_retryable=True,
                    )
                return
            refused = pathway.refusal(self.claim, step, payload, self._context(meta))
            if refused is not None:
                raise ApplicationError(
                    refused.message, refused.model_dump(mode="json"), type=refused.code, non_retryable=True
                )

        validate.__annotations__ = {"meta": ActionMeta, "payload": step.payload, "return": None}
        return validate

    def _handler(self, step: pathway.Step):
        def handle(meta: ActionMeta, payload: Any) -> m.ClaimView:
            earlier = self.requests.get(meta.request_id)
            if earlier is not None:
                return self._view(meta, earlier.model_copy(update={"duplicate": True}))
            before = (self.claim.stage, self.claim.handler)
            pathway.apply(self.claim, step, payload, self._context(meta))
            applied = self._record(step.action, meta, before[0], payload.model_dump(mode="json"))
            applied.payload_digest = payload_digest(payload)
            if before != (self.claim.stage, self.claim.handler):
                workflow.upsert_search_attributes(
                    [sa.STAGE.value_set(self.claim.stage.value), sa.HANDLER.value_set(self.claim.handler)]
                )
            return self._view(meta, applied)

        handle.__annotations__ = {"meta": ActionMeta, "payload": step.payload, "return": m.ClaimView}
        return handle

    def _view(self, meta: ActionMeta, applied: AppliedAction) -> m.ClaimView:
        """The response to an action: the new state and what this actor may do next."""
        allowed = pathway.allowed_actions(self.claim, meta.actor.role)
        return m.ClaimView(claim=self.claim, allowed_actions=allowed, applied=applied)

    def _record(self, action: str, meta: ActionMeta, stage_before, summary: dict) -> AppliedAction:
        """Number the action, queue its ledger entry and remember its request id."""
        self.claim.seq += 1
        entry = LedgerEntry(
            seq=self.claim.seq,
            action=action,
            actor_id=meta.actor.id,
            actor_role=meta.actor.role,
            request_id=meta.request_id,
            stage_before=stage_before,
            stage_after=self.claim.stage,
            summary=summary,
            at=workflow.now(),
        )
        self.unprojected.append(entry)
        applied = AppliedAction(
            seq=entry.seq,
            action=action,
            request_id=meta.request_id,
            stage_before=stage_before,
            stage_after=self.claim.stage,
        )
        self.requests[meta.request_id] = applied
        while len(self.requests) > self.policy.recent_request_ids:
            del self.requests[next(iter(self.requests))]
        return applied

    # --- projection and lifetime -----------------------------------------------------

    async def _gather_batch(self) -> None:
        """Let the actions of a burst gather so one projection writes them all.

        Each projection is an activity and a workflow task of its own; under load, writing
        per action doubled the work for every handler action. The ledger entries wait in the
        workflow's durable state meanwhile, so nothing is lost, only the register lags.
        """
        policy = self.policy
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: len(self.unprojected) >= policy.projection_batch or self._continue_as_new_due(),
                timeout=timedelta(seconds=policy.projection_delay_seconds),
            )

    async def _project(self) -> None:
        """Write the claim's row and its new ledger entries to the register.

        A regular activity, never a local one: its input comes from history, so it only ever
        writes actions Temporal has durably accepted. A local activity can run on the state of
        a workflow task that is then lost, and write ledger entries that never happened.
        """
        entries = list(self.unprojected)
        projection = m.ClaimProjection(
            workflow_id=workflow.info().workflow_id,
            claim=self.claim.model_copy(deep=True),
            entries=entries,
        )
        await workflow.execute_activity_method(
            RegisterActivities.project_claim,
            projection,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=PROJECTION_RETRY,
        )
        del self.unprojected[: len(entries)]

    def _continue_as_new_due(self) -> bool:
        return workflow.info().is_continue_as_new_suggested()

    def _time_left_to_reopen(self) -> timedelta | None:
        if self.claim.stage is not m.ClaimStage.CLOSED or self.claim.closed_at is None:
            return None
        window = timedelta(seconds=self.policy.reopen_window_seconds)
        # At least a second, so an update delivered with a resumed run is handled first.
        return max(self.claim.closed_at + window - workflow.now(), timedelta(seconds=1))

    def _carried_input(self) -> m.ClaimWorkflowInput:
        return m.ClaimWorkflowInput(
            ref=self.claim.ref,
            policy=self.policy,
            carried=m.CarriedState(claim=self.claim, requests=self.requests, unprojected=self.unprojected),
        )
