"""What a significant concern asks of the case it was raised from: to record the link back.

An ordinary `link_case` update on the source (an internal step of the claim, EN and advice
pathways), under the opener's name, with a request id and update id derived from the concern: a
retried activity reaches the source once, and the source's own request ids answer a later retry
with the first answer. A source whose run has ended cannot record it; the concern keeps its link.
"""

from __future__ import annotations

import structlog
from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities.heartbeats import heartbeating
from models.cases import ActionReceipt, LinkCase
from models.common import ActionMeta
from models.significant_concern import RAISED_FROM, SourceLinkRequest

log = structlog.get_logger(__name__)

LINK_CASE = "link_case"  # the source's internal step


class ConcernActivities:
    def __init__(self, client: Client | None) -> None:
        self.client = client

    @activity.defn
    async def link_source(self, request: SourceLinkRequest) -> bool:
        """Whether the source recorded the link (False: its run has ended)."""
        async with heartbeating():
            return await self._link(request)

    async def _link(self, request: SourceLinkRequest) -> bool:
        if self.client is None:
            raise ApplicationError("this worker was built without a Temporal client", non_retryable=True)
        request_id = f"{request.concern_ref}:link:{request.source.ref}"
        meta = ActionMeta(actor=request.actor, request_id=request_id)
        link = LinkCase(
            kind=request.concern_kind,
            ref=request.concern_ref,
            workflow_id=request.concern_workflow_id,
            relation=RAISED_FROM,
        )
        handle = self.client.get_workflow_handle(request.source.workflow_id)
        try:
            await handle.execute_update(
                LINK_CASE, args=[meta, link], id=request_id, result_type=ActionReceipt
            )
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            message = cause.message if isinstance(cause, ApplicationError) else str(err)
            raise ApplicationError(
                f"{request.source.ref} refused the link: {message}", type="link_refused", non_retryable=True
            ) from err
        except RPCError as err:
            if err.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
                raise  # the server is unreachable or busy: the activity retries
            log.info("source has ended; link kept on the concern", case_id=request.concern_ref)
            return False
        log.info("concern linked to its source", case_id=request.concern_ref, source_ref=request.source.ref)
        return True
