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
    "record_death": {
        "died_on": "2026-05-01",
        "fatal_accidents_claim": True,
        "dependants_knowledge": "2026-06-01",
    },
    "send_letter_of_response": {"sent_on": "2026-07-15", "liability": "admitted", "apology_given": True},
    "hold_stocktake": {
        "held_on": "2026-08-01",
        "outcome": "action_agreed",
        "notes": "quantum to be negotiated",
    },
    "make_offer": {
        "by": "claimant",
        "amount": "250000.00",
        "heads_of_loss": ["pain"],
        "part_36": True,
        "sent_at": "2026-08-10T10:00:00+01:00",
        "method": "email",
    },
    "request_offer_clarification": {
        "offer_no": 1,
        "requested_on": "2026-08-12",
        "question": "Does the offer include the claim for interest?",
    },
    "clarify_offer": {"offer_no": 1, "answer": "Yes, interest is included.", "clarified_on": "2026-08-14"},
    "change_offer": {"offer_no": 1, "amount": "240000.00", "changed_on": "2026-08-18"},
    "withdraw_offer": {"offer_no": 1, "withdrawn_on": "2026-08-20"},
    "accept_offer": {"offer_no": 1, "accepted_on": "2026-08-25"},
    "record_settlement": {
        "agreed_on": "2026-08-25",
        "general_damages": "150000.00",
        "special_damages": "60000.00",
        "future_losses": "40000.00",
        "claimant_costs": "35000.00",
    },
    "record_court_approval": {
        "approved": True,
        "decided_on": "2026-09-01",
        "court": "County Court at Central London",
        "order_reference": "K00CL123",
    },
    "record_payment": {
        "paid_on": "2026-09-10",
        "amount": "285000.00",
        "payee": "claimant_solicitors",
        "reference": "PAY-1",
        "kind": "lump_sum",
    },
    "propose_mediation": {
        "proposed_by": "claimant",
        "proposed_on": "2026-08-01",
        "format": "remote",
        "reason": "quantum gap narrowing",
    },
    "agree_early_neutral_evaluation": {"agreed_on": "2026-08-01", "reason": "causation in dispute"},
    "record_proceedings_issued": {
        "issued_on": "2026-09-01",
        "court": "High Court, King's Bench Division",
        "claim_number": "KB-2026-000123",
        "reason": "limitation protection",
    },
    "join_summit": {
        "summit_ref": "SUM-TESTSUMMIT01",
        "summit_workflow_id": "resolution_summit-SUM-TESTSUMMIT01",
        "claimant_firm_id": "SRA-100200",
    },
    "leave_summit": {"summit_ref": "SUM-TESTSUMMIT01", "reason": "not ready for the summit"},
    "link_case": {
        "kind": "early_notification",
        "ref": "EN-TESTCASE0001",
        "workflow_id": "early_notification-EN-TESTCASE0001",
        "relation": "opened from this Early Notification case",
    },
    "code_claim": {
        "taxonomy_version": "2026.1",
        "specialty": "specialty.obstetrics",
        "primary_cause": "cause.fetal_monitoring",
        "injuries": ["injury.hypoxic_brain_injury"],
        "themes": ["theme.ctg_misinterpreted", "theme.delay_in_escalation"],
        "reason": "coded at the letter of response",
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

_RESPONDED = [
    "receive_letter_of_claim",
    "acknowledge_letter_of_claim",
    "open_investigation",
    "send_letter_of_response",
]

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
    S.AWAITING_APPROVAL: [  # with a protected party's OPENINGS below
        "receive_letter_of_claim",
        "acknowledge_letter_of_claim",
        "open_investigation",
        "send_letter_of_response",
        "record_settlement",
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
    S.IN_MEDIATION: [*_RESPONDED, "propose_mediation"],
    S.IN_EARLY_NEUTRAL_EVALUATION: [*_RESPONDED, "agree_early_neutral_evaluation"],
    S.IN_LITIGATION: ["record_proceedings_issued"],
    # Reached by a summit's Update and a route's signal, not by a handler: these are the handler's
    # steps before them (tests/workflows/test_claim_pathway.py builds those stages directly).
    S.IN_RESOLUTION_SUMMIT: [*_RESPONDED],
    S.PROCEEDINGS_CONCLUDED: ["record_proceedings_issued"],
}

# Opening overrides a stage's route needs (a settlement waits for the court only for a child or
# protected party, CPR 21.10).
PROTECTED_PARTY = {
    "claimant": {"name": "Alex Example", "date_of_birth": "1990-01-01", "protected_party": True}
}
OPENINGS: dict[S, dict] = {S.AWAITING_APPROVAL: PROTECTED_PARTY}
