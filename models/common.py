"""Types shared by every case kind: actors, action metadata, money, refusals, the ledger."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    HANDLER = "handler"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"
    # Practitioner Performance Advice: its cases are confidential to these and to auditors.
    ADVISER = "adviser"
    ADVICE_SUPERVISOR = "advice_supervisor"


class CaseKind(StrEnum):
    CLAIM = "claim"
    MEDIATION = "mediation"
    EARLY_NEUTRAL_EVALUATION = "early_neutral_evaluation"
    LITIGATION = "litigation"
    RESOLUTION_SUMMIT = "resolution_summit"
    EARLY_NOTIFICATION = "early_notification"
    ADVICE = "advice"
    INTERVENTION = "intervention"
    EXCLUSION = "exclusion"


def case_workflow_id(kind: CaseKind, ref: str) -> str:
    """The workflow id of a case: its kind and reference (`claim-CLM-…`, `mediation-CLM-…-MED1`).
    Every part of Fairway that addresses a case by id goes through this one rule."""
    return f"{kind.value}-{ref}"


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")
    role: Role


class ActionMeta(BaseModel):
    """Who asked, and the request id that makes a retry of the same request harmless."""

    actor: Actor
    request_id: str = Field(min_length=1, max_length=200)


class MoneySchema:
    """Money in the OpenAPI document, requests and answers alike: a decimal string in pounds and
    pence (answers are always strings, and a JSON number cannot promise two places), with a
    pattern that says what the validator checks, so a client can check it too: the whole
    digits, the pence, and whether zero is allowed (a field's own `gt=0` is seen here)."""

    def __get_pydantic_json_schema__(self, core_schema, handler) -> dict[str, Any]:
        whole = core_schema["max_digits"] - core_schema["decimal_places"]
        pounds = rf"[1-9][0-9]{{0,{whole - 1}}}(\.[0-9]{{1,2}})?"
        pence = r"0\.(0[1-9]|[1-9][0-9]?)" if core_schema.get("gt") == 0 else r"0(\.[0-9]{1,2})?"
        return {
            "type": "string",
            "format": "decimal",
            "pattern": rf"^({pence}|{pounds})$",
            "description": 'an amount in pounds, as a decimal string of at most 2 places: "1250.00"',
        }


Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2), MoneySchema()]  # pence: 2 places

Reference = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9/._-]*$")]


class Refusal(BaseModel):
    """Why an action was refused, in a form a client can act on."""

    code: str
    message: str
    stage: str | None = None
    allowed_actions: list[str] = []


class LedgerEntry(BaseModel):
    """One accepted action, as the register's append-only business ledger keeps it."""

    seq: int
    action: str
    actor_id: str
    actor_role: Role
    request_id: str
    stage_before: str | None
    stage_after: str
    summary: dict[str, Any]
    at: datetime


class AppliedAction(BaseModel):
    """What an accepted action did.

    A retry that Temporal itself recognises gets the first answer unchanged; one that reaches
    the workflow later (after continue-as-new, say) is answered from the workflow's own record
    with `duplicate` set. Either way the action takes effect once.
    """

    seq: int
    action: str
    request_id: str
    stage_before: str | None
    stage_after: str
    duplicate: bool = False
    payload_digest: str = ""
    actor_id: str = ""  # who sent it: a key belongs to its actor


def payload_digest(payload: BaseModel) -> str:
    """Identifies a request body, so one idempotency key cannot carry two different requests."""
    return hashlib.sha256(payload.model_dump_json().encode()).hexdigest()[:16]
