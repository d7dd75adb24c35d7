"""Disclosure control for research extracts and published figures: pure functions, no I/O.

What leaves Fairway for research or publication identifies nobody directly and makes working
anyone out hard: a reference becomes a keyed pseudonym that means nothing outside its extract,
dates become months, ages and amounts become bands, and small counts in any table are hidden
along with enough other cells that they cannot be worked back from the totals.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Literal, TypeVar

from models.common import age_on

T = TypeVar("T")

# --- pseudonyms ----------------------------------------------------------------------------

EXTRACT_KEY_BYTES = 32
# 64 bits: among a million references the chance of two sharing a pseudonym is under 1 in 30 million.
PSEUDONYM_HEX_DIGITS = 16


def pseudonym(reference: str, key: bytes) -> str:
    """The reference's pseudonym in the extract whose key this is (fairway/extracts.py
    new_extract_key): HMAC-SHA256, truncated. The same reference gets the same pseudonym
    throughout one extract and a different one in any other; without the key, a guessed
    reference cannot be hashed and compared."""
    if len(key) < EXTRACT_KEY_BYTES:
        raise ValueError(f"an extract key is at least {EXTRACT_KEY_BYTES} random bytes")
    return hmac.new(key, reference.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_DIGITS]


# --- coarsening ----------------------------------------------------------------------------


def month_of(when: date) -> str:
    """A date, or a time (taken in UTC), to its month, "2026-03": the day is never released."""
    if isinstance(when, datetime):
        when = when.astimezone(UTC).date() if when.tzinfo else when.date()
    return f"{when.year:04d}-{when.month:02d}"


# Lower bound of each band. Birth injuries are their own band (0); children are kept apart from
# adults; the oldest are top-coded (80 and over), where a single year would single people out.
AGE_BANDS: tuple[tuple[int, str], ...] = (
    (0, "0"),
    (1, "1-4"),
    (5, "5-17"),
    (18, "18-29"),
    (30, "30-39"),
    (40, "40-49"),
    (50, "50-59"),
    (60, "60-69"),
    (70, "70-79"),
    (80, "80+"),
)


def age_band(born: date, on: date) -> str:
    """The band of someone's age on a day (their age at the incident, say), in whole years."""
    age = age_on(born, on)
    if age < 0:
        raise ValueError("the day is before the birth")
    return next(label for lowest, label in reversed(AGE_BANDS) if age >= lowest)


# Highest amount in each band, in pounds (inclusive); the last band has no top. A row-level amount
# is as identifying as a name for a settlement reported in the press, so extracts carry its band.
DAMAGES_BANDS: tuple[tuple[Decimal | None, str], ...] = (
    (Decimal(0), "nil"),
    (Decimal(10_000), "up to 10k"),
    (Decimal(50_000), "10k to 50k"),
    (Decimal(250_000), "50k to 250k"),
    (Decimal(1_000_000), "250k to 1m"),
    (Decimal(5_000_000), "1m to 5m"),
    (None, "over 5m"),
)


def damages_band(amount: Decimal) -> str:
    if amount < 0:
        raise ValueError("damages paid are never negative")
    return next(label for top, label in DAMAGES_BANDS if top is None or amount <= top)


# --- small-cell suppression ----------------------------------------------------------------

Cell = tuple[int, int]  # (row, column) of a table with its totals: see `with_totals`


class Withheld(Enum):
    """A published figure withheld by suppression; its value is how a CSV shows it, the marker
    official statistics use for confidential cells."""

    SUPPRESSED = "[c]"


SUPPRESSED = Withheld.SUPPRESSED
Published = Literal[Withheld.SUPPRESSED]


def with_totals(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    """The table with a total at the end of each row and a row of column totals (and the grand
    total) at the bottom: every row and every column of it is then one sum, its last entry."""
    rows = [[*row, sum(row)] for row in counts]
    if not rows or len({len(row) for row in rows}) != 1 or len(rows[0]) < 2:
        raise ValueError("a table of counts has at least one row and one column, all rows as long")
    if any(n < 0 for row in counts for n in row):
        raise ValueError("a count is never negative")
    return [*rows, [sum(column) for column in zip(*rows, strict=True)]]


@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts with its totals (`with_totals`) and the cells hidden from it: `primary`
    for being small, `secondary` so that the primary ones cannot be worked back."""

    counts: tuple[tuple[int, ...], ...]
    primary: frozenset[Cell]
    secondary: frozenset[Cell]

    @property
    def hidden(self) -> frozenset[Cell]:
        return self.primary | self.secondary

    def shown(self) -> list[list[int | Published]]:
        """The table as published: SUPPRESSED where a count is hidden."""
        return self.hide(self.counts)

    def hide(self, values: Sequence[Sequence[T]]) -> list[list[T | Published]]:
        """Another measure over the same table (damages paid per cell, with its totals) hidden in
        the same cells: a sum over a suppressed count would tell what the count hides."""
        if [len(row) for row in values] != [len(row) for row in self.counts]:
            raise ValueError("the values are not laid out as the table of counts, with its totals")
        return [
            [SUPPRESSED if (r, c) in self.hidden else value for c, value in enumerate(row)]
            for r, row in enumerate(values)
        ]


def suppress_small_counts(counts: Sequence[Sequence[int]], below: int) -> SuppressedTable:
    """Hide the counts from 1 to `below` - 1 in a two-way table and its totals, and enough others
    that no hidden count can be worked back from what is shown.

    Every row and every column of the table with its totals is one sum (its last entry is the
    sum of the others), and the method is the standard one for such a table:
    1. Primary suppression: every count from 1 to `below` - 1, totals included. Zeros are shown:
       that nobody is in a cell is not itself a small number of people.
    2. Secondary suppression, by rows and columns: a line with exactly one hidden entry gives it
       away by subtraction, so while a line has exactly one, one more of its entries is hidden.
    3. Secondary suppression, across lines: subtracting one line from another can still give
       away a hidden count that no single line does. Seen as a graph whose nodes are the lines
       and whose edges are the hidden cells (each joins its row to its column), a hidden count
       can be worked out from the sums exactly when its edge lies on no cycle; so while one
       does, a cell joining the two sides of that edge is hidden too, closing a cycle through it.
       (Step 2 is the special case of a line with one edge.)
    Where there is a choice, the cell hidden is the one that costs least, in this order of
    preference: a non-zero count (a hidden zero beside a small count adds up to the small count
    alone), a cell inside the table rather than a total, one whose crossing line already has one
    hidden entry (one cell mends both lines) or more (no new line is exposed), then the smallest
    count, then the first in reading order. Each step hides one more cell, so it ends.

    So no hidden count is fixed by the published sums. The pattern is not the least possible
    one, and someone who also uses that counts are whole and not negative may narrow a hidden
    count to a range; tables released beyond analysts under agreement deserve review as well.
    """
    if below < 2:
        raise ValueError("a threshold below 2 would suppress nothing")
    grid = with_totals(counts)
    primary = frozenset((r, c) for r, row in enumerate(grid) for c, n in enumerate(row) if 0 < n < below)
    hidden = set(primary)
    while True:
        if (line := _exposed_line(grid, hidden)) is not None:
            hidden.add(min((cell for cell in line if cell not in hidden), key=_cost(grid, hidden, line)))
        elif (closing := _cells_closing_a_cycle(hidden)) is not None:
            hidden.add(min(closing, key=_cost(grid, hidden, None)))
        else:
            break
    return SuppressedTable(
        counts=tuple(tuple(row) for row in grid), primary=primary, secondary=frozenset(hidden - primary)
    )


def _lines(grid: list[list[int]]) -> list[list[Cell]]:
    """Every row, then every column, of the table with its totals: each one sum."""
    rows, columns = len(grid), len(grid[0])
    return [[(r, c) for c in range(columns)] for r in range(rows)] + [
        [(r, c) for r in range(rows)] for c in range(columns)
    ]


def _exposed_line(grid: list[list[int]], hidden: set[Cell]) -> list[Cell] | None:
    return next((line for line in _lines(grid) if sum(cell in hidden for cell in line) == 1), None)


def _cells_closing_a_cycle(hidden: set[Cell]) -> list[Cell] | None:
    """For the first hidden cell on no cycle of hidden cells (step 3 of `suppress_small_counts`),
    the cells that would close one through it: each joins a row on its column's side to a column
    on its row's side. None when every hidden cell is on a cycle."""
    for r, c in sorted(hidden):
        rest = hidden - {(r, c)}
        rows_beyond = {i for kind, i in _reachable(rest, ("column", c)) if kind == "row"}
        if r in rows_beyond:
            continue  # on a cycle already
        columns_beyond = {j for kind, j in _reachable(rest, ("row", r)) if kind == "column"}
        return [(i, j) for i in sorted(rows_beyond) for j in sorted(columns_beyond)]
    return None


def _reachable(hidden: set[Cell], start: tuple[str, int]) -> set[tuple[str, int]]:
    """The lines reachable from `start` by way of hidden cells."""
    seen, waiting = {start}, [start]
    while waiting:
        kind, index = waiting.pop()
        for r, c in hidden:
            if (kind == "row" and r == index) or (kind == "column" and c == index):
                other = ("column", c) if kind == "row" else ("row", r)
                if other not in seen:
                    seen.add(other)
                    waiting.append(other)
    return seen


def _cost(grid: list[list[int]], hidden: set[Cell], line: list[Cell] | None):
    """How much hiding a cell costs, as a sort key (see `suppress_small_counts`); a cell of `line`
    crosses it by the other kind of line, a cell closing a cycle is counted on both of its lines."""
    last_row, last_column = len(grid) - 1, len(grid[0]) - 1
    along_row = line is not None and all(r == line[0][0] for r, _ in line)
    along_column = line is not None and not along_row

    def cost(cell: Cell) -> tuple:
        r, c = cell
        crossings = ([] if along_row else [[(r, j) for j in range(last_column + 1)]]) + (
            [] if along_column else [[(i, c) for i in range(last_row + 1)]]
        )
        exposed = sum(sum(other in hidden for other in crossing) == 0 for crossing in crossings)
        mends = sum(sum(other in hidden for other in crossing) == 1 for crossing in crossings)
        return (grid[r][c] == 0, r == last_row or c == last_column, exposed, -mends, grid[r][c], r, c)

    return cost
