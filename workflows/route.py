"""What every resolution route shares: it is a child of its claim and keeps the claim told.

A route (mediation, early neutral evaluation, litigation) is a kit case whose parent is the
claim that chose it. At every change of stage it signals the claim `route_progress`, and once
more when it ends, with its outcome; the claim keeps the route's stage beside its own and
moves on by itself when the route ends (models/routes.py). A step that changes what the claim
shows without a change of stage (litigation's stay) tells the claim from its own row
(`after=tell_claim`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow

from models.cases import CaseLink
from models.common import AppliedAction, CaseKind
from models.routes import ROUTE_CASE_KINDS, RouteKind, RouteOpening, RouteProgress, RouteState
from workflows.case_kit import CaseWorkflow, Context, Step


class RouteWorkflow(CaseWorkflow):
    """Base of the route workflows. A final step's effect sets `state.route_outcome`."""

    route: RouteKind

    def open_route(self, input: Any, now: datetime, state_type: type[RouteState], **fields) -> RouteState:
        opening: RouteOpening = input.opening
        return state_type(
            ref=input.ref,
            kind=ROUTE_CASE_KINDS[self.route],
            route=self.route,
            stage=self.pathway.initial,
            owner=opening.owner,
            team=opening.team,
            parent=CaseLink(
                kind=CaseKind.CLAIM, ref=opening.claim_ref, workflow_id=opening.claim_workflow_id
            ),
            claim_ref=opening.claim_ref,
            claimant_firm_id=opening.claimant_firm_id,
            child_or_protected_party=opening.child_or_protected_party,
            opened_at=now,
            updated_at=now,
            **fields,
        )

    def opening_summary(self, input: Any) -> dict[str, Any]:
        return {"claim_ref": input.opening.claim_ref, "route": self.route.value}

    async def after_step(self, step: Step, payload: Any, ctx: Context, applied: AppliedAction) -> None:
        """A new stage, the end included, is told to the claim."""
        if applied.stage_before != applied.stage_after:
            await self.tell_claim()

    async def tell_claim(self) -> None:
        state: RouteState = self.state
        ended = state.stage in self.pathway.final
        progress = RouteProgress(
            ref=state.ref,
            kind=self.route,
            stage=state.stage,
            ended=ended,
            outcome=state.route_outcome if ended else None,
            stayed=state.stayed,
            at=workflow.now(),
        )
        await self.signal_case(state.parent.workflow_id, "route_progress", progress)

    def facts(self) -> dict[str, Any]:
        state: RouteState = self.state
        outcome = state.route_outcome
        return {
            "claim_ref": state.claim_ref,
            "route": self.route.value,
            "result": outcome.result.value if outcome else None,
            "stayed": state.stayed,
        }


async def tell_claim(case: RouteWorkflow, payload: Any, ctx: Context, applied: AppliedAction) -> None:
    """A row's `after`: the step changed what the claim shows of its route without a new stage
    (a new stage is told by `after_step`, once)."""
    if applied.stage_before == applied.stage_after:
        await case.tell_claim()
