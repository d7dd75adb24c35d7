"""Resolution summits: opened here (not by a claim), then driven like any kit case."""

from __future__ import annotations

from api.cases import CaseApi, case_router
from models.cases import CasePolicy
from models.common import CaseKind
from models.resolution_summit import SummitInput, SummitOpening
from workflows.resolution_summit import ResolutionSummitWorkflow


def _policy(app_state) -> CasePolicy:
    """A summit runs under the claims' deadline policy (tests give a short one through the app)."""
    claims = app_state.policy
    return CasePolicy(deadlines=claims.deadlines, projection_delay_seconds=claims.projection_delay_seconds)


SPEC = CaseApi(
    kind=CaseKind.RESOLUTION_SUMMIT,
    prefix="/resolution-summits",
    workflow=ResolutionSummitWorkflow,
    ref_pattern=r"SUM-[A-Z2-7]{12}",
    ref_prefix="SUM",
    opening=SummitOpening,
    start_input=lambda ref, opening, meta, policy: SummitInput(
        ref=ref, owner=opening.handler, opening=opening, opened_by=meta, policy=policy
    ),
    policy=_policy,
    opening_assignee="handler",
)

router = case_router(SPEC)
