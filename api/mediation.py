"""Mediations: started by their claim (`propose_mediation`), driven here."""

from api.cases import CaseApi, case_router
from models.common import CaseKind
from workflows.mediation import MediationWorkflow

SPEC = CaseApi(
    kind=CaseKind.MEDIATION,
    prefix="/mediations",
    workflow=MediationWorkflow,
    ref_prefix="MED",
    opening=None,
)

router = case_router(SPEC)
