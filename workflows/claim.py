"""ClaimWorkflow: one claim from notification to closure, driven by handler Updates.

A kit case (workflows/case_kit.py) like every other kind: its pathway table
(workflows/claim_pathway.py) says what each action may do and does. What only a claim has
beyond its rows: its opening deadlines, the stock-takes its stages call for, the Part 36
periods that run out by themselves, and the news its routes send back by signal.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from temporalio import workflow

from models import claims as m
from models import search_attributes as sa
from models.cases import CaseLink
from models.common import CaseKind
from models.deadlines import DeadlineChangeView
from models.routes import RouteProgress, SummitOutcome
from workflows import claim_offers as offers
from workflows import claim_pathway as pathway
from workflows import claim_routes
from workflows.case_kit import SYSTEM, CaseWorkflow, Context, Step
from workflows.clock import london_date


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
class ClaimWorkflow(CaseWorkflow):
    pathway = pathway.PATHWAY
    input_type = m.ClaimInput
    state_type = m.ClaimState

    @workflow.init
    def __init__(self, input: m.ClaimInput) -> None:
        self.start_case(input)

    @workflow.run
    async def run(self, input: m.ClaimInput) -> m.ClaimInput:
        """Runs until the claim is closed and its reopen window has passed, then returns its
        whole state: a later reopen starts the workflow again from exactly that."""
        return await self.run_case()

    def open(self, input: m.ClaimInput, now: datetime) -> m.ClaimState:
        opening = input.opening
        return m.ClaimState(
            ref=input.ref,
            stage=m.ClaimStage.NOTIFIED,
            owner=opening.handler,
            team=opening.team,
            opening=opening,
            death=opening.death,
            payments=list(input.earlier_payments),
            opened_at=now,
            updated_at=now,
        )

    def opening_summary(self, input: m.ClaimInput) -> dict[str, Any]:
        summary = opening_summary(input.opening)
        if input.earlier_payments:
            summary["earlier_payments"] = [p.reference for p in input.earlier_payments]
        return summary

    async def on_open(self, input: m.ClaimInput) -> None:
        claim, actor = self.state, input.opened_by.actor.id
        today = london_date(claim.opened_at)
        # Computed at once: one round of local activities in the opening's task, not several.
        await asyncio.gather(
            self.book.set(pathway.REVIEW, "open_claim", today, claim.owner, actor),
            pathway.set_limitations(self, "open_claim", actor),
            # Payments it opened with go to the register's payment table as any other does.
            *(pathway.register_payment(self, p, actor, claim.opened_at) for p in claim.payments),
        )

    async def on_stage_arrival(self, step: Step, payload: Any, ctx: Context) -> list[DeadlineChangeView]:
        """A stock-take belongs to its stage (PAP section 6): the policy's stock-take stages each
        set one on arrival, and one still open is waived as the claim leaves its stage."""
        claim = self.state
        here = f"{pathway.STOCKTAKE}_{claim.stage.value}"
        for deadline in list(claim.deadlines.values()):
            if deadline.live and deadline.rule == pathway.STOCKTAKE and deadline.name != here:
                self.book.waive(deadline.name, f"the claim left its stage ({step.action})", ctx.actor.id)
        if claim.stage not in self.policy.stocktake_stages:
            return []
        on = self.event_date(step, payload, ctx)
        return [await self.book.set(here, step.action, on, claim.owner, ctx.actor.id, rule=pathway.STOCKTAKE)]

    async def on_time_passed(self) -> bool:
        """Offers whose relevant period has ended show it, and notices given during the period
        take effect (CPR 36.9(4))."""
        ended = offers.expire_offers(self.state, workflow.now())
        return pathway.close_relevant_periods(self, SYSTEM.id) or bool(ended)

    def search_attributes(self) -> list:
        firm = self.state.opening.claimant_firm
        pairs = [*super().search_attributes(), sa.SCHEME.value_set(self.state.opening.scheme.value)]
        return pairs + ([sa.CLAIMANT_FIRM.value_set(firm.firm_id)] if firm else [])

    def facts(self) -> dict[str, Any]:
        opening = self.state.opening
        firm = opening.claimant_firm
        return {
            "scheme": opening.scheme.value,
            "defendant_code": opening.defendant.code,
            "specialty": opening.specialty,
            "claimant_firm_id": firm.firm_id if firm else None,
        }

    def detail_row(self) -> dict[str, Any]:
        return m.ClaimRegisterRow.detail_of(self.state)

    def followers(self) -> list[CaseLink]:
        """The Early Notification case it came from, or that the family's claim ended, follows
        it to its close."""
        return [link for link in self.state.links if link.kind is CaseKind.EARLY_NOTIFICATION]

    # --- what the claim's routes tell it --------------------------------------------------

    @workflow.signal
    async def route_progress(self, progress: RouteProgress) -> None:
        async with self._lock:
            before = self.state.stage
            ended = claim_routes.route_progress(self.state, progress)
            self._route_moved(before, ended, f"{progress.ref}:ended")

    @workflow.signal
    async def summit_outcome(self, outcome: SummitOutcome) -> None:
        async with self._lock:
            before = self.state.stage
            ended = claim_routes.summit_outcome(self.state, outcome)
            self._route_moved(before, ended, f"{outcome.summit_ref}:outcome")

    def _route_moved(self, stage_before: m.ClaimStage, ended: dict | None, request_id: str) -> None:
        self._dirty = True  # the register shows each route's stage
        if ended is None:
            return
        self.record_system("route_ended", stage_before, ended, request_id)
        if pathway.close_relevant_periods(self, SYSTEM.id):  # a settlement lapsed the offers still open
            self._book_changed()
