"""Significant concerns: two routers generated from the one pathway, one per tier, and the checks
on the case a concern is raised from, made before anything starts.

`POST /significant-concerns` raises a claims-side concern (from a claim, an EN case, or on its
own); `POST /advice-concerns` an advice-tier one (from an advice case, or on its own). A source
the opener may not read, of a reference no such case has, or that does not exist is 404
`source_not_found`, the same answer for each, so a refusal never says whether a case exists that
its asker may not see. A source of the other tier (only an admin reads both) is 409
`source_in_other_tier`: its concern belongs on the other route, seen by that tier's roles alone.
"""

from __future__ import annotations

import re
from typing import Any

import anyio.from_thread
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.cases import SPECS, CaseApi, case_router
from api.errors import ApiError
from models.access import ACCESS
from models.cases import CasePolicy
from models.common import Actor, CaseKind, case_workflow_id
from models.significant_concern import ConcernInput, RaiseConcern, concern_kind_for
from workflows.significant_concern import AdviceConcernWorkflow, SignificantConcernWorkflow

PREFIXES = {
    CaseKind.SIGNIFICANT_CONCERN: "/significant-concerns",
    CaseKind.ADVICE_CONCERN: "/advice-concerns",
}


def policy(app_state: Any) -> CasePolicy:
    """Tests set `app.state.concern_policy` (a quick projection); otherwise the standard one."""
    return getattr(app_state, "concern_policy", None) or CasePolicy()


def source_not_found() -> ApiError:
    return ApiError(404, "source_not_found", "no case you may see has that kind and reference")


async def _running_or_ended(client: Client, workflow_id: str) -> bool:
    try:
        await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            return False
        raise
    return True


def vetting(kind: CaseKind):
    """The source checks for a concern of `kind`; run off the event loop (api/cases.py), so the
    source's existence is asked of Temporal back on it."""

    def vet(app_state: Any, raised: RaiseConcern, actor: Actor, ref: str) -> None:
        if raised.source is None:
            return
        source_kind = CaseKind(raised.source.kind)
        source_spec = SPECS.get(source_kind.value)
        if not ACCESS[source_kind].may_read(actor.role) or source_spec is None:
            raise source_not_found()
        if concern_kind_for(source_kind) is not kind:
            other = concern_kind_for(source_kind)
            raise ApiError(
                409,
                "source_in_other_tier",
                f"a concern raised from a {source_kind.value} case is raised at {PREFIXES[other]}",
            )
        if not re.fullmatch(source_spec.ref_pattern, raised.source.ref):
            raise source_not_found()
        workflow_id = case_workflow_id(source_kind, raised.source.ref)
        if not anyio.from_thread.run(_running_or_ended, app_state.client, workflow_id):
            raise source_not_found()

    return vet


def spec(kind: CaseKind, workflow, ref_prefix: str) -> CaseApi:
    return CaseApi(
        kind=kind,
        prefix=PREFIXES[kind],
        workflow=workflow,
        ref_pattern=rf"{ref_prefix}-[A-Z2-7]{{12}}",
        ref_prefix=ref_prefix,
        opening=RaiseConcern,
        start_input=lambda ref, opening, meta, policy: ConcernInput(
            ref=ref, owner=opening.handler or meta.actor.id, opening=opening, opened_by=meta, policy=policy
        ),
        policy=policy,
        vet_opening=vetting(kind),
        opening_assignee="handler",
    )


routers = [
    case_router(spec(CaseKind.SIGNIFICANT_CONCERN, SignificantConcernWorkflow, "SCN")),
    case_router(spec(CaseKind.ADVICE_CONCERN, AdviceConcernWorkflow, "ACN")),
]
