"""Mediations: started by their claim (`propose_mediation`), driven here."""

from api.cases import CaseApi, case_router
from models.common import CaseKind
from workflows.mediation import MediationWorkflow

SPEC = CaseApi(
    kind=CaseKind.MEDIATION,
    prefix="/mediations",
    workflow=MediationWorkflow,
    ref_pattern=r"CLM-[A-Z2-7]{12}-MED[0-9]{1,4}",
)

router = case_router(SPEC)
