"""Research extracts made from the register (fairway/research_extracts.py) on SQLite and
PostgreSQL, from hand-built claims whose rows hold known personal details: none of them is in
any column of any file; pseudonyms hold within an extract and differ across; the filters select
what they say; the summary hides small counts and what would give them away; CSV, Parquet and
the dictionary agree; the record says who, why, with what; and a failure leaves nothing.

The register is shared by the session: each test's claims are notified in years of the 1970s
no other test uses, and each test's records are deleted afterwards."""

from __future__ import annotations

import re
import stat
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import delete, select, update

import fairway.research_extracts as research
from fairway import db
from fairway.clinical_coding import read_taxonomy_file
from fairway.research_extracts import ExtractRefused, extract_records, make_research_extract
from fairway.settings import SHIPPED_TAXONOMY_FILE
from models.common import Actor, Role
from models.register import ClaimRow, ResearchExtractRow
from models.research_extracts import ExtractRequest, ExtractTable
from tests.learning_register import HANDLER, TRUST_NAME, Register, day
from tests.test_extracts import read_csv, read_dictionary

TAXONOMY = read_taxonomy_file(SHIPPED_TAXONOMY_FILE)
NEXT_TAXONOMY = read_taxonomy_file(Path(__file__).parents[1] / "taxonomies" / "clinical-coding-2026.2.json")
BELOW = 5
OBSTETRICS, EMERGENCY = "specialty.obstetrics", "specialty.emergency_medicine"
# Free text as a claim's opening gives its specialty, and a purpose naming a person: neither may
# reach a file.
WARD_NOTE = "Obstetrics, Ward 7B, Mr Okafor's list"
PURPOSE = "Thematic review of escalation for the regional maternity board, asked by Dr Jane Whitfield"
KEY = "review-2026-01"  # an Idempotency-Key
FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture
def sessions(register_url):
    engine = db.make_engine(register_url)
    yield db.session_factory(engine)
    engine.dispose()


@pytest.fixture
def analyst(sessions):
    """An analyst of this test alone, whose extracts' records are deleted afterwards."""
    actor = Actor(id=f"nia.analyst.{uuid.uuid4().hex[:8]}", role=Role.ANALYST)
    yield actor
    with sessions.begin() as session:
        session.execute(
            delete(ResearchExtractRow).where(ResearchExtractRow.requested_by.like(f"{actor.id}%"))
        )


def coding(specialty: str = OBSTETRICS, themes=("theme.delay_in_escalation",), **more) -> dict:
    return {
        "specialty": specialty,
        "primary_cause": "cause.delay_in_diagnosis",
        "themes": list(themes),
        **more,
    }


def asked(first_year: int, last_year: int, purpose: str = PURPOSE, **filters) -> ExtractRequest:
    return ExtractRequest.model_validate(
        {"filters": {"first_year": first_year, "last_year": last_year, **filters}, "purpose": purpose}
    )


def make(sessions, directory: Path, request: ExtractRequest, actor: Actor, key: str | None = None):
    return make_research_extract(sessions, directory, TAXONOMY, BELOW, request, actor, key)


def three_claims() -> Register:
    """Three claims notified in 1971 and 1972, with routes, payments and codes."""
    reg = Register()
    reg.claim(
        WARD_NOTE,
        day(1971, 9, 17),
        40,
        120,
        lump_sum="260000.00",
        costs="40000.00",
        coded=coding(
            injuries=["injury.brachial_plexus"], themes=["theme.delay_in_escalation", "theme.handover"]
        ),
        routes={"mediation": "settled"},
    )
    reg.claim(
        WARD_NOTE,
        None,
        12,
        0,
        opened=day(1971, 4, 3),
        interim="10000.00",
        coded=coding(),
        routes={"litigation": None},
    )
    reg.claim(
        "Emergency department, cubicle 4",
        day(1972, 12, 2),
        5,
        100,
        outcome="closed_without_payment",
        coded=coding(EMERGENCY, themes=["theme.test_not_requested"]),
    )
    return reg  # fmt: skip


def records_of(sessions, actor: Actor) -> list[ResearchExtractRow]:
    with sessions() as session:
        return list(
            session.scalars(select(ResearchExtractRow).where(ResearchExtractRow.requested_by == actor.id))
        )


def read_table(directory: Path, table: ExtractTable) -> tuple[list[dict], list[dict], list[dict]]:
    """The table's CSV rows, Parquet rows and dictionary columns."""
    csv_rows = read_csv(directory / f"{table}.csv")
    parquet_rows = pq.read_table(directory / f"{table}.parquet").to_pylist()
    return csv_rows, parquet_rows, read_dictionary(directory / f"{table}.dictionary.md")[1]


# --- nothing identifying --------------------------------------------------------------------


def test_no_column_of_any_file_holds_a_reference_handler_trust_exact_date_or_free_text(
    sessions, tmp_path, analyst
):
    reg = three_claims()
    refs = [c["ref"] for c in reg.claims]
    identifiers = [
        *refs,
        *(c["workflow_id"] for c in reg.claims),
        *(r["route_ref"] for r in reg.routes),
        *(p["reference"] for p in reg.payments),
        reg.trust,
        TRUST_NAME,
        HANDLER,
        "Ward 7B",
        "Okafor",
        "cubicle",
        "Whitfield",
    ]
    with reg.written(sessions):
        made = make(sessions, tmp_path, asked(1971, 1972), analyst)
    directory = tmp_path / made.record.name
    cells = []
    for table in ExtractTable:
        csv_rows, parquet_rows, _ = read_table(directory, table)
        cells += [value for row in csv_rows for value in row.values()]
        cells += [str(value) for row in parquet_rows for value in row.values()]
    assert len(cells) > 100
    for cell in cells:
        assert not [i for i in identifiers if i.lower() in cell.lower()], f"an identifier in {cell!r}"
        assert not FULL_DATE.search(cell), f"an exact date in {cell!r}"
        assert len(cell.split()) <= 3, f"free text in {cell!r}"  # the longest value: "10k to 50k"
    # The dictionaries, and the facts and column notes in the Parquet files' metadata, too.
    described = [p.read_text() for p in directory.glob("*.dictionary.md")]
    described += [pq.read_schema(p).to_string(truncate_metadata=False) for p in directory.glob("*.parquet")]
    assert len(described) == 6
    for text in described:
        assert not [i for i in identifiers if i in text]


def test_a_claims_pseudonym_is_one_within_an_extract_and_another_in_the_next(sessions, tmp_path, analyst):
    reg = three_claims()
    with reg.written(sessions):
        first = make(sessions, tmp_path, asked(1971, 1972), analyst).record.name
        second = make(sessions, tmp_path, asked(1971, 1972), analyst).record.name

    def pseudonyms(name: str) -> tuple[list[str], set[str], set[str]]:
        claims = read_csv(tmp_path / name / "claims.csv")
        codes = read_csv(tmp_path / name / "codes.csv")
        return [r["claim"] for r in claims], {r["claim"] for r in codes}, {r["trust"] for r in claims}

    claims, coded, trusts = pseudonyms(first)
    assert len(set(claims)) == 3 and coded == set(claims)  # every claim's codes under its own pseudonym
    assert len(trusts) == 1  # the three claims' one trust
    again, _, trusts_again = pseudonyms(second)
    assert not set(claims) & set(again) and not trusts & trusts_again


# --- what the filters select ----------------------------------------------------------------


def test_filters_select_by_theme_group_specialty_and_year_of_notification_among_coded_claims(
    sessions, tmp_path, analyst
):
    """Each claim is told apart by its days from incident to notification."""
    reg = Register()
    delay, monitor = ["theme.delay_in_escalation"], ["theme.failure_to_monitor", "theme.handover"]
    reg.claim(WARD_NOTE, None, 11, 0, opened=day(1973, 3), coded=coding(themes=delay))
    reg.claim(WARD_NOTE, None, 22, 0, opened=day(1973, 4), coded=coding(EMERGENCY, themes=monitor))
    reg.claim(WARD_NOTE, None, 33, 0, opened=day(1973, 5), coded=coding(themes=["theme.handover"]))
    reg.claim(WARD_NOTE, None, 44, 0, opened=day(1974, 12, 31).replace(hour=23, minute=30), coded=coding())
    reg.claim(WARD_NOTE, None, 55, 0, opened=day(1975, 1, 1).replace(hour=0), coded=coding())
    reg.claim(WARD_NOTE, None, 66, 0, opened=day(1973, 6))  # not coded: no extract holds it
    older = reg.claim(WARD_NOTE, None, 77, 0, opened=day(1973, 7), coded=coding())

    def days(**filters) -> list[int]:
        made = make(sessions, tmp_path, asked(1973, 1974, **filters), analyst)
        rows = read_csv(tmp_path / made.record.name / "claims.csv")
        return sorted(int(row["days_to_notification"]) for row in rows)

    with reg.written(sessions):
        with sessions.begin() as session:  # coded against a version the current one does not read
            session.execute(update(ClaimRow).where(ClaimRow.ref == older).values(taxonomy_version="2025.9"))
        assert days() == [11, 22, 33, 44]
        assert days(themes=["theme.monitoring_and_escalation"]) == [11, 22, 44]
        assert days(themes=["theme.monitoring_and_escalation"], specialties=[OBSTETRICS]) == [11, 44]
        assert days(themes=["theme.handover", "theme.ctg_misinterpreted"]) == [22, 33]
        assert days(specialties=[EMERGENCY]) == [22]


def test_a_claim_coded_against_the_version_the_taxonomy_maps_is_read_in_its_terms(
    sessions, tmp_path, analyst
):
    """Codings made before the taxonomy moved on stay in extracts, as their successors' codes,
    and filters on the new codes find them."""
    reg = Register()
    old = coding(
        primary_cause="cause.wrong_diagnosis", themes=["theme.no_follow_up", "theme.lost_to_follow_up"]
    )
    reg.claim(WARD_NOTE, None, 19, 0, opened=day(1976, 5), coded=old)
    reg.claim(WARD_NOTE, None, 29, 0, opened=day(1976, 6), coded=coding(themes=["theme.handover"]))
    with reg.written(sessions):
        request = asked(1976, 1976, themes=["theme.follow_up_failure"])
        made = make_research_extract(sessions, tmp_path, NEXT_TAXONOMY, BELOW, request, analyst)
        directory = tmp_path / made.record.name
        [claim] = read_csv(directory / "claims.csv")
        codes = read_csv(directory / "codes.csv")
    assert (claim["days_to_notification"], claim["primary_cause"]) == ("19", "cause.misdiagnosis")
    assert {(row["field"], row["code"]) for row in codes if row["field"] == "themes"} == {
        ("themes", "theme.follow_up_failure")  # two old themes merged into one: listed once
    }
    assert made.record.taxonomy_version == "2026.2"


def test_filters_the_taxonomy_does_not_read_and_filters_matching_nothing_are_refused_writing_nothing(
    sessions, tmp_path, analyst
):
    refusals = [
        (asked(1973, 1974, themes=["theme.no_such_theme"]), "unknown_code"),
        (asked(1973, 1974, specialties=["theme.handover"]), "wrong_kind_of_code"),
        (asked(1907, 1907), "no_claims_match"),
    ]
    for request, code in refusals:
        with pytest.raises(ExtractRefused) as refused:
            make(sessions, tmp_path, request, analyst)
        assert refused.value.code == code
    assert list(tmp_path.iterdir()) == []
    assert not records_of(sessions, analyst)


# --- the summary ------------------------------------------------------------------------------


def test_the_summary_shows_small_counts_and_those_that_would_give_them_away_as_suppressed(
    sessions, tmp_path, analyst
):
    """1976: obstetrics 2, emergency 6; 1977: 5 and 7; 1978: none. The 2 is primary; 6, 5 and 7
    are hidden so that no row or column, nor any sum of them, works it back; totals and zeros
    are shown (tests/test_research_extracts.py works the same table by hand)."""
    reg = Register()
    for year, counts in ((1976, (2, 6)), (1977, (5, 7))):
        for specialty, count in zip((OBSTETRICS, EMERGENCY), counts, strict=True):
            for n in range(count):
                reg.claim(WARD_NOTE, None, 10, 0, opened=day(year, 1 + n), coded=coding(specialty))
    with reg.written(sessions):
        made = make(sessions, tmp_path, asked(1976, 1978, specialties=[OBSTETRICS, EMERGENCY]), analyst)
    csv_rows, parquet_rows, columns = read_table(tmp_path / made.record.name, ExtractTable.SUMMARY)

    def cells(rows) -> list[tuple]:
        return [(r["notification_year"], r["specialty"], r["claims"]) for r in rows]

    assert cells(csv_rows) == [
        ("1976", OBSTETRICS, "[c]"), ("1976", EMERGENCY, "[c]"), ("1976", "", "8"),
        ("1977", OBSTETRICS, "[c]"), ("1977", EMERGENCY, "[c]"), ("1977", "", "12"),
        ("1978", OBSTETRICS, "0"), ("1978", EMERGENCY, "0"), ("1978", "", "0"),
        ("", OBSTETRICS, "7"), ("", EMERGENCY, "13"), ("", "", "20"),
    ]  # fmt: skip
    assert [claims for *_, claims in cells(parquet_rows)] == [
        None,
        None,
        8,
        None,
        None,
        12,
        0,
        0,
        0,
        7,
        13,
        20,
    ]
    assert {c["Column"]: c["Empty"] for c in columns}["claims"] == "suppressed"
    facts = read_dictionary(tmp_path / made.record.name / "summary.dictionary.md")[0]
    assert "from 1 to 4 are suppressed" in facts["suppression"]


# --- the files --------------------------------------------------------------------------------


def _as_csv(value, empty: str) -> str:
    """A Parquet value as the CSV writes it; null is the column's kind of empty."""
    if value is None:
        return "[c]" if empty == "suppressed" else ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def test_csv_and_parquet_read_back_alike_with_the_columns_their_dictionary_lists(sessions, tmp_path, analyst):
    reg = three_claims()
    with reg.written(sessions):
        made = make(sessions, tmp_path, asked(1971, 1972), analyst)
    directory = tmp_path / made.record.name
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        f"{table}.{ending}" for table in ExtractTable for ending in ("csv", "parquet", "dictionary.md")
    )
    assert {stat.S_IMODE(p.stat().st_mode) for p in directory.iterdir()} == {0o600}
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for table in ExtractTable:
        csv_rows, parquet_rows, columns = read_table(directory, table)
        names = [c["Column"] for c in columns]
        assert list(csv_rows[0]) == names == pq.read_schema(directory / f"{table}.parquet").names, table
        empty = {c["Column"]: c["Empty"] for c in columns}
        assert csv_rows == [{k: _as_csv(v, empty[k]) for k, v in row.items()} for row in parquet_rows], table
    claims = read_csv(directory / "claims.csv")
    assert [(r["damages_band"], r["route_mediation"], r["route_litigation"]) for r in claims] == [
        ("", "false", "true"),  # open, with an interim payment: no band until it closes
        ("250k to 1m", "true", "false"),  # 260,000 of damages; the 40,000 of costs apart
        ("nil", "false", "false"),
    ]
    facts = read_dictionary(directory / "claims.dictionary.md")[0]
    assert facts["extract"] == made.record.name and facts["table"] == "claims" and facts["rows"] == "3"
    assert facts["taxonomy version"] == TAXONOMY.version
    assert facts["filters"].startswith("notified 1971 to 1972; specialties: every specialty; themes: any")


# --- the record ------------------------------------------------------------------------------


def test_the_record_says_who_asked_why_with_which_filters_and_taxonomy_and_how_many_claims(
    sessions, tmp_path, analyst
):
    reg = three_claims()
    with reg.written(sessions):
        first = make(sessions, tmp_path, asked(1971, 1972), analyst).record
        second = make(sessions, tmp_path, asked(1971, 1971, themes=["theme.handover"]), analyst).record
    with sessions() as session:
        row = session.scalars(select(ResearchExtractRow).where(ResearchExtractRow.name == second.name)).one()
        listed, total = extract_records(session, limit=500, offset=0)
    assert (row.requested_by, row.purpose, row.taxonomy_version, row.row_count) == (
        analyst.id,
        PURPOSE,
        "2026.1",
        1,
    )
    assert row.filters == {
        "specialties": [],
        "themes": ["theme.handover"],
        "first_year": 1971,
        "last_year": 1971,
    }
    assert set(ResearchExtractRow.__table__.columns.keys()) == {
        "id",
        "name",
        "requested_by",
        "requested_at",
        "purpose",
        "filters",
        "taxonomy_version",
        "row_count",
    }  # fmt: skip  (no key among them)
    mine = [record.name for record in listed if record.requested_by == analyst.id]
    assert mine == [second.name, first.name] and total >= 2  # newest first
    assert first.row_count == 3


class Failing:
    """Stands in for what fails: `write_extract` on the second table, or the record once the
    files are in place (as its commit might)."""

    def __init__(self, real) -> None:
        self.real, self.calls = real, 0

    def __call__(self, *args):
        self.calls += 1
        if self.calls > 1:
            raise OSError("the disk is full")
        return self.real(*args)

    def model_validate(self, *args):
        raise OSError("the register went away")


@pytest.mark.parametrize("failing", ["write_extract", "ExtractRecord"])
def test_a_failure_leaves_no_record_and_no_directory(sessions, tmp_path, analyst, monkeypatch, failing):
    monkeypatch.setattr(research, failing, Failing(getattr(research, failing)))
    reg = three_claims()
    with reg.written(sessions), pytest.raises(OSError):
        make(sessions, tmp_path / "extracts", asked(1971, 1972), analyst)
    assert list((tmp_path / "extracts").iterdir()) == []
    assert not records_of(sessions, analyst)


def test_a_retry_with_its_key_is_answered_with_the_extract_it_made_even_while_it_runs(
    sessions, tmp_path, analyst
):
    reg = three_claims()
    start = threading.Barrier(2)

    def asking(_) -> research.MadeExtract:
        start.wait()
        return make(sessions, tmp_path, asked(1971, 1972), analyst, key=KEY)

    with reg.written(sessions):
        with ThreadPoolExecutor(2) as pool:
            both = list(pool.map(asking, range(2)))
        later = make(sessions, tmp_path, asked(1971, 1972), analyst, key=KEY)
        with pytest.raises(ExtractRefused) as refused:
            make(
                sessions,
                tmp_path,
                asked(1971, 1972, purpose="Another purpose entirely"),
                analyst,
                key=KEY,
            )
        someone_else = Actor(id=f"{analyst.id}.colleague", role=Role.ANALYST)
        theirs = make(sessions, tmp_path, asked(1971, 1972), someone_else, key=KEY)
    assert sorted(made.made for made in both) == [False, True] and later.made is False
    assert both[0].record == both[1].record == later.record
    assert refused.value.code == "request_id_reused"
    assert theirs.made and theirs.record.name != later.record.name  # a key is its actor's own
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([later.record.name, theirs.record.name])
