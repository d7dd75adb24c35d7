"""Significant concerns (DOMAIN.md 6, the Significant Concerns Framework): what raising one
carries, what each step records, and the case's state.

NHS Resolution shares information with NHS bodies and regulators when activity may have caused
significant harm, or puts people at significant risk, through unsafe practice or conduct. The
provider is usually contacted first; NHS Resolution may invite an onward referral, or seek
assurance that one was made, then share with a regulator. A concern is raised from a case (a
claim, an Early Notification case, an advice case) or on its own.

Who sees a concern: only the roles that may see the case it came from. Access is declared once
per kind (models/access.py), so a concern is two kinds on one pathway: `significant_concern` on
the claims tier (raised from a claim, an EN case, or on its own by claims-side staff) and
`advice_concern` on the advice tier (raised from an advice case, or on its own by advisers). The
kind follows the tier of the source, and the API refuses a source of the other tier; every
list, read, history and count is then filtered by kind as for any case, with no check of its own.

No internal timings are published (DOMAIN.md 6: unconfirmed), so a concern sets no deadlines of
its own. Providers and regulators are organisations; the concern's description never reaches
the ledger, logs or search attributes.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from models.cases import CaseCarried, CaseLink, CasePolicy, CaseState
from models.common import ActionMeta, Actor, CaseKind, EventFloor, Reference, RequestBody, broken_rule

CLAIMS_TEAM = "safety_and_learning"
ADVICE_TEAM = "advice"  # the Practitioner Performance Advice team (models/advice.py)
CONCERN_KINDS = frozenset({CaseKind.SIGNIFICANT_CONCERN, CaseKind.ADVICE_CONCERN})
# The cases a concern may be raised from, and the concern kind each leads to (by its tier).
SOURCE_KINDS = {
    CaseKind.CLAIM: CaseKind.SIGNIFICANT_CONCERN,
    CaseKind.EARLY_NOTIFICATION: CaseKind.SIGNIFICANT_CONCERN,
    CaseKind.ADVICE: CaseKind.ADVICE_CONCERN,
}
SourceKind = Literal["claim", "early_notification", "advice"]
RAISED_FROM = "a significant concern was raised from this case"


def concern_kind_for(source: CaseKind) -> CaseKind:
    """The concern kind a source leads to: only its readers see the concern."""
    return SOURCE_KINDS[source]


# --- raising -------------------------------------------------------------------------------


class SourceCase(RequestBody):
    kind: SourceKind
    ref: Reference


class RaiseConcern(RequestBody):
    """A significant concern raised: from which case, if any, and about which provider."""

    raised_on: date
    source: SourceCase | None = Field(None, description="the case it was raised from; none: on its own")
    provider_ods_code: Reference = Field(description="ODS code of the provider (trust, practice, pharmacy)")
    description: str = Field(
        min_length=1, max_length=10_000, description="what gives rise to the concern; kept from the ledger"
    )
    handler: str | None = Field(None, max_length=100, description="handler's actor id; default: you")


# --- steps ---------------------------------------------------------------------------------


class Stage(StrEnum):
    RAISED = "raised"
    ASSESSED = "assessed"
    PROVIDER_CONTACTED = "provider_contacted"
    REFERRAL_INVITED = "referral_invited"
    ASSURANCE_SOUGHT = "assurance_sought"
    SHARED_WITH_REGULATOR = "shared_with_regulator"
    CLOSED = "closed"


class Finding(StrEnum):
    """The Framework's two thresholds, or neither."""

    SIGNIFICANT_HARM = "significant_harm"  # activity may have caused significant harm
    SIGNIFICANT_RISK = "significant_risk"  # people put at significant risk by unsafe practice
    THRESHOLD_NOT_MET = "threshold_not_met"


class Outcome(StrEnum):
    THRESHOLD_NOT_MET = "threshold_not_met"
    PROVIDER_ASSURED = "provider_assured"  # closed on the provider's referral or assurance
    SHARED_WITH_REGULATOR = "shared_with_regulator"


class AssessConcern(RequestBody):
    assessed_on: date
    finding: Finding
    reasons: str = Field(min_length=1, max_length=10_000)


class ContactProvider(RequestBody):
    contacted_on: date
    method: Literal["letter", "email", "meeting", "telephone"]


class InviteReferral(RequestBody):
    """The provider invited to refer onward (to a regulator or professional body)."""

    invited_on: date
    refer_to: Reference = Field(description="the body the referral should go to, e.g. GMC, CQC")


class SeekAssurance(RequestBody):
    """Assurance sought from the provider that a referral was made."""

    sought_on: date
    referral_said_made_to: Reference = Field(description="the body the provider says it referred to")


class RecordProviderResponse(RequestBody):
    received_on: date
    referral_made: bool = Field(description="whether the provider made (or confirms) the referral")


class Regulator(StrEnum):
    CQC = "cqc"
    GMC = "gmc"
    NMC = "nmc"
    GDC = "gdc"
    GPHC = "gphc"
    HCPC = "hcpc"
    NHS_ENGLAND = "nhs_england"
    OTHER = "other"


class ShareWithRegulator(RequestBody):
    shared_on: date
    regulator: Regulator
    regulator_reference: Reference | None = None


class CloseConcern(RequestBody):
    closed_on: date
    reason: str = Field(min_length=1, max_length=2_000)


# --- state ---------------------------------------------------------------------------------


class Assessment(BaseModel):
    assessed_on: date
    finding: Finding
    reasons: str
    assessed_by: str


class ProviderContact(BaseModel):
    contacted_on: date
    method: str


class OnwardReferral(BaseModel):
    """The referral invited, or the assurance sought, and the provider's answer."""

    how: Literal["invited", "assurance_sought"]
    on: date
    body: str
    response_on: date | None = None
    referral_made: bool | None = None


class Sharing(BaseModel):
    shared_on: date
    regulator: Regulator
    regulator_reference: str | None = None
    shared_by: str


class ConcernState(CaseState):
    kind: CaseKind = CaseKind.SIGNIFICANT_CONCERN
    team: str = CLAIMS_TEAM
    raised_on: date
    provider_ods_code: str
    description: str
    source: CaseLink | None = None
    source_linked: bool | None = Field(None, description="whether the source case recorded the link back")
    assessment: Assessment | None = None
    provider_contact: ProviderContact | None = None
    onward: OnwardReferral | None = None
    sharings: list[Sharing] = []
    closure_reason: str | None = None

    @model_validator(mode="after")
    def _a_concern(self) -> ConcernState:
        if self.kind not in CONCERN_KINDS:
            raise broken_rule("not_a_concern", f"{self.kind} is not a concern kind")
        return self

    def event_floor(self) -> EventFloor:
        return EventFloor(self.raised_on, "concern")


class ConcernInput(BaseModel):
    ref: str
    owner: str
    opening: RaiseConcern | None = None
    opened_by: ActionMeta | None = None
    policy: CasePolicy = CasePolicy()
    carried: CaseCarried[ConcernState] | None = None


class SourceLinkRequest(BaseModel):
    """What the concern asks its source to record: the link back, under the opener's name."""

    concern_kind: CaseKind
    concern_ref: str
    concern_workflow_id: str
    source: CaseLink
    actor: Actor
