"""Recorded-history scenarios for the Early Notification workflow (tests/histories/record.py
runs them): an admission that opens a claim, and a family consent window that expires. Each
opens its duty of candour case as it starts (tests/histories/duty_of_candour.py records one)."""

from __future__ import annotations

from models.duty_of_candour import candour_ref_for
from models.early_notification import claim_ref_for
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
from tests.claim_paths import SAMPLES
from tests.helpers import assert_eventually, auth, ok


async def early_notification_admitted(fairway) -> str:
    """Notification to admission, with the family contact log and the trust's initial candour
    (MNSI's contact with the family then due), then the claim, which the case follows."""
    http = fairway.http
    use_policy(fairway, QUICK)
    ref = await notified(http)
    candour = candour_ref_for(ref)
    told = {
        "notified_on": today(),
        "relevant_person": "mother",
        "given_by": "consultant obstetrician",
        "further_enquiries": "an MNSI investigation",
        "support_offered": "the family liaison officer",
    }
    assessed = {"assessed_on": today(), "harm": "severe_harm", "reasons": "HIE grade 3"}
    await ok(http, candour, "assess_harm", assessed, prefix="/candour-cases")
    await ok(http, candour, "notify_in_person", told, prefix="/candour-cases")

    async def candour_heard():
        state = (await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))).json()["state"]
        assert "mnsi_family_contact_due" in state["deadlines"]

    await assert_eventually(candour_heard, timeout=20)
    await en_ok(http, ref, "record_mnsi_family_contact", {"contacted_on": today()})
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
    claim = claim_ref_for(ref)
    await ok(http, claim, "receive_letter_of_claim", SAMPLES["receive_letter_of_claim"])

    async def following():
        state = (await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))).json()["state"]
        assert state["claim_stage"] == "letter_of_claim_received", state["claim_stage"]

    await assert_eventually(following, timeout=20)
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
