"""Named, versioned policies given to workflows at start. Tests use short periods."""

from __future__ import annotations

from models import deadline_policies
from models.claims import ClaimPolicy

POLICIES: dict[str, ClaimPolicy] = {
    "standard": ClaimPolicy(),
    # Periods of a minute, for watching the escalation ladder by hand under `fairway dev`.
    "demo": ClaimPolicy(
        version="demo",
        deadlines=deadline_policies.short(seconds=60, warn_before=30, head_of_service_after=30),
    ),
}


def claim_policy(name: str) -> ClaimPolicy:
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown policy {name!r}; known: {', '.join(POLICIES)}") from None
