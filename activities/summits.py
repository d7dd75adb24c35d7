"""What a resolution summit asks of the claims in it: to join it and to leave it.

Each is an Update on the claim, so the claim can refuse (it is closed, represented by another
firm, already in another summit) and the summit learns why in the same round trip. The update
id comes from the summit, the claim and the join count: a retried activity reaches the claim
once, and Temporal or the claim's own request ids answer the retry with the first answer.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities.heartbeats import heartbeating
from models.cases import ActionReceipt
from models.claims import claim_workflow_id
from models.common import ActionMeta
from models.resolution_summit import ClaimAnswer, ClaimRequest
from models.routes import JoinSummit, LeaveSummit


class SummitActivities:
    def __init__(self, client: Client) -> None:
        self.client = client

    @activity.defn
    async def join_claim(self, request: ClaimRequest) -> ClaimAnswer:
        payload = JoinSummit(
            summit_ref=request.summit_ref,
            summit_workflow_id=request.summit_workflow_id,
            claimant_firm_id=request.claimant_firm_id,
            held_on=request.summit_on,
        )
        async with heartbeating():
            return await self._ask(request, "join_summit", payload)

    @activity.defn
    async def leave_claim(self, request: ClaimRequest) -> ClaimAnswer:
        payload = LeaveSummit(summit_ref=request.summit_ref, reason=request.reason)
        async with heartbeating():
            return await self._ask(request, "leave_summit", payload)

    async def _ask(self, request: ClaimRequest, update: str, payload: Any) -> ClaimAnswer:
        request_id = f"{request.summit_ref}:{request.claim_ref}:{update}:{request.joins}"
        meta = ActionMeta(actor=request.actor, request_id=request_id)
        handle = self.client.get_workflow_handle(claim_workflow_id(request.claim_ref))
        try:
            receipt = await handle.execute_update(
                update, args=[meta, payload], id=request_id, result_type=ActionReceipt
            )
        except WorkflowUpdateFailedError as err:
            raise _claim_said_no(request.claim_ref, err) from err
        except RPCError as err:
            if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
                raise _refusal(
                    "claim_not_found", f"claim {request.claim_ref} is not running (unknown or ended)"
                ) from err
            raise  # the server is unreachable or busy: the activity retries
        return ClaimAnswer(claim_ref=request.claim_ref, stage=receipt.stage_after)


def _claim_said_no(claim_ref: str, err: WorkflowUpdateFailedError) -> ApplicationError:
    """The claim refused: its code and reason, carried to the summit as a non-retryable error."""
    cause = err.cause
    if isinstance(cause, ApplicationError):
        return _refusal(cause.type or "claim_refused", f"claim {claim_ref}: {cause.message}")
    return _refusal("claim_refused", f"claim {claim_ref}: {cause or err}")


def _refusal(code: str, message: str) -> ApplicationError:
    return ApplicationError(message, {"code": code, "message": message}, type=code, non_retryable=True)
