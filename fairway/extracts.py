"""Research extracts written to files: CSV, Parquet and a data dictionary (Markdown), from rows
already selected and made safe, each value checked against its column (models/extracts.py).

Nothing is written until every column and every value has passed, and no message quotes a value
(a value that fails its check may be the very name or date of birth it should not be). The
files are readable by their owner only and are never overwritten.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ValidationError

from fairway.private_files import create_private_file
from models.disclosure import EXTRACT_KEY_BYTES, SUPPRESSED
from models.extracts import LISTED, MADE_SAFE_BY, ColumnType, ExtractColumn, SafeKind

EXTRACT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
ARROW_TYPES = {
    ColumnType.STRING: pa.string(),
    ColumnType.INTEGER: pa.int64(),
    ColumnType.NUMBER: pa.float64(),
    ColumnType.MONEY: pa.decimal128(18, 2),  # sums over many claims: up to 16 digits of pounds
    ColumnType.BOOLEAN: pa.bool_(),
}
EMPTY_AND_SUPPRESSED = (
    "An empty cell: the column does not apply to the row. `[c]`: suppressed, a count below the "
    "threshold or a figure hidden so that one cannot be worked back from the totals. In Parquet "
    "both are null; a column is only ever one of the two (its Empty column says which)."
)


class UnsafeExtract(ValueError):
    """An extract refused before anything was written: the message names the column or the row."""


def new_extract_key() -> bytes:
    """A fresh random key for one extract's pseudonyms (models.disclosure.pseudonym), kept only
    while it is made: afterwards nobody, Fairway included, can link its pseudonyms to references
    or to another extract's."""
    return secrets.token_bytes(EXTRACT_KEY_BYTES)


@dataclass(frozen=True)
class ExtractFiles:
    csv: Path
    parquet: Path
    dictionary: Path


def write_extract(
    directory: Path,
    name: str,
    columns: Sequence[ExtractColumn],
    rows: Iterable[BaseModel | Mapping[str, Any]],
    facts: Mapping[str, str],
) -> ExtractFiles:
    """Write `rows` as `name`.csv, `name`.parquet and `name`.dictionary.md in `directory`. `facts`
    head the dictionary and the Parquet file's metadata (taxonomy version, filters, when made)."""
    if not EXTRACT_NAME.fullmatch(name):
        raise UnsafeExtract("an extract's name is lower-case letters, digits, - and _")
    columns = checked_columns(columns)
    table = checked_rows(columns, rows)
    files = ExtractFiles(
        csv=directory / f"{name}.csv",
        parquet=directory / f"{name}.parquet",
        dictionary=directory / f"{name}.dictionary.md",
    )
    facts = {"rows": str(len(table)), **facts}
    contents = [
        (files.csv, _csv(columns, table)),
        (files.parquet, _parquet(columns, table, facts)),
        (files.dictionary, dictionary(name, columns, facts)),
    ]
    if existing := [path.name for path, _ in contents if path.exists()]:
        raise FileExistsError(f"extract {name} is already written in {directory} ({', '.join(existing)})")
    for path, content in contents:
        create_private_file(path, content)
    return files


def checked_columns(columns: Sequence[ExtractColumn]) -> list[ExtractColumn]:
    """The columns, each checked again (one built without validation cannot slip through)."""
    checked = []
    for column in columns:
        try:
            checked.append(ExtractColumn.model_validate(dict(column)))
        except ValidationError as err:
            raise UnsafeExtract(err.errors()[0]["msg"].removeprefix("Value error, ")) from None
    names = [column.name for column in checked]
    if not checked or len(set(names)) < len(names):
        raise UnsafeExtract("an extract has at least one column, each named once")
    return checked


def checked_rows(columns: list[ExtractColumn], rows: Iterable[BaseModel | Mapping[str, Any]]) -> list[dict]:
    """Each row as a dict holding exactly the columns, every value fit for its column."""
    names = [column.name for column in columns]
    table = []
    for number, row in enumerate(rows, start=1):
        values = row.model_dump() if isinstance(row, BaseModel) else dict(row)
        if extra := sorted(set(values) - set(names)):
            raise UnsafeExtract(f"row {number}: {', '.join(map(repr, extra))} is no column of the extract")
        if missing := [name for name in names if name not in values]:
            raise UnsafeExtract(f"row {number}: no value for {', '.join(map(repr, missing))}")
        for column in columns:
            if refusal := column.value_refusal(values[column.name]):
                raise UnsafeExtract(f"row {number}, column {column.name!r}: the value {refusal}")
        table.append({name: values[name] for name in names})
    return table


def dictionary(name: str, columns: list[ExtractColumn], facts: Mapping[str, str]) -> str:
    """The data dictionary: the extract's facts, then each column and how it was made safe."""
    lines = [f"# Extract {name}", "", "| Fact | Value |", "|---|---|"]
    lines += [f"| {_cell(fact)} | {_cell(value)} |" for fact, value in facts.items()]
    lines += ["", EMPTY_AND_SUPPRESSED, "", "## Columns", ""]
    lines += [
        "| Column | Type | Made safe by | Meaning | How | Empty | Values |",
        "|---|---|---|---|---|---|---|",
    ]
    for column in columns:
        empty = "suppressed" if column.suppressible else "does not apply" if column.nullable else "never"
        cells = [
            column.name,
            column.type,
            column.made_safe_by,
            column.description,
            MADE_SAFE_BY[column.made_safe_by],
            empty,
            _values(column),
        ]
        lines.append("| " + " | ".join(_cell(str(cell)) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _values(column: ExtractColumn) -> str:
    if column.made_safe_by is SafeKind.CODE:
        return f"{len(column.values)} codes of the taxonomy"
    return ", ".join(column.values) if column.made_safe_by in LISTED else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _csv(columns: list[ExtractColumn], table: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(column.name for column in columns)
    for row in table:
        writer.writerow(_csv_value(row[column.name]) for column in columns)
    return out.getvalue()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if value is SUPPRESSED:
        return SUPPRESSED.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _parquet(columns: list[ExtractColumn], table: list[dict], facts: Mapping[str, str]) -> bytes:
    fields = [
        pa.field(
            column.name,
            ARROW_TYPES[column.type],
            nullable=column.nullable or column.suppressible,
            metadata={"description": column.description, "made_safe_by": column.made_safe_by.value},
        )
        for column in columns
    ]
    schema = pa.schema(fields, metadata=dict(facts))
    arrays = {
        column.name: [None if row[column.name] is SUPPRESSED else row[column.name] for row in table]
        for column in columns
    }
    out = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pydict(arrays, schema=schema), out)
    return out.getvalue().to_pybytes()
