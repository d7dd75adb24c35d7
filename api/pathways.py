"""The pathway tables, published so clients and docs are generated from the same data."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.cases import SPECS, may_read
from api.deps import CurrentActor
from api.errors import not_found
from workflows import claim_pathway

router = APIRouter(prefix="/pathways", tags=["pathways"])


class PathwayDivert(BaseModel):
    """Where a step leads instead, from some of its stages, when a condition holds."""

    to: str
    when: str
    from_stages: list[str]


class PathwayStep(BaseModel):
    action: str
    route: str
    describe: str
    from_stages: list[str]
    leads_to: str | None
    diverts: list[PathwayDivert] = []
    roles: list[str]
    hold: str
    payload_schema: dict


class Pathway(BaseModel):
    case_kind: str
    stages: list[str]
    steps: list[PathwayStep]
    mermaid: str


def claim_pathway_view() -> Pathway:
    order = list(claim_pathway.S)
    steps = [
        PathwayStep(
            action=s.action,
            route=f"/claims/{{ref}}/{s.action.replace('_', '-')}",
            describe=s.describe,
            from_stages=[st.value for st in sorted(s.from_stages, key=order.index)],
            leads_to=s.leads_to if isinstance(s.leads_to, str) or s.leads_to is None else s.leads_to.value,
            diverts=[
                PathwayDivert(
                    to=d.to.value,
                    when=d.label,
                    from_stages=[st.value for st in sorted(d.origins or s.from_stages, key=order.index)],
                )
                for d in s.diverts
            ],
            roles=sorted(r.value for r in s.roles),
            hold=s.hold,
            payload_schema=s.payload.model_json_schema(),
        )
        for s in claim_pathway.STEPS.values()
    ]
    return Pathway(
        case_kind="claim", stages=[s.value for s in order], steps=steps, mermaid=claim_pathway.mermaid()
    )


@router.get("/claim", response_model=Pathway, summary="The claim pathway")
def claim(actor: CurrentActor) -> Pathway:
    """Stages, the actions allowed in each, where each leads, and who may take it."""
    return claim_pathway_view()


def kit_pathway_view(spec) -> Pathway:
    pathway = spec.workflow.pathway
    order = [s.value for s in pathway.stages]
    steps = [
        PathwayStep(
            action=s.action,
            route=f"{spec.prefix}/{{ref}}/{s.action.replace('_', '-')}",
            describe=s.describe,
            from_stages=sorted(s.from_stages, key=order.index),
            leads_to=s.leads_to,
            roles=sorted(r.value for r in s.roles),
            hold="any",
            payload_schema=s.payload.model_json_schema(),
        )
        for s in pathway.steps.values()
    ]
    return Pathway(case_kind=pathway.kind, stages=order, steps=steps, mermaid=pathway.mermaid())


@router.get("/{kind}", response_model=Pathway, summary="Another case kind's pathway")
def case_kind(kind: str, actor: CurrentActor) -> Pathway:
    """Stages, actions and roles of a route, summit, Early Notification or advice case."""
    spec = next((s for s in SPECS.values() if s.workflow.pathway.kind == kind), None)
    if spec is None:
        raise not_found("pathway", kind)
    may_read(spec, actor)
    return kit_pathway_view(spec)
