"""The pathway tables, published so clients and docs are generated from the same data."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.cases import SPECS, CaseApi, may_read
from api.deps import CurrentActor
from api.errors import not_found
from models.common import CaseKind

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
    opening_action: str
    stages: list[str]
    final_stages: list[str]
    steps: list[PathwayStep]
    mermaid: str


def pathway_view(spec: CaseApi) -> Pathway:
    """A kind's pathway as its routes serve it: the steps a person takes, by the roles its tier
    allows (steps another case sends are not routes, so they are not listed)."""
    pathway = spec.workflow.pathway
    steps = [
        PathwayStep(
            action=s.action,
            route=f"{spec.prefix}/{{ref}}/{s.action.replace('_', '-')}",
            describe=s.describe,
            from_stages=pathway.order(s.from_stages),
            leads_to=s.leads_to,
            diverts=[
                PathwayDivert(to=d.to, when=d.label, from_stages=pathway.order(d.origins or s.from_stages))
                for d in s.diverts
            ],
            roles=sorted(r.value for r in spec.access.acting(s.roles)),
            hold=s.hold,
            payload_schema=s.payload.model_json_schema(),
        )
        for s in pathway.public_steps
    ]
    return Pathway(
        case_kind=spec.kind.value,
        opening_action=pathway.opening_action,
        stages=[s.value for s in pathway.stages],
        final_stages=pathway.order(pathway.final),
        steps=steps,
        mermaid=pathway.mermaid(),
    )


@router.get("/{kind}", response_model=Pathway, summary="A case kind's pathway")
def case_kind(kind: CaseKind, actor: CurrentActor) -> Pathway:
    """Stages, the actions allowed in each, where each leads, and who may take it."""
    spec = SPECS.get(kind.value)
    if spec is None:
        raise not_found("pathway", kind.value)
    may_read(spec, actor)
    return pathway_view(spec)
