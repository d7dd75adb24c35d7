"""Named, versioned policies given to workflows at start. Tests use short periods."""

from __future__ import annotations

from models.claims import ClaimPolicy

POLICIES: dict[str, ClaimPolicy] = {
    "standard": ClaimPolicy(),
}


def claim_policy(name: str) -> ClaimPolicy:
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown policy {name!r}; known: {', '.join(POLICIES)}") from None
