"""Types shared by every case kind: actors, action metadata, money, refusals, the ledger."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError


class Role(StrEnum):
    HANDLER = "handler"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"
    # Practitioner Performance Advice: its cases are confidential to these and to auditors.
    ADVISER = "adviser"
    ADVICE_SUPERVISOR = "advice_supervisor"
    # Learning from claims: scorecards, statistics and research extracts, and no case at all.
    ANALYST = "analyst"
    # The case itself and its clock (timers, route endings): never a person, so no token carries it.
    SYSTEM = "system"


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
    CONTRACT_DISPUTE = "contract_dispute"
    PHARMACY_APPEAL = "pharmacy_appeal"  # Primary Care Appeals
    DUTY_OF_CANDOUR = "duty_of_candour"
    # Significant concerns: one pathway, two tiers (models/significant_concern.py).
    SIGNIFICANT_CONCERN = "significant_concern"
    ADVICE_CONCERN = "advice_concern"


def case_workflow_id(kind: CaseKind, ref: str) -> str:
    """The workflow id of a case: its kind and reference (`claim-CLM-…`, `mediation-CLM-…-MED1`).
    Every part of Fairway that addresses a case by id goes through this one rule."""
    return f"{kind.value}-{ref}"


def derived_ref(prefix: str, *seed: str) -> str:
    """A case reference (`PREFIX-` and 12 base32 letters) that follows from what identifies the
    case: the same seed always gives the same reference, and so the same workflow id. Every
    reference Fairway makes comes from here: a retried opening (its actor and key), a case
    another opens (its parent's reference), an Early Notification (its MNSI investigation)."""
    digest = hashlib.sha256("\x00".join(seed).encode()).digest()
    return f"{prefix}-" + base64.b32encode(digest).decode()[:12]


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")
    role: Role


SYSTEM_ACTOR = Actor(id="system", role=Role.SYSTEM)  # who the clock and the case itself are
PEOPLE_ROLES = frozenset(Role) - {Role.SYSTEM}


class RequestBody(BaseModel):
    """A request body or a part of one: a field it does not know is refused, not dropped (a
    misspelt `recieved_on` must not pass as a request without its date)."""

    model_config = ConfigDict(extra="forbid")


# No case Fairway handles reports an event before this: an earlier date is a typing slip.
EARLIEST_PLAUSIBLE_DATE = date(1900, 1, 1)
# Nor sets anything due after this (a deadline's ladder and periods must stay within the calendar).
LATEST_PLAUSIBLE_DATE = date(2199, 12, 31)


class EventFloor(NamedTuple):
    """The earliest a case's events can be: its incident, a baby's birth."""

    on: date
    event: str  # "incident", "birth": names the refusal, `date_before_incident`


def date_refusal(field: str, value: date | None, today: date, floor: EventFloor | None = None):
    """Why a date a request reports as past is implausible, as (code, message), or None.
    Openings and actions both ask this one rule."""
    if value is None:
        return None
    day = _day(value)
    if day > today:
        return "date_in_future", f"{field} {day} is in the future"
    if floor is not None and day < floor.on:
        return f"date_before_{floor.event}", f"{field} {day} is before the {floor.event} on {floor.on}"
    if day < EARLIEST_PLAUSIBLE_DATE:
        return "date_implausible", f"{field} {day} is before {EARLIEST_PLAUSIBLE_DATE.year}"
    return None


def far_future(model: BaseModel | None):
    """A date in a request beyond any plausible one, as (code, message), or None."""
    for place, value in reported_dates(model) if isinstance(model, BaseModel) else ():
        if (day := _day(value)) > LATEST_PLAUSIBLE_DATE:
            return "date_implausible", f"{place} {day} is after {LATEST_PLAUSIBLE_DATE.year}"
    return None


def age_on(born: date, on: date) -> int:
    """Someone's age in whole years on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _day(value: date) -> date:
    """The calendar day of a date or a time (a datetime is a date too, but compares as neither)."""
    return value.date() if isinstance(value, datetime) else value


def reported_dates(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, date]]:
    """Every date and time in a request, named by its place (`claimant.date_of_birth`)."""
    for name, value in model:
        place = f"{prefix}{name}"
        if isinstance(value, date):
            yield place, value
        elif isinstance(value, BaseModel):
            yield from reported_dates(value, f"{place}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from reported_dates(item, f"{place}.{index}.")


RULE_BROKEN = "rule_broken"


def broken_rule(code: str, message: str) -> PydanticCustomError:
    """A request its schema allows but a rule about its own fields refuses (dates out of order, a
    denial naming no experts). The API answers it like a case's refusal, 409 with `code`: a
    422 means the request does not match its schema."""
    return PydanticCustomError(RULE_BROKEN, "{message}", {"message": message, "code": code})


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
# An organisation's code in NHS England's Organisation Data Service (a trust's RX1, a practice's
# A81001): capitals and digits, as a member's scorecard is asked for by it.
ODS_CODE_PATTERN = r"^[A-Z0-9]{3,10}$"
OdsCode = Annotated[str, Field(pattern=ODS_CODE_PATTERN)]


class Refusal(BaseModel):
    """Why an action was refused, in a form a client can act on; a refusal naming another case
    or a reference carries it as a field of its own (`existing_ref`)."""

    model_config = ConfigDict(extra="allow")

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
