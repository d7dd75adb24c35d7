"""What an Early Notification case does outside itself: open the claim an admission leads to,
note the EN case on a claim (the link back), and keep its row in the register.

The claim is started with a workflow id derived from the EN case's reference, so a retried
activity, or the EN case retrying the whole step, finds the same claim rather than a second
one; the EN case's interim payments are in that start, so the claim holds them from its first
event and a retry cannot record them twice; the note is an ordinary claim `add_note` update
whose request id is derived the same way, so the claim records it once.
"""

from __future__ import annotations

import structlog
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.heartbeats import heartbeating
from fairway.db import GroupCommit, upsert_if_newer
from models import search_attributes as sa
from models.cases import AddNote, LinkCase
from models.claims import ClaimInput, ClaimStage, claim_workflow_id
from models.common import ActionMeta, CaseKind, case_workflow_id
from models.early_notification import (
    ClaimBackLink,
    ClaimFromEarlyNotification,
    ClaimLinked,
    EarlyNotificationRecord,
)
from models.register import EarlyNotificationRow

log = structlog.get_logger(__name__)

CLAIM_WORKFLOW = "ClaimWorkflow"  # by name: activities do not import workflow code


class EarlyNotificationActivities:
    def __init__(self, client: Client | None, sessions: sessionmaker[Session]) -> None:
        self.client = client
        self.writer = GroupCommit(sessions)

    def _client(self) -> Client:
        if self.client is None:
            raise ApplicationError("this worker was built without a Temporal client", non_retryable=True)
        return self.client

    @activity.defn
    async def open_claim(self, request: ClaimFromEarlyNotification) -> ClaimLinked:
        """Start the claim (or find the one a previous attempt started) and note the EN case on it."""
        async with heartbeating():
            return await self._open_claim(request)

    async def _open_claim(self, request: ClaimFromEarlyNotification) -> ClaimLinked:
        client, opening = self._client(), request.opening
        workflow_id = claim_workflow_id(request.claim_ref)
        try:
            await client.start_workflow(
                CLAIM_WORKFLOW,
                ClaimInput(
                    ref=request.claim_ref,
                    owner=opening.handler,
                    opening=opening,
                    opened_by=request.opened_by,
                    # In the start itself: a retry finds the claim it started, payments and all.
                    earlier_payments=request.interim_payments,
                    policy=request.policy,
                ),
                id=workflow_id,
                task_queue=activity.info().task_queue,
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(sa.CASE_KIND, CaseKind.CLAIM.value),
                        SearchAttributePair(sa.STAGE, ClaimStage.NOTIFIED.value),
                        SearchAttributePair(sa.HANDLER, opening.handler),
                        SearchAttributePair(sa.SCHEME, opening.scheme.value),
                    ]
                ),
            )
        except WorkflowAlreadyStartedError:
            log.info("claim from early notification already open", case_id=request.en_ref)
        back = ClaimBackLink(
            en_ref=request.en_ref,
            claim_ref=request.claim_ref,
            actor=request.opened_by.actor,
            note=request.note,
        )
        noted = await self._note(back)
        log.info("claim opened from early notification", case_id=request.en_ref, claim_ref=request.claim_ref)
        return ClaimLinked(claim_ref=request.claim_ref, workflow_id=workflow_id, noted=noted)

    @activity.defn
    async def link_claim(self, back: ClaimBackLink) -> ClaimLinked:
        """Note an EN case on a claim someone else opened (the family's traditional claim)."""
        async with heartbeating():
            return await self._link_claim(back)

    async def _link_claim(self, back: ClaimBackLink) -> ClaimLinked:
        workflow_id = claim_workflow_id(back.claim_ref)
        handle = self._client().get_workflow_handle(workflow_id)
        try:
            described = await handle.describe()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise ApplicationError(
                    f"there is no claim {back.claim_ref}", type="unknown_claim", non_retryable=True
                ) from err
            raise
        noted = described.status == WorkflowExecutionStatus.RUNNING and await self._note(back)
        log.info("early notification linked to claim", case_id=back.en_ref, claim_ref=back.claim_ref)
        return ClaimLinked(claim_ref=back.claim_ref, workflow_id=workflow_id, noted=noted)

    async def _note(self, back: ClaimBackLink) -> bool:
        """The link back: the claim records the EN case among its links, and a note a handler
        reads, each once whatever retries (their request ids)."""
        request_id = f"early-notification-link:{back.en_ref}"
        link = LinkCase(
            kind=CaseKind.EARLY_NOTIFICATION,
            ref=back.en_ref,
            workflow_id=case_workflow_id(CaseKind.EARLY_NOTIFICATION, back.en_ref),
            relation=back.relation,
        )
        handle = self._client().get_workflow_handle(claim_workflow_id(back.claim_ref))
        try:
            for action, payload, rid in (
                ("link_case", link, f"{request_id}:link"),
                ("add_note", AddNote(text=back.note), request_id),
            ):
                meta = ActionMeta(actor=back.actor, request_id=rid)
                await handle.execute_update(action, args=[meta, payload], id=rid)
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            return False  # the claim's run has ended: the EN side still holds the link
        return True

    @activity.defn
    def project_early_notification(self, record: EarlyNotificationRecord) -> None:
        """The case's early_notification row; a retried or older write changes nothing."""
        row = record.model_dump()
        self.writer.run(lambda session: _upsert(session, row))
        log.info("early notification projected", case_id=record.ref, stage=record.stage, seq=record.seq)


def _upsert(session: Session, row: dict) -> None:
    session.execute(upsert_if_newer(session, EarlyNotificationRow.__table__, newer_by="seq"), row)
