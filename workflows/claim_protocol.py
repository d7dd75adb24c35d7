"""The Pre-Action Protocol for the Resolution of Clinical Disputes as the claim checks it: the
departures from it a handler records, since the court weighs them on costs and case management
(Practice Direction Pre-Action Conduct; CPR 3.1(4)-(5), 44.2(5)(a)). Pure and deterministic,
like the pathway table whose steps call it (claim_pathway.py)."""

from __future__ import annotations

from datetime import date

from models import claims as m

RESPONSE = "letter_of_response_due"
ISSUED_WITHIN_PROTOCOL_PERIOD = "issued_within_protocol_period"
ISSUED_WITHOUT_LETTER_OF_CLAIM = "issued_without_letter_of_claim"
NO_EARLY_ISSUE = "PAP: proceedings should not be issued until 4 months after the letter of claim"
UNLESS_LIMITATION = (
    "unless limitation required it (PAP 1.6), a possible breach of the protocol to record for costs; "
    "if it did, the parties should agree a stay while the investigation goes on"
)


def early_issue(claim: m.ClaimState, issued_on: date) -> m.ProtocolDeparture | None:
    """Proceedings issued before the protocol's 4 months from the letter of claim were up, or with
    no letter of claim at all. The 4 months are the letter of response's own, computed by the
    calendar when the letter arrived (its first due date: an agreed extension of the response
    does not move the protocol's bar, and a corrected letter date recomputes it)."""
    response = claim.deadlines.get(RESPONSE)
    if response is None:
        return m.ProtocolDeparture(
            code=ISSUED_WITHOUT_LETTER_OF_CLAIM,
            basis=f"{NO_EARLY_ISSUE}; PAP 3.13: the letter of claim",
            on=issued_on,
            explanation=f"Proceedings were issued on {issued_on} with no letter of claim recorded: "
            f"{UNLESS_LIMITATION}.",
        )
    ends = response.original_due_on
    if ends is None or issued_on > ends:
        return None
    return m.ProtocolDeparture(
        code=ISSUED_WITHIN_PROTOCOL_PERIOD,
        basis=NO_EARLY_ISSUE,
        on=issued_on,
        explanation=f"Proceedings were issued on {issued_on}, within the 4 months from the letter of "
        f"claim of {response.trigger_date}, which end on {ends}: {UNLESS_LIMITATION}.",
    )


def record_early_issue(claim: m.ClaimState, issued_on: date) -> None:
    if (departure := early_issue(claim, issued_on)) is not None:
        claim.protocol_departures.append(departure)
