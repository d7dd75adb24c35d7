"""What a lead pharmacy appeal asks of another appeal: to join it, to be heard and determined
with it (SI 2013/349 Sch 3 para 7).

An Update on the other appeal, so it can refuse (it has ended, is not yet ready, is already
joined elsewhere, or leads appeals of its own) and the lead learns why in the same round trip.
The update id comes from both references: a retried activity reaches the appeal once, and the
appeal's own request ids answer a later retry with the first answer.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities.heartbeats import heartbeating
from models.cases import ActionReceipt
from models.common import ActionMeta, CaseKind, case_workflow_id
from models.pharmacy_appeal import JoinAnswer, JoinLead, JoinRequest

JOIN_LEAD = "join_lead_appeal"  # the joined appeal's internal step


class PharmacyAppealActivities:
    def __init__(self, client: Client | None) -> None:
        self.client = client

    @activity.defn
    async def join_appeal(self, request: JoinRequest) -> JoinAnswer:
        async with heartbeating():
            return await self._join(request)

    async def _join(self, request: JoinRequest) -> JoinAnswer:
        if self.client is None:
            raise ApplicationError("this worker was built without a Temporal client", non_retryable=True)
        request_id = f"{request.lead_ref}:join:{request.appeal_ref}"
        meta = ActionMeta(actor=request.actor, request_id=request_id)
        payload = JoinLead(lead_ref=request.lead_ref, lead_workflow_id=request.lead_workflow_id)
        handle = self.client.get_workflow_handle(
            case_workflow_id(CaseKind.PHARMACY_APPEAL, request.appeal_ref)
        )
        try:
            receipt = await handle.execute_update(
                JOIN_LEAD, args=[meta, payload], id=request_id, result_type=ActionReceipt
            )
        except WorkflowUpdateFailedError as err:
            raise _appeal_said_no(request.appeal_ref, err) from err
        except RPCError as err:
            if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
                message = f"appeal {request.appeal_ref} is not running (unknown or ended)"
                raise _refusal("appeal_not_found", message) from err
            raise  # the server is unreachable or busy: the activity retries
        return JoinAnswer(appeal_ref=request.appeal_ref, stage=receipt.stage_after)


def _appeal_said_no(appeal_ref: str, err: WorkflowUpdateFailedError) -> ApplicationError:
    """The appeal refused: its code and reason, carried to the lead as a non-retryable error."""
    cause = err.cause
    if isinstance(cause, ApplicationError):
        return _refusal(cause.type or "appeal_refused", f"appeal {appeal_ref}: {cause.message}")
    return _refusal("appeal_refused", f"appeal {appeal_ref}: {cause or err}")


def _refusal(code: str, message: str) -> ApplicationError:
    return ApplicationError(message, {"code": code, "message": message}, type=code, non_retryable=True)
