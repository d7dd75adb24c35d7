"""Early neutral evaluations: started by their claim (`agree_early_neutral_evaluation`), driven here."""

from api.cases import CaseApi, case_router
from models.common import CaseKind
from workflows.early_neutral_evaluation import EarlyNeutralEvaluationWorkflow

SPEC = CaseApi(
    kind=CaseKind.EARLY_NEUTRAL_EVALUATION,
    prefix="/early-neutral-evaluations",
    workflow=EarlyNeutralEvaluationWorkflow,
    ref_pattern=r"CLM-[A-Z2-7]{12}-ENE[0-9]{1,4}",
)

router = case_router(SPEC)
