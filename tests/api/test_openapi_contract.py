"""The OpenAPI document is the API's contract, read from the app as `fairway api` serves it (no
Temporal needed): every operation names each error it can answer, with the one error body; every
success has a schema; money, dates and times say their format, in requests and answers alike.
tests/api/test_fuzz.py holds the running API to the same document."""

from __future__ import annotations

import re
import types
import typing
from datetime import date, datetime
from decimal import Decimal

import pytest
from pydantic import BaseModel

from api.app import create_app
from fairway.settings import Settings
from tests.conftest import TEST_POLICY, directory

# Only the document is read: the app's lifespan, which would connect to Temporal, never runs.
APP = create_app(Settings(temporal_task_queue="contract"), directory=directory(), policy=TEST_POLICY)
DOC = APP.openapi()
ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
EVERY_ERROR = {"400", "401", "403", "404", "409", "413", "422", "503"}
BODY_REFUSALS = {"400", "413"}
# What an operation cannot answer, and why; every other operation documents EVERY_ERROR.
CANNOT_ANSWER = {
    # No token, no parameters, no case, no register, no Temporal: nothing to refuse but a body,
    # which the request-body middleware refuses in front of every route alike.
    ("get", "/healthz"): EVERY_ERROR - BODY_REFUSALS,
    # The same, and its 503 is its own answer (each dependency's state), not an error body.
    ("get", "/readyz"): EVERY_ERROR - BODY_REFUSALS,
}
OWN_ANSWERS = {("get", "/readyz"): {"503"}}
# What a success may be: JSON, or a CSV file of the same figures (api/learning.py). Errors are JSON.
SUCCESS_MEDIA_TYPES = {"application/json", "text/csv"}
OPERATIONS = [(method, path) for path, ops in DOC["paths"].items() for method in ops]
SCHEMAS = DOC["components"]["schemas"]


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: v)
def test_every_error_an_operation_can_answer_is_documented_with_the_error_body(method, path):
    responses = DOC["paths"][path][method]["responses"]
    expected = EVERY_ERROR - CANNOT_ANSWER.get((method, path), set())
    assert {s for s in responses if s[0] in "45"} == expected | OWN_ANSWERS.get((method, path), set())
    for status in expected:
        assert responses[status]["content"]["application/json"]["schema"] == ERROR_BODY, status


# Operations whose success is a file, not JSON: each says its media type, with a binary schema.
FILES = {
    ("get", f"/learning/extracts/{{name}}/{{table}}.{form}"): media
    for form, media in {
        "csv": "text/csv",
        "parquet": "application/vnd.apache.parquet",
        "dictionary.md": "text/markdown",
    }.items()
}


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: v)
def test_every_success_has_a_schema(method, path):
    successes = {s: r for s, r in DOC["paths"][path][method]["responses"].items() if s.startswith("2")}
    assert successes
    for status, response in successes.items():
        if (method, path) in FILES:
            [(media, content)] = response["content"].items()
            assert media.split(";")[0] == FILES[method, path]
            assert content["schema"] == {"type": "string", "format": "binary"}
            continue
        ((media_type, content),) = response["content"].items()
        assert media_type in SUCCESS_MEDIA_TYPES, (status, media_type)
        schema = content["schema"]
        assert _resolve(schema) or schema.get("anyOf"), (status, schema)


def test_the_error_body_is_a_code_and_a_message():
    assert set(SCHEMAS["ErrorBody"]["required"]) == {"code", "message"}


def test_an_opening_documents_its_retry_and_an_acknowledgment_the_case_it_answers_with():
    """An opening retried with its key answers 200 with the case it opened; acknowledging an
    escalation answers with the escalated case's view, of whatever kind, as any action does."""
    opened = DOC["paths"]["/claims"]["post"]["responses"]
    assert opened["200"]["content"] == opened["201"]["content"]
    acknowledged = DOC["paths"]["/escalations/{escalation_id}/acknowledge"]["post"]["responses"]["200"]
    views = [_resolve(v) for v in acknowledged["content"]["application/json"]["schema"]["anyOf"]]
    assert {"CaseView[ClaimState]", "CaseView[AdviceState]"} <= {view["title"] for view in views}
    assert all("state" in view["required"] for view in views)


# --- formats ------------------------------------------------------------------------------------

FORMATS = {Decimal: "decimal", date: "date", datetime: "date-time"}
NOT_MONEY = ("12.345", "1e3", "-1", "£5", "1,000", "1000000000000")


def _leaf_types(annotation) -> set:
    """Every type a field's annotation is made of: `Money | None` is {Decimal, NoneType}."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _leaf_types(typing.get_args(annotation)[0])
    args = typing.get_args(annotation)
    if args and typing.get_origin(annotation) in (typing.Union, types.UnionType, list, dict, tuple, set):
        return set().union(*(_leaf_types(a) for a in args))
    return {annotation}


def _leaf_schemas(schema: dict) -> list[dict]:
    schema = _resolve(schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return [leaf for option in schema[key] for leaf in _leaf_schemas(option)]
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            return [schema, *_leaf_schemas(schema[key])]
    return [schema]


def _models() -> dict[str, list[type[BaseModel]]]:
    found: dict[str, list[type[BaseModel]]] = {}
    pending = [BaseModel]
    while pending:
        for model in pending.pop().__subclasses__():
            pending.append(model)
            if model.__module__.split(".")[0] in ("models", "api"):
                found.setdefault(model.__name__, []).append(model)
    return found


def formatted_fields() -> list[tuple[str, str, str, dict]]:
    """(component, field, format, the field's schema) for every field of a type that carries a
    format, in every schema of the document, requests and answers alike."""
    models, fields = _models(), []
    for component, schema in SCHEMAS.items():
        properties = schema.get("properties", {})
        for model in models.get(schema.get("title", "").split("[")[0], []):
            if set(model.model_fields) != set(properties):
                continue  # another model of the same name
            for name, field in model.model_fields.items():
                for kind in _leaf_types(field.annotation) & set(FORMATS):
                    fields.append((component, name, FORMATS[kind], properties[name]))
    return fields


FORMATTED = formatted_fields()


def test_the_document_has_money_dates_and_times_in_requests_and_answers():
    found = {(c.removesuffix("-Input").removesuffix("-Output"), f, fmt) for c, f, fmt, _ in FORMATTED}
    assert {("MakeOffer", "amount", "decimal"), ("Offer", "amount", "decimal")} <= found
    assert {("RecordPayment", "paid_on", "date"), ("CaseSummary", "opened_at", "date-time")} <= found
    assert len({fmt for _, _, fmt, _ in FORMATTED}) == 3


def _wrong_format(format_: str, schema: dict) -> str | None:
    strings = [leaf for leaf in _leaf_schemas(schema) if leaf.get("type") == "string"]
    if not strings or any(leaf.get("format") != format_ for leaf in strings):
        return f"not every string is of format {format_}"
    if format_ != "decimal":
        return None
    for leaf in strings:
        pattern = re.compile(leaf.get("pattern", "^$"))
        if not (pattern.fullmatch("1250.00") and pattern.fullmatch("0.05")):
            return f"{leaf.get('pattern')} refuses money"
        if allowed := [w for w in NOT_MONEY if pattern.fullmatch(w)]:
            return f"{leaf['pattern']} allows {allowed}"
    return None


def test_money_dates_and_times_carry_their_format():
    wrong = {
        f"{component}.{field}": problem
        for component, field, format_, schema in FORMATTED
        if (problem := _wrong_format(format_, schema))
    }
    assert not wrong
