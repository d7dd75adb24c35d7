"""The deadline policies workflows start under, and the register of every version the worker
knows. Periods marked unconfirmed in DOMAIN.md are named values here, never literals in
workflow code.

A case carries its deadline policy by reference (name and version) in every payload: the rules
live in the worker's code, so a claim's history holds a few bytes where it held the whole
table, and every cached case shares one copy. A published version never changes; new rules
are a new version, and a case keeps the version it started under.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

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

# CPR 15.5(1): the parties may agree up to 28 days more for the defence; longer needs the court.
AGREED_DEFENCE_EXTENSION_DAYS = 28

# PAP section 6 asks the parties to take stock before issue but sets no period (DOMAIN.md 1a).
STOCKTAKE_PERIOD = Period(amount=28, unit="days")  # unconfirmed: our own target, not the protocol's
# A summit needs our valuation of each claim in it; no published period (DOMAIN.md 2a).
SUMMIT_VALUATION_PERIOD = Period(amount=14, unit="days")  # unconfirmed: our own target

# Escalate as limitation nears, while a protective issue and stay are still possible.
LIMITATION_LADDER = Ladder(
    warn_before_seconds=180 * DAY, supervisor_before_seconds=90 * DAY, head_of_service_after_seconds=-30 * DAY
)

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
        basis="CPR 15.4(1)(b): 28 days after service of the particulars, service having been acknowledged",
        period=Period(amount=28, unit="days", end_rule="court_office_rolls_forward"),
        ladder=Ladder(warn_before_seconds=7 * DAY, head_of_service_after_seconds=2 * DAY),
        max_extension_days=AGREED_DEFENCE_EXTENSION_DAYS,
    ),
    DeadlineRule(
        name="defence_due_without_acknowledgment",
        title="Defence (no acknowledgment of service filed)",
        kind=DeadlineKind.COURT,
        basis="CPR 15.4(1)(a): 14 days after service of the particulars, if service is not acknowledged",
        period=Period(amount=14, unit="days", end_rule="court_office_rolls_forward"),
        ladder=Ladder(warn_before_seconds=5 * DAY, head_of_service_after_seconds=2 * DAY),
        max_extension_days=AGREED_DEFENCE_EXTENSION_DAYS,
    ),
    DeadlineRule(
        name="part_36_relevant_period",
        title="Part 36 offer: end of the relevant period",
        kind=DeadlineKind.COURT,
        basis="CPR 36.5/36.7: at least 21 days from service; the offer's own period if longer",
        period=Period(amount=21, unit="days"),
        # Warn while the offer can still be accepted without costs consequences (CPR 36.13).
        ladder=Ladder(warn_before_seconds=7 * DAY, head_of_service_after_seconds=2 * DAY),
    ),
    DeadlineRule(
        name="part_36_clarification_due",
        title="Part 36 offer: clarification given",
        kind=DeadlineKind.COURT,
        basis="CPR 36.8(2): the offeror clarifies within 7 days of receiving the request, or the "
        "offeree may apply for an order that it does",
        # Not an act at the court office: the day is flagged, never moved (CPR 2.8(5)).
        period=Period(amount=7, unit="days", end_rule=FLAG_ONLY),
        ladder=Ladder(warn_before_seconds=2 * DAY, head_of_service_after_seconds=2 * DAY),
    ),
    DeadlineRule(
        name="stocktake_due",
        title="Stocktake of the parties' positions",
        kind=DeadlineKind.SERVICE,
        basis="PAP section 6: review positions before proceedings (period unconfirmed)",
        period=STOCKTAKE_PERIOD,
        ladder=Ladder(warn_before_seconds=7 * DAY, head_of_service_after_seconds=7 * DAY),
    ),
    DeadlineRule(
        name="limitation",
        title="Limitation",
        kind=DeadlineKind.STATUTORY,
        basis="Limitation Act 1980 ss.11, 14, 28; s.11(5) once the claimant has died",
        limitation=True,
        ladder=LIMITATION_LADDER,
    ),
    DeadlineRule(
        name="fatal_accidents_limitation",
        title="Limitation of the dependants' Fatal Accidents Act claim",
        kind=DeadlineKind.STATUTORY,
        basis="Limitation Act 1980 ss.12, 13, 14: 3 years from the death or a dependant's knowledge",
        limitation=True,
        ladder=LIMITATION_LADDER,
    ),
]


def _agreed_date(
    name: str, title: str, basis: str, warn_days: float, kind=DeadlineKind.PROTOCOL
) -> DeadlineRule:
    """A date the parties or the court set and the handler enters; the period is only a default."""
    return DeadlineRule(
        name=name,
        title=title,
        kind=kind,
        basis=basis,
        period=Period(amount=14, unit="days"),
        ladder=Ladder(warn_before_seconds=warn_days * DAY, head_of_service_after_seconds=2 * DAY),
    )


def _court(
    name: str, title: str, basis: str, period: Period, warn_days: float, max_extension_days: int | None = None
) -> DeadlineRule:
    return DeadlineRule(
        name=name,
        title=title,
        kind=DeadlineKind.COURT,
        basis=basis,
        period=period,
        ladder=Ladder(warn_before_seconds=warn_days * DAY, head_of_service_after_seconds=2 * DAY),
        max_extension_days=max_extension_days,
    )


def _court_date(name: str, title: str, basis: str, warn_days: float) -> DeadlineRule:
    return _agreed_date(name, title, basis, warn_days, kind=DeadlineKind.COURT)


DIRECTIONS_ORDER = "Directions order (Masters' Model Directions for Clinical Negligence Cases)"

# Litigation under the CPR (DOMAIN.md 1c; models/litigation.py). Court dates stop for nothing.
LITIGATION_RULES = [
    _court(
        "claim_form_service_due",
        "Claim form served (the claimant's step)",
        "CPR 7.5(1): the step must be taken before midnight on the calendar day 4 months after issue; "
        "only the court extends it (CPR 7.6)",
        # Service is not an act at the court office: the day is flagged, never moved (CPR 2.8(5)).
        Period(amount=4, unit="months", end_rule=FLAG_ONLY),
        14,
        max_extension_days=0,  # CPR 7.6: the court's order moves it (record_court_order), not an agreement
    ),
    _court_date(
        "claim_form_service_required_by_notice",
        "Claim form served as our CPR 7.7 notice requires",
        "CPR 7.7: the date in our notice, at least 14 days after it; if missed, apply to dismiss "
        "(CPR 7.7(3))",
        3,
    ),
    _court(
        "particulars_of_claim_due",
        "Particulars of claim served",
        "CPR 7.4: within 14 days after service of the claim form, and no later than the last day "
        "for serving it",
        Period(amount=14, unit="days"),
        3,
    ),
    _court(
        "acknowledgment_of_service_due",
        "Acknowledgment of service filed",
        "CPR 10.3(1): 14 days after service of the particulars of claim",
        Period(amount=14, unit="days", end_rule="court_office_rolls_forward"),
        5,
    ),
    _court_date(
        "directions_questionnaire_due",
        "Directions questionnaire filed",
        "CPR 26.3: by the date in the court's notice of proposed allocation (period unconfirmed)",
        7,
    ),
    _court_date(
        "case_management_conference", "Case management conference", "CPR 29.3: listed by the court", 7
    ),
    _court_date("disclosure_due", "Disclosure", DIRECTIONS_ORDER, 14),
    _court_date("witness_statements_due", "Witness statements exchanged", DIRECTIONS_ORDER, 14),
    _court_date("expert_reports_due", "Expert reports exchanged", DIRECTIONS_ORDER, 14),
    _court(
        "experts_agenda_response_due",
        "Our answer to the draft agenda for the experts' discussion",
        f"{DIRECTIONS_ORDER}: within 21 days of receiving the claimant's draft agenda, agree it or "
        "propose amendments",
        # Not an act at the court office: the day is flagged, never moved (CPR 2.8(5)).
        Period(amount=21, unit="days", end_rule=FLAG_ONLY),
        5,
    ),
    _court(
        "experts_agenda_agreement_due",
        "Experts' agenda agreed",
        f"{DIRECTIONS_ORDER}: 7 days after amendments are proposed, the parties use their best "
        "endeavours to agree the agenda",
        Period(amount=7, unit="days", end_rule=FLAG_ONLY),
        2,
    ),
    _court_date("experts_joint_statement_due", "Experts' joint statement", DIRECTIONS_ORDER, 7),
    _court_date("pre_trial_review", "Pre-trial review", DIRECTIONS_ORDER, 7),
    _court_date("trial_window_opens", "Trial window opens", DIRECTIONS_ORDER, 28),
    _court_date("trial", "Trial", "Notice of trial date", 28),
    _court_date("stay_ends", "Stay of proceedings ends", "Order staying proceedings (e.g. for ADR)", 7),
]

# Resolution routes (models/routes.py). Periods DOMAIN.md marks unconfirmed are named here.
ROUTE_RULES = [
    *LITIGATION_RULES,
    DeadlineRule(
        name="mediation_reply_due",
        title="Reply to a proposal of mediation",
        kind=DeadlineKind.SERVICE,
        basis="NHS Resolution service target (unconfirmed: 28 days); an unreasonable refusal of ADR "
        "weighs on costs",
        period=Period(amount=28, unit="days"),
        ladder=Ladder(warn_before_seconds=7 * DAY, head_of_service_after_seconds=7 * DAY),
    ),
    _agreed_date("position_statements_due", "Mediation position statements", "Mediation agreement", 3),
    _agreed_date("mediation_bundle_due", "Mediation bundle", "Mediation agreement", 3),
    DeadlineRule(
        name="mediation_settlement_check_due",
        title="Did the claim settle within 28 days of the mediation?",
        kind=DeadlineKind.SERVICE,
        basis="NHS Resolution measure: settled on the day or within 28 days",
        period=Period(amount=28, unit="days"),
        ladder=Ladder(warn_before_seconds=3 * DAY, head_of_service_after_seconds=7 * DAY),
    ),
    _agreed_date("evaluation_position_papers_due", "ENE position papers", "ENE agreement or order", 3),
    _agreed_date("evaluation_bundle_due", "ENE bundle", "ENE agreement or order", 3),
    _agreed_date("evaluation_due", "Evaluation from the neutral evaluator", "ENE agreement or order", 3),
    DeadlineRule(
        name="evaluation_response_due",
        title="Each party's response to the evaluation",
        kind=DeadlineKind.SERVICE,
        basis="ENE agreement (unconfirmed: 14 days from the evaluation)",
        period=Period(amount=14, unit="days"),
        ladder=Ladder(warn_before_seconds=3 * DAY, head_of_service_after_seconds=3 * DAY),
    ),
    # One per claim in a resolution summit (valuation_due_<claim ref>), all under this rule.
    DeadlineRule(
        name="summit_valuation_due",
        title="Pre-summit valuation of a claim",
        kind=DeadlineKind.SERVICE,
        basis="NHS Resolution practice (unconfirmed: 14 days from the claim joining the summit)",
        period=SUMMIT_VALUATION_PERIOD,
        ladder=Ladder(warn_before_seconds=3 * DAY, head_of_service_after_seconds=3 * DAY),
    ),
]

_KNOWN: dict[tuple[str, str], DeadlinePolicy] = {}
SHORT = "-short"  # a derived policy's name suffix: see short()


def publish(policy: DeadlinePolicy) -> DeadlinePolicy:
    """Make a version known to the worker; the same name and version with other rules is
    refused, so a published version can never change under the cases that run on it."""
    known = _KNOWN.setdefault((policy.name, policy.version), policy)
    if known is not policy and known != policy:
        raise ValueError(f"deadline policy {policy.key} is already published with other rules")
    return known


def published_teams() -> frozenset[str]:
    """Every team a published policy names escalation contacts for."""
    return frozenset(team for policy in _KNOWN.values() for team in policy.contacts)


def known(name: str, version: str) -> DeadlinePolicy:
    try:
        return _KNOWN[(name, version)]
    except KeyError:
        if name.endswith(SHORT):
            return _short_from_key(name.removesuffix(SHORT), version)
        raise ValueError(f"unknown deadline policy {name}@{version}") from None


def _reference(policy: DeadlinePolicy) -> dict[str, str]:
    if known(policy.name, policy.version) != policy:
        raise ValueError(f"deadline policy {policy.key} differs from the published one")
    return {"name": policy.name, "version": policy.version}


def _resolve(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"name", "version"}:
        return known(value["name"], value["version"])
    return value


# The type of every policy field in a payload: held as the shared published object, written
# as {"name", "version"}.
PolicyByReference = Annotated[
    DeadlinePolicy,
    BeforeValidator(_resolve),
    PlainSerializer(_reference, return_type=dict),
    WithJsonSchema(
        {"type": "object", "properties": {"name": {"type": "string"}, "version": {"type": "string"}}}
    ),
]

STANDARD = publish(
    DeadlinePolicy(
        name="claims",
        version="2026-11",
        rules={r.name: r for r in STANDARD_RULES + ROUTE_RULES},
        contacts=CONTACTS,
    )
)


def short(
    seconds: float = 3.0,
    warn_before: float = 1.5,
    head_of_service_after: float = 1.5,
    base: DeadlinePolicy | None = None,
) -> DeadlinePolicy:
    """Every period in seconds from its trigger, for tests and for trying escalation by hand.

    Limitation keeps its legal computation: it is years away, so it never fires in a test.
    The result is published under a name and version that say how to derive it again, so a
    worker in another process knows it without being told its rules.
    """
    base = base or STANDARD
    seconds, warn_before, head_of_service_after = map(float, (seconds, warn_before, head_of_service_after))
    ladder = Ladder(warn_before_seconds=warn_before, head_of_service_after_seconds=head_of_service_after)
    rules = {
        name: rule
        if rule.limitation
        else rule.model_copy(update={"period": None, "seconds": seconds, "ladder": ladder})
        for name, rule in base.rules.items()
    }
    return publish(
        DeadlinePolicy(
            name=base.name + SHORT,
            version=f"{base.version}:{seconds!r}/{warn_before!r}/{head_of_service_after!r}",
            rules=rules,
            contacts=base.contacts,
        )
    )


def _short_from_key(base_name: str, version: str) -> DeadlinePolicy:
    try:
        base_version, timings = version.rsplit(":", 1)
        seconds, warn_before, head_of_service_after = (float(t) for t in timings.split("/"))
    except ValueError:
        raise ValueError(f"unknown deadline policy {base_name}{SHORT}@{version}") from None
    return short(seconds, warn_before, head_of_service_after, base=known(base_name, base_version))
