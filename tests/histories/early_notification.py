"""Recorded-history scenarios for the Early Notification workflow (tests/histories/record.py
runs them): an admission that opens a claim, and a family consent window that expires. Each
opens its duty of candour case as it starts (tests/histories/duty_of_candour.py records one)."""

from __future__ import annotations

from tests.api.test_early_notification import (
    PREFIX,
    QUICK,
    SHORT,
    en_ok,
    finding,
    notified,
    to_family_letter,
    today,
    use_policy,
)
from tests.helpers import assert_eventually, auth


async def early_notification_admitted(fairway) -> str:
    """Notification to admission, with the family contact log, then the claim."""
    http = fairway.http
    use_policy(fairway, QUICK)
    ref = await notified(http)
    await to_family_letter(http, ref)
    contact = {"contacted_on": today(), "contact_with": "father", "method": "video", "agreed": "call weekly"}
    await en_ok(http, ref, "record_family_contact", contact)
    await en_ok(http, ref, "send_family_letter_seeking_consent", {"sent_on": today()})
    await en_ok(http, ref, "record_family_consent", {"decided_on": today()})
    await en_ok(http, ref, "record_breach_finding", finding(True))
    await en_ok(http, ref, "record_causation_finding", finding(True))
    await en_ok(http, ref, "admit_liability", {"decided_on": today(), "reasons": "both found"})
    await en_ok(
        http, ref, "record_apology", {"given_on": today(), "by": "nhs_resolution", "method": "letter"}
    )
    await en_ok(
        http, ref, "record_interim_payment", {"paid_on": today(), "amount": "25000.00", "reference": "I-1"}
    )
    await en_ok(http, ref, "open_claim", {"claimant_name": "Baby Example", "protected_party": False})
    return ref


async def early_notification_consent_expired(fairway) -> str:
    """Under the short policy: escalations fire, and the family's window closes the case."""
    http = fairway.http
    use_policy(fairway, SHORT)
    ref = await notified(http)
    await to_family_letter(http, ref)
    await en_ok(http, ref, "send_family_letter_seeking_consent", {"sent_on": today()})

    async def closed():
        state = (await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))).json()["state"]
        assert state["outcome"] == "family_decision_expired"

    await assert_eventually(closed, timeout=20)
    return ref


WORKFLOW_KINDS = {
    "early_notification_admitted": "early_notification",
    "early_notification_consent_expired": "early_notification",
}
SCENARIOS = {
    "early_notification_admitted": early_notification_admitted,
    "early_notification_consent_expired": early_notification_consent_expired,
}
