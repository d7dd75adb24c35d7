"""The deadline policies workflows start under. Periods marked unconfirmed in DOMAIN.md are
named values here, never literals in workflow code."""

from __future__ import annotations

from models.deadlines import (
    DeadlineKind,
    DeadlinePolicy,
    DeadlineRule,
    EscalationContacts,
    Ladder,
    Period,
)

DAY = 86_400.0

CONTACTS = {"claims": EscalationContacts(supervisor="sam.supervisor", head_of_service="hana.head")}


def _protocol(name: str, title: str, basis: str, period: Period, warn_days: float) -> DeadlineRule:
    return DeadlineRule(
        name=name,
        title=title,
        kind=DeadlineKind.PROTOCOL,
        basis=basis,
        period=period,
        ladder=Ladder(warn_before_seconds=warn_days * DAY, head_of_service_after_seconds=7 * DAY),
    )


FLAG_ONLY = "protocol_flag_only"  # Pre-Action Protocol periods are flagged, not moved

STANDARD_RULES = [
    DeadlineRule(
        name="case_review_due",
        title="First review of a new claim",
        kind=DeadlineKind.SERVICE,
        basis="NHS Resolution service target (unconfirmed: 10 days from notification)",
        period=Period(amount=10, unit="days"),
        ladder=Ladder(warn_before_seconds=2 * DAY, head_of_service_after_seconds=5 * DAY),
    ),
    _protocol(
        "health_records_due",
        "Copy health records",
        "PAP 3.2: copy records within 40 days of the request",
        Period(amount=40, unit="days", end_rule=FLAG_ONLY),
        7,
    ),
    _protocol(
        "letter_of_notification_acknowledgment_due",
        "Acknowledge the letter of notification",
        "PAP 3.10ff: acknowledge within 14 days of receipt",
        Period(amount=14, unit="days", end_rule=FLAG_ONLY),
        3,
    ),
    _protocol(
        "letter_of_claim_acknowledgment_due",
        "Acknowledge the letter of claim",
        "PAP: acknowledge the letter of claim within 14 days of receipt",
        Period(amount=14, unit="days", end_rule=FLAG_ONLY),
        3,
    ),
    _protocol(
        "letter_of_response_due",
        "Letter of response",
        "PAP 3.25: letter of response within 4 months of the letter of claim",
        Period(amount=4, unit="months", end_rule=FLAG_ONLY),
        21,
    ),
    DeadlineRule(
        name="defence_due",
        title="Defence",
        kind=DeadlineKind.COURT,
        basis="CPR 15.4: 14 days after service of the particulars, 28 if service was acknowledged",
        period=Period(amount=28, unit="days", end_rule="court_office_rolls_forward"),
        ladder=Ladder(warn_before_seconds=7 * DAY, head_of_service_after_seconds=2 * DAY),
        max_extension_days=28,  # CPR 15.5: longer needs the court
    ),
    DeadlineRule(
        name="limitation",
        title="Limitation",
        kind=DeadlineKind.STATUTORY,
        basis="Limitation Act 1980 ss.11, 14, 28",
        limitation=True,
        # Escalate as limitation nears, while a protective issue and stay are still possible.
        ladder=Ladder(
            warn_before_seconds=180 * DAY,
            supervisor_before_seconds=90 * DAY,
            head_of_service_after_seconds=-30 * DAY,
        ),
    ),
]

STANDARD = DeadlinePolicy(
    version="standard-2026-11", rules={r.name: r for r in STANDARD_RULES}, contacts=CONTACTS
)


def short(
    seconds: float = 3.0,
    warn_before: float = 1.5,
    head_of_service_after: float = 1.5,
    base: DeadlinePolicy | None = None,
) -> DeadlinePolicy:
    """Every period in seconds from its trigger, for tests and for trying escalation by hand.

    Limitation keeps its legal computation: it is years away, so it never fires in a test.
    """
    ladder = Ladder(warn_before_seconds=warn_before, head_of_service_after_seconds=head_of_service_after)
    rules = {
        name: rule
        if rule.limitation
        else rule.model_copy(update={"period": None, "seconds": seconds, "ladder": ladder})
        for name, rule in (base or STANDARD).rules.items()
    }
    contacts = (base or STANDARD).contacts
    return DeadlinePolicy(version=f"short-{seconds:g}s", rules=rules, contacts=contacts)
