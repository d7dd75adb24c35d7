"""Who may do what with each case kind, declared once: deny by default.

A kind's tier names the people who may see it at all (read it, list it, count it, search it,
see its history and its escalations). Within a tier, opening a case is declared here and each
action's roles are on its pathway row; a role outside the tier can take no action, whatever a
row says. Advice cases (Practitioner Performance Advice) are confidential: only advice roles,
auditors and admins see them, and advice roles see no claim-side case.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from models.common import CaseKind, Role


class Tier(StrEnum):
    CLAIMS = "claims"  # claims and what hangs off them: routes, summits, Early Notification
    ADVICE = "advice"  # confidential: Practitioner Performance Advice

    @property
    def readers(self) -> frozenset[Role]:
        return TIER_READERS[self]

    @property
    def confidential(self) -> bool:
        return self is Tier.ADVICE


TIER_READERS = {
    Tier.CLAIMS: frozenset({Role.HANDLER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN}),
    Tier.ADVICE: frozenset({Role.ADVISER, Role.ADVICE_SUPERVISOR, Role.AUDITOR, Role.ADMIN}),
}
# Who a case may be assigned to (its owner, handler or adviser), by tier.
TIER_ASSIGNEES = {
    Tier.CLAIMS: frozenset({Role.HANDLER, Role.SUPERVISOR}),
    Tier.ADVICE: frozenset({Role.ADVISER, Role.ADVICE_SUPERVISOR}),
}
CLAIMS_OPENERS = frozenset({Role.HANDLER, Role.SUPERVISOR, Role.ADMIN})
ADVICE_OPENERS = frozenset({Role.ADVISER, Role.ADVICE_SUPERVISOR, Role.ADMIN})
NOBODY: frozenset[Role] = frozenset()  # opened by another case, never through the API


@dataclass(frozen=True)
class Access:
    tier: Tier
    openers: frozenset[Role] = NOBODY

    @property
    def readers(self) -> frozenset[Role]:
        return self.tier.readers

    @property
    def assignees(self) -> frozenset[Role]:
        return TIER_ASSIGNEES[self.tier]

    def may_read(self, role: Role) -> bool:
        return role in self.readers

    def may_open(self, role: Role) -> bool:
        return role in self.openers and self.may_read(role)

    def acting(self, step_roles: frozenset[Role]) -> frozenset[Role]:
        """Who may take a step: the roles its row names, within the kind's tier."""
        return step_roles & self.readers

    def may_act(self, role: Role, step_roles: frozenset[Role]) -> bool:
        return role in self.acting(step_roles)


ACCESS: dict[CaseKind, Access] = {
    CaseKind.CLAIM: Access(Tier.CLAIMS, openers=CLAIMS_OPENERS),
    CaseKind.MEDIATION: Access(Tier.CLAIMS),
    CaseKind.EARLY_NEUTRAL_EVALUATION: Access(Tier.CLAIMS),
    CaseKind.LITIGATION: Access(Tier.CLAIMS),
    CaseKind.RESOLUTION_SUMMIT: Access(Tier.CLAIMS, openers=CLAIMS_OPENERS),
    CaseKind.EARLY_NOTIFICATION: Access(Tier.CLAIMS, openers=CLAIMS_OPENERS),
    CaseKind.ADVICE: Access(Tier.ADVICE, openers=ADVICE_OPENERS),
    CaseKind.INTERVENTION: Access(Tier.ADVICE),
    CaseKind.EXCLUSION: Access(Tier.ADVICE),
    CaseKind.CONTRACT_DISPUTE: Access(Tier.CLAIMS, openers=CLAIMS_OPENERS),
    # Primary Care Appeals: not claims, but handled by claims-side roles (team primary_care_appeals).
    CaseKind.PHARMACY_APPEAL: Access(Tier.CLAIMS, openers=CLAIMS_OPENERS),
    CaseKind.DUTY_OF_CANDOUR: Access(Tier.CLAIMS, openers=CLAIMS_OPENERS),
    # A significant concern is seen by whoever may see the case it came from: two kinds, one
    # pathway (models/significant_concern.py).
    CaseKind.SIGNIFICANT_CONCERN: Access(Tier.CLAIMS, openers=CLAIMS_OPENERS),
    CaseKind.ADVICE_CONCERN: Access(Tier.ADVICE, openers=ADVICE_OPENERS),
}


def kinds_visible_to(role: Role) -> list[str]:
    """The case kinds a role may see at all, for filtering lists, queues and counts."""
    return [kind.value for kind, access in ACCESS.items() if access.may_read(role)]


class Learning(StrEnum):
    """What learning from claims serves: figures over many claims, never a case."""

    SCORECARDS = "scorecards"  # a member's (trust's) own claims profile
    STATISTICS = "statistics"  # the national picture
    EXTRACTS = "extracts"  # pseudonymised research extracts, and their record


# The analyst reads these and no case at all (it is in no tier); supervisors see trusts'
# scorecards and the national figures; extracts leave the organisation, so only analysts make
# them. Advice cases are never counted in any of them.
LEARNING_READERS: dict[Learning, frozenset[Role]] = {
    Learning.SCORECARDS: frozenset({Role.SUPERVISOR, Role.ANALYST, Role.ADMIN}),
    Learning.STATISTICS: frozenset({Role.SUPERVISOR, Role.ANALYST, Role.ADMIN}),
    Learning.EXTRACTS: frozenset({Role.ANALYST, Role.ADMIN}),
}


def may_read_learning(role: Role, what: Learning) -> bool:
    return role in LEARNING_READERS[what]
