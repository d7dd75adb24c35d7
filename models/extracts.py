"""What a research extract may hold: each column declares how it was made safe, from a closed
list, and every value is checked against that before anything is written (fairway/extracts.py).

There is no kind for a name, a date of birth, a date, free text, a reference or a handler's id,
so no column can declare one; a column whose name says it holds one is refused as well; and a
value that does not look like its kind (a reference where a pseudonym belongs, a sentence where
a category belongs) stops the extract, naming the row and the column.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.disclosure import AGE_BANDS, DAMAGES_BANDS, PSEUDONYM_HEX_DIGITS, SUPPRESSED


class ColumnType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"  # a decimal fraction: a median of days, say
    MONEY = "money"  # pounds and pence, exactly
    BOOLEAN = "boolean"


class SafeKind(StrEnum):
    """How a column was made safe: the only kinds of column an extract may hold."""

    PSEUDONYM = "pseudonym"
    CODE = "code"
    CATEGORY = "category"
    MONTH = "month"
    YEAR = "year"
    AGE_BAND = "age_band"
    DAMAGES_BAND = "damages_band"
    FLAG = "flag"
    DAYS = "days"
    COUNT = "count"
    AMOUNT = "amount"


# What the data dictionary says of each kind.
MADE_SAFE_BY = {
    SafeKind.PSEUDONYM: "a keyed hash of the reference, with a key made for this extract alone and then "
    "discarded: the same within this extract, different in any other, and not reversible",
    SafeKind.CODE: "a code of the clinical coding taxonomy whose version the facts above give",
    SafeKind.CATEGORY: "one of a closed list of values, listed here",
    SafeKind.MONTH: "a date coarsened to its month (YYYY-MM)",
    SafeKind.YEAR: "a calendar year",
    SafeKind.AGE_BAND: "an age in whole years coarsened to a band: " + ", ".join(b for _, b in AGE_BANDS),
    SafeKind.DAMAGES_BAND: "an amount coarsened to a band (pounds, top of each band included): "
    + ", ".join(b for _, b in DAMAGES_BANDS),
    SafeKind.FLAG: "true or false",
    SafeKind.DAYS: "a number of days between two events, with neither date given",
    SafeKind.COUNT: "a count of claims",
    SafeKind.AMOUNT: "a sum of money over claims",
}
TYPES = {
    SafeKind.PSEUDONYM: {ColumnType.STRING},
    SafeKind.CODE: {ColumnType.STRING},
    SafeKind.CATEGORY: {ColumnType.STRING},
    SafeKind.MONTH: {ColumnType.STRING},
    SafeKind.YEAR: {ColumnType.INTEGER},
    SafeKind.AGE_BAND: {ColumnType.STRING},
    SafeKind.DAMAGES_BAND: {ColumnType.STRING},
    SafeKind.FLAG: {ColumnType.BOOLEAN},
    SafeKind.DAYS: {ColumnType.INTEGER, ColumnType.NUMBER},
    SafeKind.COUNT: {ColumnType.INTEGER},
    SafeKind.AMOUNT: {ColumnType.MONEY},
}
LISTED = {SafeKind.CODE, SafeKind.CATEGORY}  # kinds whose values are declared with the column
SUPPRESSIBLE = {SafeKind.COUNT, SafeKind.AMOUNT, SafeKind.DAYS}  # aggregate measures
# Words that name what an extract never holds, whatever kind a column claims: a column so named
# is refused, so that a name or a handler's id cannot pass as a "category".
IDENTIFYING_WORDS = frozenset(
    {"name", "names", "dob", "birth", "born", "handler", "handlers", "actor", "allegation", "allegations",
     "notes", "summary", "reason", "comment", "text", "address", "postcode", "nhs", "email", "phone",
     "ref", "reference", "references", "solicitor", "firm", "court"}
)  # fmt: skip
PSEUDONYM = re.compile(rf"[0-9a-f]{{{PSEUDONYM_HEX_DIGITS}}}")
MONTH = re.compile(r"(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])")
FIRST_YEAR, LAST_YEAR = 1900, 2199


class ExtractColumn(BaseModel):
    """One column of an extract: its name, type, meaning and how it was made safe."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    type: ColumnType
    made_safe_by: SafeKind
    description: str = Field(min_length=1, max_length=500)
    values: tuple[str, ...] = Field((), description="a code or category column's closed list of values")
    nullable: bool = Field(False, description="empty where it does not apply (an open claim's resolution)")
    suppressible: bool = Field(False, description="an aggregate measure, withheld where its count is small")

    @cached_property
    def listed(self) -> frozenset[str]:
        return frozenset(self.values)

    @model_validator(mode="after")
    def _safe(self) -> ExtractColumn:
        if refusal := column_refusal(self):
            raise ValueError(refusal)
        return self

    def value_refusal(self, value: Any) -> str | None:
        """Why a value cannot go in this column, or None."""
        if value is None:
            return None if self.nullable else "is empty, and the column is not nullable"
        if value is SUPPRESSED:
            return (
                None if self.suppressible else "is suppressed, and the column is not a suppressible measure"
            )
        if not _of_type(self.type, value):
            return f"is not {'an' if self.type is ColumnType.INTEGER else 'a'} {self.type}"
        if not _of_kind(self, value):
            return f"is not {_described(self.made_safe_by)}"
        return None


def column_refusal(column: ExtractColumn) -> str | None:
    """Why a column cannot be in an extract, naming it, or None."""
    kind, where = column.made_safe_by, f"column {column.name!r}"
    named = sorted(IDENTIFYING_WORDS & set(column.name.split("_")))
    if named:
        return f"{where}: its name says it holds {named[0]!r}, which no extract holds"
    if column.type not in TYPES[kind]:
        return f"{where}: {kind} is {' or '.join(sorted(TYPES[kind]))}, not {column.type}"
    if (kind in LISTED) != bool(column.values):
        return f"{where}: {'a' if kind in LISTED else 'only a'} code or category column lists its values"
    if column.suppressible and kind not in SUPPRESSIBLE:
        return f"{where}: only a count, an amount or days can be suppressed"
    if column.suppressible and column.nullable:
        return f"{where}: empty and suppressed would read the same in Parquet; a column is one or the other"
    return None


def _of_type(kind: ColumnType, value: Any) -> bool:
    if kind is ColumnType.STRING:
        return isinstance(value, str)
    if kind is ColumnType.BOOLEAN:
        return isinstance(value, bool)
    if kind is ColumnType.MONEY:
        return isinstance(value, Decimal) and value.is_finite() and value == round(value, 2)
    if isinstance(value, bool):
        return False  # a bool is an int to Python, never to a reader
    if kind is ColumnType.INTEGER:
        return isinstance(value, int)
    return isinstance(value, int | float) and value == value and abs(value) != float("inf")


def _of_kind(column: ExtractColumn, value: Any) -> bool:
    kind = column.made_safe_by
    if kind in LISTED:
        return value in column.listed
    if kind is SafeKind.PSEUDONYM:
        return bool(PSEUDONYM.fullmatch(value))
    if kind is SafeKind.MONTH:
        return bool(MONTH.fullmatch(value))
    if kind is SafeKind.YEAR:
        return FIRST_YEAR <= value <= LAST_YEAR
    if kind is SafeKind.AGE_BAND:
        return value in {band for _, band in AGE_BANDS}
    if kind is SafeKind.DAMAGES_BAND:
        return value in {band for _, band in DAMAGES_BANDS}
    if kind in (SafeKind.DAYS, SafeKind.COUNT, SafeKind.AMOUNT):
        return value >= 0
    return True  # a flag: its type is all there is to it


def _described(kind: SafeKind) -> str:
    return {
        SafeKind.PSEUDONYM: f"a pseudonym ({PSEUDONYM_HEX_DIGITS} lower-case hex digits)",
        SafeKind.CODE: "one of the column's codes",
        SafeKind.CATEGORY: "one of the column's values",
        SafeKind.MONTH: "a month, YYYY-MM",
        SafeKind.YEAR: f"a year from {FIRST_YEAR} to {LAST_YEAR}",
        SafeKind.AGE_BAND: "an age band",
        SafeKind.DAMAGES_BAND: "a damages band",
    }.get(kind, "zero or more")
