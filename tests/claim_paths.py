"""Valid payloads for every claim action, and the shortest way to bring a claim to each stage."""

from __future__ import annotations

from models.claims import ClaimStage as S

SAMPLES: dict[str, dict] = {
    "add_note": {"text": "a note"},
    "reassign": {"handler": "harry.handler", "reason": "caseload"},
    "put_on_hold": {"reason": "awaiting inquest", "review_on": "2027-03-01"},
    "take_off_hold": {"reason": "inquest concluded"},
    "request_health_records": {"requested_on": "2026-01-05"},
    "supply_health_records": {"supplied_on": "2026-02-10"},
    "receive_letter_of_notification": {"received_on": "2026-02-20"},
    "acknowledge_letter_of_notification": {"sent_on": "2026-03-02"},
    "receive_letter_of_claim": {"received_on": "2026-03-31", "copied_to_nhs_resolution": True},
    "acknowledge_letter_of_claim": {"sent_on": "2026-04-10"},
    "open_investigation": {
        "experts": [
            {"discipline": "obstetrics", "issues": ["breach"], "expert": "Dr Expert"},
            {"discipline": "neonatology", "issues": ["causation"]},
        ]
    },
    "instruct_experts": {"experts": [{"discipline": "care", "issues": ["quantum"]}]},
    "extend_response_period": {
        "agreed_by": "Example & Co LLP",
        "reason": "expert delay",
        "new_due_date": "2026-09-30",
    },
    "record_standstill_agreement": {
        "agreed_on": "2026-05-01",
        "until": "2027-12-31",
        "terms": "no limitation point",
    },
    "send_letter_of_response": {"sent_on": "2026-07-15", "liability": "admitted", "apology_given": True},
    "hold_stocktake": {"held_on": "2026-08-01", "outcome": "quantum to be negotiated"},
    "make_offer": {
        "by": "claimant",
        "amount": "250000.00",
        "heads_of_loss": ["pain"],
        "part_36": True,
        "made_on": "2026-08-10",
    },
    "withdraw_offer": {"offer_no": 1, "withdrawn_on": "2026-08-20"},
    "accept_offer": {"offer_no": 1, "accepted_on": "2026-08-25"},
    "record_settlement": {
        "agreed_on": "2026-08-25",
        "general_damages": "150000.00",
        "special_damages": "60000.00",
        "future_losses": "40000.00",
        "claimant_costs": "35000.00",
    },
    "record_payment": {
        "paid_on": "2026-09-10",
        "amount": "285000.00",
        "payee": "claimant_solicitors",
        "reference": "PAY-1",
    },
    "close": {"outcome": "withdrawn", "summary": "claimant withdrew"},
    "reopen": {"reason": "claimant reinstated the claim"},
    "extend_deadline": {
        "deadline": "case_review_due",
        "new_due_on": "2027-01-31",
        "reason": "awaiting records",
        "agreed_by": "team lead",
    },
    "waive_deadline": {"deadline": "case_review_due", "reason": "reviewed at triage"},
    "correct_date": {
        "action": "receive_letter_of_claim",
        "corrected_date": "2026-03-20",
        "reason": "misread stamp",
    },
    "acknowledge_escalation": {
        "deadline": "case_review_due",
        "revision": 1,
        "step": "warning",
        "comment": "seen",
    },
}

# The actions that bring a new claim to each stage, in order.
ROUTES: dict[S, list[str]] = {
    S.NOTIFIED: [],
    S.LETTER_OF_NOTIFICATION_RECEIVED: ["receive_letter_of_notification"],
    S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED: [
        "receive_letter_of_notification",
        "acknowledge_letter_of_notification",
    ],
    S.LETTER_OF_CLAIM_RECEIVED: ["receive_letter_of_claim"],
    S.LETTER_OF_CLAIM_ACKNOWLEDGED: ["receive_letter_of_claim", "acknowledge_letter_of_claim"],
    S.INVESTIGATING: ["receive_letter_of_claim", "acknowledge_letter_of_claim", "open_investigation"],
    S.LETTER_OF_RESPONSE_SENT: [
        "receive_letter_of_claim",
        "acknowledge_letter_of_claim",
        "open_investigation",
        "send_letter_of_response",
    ],
    S.NEGOTIATING: [
        "receive_letter_of_claim",
        "acknowledge_letter_of_claim",
        "open_investigation",
        "send_letter_of_response",
        "make_offer",
    ],
    S.OFFER_ACCEPTED: [
        "receive_letter_of_claim",
        "acknowledge_letter_of_claim",
        "open_investigation",
        "send_letter_of_response",
        "make_offer",
        "accept_offer",
    ],
    S.SETTLED: [
        "receive_letter_of_claim",
        "acknowledge_letter_of_claim",
        "open_investigation",
        "send_letter_of_response",
        "record_settlement",
    ],
    S.PAID: [
        "receive_letter_of_claim",
        "acknowledge_letter_of_claim",
        "open_investigation",
        "send_letter_of_response",
        "record_settlement",
        "record_payment",
    ],
    S.CLOSED: ["close"],
}
