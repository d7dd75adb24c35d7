"""Research extracts written to CSV, Parquet and a data dictionary (fairway/extracts.py), from hand-
built claims made safe here: read back, every column of every row is searched for the claims'
direct identifiers; pseudonyms hold within an extract and differ across; suppressed cells read
back as suppressed; and a column or value that is not safe is refused before anything is written."""

from __future__ import annotations

import csv
import re
import stat
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from fairway.clinical_coding import read_taxonomy_file
from fairway.extracts import UnsafeExtract, new_extract_key, write_extract
from fairway.settings import SHIPPED_TAXONOMY_FILE
from models.claims import ClosureOutcome, Scheme
from models.coding import CodeKind
from models.disclosure import (
    SUPPRESSED,
    age_band,
    damages_band,
    month_of,
    pseudonym,
    suppress_small_counts,
    with_totals,
)
from models.extracts import ColumnType, ExtractColumn, SafeKind

TAXONOMY = read_taxonomy_file(SHIPPED_TAXONOMY_FILE)
FACTS = {"taxonomy version": TAXONOMY.version, "filters": "specialties: obstetrics, emergency medicine"}

CLAIMS = [
    {
        "ref": "CLM-2026-00017",
        "claimant": "Amelia Hartley-Brown",
        "born": date(2021, 3, 14),
        "incident": date(2021, 3, 14),
        "opened_at": datetime(2024, 2, 2, 10, 15, tzinfo=UTC),
        "closed_at": datetime(2026, 1, 19, 16, 0, tzinfo=UTC),
        "handler": "hana.handler",
        "allegations": "Failure to act on a pathological CTG; delay in delivery by caesarean section.",
        "scheme": Scheme.CNST,
        "outcome": ClosureOutcome.SETTLED_WITH_DAMAGES,
        "specialty": "specialty.obstetrics",
        "cause": "cause.fetal_monitoring",
        "themes": ["theme.ctg_misinterpreted", "theme.delay_in_escalation"],
        "damages": Decimal("2750000.00"),
    },
    {
        "ref": "CLM-2026-00042",
        "claimant": "Oluwaseun Adebayo",
        "born": date(1958, 11, 2),
        "incident": date(2023, 7, 30),
        "opened_at": datetime(2025, 5, 6, 9, 0, tzinfo=UTC),
        "closed_at": None,
        "handler": "sam.supervisor",
        "allegations": "Chest pain discharged from the emergency department without troponin.",
        "scheme": Scheme.CNST,
        "outcome": None,
        "specialty": "specialty.emergency_medicine",
        "cause": "cause.delay_in_diagnosis",
        "themes": ["theme.test_not_requested"],
        "damages": None,
    },
]


def _phrases(text: str, length: int = 3) -> list[str]:
    """Every run of `length` words: free text copied into a cell would carry one."""
    words = text.split()
    return [" ".join(words[i : i + length]) for i in range(len(words) - length + 1)]


IDENTIFIERS = [
    *(c["ref"] for c in CLAIMS),
    *(part for c in CLAIMS for part in re.split(r"[ -]", c["claimant"])),
    *(c["handler"] for c in CLAIMS),
    *(d.isoformat() for c in CLAIMS for d in (c["born"], c["incident"])),
    *(d.strftime("%d/%m/%Y") for c in CLAIMS for d in (c["born"], c["incident"])),
    *(phrase for c in CLAIMS for phrase in _phrases(c["allegations"])),
]


def codes(kind: CodeKind) -> tuple[str, ...]:
    return tuple(c.code for c in TAXONOMY.of_kind(kind))


COLUMNS = [
    ExtractColumn(name="claim", type="string", made_safe_by="pseudonym", description="the claim"),
    ExtractColumn(
        name="specialty", type="string", made_safe_by="code", description="coded specialty",
        values=codes(CodeKind.SPECIALTY),
    ),
    ExtractColumn(
        name="primary_cause", type="string", made_safe_by="code", description="primary cause",
        values=codes(CodeKind.CAUSE),
    ),
    ExtractColumn(
        name="theme", type="string", made_safe_by="code", description="one learning theme: a row each",
        values=codes(CodeKind.THEME),
    ),
    ExtractColumn(
        name="scheme", type="string", made_safe_by="category", description="scheme", values=tuple(Scheme)
    ),
    ExtractColumn(
        name="outcome", type="string", made_safe_by="category", description="how it closed",
        values=tuple(ClosureOutcome), nullable=True,
    ),
    ExtractColumn(name="incident_month", type="string", made_safe_by="month", description="incident"),
    ExtractColumn(name="notified_month", type="string", made_safe_by="month", description="notified"),
    ExtractColumn(name="age_at_incident", type="string", made_safe_by="age_band", description="at incident"),
    ExtractColumn(
        name="damages", type="string", made_safe_by="damages_band", description="damages paid", nullable=True
    ),
    ExtractColumn(
        name="days_to_notification", type="integer", made_safe_by="days", description="incident to notified"
    ),
    ExtractColumn(
        name="days_to_resolution", type="integer", made_safe_by="days", description="notification to closure",
        nullable=True,
    ),
]  # fmt: skip


def safe_rows(key: bytes) -> list[dict]:
    """The claims as an extract has them: one row per claim and theme."""
    return [
        {
            "claim": pseudonym(c["ref"], key),
            "specialty": c["specialty"],
            "primary_cause": c["cause"],
            "theme": theme,
            "scheme": c["scheme"].value,
            "outcome": c["outcome"].value if c["outcome"] else None,
            "incident_month": month_of(c["incident"]),
            "notified_month": month_of(c["opened_at"]),
            "age_at_incident": age_band(c["born"], c["incident"]),
            "damages": damages_band(c["damages"]) if c["damages"] is not None else None,
            "days_to_notification": (c["opened_at"].date() - c["incident"]).days,
            "days_to_resolution": (c["closed_at"] - c["opened_at"]).days if c["closed_at"] else None,
        }
        for c in CLAIMS
        for theme in c["themes"]
    ]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def read_dictionary(path: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The dictionary's facts and its column table, parsed back from the Markdown."""
    facts, columns, header, section = {}, [], None, "facts"
    for line in path.read_text().splitlines():
        if line.startswith("## Columns"):
            section = "columns"
        if not line.startswith("| ") or line.startswith("|---"):
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells[0] in ("Fact", "Column"):
            header = cells
        elif section == "facts":
            facts[cells[0]] = cells[1]
        else:
            columns.append(dict(zip(header, cells, strict=True)))
    return facts, columns


# --- written and read back -----------------------------------------------------------------


def test_an_extract_reads_back_from_csv_and_parquet_with_its_dictionary(tmp_path):
    rows = safe_rows(new_extract_key())
    files = write_extract(tmp_path, "obstetrics-ed-2026", COLUMNS, rows, FACTS)

    as_text = [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]
    assert read_csv(files.csv) == as_text
    parquet = pq.read_table(files.parquet)
    assert parquet.to_pylist() == rows
    assert parquet.schema.field("damages").metadata[b"made_safe_by"] == b"damages_band"
    assert parquet.schema.metadata[b"taxonomy version"] == b"2026.1"

    facts, columns = read_dictionary(files.dictionary)
    assert facts == {"rows": "3", **FACTS}
    assert [(c["Column"], c["Type"], c["Made safe by"]) for c in columns] == [
        (c.name, c.type.value, c.made_safe_by.value) for c in COLUMNS
    ]
    assert {c["Column"]: c["Empty"] for c in columns}["days_to_resolution"] == "does not apply"
    assert "Amelia" not in files.dictionary.read_text()
    for path in (files.csv, files.parquet, files.dictionary):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_no_column_of_any_row_holds_a_direct_identifier_or_free_text(tmp_path):
    files = write_extract(tmp_path, "identifiers", COLUMNS, safe_rows(new_extract_key()), FACTS)
    cells = [value for row in read_csv(files.csv) for value in row.values()]
    cells += [str(v) for row in pq.read_table(files.parquet).to_pylist() for v in row.values()]
    assert cells
    for cell in cells:
        found = [identifier for identifier in IDENTIFIERS if identifier.lower() in cell.lower()]
        assert not found, f"{found} in an extract cell"
        assert not re.search(r"\d{4}-\d{2}-\d{2}", cell), "a full date in an extract cell"
        assert len(cell.split()) <= 3, "a sentence in an extract cell"


def test_pseudonyms_hold_within_an_extract_and_differ_across_extracts(tmp_path):
    first = write_extract(tmp_path, "first", COLUMNS, safe_rows(new_extract_key()), FACTS)
    second = write_extract(tmp_path, "second", COLUMNS, safe_rows(new_extract_key()), FACTS)
    in_first = [row["claim"] for row in read_csv(first.csv)]
    in_second = [row["claim"] for row in read_csv(second.csv)]
    assert in_first[0] == in_first[1] != in_first[2]  # the first claim has two themes, a row each
    assert not set(in_first) & set(in_second)


def test_suppressed_figures_read_back_as_suppressed(tmp_path):
    bands = ["nil", "up to 10k", "10k to 50k"]
    specialties = ["specialty.obstetrics", "specialty.radiology"]
    counts = [[2, 10, 12], [9, 15, 20]]
    table = suppress_small_counts(counts, below=5)
    paid = table.hide([[Decimal(n * 1500) for n in row] for row in with_totals(counts)])
    shown = table.shown()
    columns = [
        ExtractColumn(
            name="specialty", type="string", made_safe_by="code", description="s", values=tuple(specialties)
        ),
        ExtractColumn(name="band", type="string", made_safe_by="damages_band", description="damages band"),
        ExtractColumn(
            name="claims", type="integer", made_safe_by="count", description="c", suppressible=True
        ),
        ExtractColumn(name="paid", type="money", made_safe_by="amount", description="p", suppressible=True),
    ]
    rows = [
        {"specialty": s, "band": b, "claims": shown[i][j], "paid": paid[i][j]}
        for i, s in enumerate(specialties)
        for j, b in enumerate(bands)
    ]
    files = write_extract(tmp_path, "bands", columns, rows, FACTS)

    written = read_csv(files.csv)
    assert [row["claims"] for row in written] == ["[c]", "[c]", "12", "[c]", "[c]", "20"]
    assert [row["paid"] for row in written][2] == "18000.00"
    back = pq.read_table(files.parquet).to_pylist()
    assert [row["claims"] for row in back] == [None, None, 12, None, None, 20]
    assert back[5]["paid"] == Decimal("30000.00")
    assert {c["Column"]: c["Empty"] for c in read_dictionary(files.dictionary)[1]}["claims"] == "suppressed"


# --- refused -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "says"),
    [
        ({"name": "notes", "type": "string", "made_safe_by": "free_text"}, "made_safe_by"),
        ({"name": "claimant_name", "values": ("x",)}, "its name says it holds 'name'"),
        ({"name": "handler", "values": ("hana.handler",)}, "its name says it holds 'handler'"),
        ({"name": "date_of_birth", "made_safe_by": "month"}, "its name says it holds 'birth'"),
        ({"name": "outcome"}, "a code or category column lists its values"),
        ({"name": "month", "made_safe_by": "month", "values": ("2026-01",)}, "only a code or category"),
        ({"name": "month", "made_safe_by": "month", "type": "integer"}, "month is string, not integer"),
        (
            {"name": "total", "made_safe_by": "count", "type": "integer", "nullable": 1, "suppressible": 1},
            "one or the other",
        ),
        ({"name": "scheme", "values": ("CNST",), "suppressible": True}, "only a count, an amount or days"),
    ],
)  # fmt: skip
def test_an_unsafe_column_cannot_be_declared(column, says):
    given = {"type": "string", "made_safe_by": "category", "description": "d"} | column
    with pytest.raises(ValidationError) as refused:
        ExtractColumn.model_validate(given)
    assert says in str(refused.value)


def test_a_column_built_without_validation_is_checked_again_and_nothing_is_written(tmp_path):
    sneaked = ExtractColumn.model_construct(
        name="summary", type=ColumnType.STRING, made_safe_by=SafeKind.CATEGORY, description="d", values=("x",)
    )
    with pytest.raises(UnsafeExtract, match="its name says it holds 'summary'"):
        write_extract(tmp_path, "sneaked", [sneaked], [{"summary": "x"}], FACTS)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"claim": "CLM-2026-00017"}, "row 1, column 'claim': the value is not a pseudonym"),
        ({"incident_month": "2021-03-14"}, "row 1, column 'incident_month': the value is not a month"),
        ({"age_at_incident": "2021-03-14"}, "column 'age_at_incident': the value is not an age band"),
        ({"scheme": "Amelia Hartley-Brown"}, "column 'scheme': the value is not one of the column's values"),
        ({"theme": "cause.fall"}, "column 'theme': the value is not one of the column's codes"),
        ({"days_to_notification": -3}, "the value is not zero or more"),
        ({"days_to_notification": "1050"}, "the value is not an integer"),
        ({"days_to_notification": True}, "the value is not an integer"),
        ({"scheme": None}, "column 'scheme': the value is empty, and the column is not nullable"),
        ({"damages": SUPPRESSED}, "column 'damages': the value is suppressed"),
        ({"claimant_name": "Amelia Hartley-Brown"}, "row 1: 'claimant_name' is no column of the extract"),
    ],
)
def test_an_unsafe_value_is_refused_naming_the_row_and_column_never_the_value(tmp_path, change, says):
    rows = safe_rows(new_extract_key())
    rows[0] |= change
    with pytest.raises(UnsafeExtract) as refused:
        write_extract(tmp_path, "refused", COLUMNS, rows, FACTS)
    message = str(refused.value)
    assert says in message
    assert not any(str(value) in message for value in change.values() if str(value) not in ("True", "-3"))
    assert list(tmp_path.iterdir()) == []


def test_a_row_missing_a_column_is_refused(tmp_path):
    rows = safe_rows(new_extract_key())
    del rows[1]["damages"]
    with pytest.raises(UnsafeExtract, match="row 2: no value for 'damages'"):
        write_extract(tmp_path, "short", COLUMNS, rows, FACTS)


def test_an_extract_already_written_is_not_overwritten(tmp_path):
    write_extract(tmp_path, "once", COLUMNS, safe_rows(new_extract_key()), FACTS)
    before = (tmp_path / "once.csv").read_bytes()
    with pytest.raises(FileExistsError, match="once.csv, once.parquet, once.dictionary.md"):
        write_extract(tmp_path, "once", COLUMNS, safe_rows(new_extract_key()), FACTS)
    assert (tmp_path / "once.csv").read_bytes() == before
    with pytest.raises(UnsafeExtract, match="name"):
        write_extract(tmp_path, "../escape", COLUMNS, [], FACTS)
