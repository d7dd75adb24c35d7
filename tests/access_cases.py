"""For the access matrix (tests/api/test_access_matrix.py): one real case of every kind, opened
through the API the way each kind is opened, and request bodies generated from a payload model's
JSON schema, so no route's body is written out by hand.
"""

from __future__ import annotations

import itertools
import re
import re._parser as sre
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError

from api.auth import Directory
from api.cases import CaseApi
from api.guard import LINE_PATTERN, TEXT_PATTERN
from models.access import ACCESS
from models.claims import ClaimStage
from models.common import CaseKind, Role
from tests.advice_paths import CASES, EXCLUSIONS, INTERVENTIONS, referral, started, today
from tests.claim_paths import ROUTES, SAMPLES
from tests.helpers import ACTORS, TOKENS, assert_eventually, auth, key, ok, opening
from tests.route_helpers import read_route

# One token per role: the matrix asks as each role once (handler2 is a second handler).
WHO: dict[Role, str] = {}
for _who, _token in TOKENS.items():
    WHO.setdefault(Role(ACTORS[_token]["role"]), _who)


# --- bodies from a schema ----------------------------------------------------------------------


def from_pattern(pattern: str) -> str:
    """The shortest string a simple regular expression matches: literals, character classes,
    repeats, groups and branches (all the patterns the payload models use)."""
    out: list[str] = []

    def first_of(items) -> str:
        for op, arg in items:
            if op is sre.LITERAL:
                return chr(arg)
            if op is sre.RANGE:
                return chr(arg[0])
            if op is sre.CATEGORY:
                return "1" if arg is sre.CATEGORY_DIGIT else "a"
        raise ValueError(f"no character for {items!r} in {pattern!r}")

    def walk(items) -> None:
        for op, arg in items:
            if op is sre.LITERAL:
                out.append(chr(arg))
            elif op is sre.IN:
                out.append(first_of(arg))
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                for _ in range(arg[0]):
                    walk(arg[2])
            elif op is sre.SUBPATTERN:
                walk(arg[-1])
            elif op is sre.BRANCH:
                walk(arg[1][0])
            elif op is sre.ANY:
                out.append("a")
            elif op is not sre.AT:
                raise ValueError(f"pattern {pattern!r}: {op} is not supported")

    walk(sre.parse(pattern))
    made = "".join(out)
    assert re.fullmatch(pattern, made), (pattern, made)
    return made


@dataclass
class _Style:
    optional: str | None  # None: required fields only; "*": every field; else that one field too
    step_days: int  # each date field is this many days after the one before it
    choice: int  # which member of an enum
    dates: int = field(default=0)


def _value(schema: dict, defs: dict, style: _Style) -> Any:
    if "$ref" in schema:
        return _value(defs[schema["$ref"].rsplit("/", 1)[1]], defs, style)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][style.choice % len(schema["enum"])]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            return _value(next(o for o in schema[combinator] if o.get("type") != "null"), defs, style)
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        if not properties and isinstance(schema.get("additionalProperties"), dict):
            name = _value(schema.get("propertyNames", {"type": "string"}), defs, style)
            return {name: _value(schema["additionalProperties"], defs, style)}
        required = schema.get("required", [])
        chosen = [n for n in properties if n in required or style.optional in ("*", n)]
        return {n: _value(properties[n], defs, style) for n in chosen}
    if kind == "array":
        items = schema.get("items", {})
        return [_value(items, defs, style) for _ in range(max(1, schema.get("minItems", 0)))]
    if kind == "string":
        if schema.get("format") == "date":
            style.dates += 1
            return (date(2026, 1, 1) + timedelta(days=style.step_days * style.dates)).isoformat()
        if schema.get("format") == "date-time":
            return "2026-01-01T12:00:00Z"
        if schema.get("pattern") not in (None, TEXT_PATTERN, LINE_PATTERN):  # free text is any text
            return from_pattern(schema["pattern"])
        return "x" * max(1, schema.get("minLength", 1))
    if kind == "integer":
        return schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    return "x"


def bodies(schema: dict, defs: dict | None = None, **fixed: Any):
    """Bodies generated from a JSON schema: required fields first, then with optional ones, dates
    in order or reversed, other enum members."""
    defs = schema.get("$defs", {}) if defs is None else defs
    properties, required = schema.get("properties", {}), schema.get("required", [])
    optional = [None, "*", *(n for n in properties if n not in required)]
    for extra, step_days, choice in itertools.product(optional, (0, 30, -30), range(3)):
        yield _value(schema, defs, _Style(extra, step_days, choice)) | fixed


def valid_body(model: type[BaseModel], **fixed: Any) -> dict[str, Any]:
    """A body `model` accepts (its validators included), generated from its JSON schema alone.
    The API validates a request with the same model."""
    for body in bodies(model.model_json_schema(), **fixed):
        try:
            model.model_validate(body)
        except ValidationError:
            continue
        return body
    raise AssertionError(f"no body generated from {model.__name__}'s schema validates; teach _value")


# A JSON body no payload model accepts (every payload is an object): it passes JSON parsing, so it
# reaches the route's dependencies, and is refused by validation after them.
NOT_AN_OBJECT: list = []


def phantom_ref(spec: CaseApi) -> str:
    """A ref of the kind's own shape that no case has (every ref's body is a hash; never all A)."""
    return from_pattern(spec.ref_pattern)


def assignable(directory: Directory, spec: CaseApi) -> str:
    """An actor the kind's cases may be given to, from the directory."""
    return next(a.id for t in ACTORS if (a := directory.actor_for(t)) and a.role in spec.access.assignees)


# --- one real case of every kind ---------------------------------------------------------------


def summit_opening() -> dict[str, Any]:
    return {
        "claimant_firm_id": "SRA-100200",
        "claimant_firm_name": "Example & Co LLP",
        "proposed_on": today(),
        "format": "remote",
        "handler": "hana.handler",
    }


def notification() -> dict[str, Any]:
    return {
        "mnsi_reference": f"MNSI-{key()[:8]}",
        "trust_code": "RX1",
        "trust_name": "Example Hospitals NHS Trust",
        "date_of_birth": "2024-02-01",
        "gestation_weeks": 39,
        "birth": "following_labour",
        "mri_confirmed": True,
        "actively_cooled": True,
        "encephalopathy": {"altered_consciousness": True, "hypotonia": True},
    }


def contract_referral() -> dict[str, Any]:
    """A referral of a GMS contract dispute, well within its 3 years (the dates are today's)."""
    return {
        "contract_type": "gms",
        "subject": "payment",
        "contractor_ods_code": "Y01234",
        "commissioner_ods_code": "QWE",
        "referred_by": "contractor",
        "referred_on": today(),
        "matter_arose_on": today(-200),
        "local_resolution": {
            "attempted_from": today(-100),
            "ended_on": today(),
            "evidence": ["LETTER-1"],
            "summary": "Meetings with the commissioner did not resolve it.",
        },
    }


def notice_of_appeal() -> dict[str, Any]:
    return {
        "subject": "relocation",
        "application_reference": f"APP-{key()[:8]}",
        "decided_by": "Q71",
        "appellant": "Example Pharmacy Ltd",
        "notified_on": today(-7),
        "received_on": today(),
        "grounds": "The relocation was refused on a misreading of the access criteria.",
    }


def incident() -> dict[str, Any]:
    return {
        "provider_code": "RX1",
        "provider_name": "Example Hospitals NHS Trust",
        "incident_on": today(),
        "reported_on": today(),
        "incident_reference": f"INC-{key()[:8]}",
    }


def concern_raised() -> dict[str, Any]:
    """A significant concern raised on its own (either tier: the route decides which)."""
    return {"raised_on": today(), "provider_ods_code": "RX1", "description": "Unsafe practice seen twice."}


# A valid opening of each kind opened through the API (its own route, POST {prefix}).
OPENINGS = {
    CaseKind.CLAIM: lambda: opening(claimant={**opening()["claimant"], "name": f"Claimant {key()[:10]}"}),
    CaseKind.RESOLUTION_SUMMIT: summit_opening,
    CaseKind.EARLY_NOTIFICATION: notification,
    CaseKind.ADVICE: referral,
    CaseKind.CONTRACT_DISPUTE: contract_referral,
    CaseKind.PHARMACY_APPEAL: notice_of_appeal,
    CaseKind.DUTY_OF_CANDOUR: incident,
    CaseKind.SIGNIFICANT_CONCERN: concern_raised,
    CaseKind.ADVICE_CONCERN: concern_raised,
}


@dataclass
class Case:
    kind: CaseKind
    ref: str
    secrets: list[str]  # text only this case holds: a leak of it shows in a response body


@dataclass
class Opened:
    cases: dict[CaseKind, Case]
    opened_by: dict[CaseKind, list[Role]]  # every role that opened a case of the kind (201)


async def open_every_kind(http, specs: dict[str, CaseApi]) -> Opened:
    """Each kind with an open route is opened once by every role that may open it (and must get
    201); the first is the kind's case. Routes, interventions and exclusions are opened by their
    parents' actions: a litigation, a mediation and an ENE each from a claim of their own (a
    claim runs one route at a time), an intervention and an exclusion from the advice case."""
    roots: dict[CaseKind, list[dict]] = {}
    opened_by: dict[CaseKind, list[Role]] = {}
    for kind, spec in specs.items():
        kind = CaseKind(kind)
        if spec.opening is None:
            continue
        for role in (r for r in WHO if ACCESS[kind].may_open(r)):
            body = OPENINGS[kind]()
            response = await http.post(
                spec.prefix, json=body, headers=auth(WHO[role]) | {"Idempotency-Key": key()}
            )
            assert response.status_code == 201, (kind, role, response.text)
            roots.setdefault(kind, []).append(response.json()["state"] | {"_opening": body})
            opened_by.setdefault(kind, []).append(role)

    claims = [c["ref"] for c in roots[CaseKind.CLAIM]]
    assert len(claims) >= 3, "the routes need three claims"
    route_opening = {
        CaseKind.LITIGATION: (claims[0], ROUTES[ClaimStage.IN_LITIGATION]),
        CaseKind.MEDIATION: (claims[1], ROUTES[ClaimStage.IN_MEDIATION]),
        CaseKind.EARLY_NEUTRAL_EVALUATION: (claims[2], ROUTES[ClaimStage.IN_EARLY_NEUTRAL_EVALUATION]),
    }
    refs = {kind: rows[0]["ref"] for kind, rows in roots.items()}
    for kind, (claim, actions) in route_opening.items():
        for action in actions:
            state = (await ok(http, claim, action, SAMPLES[action]))["state"]
        refs[kind] = state["routes"][-1]["ref"]
        await read_route(http, specs[kind].prefix, refs[kind])

    advice = refs[CaseKind.ADVICE]
    for action, body in (
        ("assign_adviser", {"adviser": "ava.adviser"}),
        ("hold_advice_call", {"held_on": today()}),
    ):
        await _advice_ok(http, CASES, advice, action, body)
    plan = {"intervention": "psr_action_plan", "agreed_on": today()}
    state = await _advice_ok(http, CASES, advice, "start_intervention", plan)
    refs[CaseKind.INTERVENTION] = state["interventions"][-1]["ref"]
    exclusion = {"exclusion": "immediate", "excluded_on": today()}
    state = await _advice_ok(http, CASES, advice, "record_exclusion", exclusion)
    refs[CaseKind.EXCLUSION] = state["exclusions"][-1]["ref"]
    await started(http, INTERVENTIONS, refs[CaseKind.INTERVENTION])
    await started(http, EXCLUSIONS, refs[CaseKind.EXCLUSION])

    # A note on each case that nothing else holds: the matrix looks for it in every refusal.
    cases = {}
    for kind, ref in refs.items():
        spec, note = specs[kind.value], f"matrix note {kind.value} {uuid.uuid4().hex}"
        writer = next(
            r for r in WHO if ACCESS[kind].may_act(r, spec.workflow.pathway.steps["add_note"].roles)
        )
        noted = await http.post(
            f"{spec.prefix}/{ref}/add-note",
            json={"text": note},
            headers=auth(WHO[writer]) | {"Idempotency-Key": key()},
        )
        assert noted.status_code == 200, noted.text
        secrets = [note]
        if kind is CaseKind.CLAIM:
            secrets.append(roots[kind][0]["_opening"]["claimant"]["name"])
        cases[kind] = Case(kind, ref, secrets)

    # Lists read the register: wait until each case is in its kind's list.
    async def listed():
        for kind, case in cases.items():
            spec = specs[kind.value]
            reader = next(r for r in WHO if ACCESS[kind].may_read(r))
            page = await http.get(spec.prefix, headers=auth(WHO[reader]), params={"limit": 500})
            assert case.ref in {item["ref"] for item in page.json()["items"]}, (kind, case.ref)

    await assert_eventually(listed, timeout=20)
    return Opened(cases=cases, opened_by=opened_by)


async def _advice_ok(http, prefix: str, ref: str, action: str, body: dict) -> dict[str, Any]:
    headers = auth("adviser") | {"Idempotency-Key": key()}
    response = await http.post(f"{prefix}/{ref}/{action.replace('_', '-')}", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["state"]
