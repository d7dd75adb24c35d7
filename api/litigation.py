"""Litigation routes: the claim starts them (record_proceedings_issued); handlers drive them here."""

from __future__ import annotations

from api.cases import CaseApi, case_router
from models.common import CaseKind
from workflows.litigation import LitigationWorkflow

SPEC = CaseApi(
    kind=CaseKind.LITIGATION,
    prefix="/litigation",
    workflow=LitigationWorkflow,
    ref_pattern=r"CLM-[A-Z2-7]{12}-LIT[0-9]{1,4}",
)
router = case_router(SPEC)
