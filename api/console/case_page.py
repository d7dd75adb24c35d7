"""What the case page shows: the case as its workflow holds it, read for a person.

Stage, owner and hold; each deadline with its explanation, ladder and changes; the pathway with
the current stage marked; the case's workflow in the Temporal Web UI; and a form for every
action the case allows the signed-in actor now (the case's own `allowed_actions`), generated
from the action's payload schema, so the page never offers what the case would refuse.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from pydantic import BaseModel, ValidationError

from api.cases import CaseApi
from api.console.forms import (
    Choice,
    field_errors,
    form_for,
    initial_values,
    offering,
    parse_form,
    values_from_payload,
)
from api.errors import ApiError, invalid
from models.cases import CaseView
from models.coding import CodeKind, Taxonomy
from models.deadlines import Deadline
from workflows.case_kit import Step

FORM_NEEDS_CORRECTING = "the form has answers that need correcting"


@dataclass(frozen=True)
class ActionForm:
    action: str
    title: str
    describe: str
    form: Any
    url: str
    idempotency_key: str  # fresh for each page: a double submit of this page acts once
    values: dict
    errors: dict[str, str]
    refusal: ApiError | None
    problems: list[tuple[str, str, str]]  # for the error summary: (field id, message, code)


def payload_of(model: type[BaseModel], fields: dict[str, list[str]]) -> BaseModel:
    """An action's payload, or an opening, from its posted form; what its schema or its rules
    refuse is answered as the API answers it (api.errors.invalid)."""
    try:
        return model.model_validate(parse_form(form_for(model), fields))  # names are unscoped
    except ValidationError as err:
        raise invalid(err.errors(include_url=False, include_input=False), FORM_NEEDS_CORRECTING) from None


def case_context(
    request: Request,
    spec: CaseApi,
    view: CaseView,
    actor,
    refusal: ApiError | None,
    refused_action: str | None,
    values: dict | None,
) -> dict[str, Any]:
    state = view.state
    pathway = spec.workflow.pathway
    public = {s.action for s in pathway.public_steps}
    codes = taxonomy_choices(request.app.state.taxonomy)
    actions = [
        _action_form(spec, state.ref, pathway.steps[name], refusal, values, codes)
        if name == refused_action
        else _action_form(spec, state.ref, pathway.steps[name], None, None, codes)
        for name in view.allowed_actions
        if name in public
    ]
    settings = request.app.state.settings
    return {
        "spec": spec,
        "view": view,
        "state": state,
        "deadlines": sorted(state.deadlines.values(), key=_deadline_order),
        "stages": [stage.value for stage in pathway.stages],
        "final_stages": set(pathway.order(pathway.final)),
        "actions": actions,
        "refusal": refusal if refused_action is None or refused_action not in view.allowed_actions else None,
        "refused_action": refused_action,
        "web_ui_url": (
            f"{settings.codec_cors_origin}/namespaces/{settings.temporal_namespace}"
            f"/workflows/{spec.workflow_id(state.ref)}"
        ),
        "timeline_url": f"/console/cases/{spec.kind.value}/{state.ref}/timeline",
    }


def _action_form(
    spec: CaseApi,
    ref: str,
    step: Step,
    refusal: ApiError | None,
    values: dict | None,
    codes: dict[str, list[Choice]],
) -> ActionForm:
    return filled_form(
        step.payload,
        action=step.action,
        title=step.action.replace("_", " ").capitalize(),
        describe=step.describe,
        url=f"/console/cases/{spec.kind.value}/{ref}/actions/{step.action}",
        refusal=refusal,
        values=values,
        codes=codes,
    )


def taxonomy_choices(taxonomy: Taxonomy) -> dict[str, list[Choice]]:
    """What a coding form offers: for each kind the codes a new coding may use, shown with their
    group; for the version, the taxonomy's own (a form offers nothing stale)."""
    choices = {
        kind.value: [Choice(c.code, taxonomy.shown(c.code), c.code) for c in taxonomy.codable(kind)]
        for kind in CodeKind
    }
    return choices | {"version": [Choice(taxonomy.version, taxonomy.version, taxonomy.version)]}


def opening_form(spec: CaseApi, refusal: ApiError | None, values: dict | None) -> ActionForm:
    noun = spec.kind.value.replace("_", " ")
    return filled_form(
        spec.opening,
        action="open",
        title=f"Open the {noun} case",
        describe=f"Open a {noun} case",
        url=f"/console/cases/{spec.kind.value}/new",
        refusal=refusal,
        values=values,
    )


def filled_form(
    model: type[BaseModel], *, action, title, describe, url, refusal, values, codes=None
) -> ActionForm:
    """A form for the model (an action's, an opening's, a learning page's question), with what
    was sent and why it was refused when it was."""
    form = offering(form_for(model, scope=f"{action}--"), codes or {})
    errors = field_errors(form, refusal.details) if refusal is not None else {}
    problems = [(field_id, message, refusal.code) for field_id, message in errors.items()] if refusal else []
    if refusal is not None and not problems:
        problems = [(f"action-{action}", refusal.message, refusal.code)]
    return ActionForm(
        action=action,
        title=title,
        describe=describe,
        form=form,
        url=url,
        idempotency_key=uuid.uuid4().hex,
        values=_refilled(form, values),
        errors=errors,
        refusal=refusal,
        problems=problems,
    )


def _refilled(form, posted: dict | None) -> dict[str, list[str]]:
    """A new form shows the model's defaults; a refused one what was sent, its blank rows dropped
    so that row numbers match the refusal's field locations."""
    if not posted:
        return initial_values(form)
    return values_from_payload(form, parse_form(form, posted))


def _deadline_order(deadline: Deadline) -> tuple:
    """Live deadlines first, soonest due first; the rest after, as they fell due."""
    return (
        not deadline.live,
        deadline.due_on is None,
        deadline.due_on or deadline.trigger_date,
        deadline.name,
    )
