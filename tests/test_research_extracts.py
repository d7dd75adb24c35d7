"""The pure parts of research extracts (models/research_extracts.py): the filters and their
refusals, groups standing for the codes under them, one claim made safe as a row, the summary's
suppression worked out by hand, the rows' order, and the names. The register and the files are
tests/register/test_research_extracts.py's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from fairway.clinical_coding import read_taxonomy_file
from fairway.settings import SHIPPED_TAXONOMY_FILE
from models.common import RULE_BROKEN
from models.disclosure import SUPPRESSED, pseudonym
from models.research_extracts import (
    EXTRACT_NAME,
    ExtractFilters,
    ExtractTable,
    RegisteredClaim,
    claim_row,
    codes_under,
    extract_facts,
    extract_name,
    extract_tables,
    filter_refusal,
    name_tail,
    summary_rows,
)

TAXONOMY = read_taxonomy_file(SHIPPED_TAXONOMY_FILE)
KEY = bytes(range(32))
OBSTETRICS, EMERGENCY = "specialty.obstetrics", "specialty.emergency_medicine"


def claim(ref: str = "CLM-ABCDEFGHIJKL", **changes) -> RegisteredClaim:
    given = {
        "ref": ref,
        "trust": "RXX01",
        "scheme": "CNST",
        "specialty": OBSTETRICS,
        "primary_cause": "cause.delay_in_diagnosis",
        "age_band": "30-39",
        "incident_date": date(2021, 3, 14),
        "opened_at": datetime(2023, 2, 28, 23, 30, tzinfo=UTC),
        "closed_at": datetime(2025, 1, 19, 16, 0, tzinfo=UTC),
        "outcome": "settled_with_damages",
        "damages": Decimal("260000.00"),
        "routes": frozenset({"mediation"}),
        "codes": (("injuries", "injury.brachial_plexus"), ("themes", "theme.delay_in_escalation")),
    }
    return RegisteredClaim(**(given | changes))


def filters(**given) -> ExtractFilters:
    return ExtractFilters.model_validate({"first_year": 2023, "last_year": 2024} | given)


# --- filters --------------------------------------------------------------------------------


def test_filters_are_sets_so_a_retry_written_in_another_order_is_the_same_request():
    assert filters(themes=["theme.handover", "theme.communication", "theme.handover"]).themes == [
        "theme.communication",
        "theme.handover",
    ]
    assert filters(specialties=[EMERGENCY, OBSTETRICS]) == filters(specialties=[OBSTETRICS, EMERGENCY])


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"first_year": 1899}, "greater than or equal to 1900"),
        ({"last_year": 2200}, "less than or equal to 2199"),
        ({"years": [2023]}, "Extra inputs are not permitted"),
        ({"themes": ["Theme With Spaces"]}, "should match pattern"),
        ({"themes": [f"theme.t{n}" for n in range(51)]}, "at most 50 items"),
    ],
)
def test_filters_outside_their_schema_are_refused(given, says):
    with pytest.raises(ValidationError, match=says):
        filters(**given)


def test_years_out_of_order_break_a_rule_of_their_own():
    with pytest.raises(ValidationError) as refused:
        filters(first_year=2025, last_year=2024)
    error = refused.value.errors()[0]
    assert error["type"] == RULE_BROKEN and error["ctx"]["code"] == "years_out_of_order"


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        (
            {"themes": ["theme.no_such_theme"]},
            ("unknown_code", "themes: 'theme.no_such_theme' is not a code of taxonomy 2026.1"),
        ),
        (
            {"specialties": ["theme.handover"]},
            ("wrong_kind_of_code", "specialties: 'theme.handover' is a theme, not a specialty"),
        ),
        (
            {"themes": ["theme.handover", OBSTETRICS]},
            ("wrong_kind_of_code", "themes: 'specialty.obstetrics' is a specialty, not a theme"),
        ),
    ],
)
def test_a_code_the_taxonomy_does_not_have_in_its_place_is_refused(given, refusal):
    assert filter_refusal(filters(**given), TAXONOMY) == refusal


def test_groups_and_leaves_of_the_right_kind_are_taken():
    given = filters(specialties=[OBSTETRICS], themes=["theme.monitoring_and_escalation", "theme.handover"])
    assert filter_refusal(given, TAXONOMY) is None


def test_a_group_stands_for_every_code_under_it_and_a_leaf_for_itself():
    assert codes_under(TAXONOMY, ["theme.monitoring_and_escalation"]) == {
        "theme.monitoring_and_escalation",
        "theme.failure_to_monitor",
        "theme.deterioration_not_recognised",
        "theme.delay_in_escalation",
        "theme.ctg_misinterpreted",
    }
    assert codes_under(TAXONOMY, ["theme.handover", OBSTETRICS]) == {"theme.handover", OBSTETRICS}


# --- one claim, made safe ---------------------------------------------------------------------


def test_a_closed_claim_becomes_months_bands_days_and_flags_under_pseudonyms():
    assert claim_row(claim(), KEY) == {
        "claim": pseudonym("CLM-ABCDEFGHIJKL", KEY),
        "trust": pseudonym("RXX01", KEY),
        "scheme": "CNST",
        "specialty": OBSTETRICS,
        "primary_cause": "cause.delay_in_diagnosis",
        "age_band": "30-39",
        "incident_month": "2021-03",
        "notification_month": "2023-02",
        "resolution_month": "2025-01",
        "outcome": "settled_with_damages",
        "damages_band": "250k to 1m",
        "days_to_notification": 716,  # 14 March 2021 to 28 February 2023
        "days_to_resolution": 691,  # 28 February 2023 to 19 January 2025
        "route_mediation": True,
        "route_early_neutral_evaluation": False,
        "route_litigation": False,
        "route_resolution_summit": False,
    }


def test_an_open_claim_has_no_resolution_and_a_reopened_one_no_outcome_until_it_closes_again():
    row = claim_row(claim(closed_at=None, outcome="settled_with_damages", damages=Decimal("5000")), KEY)
    closing = ("resolution_month", "outcome", "damages_band", "days_to_resolution")
    assert [row[column] for column in closing] == [None] * 4
    unpaid = claim_row(claim(damages=Decimal(0), outcome="closed_without_payment"), KEY)
    assert unpaid["damages_band"] == "nil"


# --- the summary: suppression worked out by hand ----------------------------------------------


def test_the_summary_hides_a_small_count_and_the_cells_that_would_give_it_away():
    """1971: obstetrics 2, emergency 6; 1972: 5 and 7; 1973: none. The 2 is under 5 (primary);
    alone in its row and column it would be their total less the rest, so 6 and 5 are hidden
    too, and then 7, alone hidden in its column otherwise. The totals are all shown: with four
    unknowns in a cycle, no sum fixes any of them. Zeros are shown: nobody is not a small number."""
    claims = [
        claim(f"CLM-{year}-{specialty}-{n}", specialty=specialty, opened_at=datetime(year, 5, 1, tzinfo=UTC))
        for year, counts in ((1971, (2, 6)), (1972, (5, 7)))
        for specialty, count in zip((OBSTETRICS, EMERGENCY), counts, strict=True)
        for n in range(count)
    ]
    rows = summary_rows(claims, filters(first_year=1971, last_year=1973), [OBSTETRICS, EMERGENCY], below=5)
    c = SUPPRESSED
    assert [(r["notification_year"], r["specialty"], r["claims"]) for r in rows] == [
        (1971, OBSTETRICS, c), (1971, EMERGENCY, c), (1971, None, 8),
        (1972, OBSTETRICS, c), (1972, EMERGENCY, c), (1972, None, 12),
        (1973, OBSTETRICS, 0), (1973, EMERGENCY, 0), (1973, None, 0),
        (None, OBSTETRICS, 7), (None, EMERGENCY, 13), (None, None, 20),
    ]  # fmt: skip


def test_with_no_specialty_named_the_summary_has_the_specialties_the_claims_have():
    claims = [claim(f"CLM-{n}", specialty=EMERGENCY) for n in range(6)]
    tables = extract_tables(claims, KEY, filters(), TAXONOMY, below=5)
    summary = tables[ExtractTable.SUMMARY].rows
    assert {r["specialty"] for r in summary} == {EMERGENCY, None}
    named = extract_tables(claims, KEY, filters(specialties=[EMERGENCY, OBSTETRICS]), TAXONOMY, below=5)
    assert {r["specialty"] for r in named[ExtractTable.SUMMARY].rows} == {EMERGENCY, OBSTETRICS, None}


# --- the tables -------------------------------------------------------------------------------


def test_rows_are_in_month_and_pseudonym_order_never_the_registers():
    """Within a month, the register's order (by exact time, or by reference) would date a claim
    more finely than its month does."""
    claims = [
        claim(f"CLM-{n:03d}", opened_at=datetime(2023, month, day, tzinfo=UTC))
        for n, (month, day) in enumerate([(3, 1), (2, 27), (2, 1), (2, 14), (3, 31)])
    ]
    rows = extract_tables(claims, KEY, filters(), TAXONOMY, below=5)[ExtractTable.CLAIMS].rows
    order = [(r["notification_month"], r["claim"]) for r in rows]
    assert order == sorted(order)
    assert [r["notification_month"] for r in rows] == ["2023-02"] * 3 + ["2023-03"] * 2


def test_the_codes_table_holds_injuries_and_themes_by_the_claims_pseudonym():
    one = claim(codes=(("injuries", "injury.death"), ("specialty", OBSTETRICS), ("themes", "theme.handover")))
    tables = extract_tables([one], KEY, filters(), TAXONOMY, below=5)
    assert tables[ExtractTable.CODES].rows == [
        {"claim": pseudonym(one.ref, KEY), "field": "injuries", "code": "injury.death"},
        {"claim": pseudonym(one.ref, KEY), "field": "themes", "code": "theme.handover"},
    ]
    with pytest.raises(ValueError, match="at least one claim"):
        extract_tables([], KEY, filters(), TAXONOMY, below=5)


def test_the_facts_say_the_taxonomy_the_filters_when_and_the_threshold():
    made = datetime(2026, 12, 7, 9, tzinfo=UTC)
    facts = extract_facts(filters(themes=["theme.handover"]), "2026.1", made, 5)
    assert facts["taxonomy version"] == "2026.1"
    assert facts["filters"].startswith(
        "notified 2023 to 2024; specialties: every specialty; themes: theme.handover"
    )
    assert facts["made"] == "2026-12-07T09:00:00+00:00"
    assert "from 1 to 4 are suppressed" in facts["suppression"]


def test_a_name_follows_from_its_seed_and_has_the_served_shape():
    mine = name_tail("nia.analyst\x00key-1")
    assert mine == name_tail("nia.analyst\x00key-1") != name_tail("other\x00key-1")
    name = extract_name(date(2026, 12, 7), name_tail("seed"))
    assert EXTRACT_NAME.fullmatch(name) and name.startswith("extract-20261207-")
