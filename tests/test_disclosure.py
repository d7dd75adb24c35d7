"""Disclosure control (models/disclosure.py): keyed pseudonyms, months, age and damages bands, and
small-count suppression checked on constructed tables, by hand and against linear algebra."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest

from fairway.extracts import new_extract_key
from models.disclosure import (
    PSEUDONYM_HEX_DIGITS,
    SUPPRESSED,
    SuppressedTable,
    age_band,
    damages_band,
    month_of,
    pseudonym,
    suppress_small_counts,
    with_totals,
)

# --- pseudonyms ----------------------------------------------------------------------------


def test_a_pseudonym_is_stable_within_an_extract_and_different_across_extracts():
    first, second = new_extract_key(), new_extract_key()
    refs = [f"CLM-2026-{n:05d}" for n in range(1_000)]
    in_first = [pseudonym(ref, first) for ref in refs]
    assert in_first == [pseudonym(ref, first) for ref in refs]
    assert len(set(in_first)) == len(refs)  # no two references share one
    assert not set(in_first) & {pseudonym(ref, second) for ref in refs}
    assert all(len(p) == PSEUDONYM_HEX_DIGITS and int(p, 16) >= 0 for p in in_first)


def test_a_short_key_is_refused():
    with pytest.raises(ValueError, match="32 random bytes"):
        pseudonym("CLM-1", b"secret")


# --- coarsening ----------------------------------------------------------------------------


def test_dates_and_times_become_months():
    assert month_of(date(2026, 3, 31)) == "2026-03"
    assert month_of(datetime(2026, 4, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))) == "2026-03"  # in UTC
    assert month_of(datetime(2026, 4, 1, 0, 30, tzinfo=UTC)) == "2026-04"
    assert month_of(date(999, 1, 5)) == "0999-01"


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        (date(2026, 1, 10), date(2026, 1, 10), "0"),  # injured at birth
        (date(2025, 1, 10), date(2026, 1, 9), "0"),
        (date(2025, 1, 10), date(2026, 1, 10), "1-4"),
        (date(2008, 6, 1), date(2026, 5, 31), "5-17"),  # the day before the 18th birthday
        (date(2008, 6, 1), date(2026, 6, 1), "18-29"),
        (date(1980, 2, 29), date(2026, 2, 28), "40-49"),
        (date(1946, 1, 1), date(2026, 1, 1), "80+"),
        (date(1920, 1, 1), date(2026, 1, 1), "80+"),  # top-coded
    ],
)
def test_ages_become_bands(born, on, band):
    assert age_band(born, on) == band


def test_an_age_before_birth_is_refused():
    with pytest.raises(ValueError):
        age_band(date(2026, 1, 2), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("amount", "band"),
    [
        ("0", "nil"),
        ("0.01", "up to 10k"),
        ("10000.00", "up to 10k"),
        ("10000.01", "10k to 50k"),
        ("250000", "50k to 250k"),
        ("999999.99", "250k to 1m"),
        ("5000000", "1m to 5m"),
        ("5000000.01", "over 5m"),
        ("38000000", "over 5m"),
    ],
)
def test_damages_become_bands_with_the_top_of_each_band_in_it(amount, band):
    assert damages_band(Decimal(amount)) == band


# --- suppression: tables worked by hand ----------------------------------------------------


def test_totals_end_each_row_and_column():
    assert with_totals([[1, 2], [3, 4]]) == [[1, 2, 3], [3, 4, 7], [4, 6, 10]]
    for bad in ([], [[]], [[1, 2], [3]], [[-1, 2]]):
        with pytest.raises(ValueError):
            with_totals(bad)


def test_a_table_without_small_counts_is_shown_whole():
    table = suppress_small_counts([[5, 0], [12, 7]], below=5)
    assert table.hidden == frozenset()
    assert table.shown() == [[5, 0, 5], [12, 7, 19], [17, 7, 24]]


def test_one_small_count_is_hidden_in_a_rectangle_of_the_cheapest_cells():
    table = suppress_small_counts([[2, 10, 12], [9, 15, 20], [11, 8, 30]], below=5)
    assert table.primary == {(0, 0)}
    # Its row's smallest other count, its column's smallest, and the cell that mends both their
    # crossing lines at once (15, not the smaller 8, which would expose a third line).
    assert table.secondary == {(0, 1), (1, 0), (1, 1)}
    assert table.shown() == [
        [SUPPRESSED, SUPPRESSED, 12, 24],
        [SUPPRESSED, SUPPRESSED, 20, 44],
        [11, 8, 30, 49],
        [22, 33, 62, 117],
    ]
    # Given what is shown, the 2 could as well be 0 to 11: here is the table with it 7.
    assert _consistent(table, [[7, 5, 12, 24], [4, 20, 20, 44], [11, 8, 30, 49], [22, 33, 62, 117]])


def test_a_small_total_is_hidden_too_and_so_is_what_would_give_it_away():
    table = suppress_small_counts([[1, 2], [20, 30]], below=5)
    assert table.primary == {(0, 0), (0, 1), (0, 2)}  # the row total, 3, is small as well
    assert table.secondary == {(1, 0), (1, 1), (1, 2)}  # the other row: the column totals tell it
    assert table.shown() == [[SUPPRESSED] * 3, [SUPPRESSED] * 3, [21, 32, 53]]


def test_a_zero_is_not_chosen_to_hide_a_small_count_beside_it():
    table = suppress_small_counts([[3, 0, 40], [5, 6, 7]], below=5)
    assert (0, 1) not in table.hidden  # 3 and a hidden 0 would add up to 3 alone
    assert table.secondary == {(0, 2), (1, 0), (1, 2)}


def test_a_small_count_with_only_zeros_beside_it_is_hidden_with_the_totals_that_repeat_it():
    table = suppress_small_counts([[3, 0], [0, 9]], below=5)
    # Its row total and column total are 3 as well, so small themselves; the grand total is
    # hidden with them, as no zero could hide anything.
    assert table.primary == {(0, 0), (0, 2), (2, 0)}
    assert table.secondary == {(2, 2)}
    assert table.shown() == [[SUPPRESSED, 0, SUPPRESSED], [0, 9, 9], [SUPPRESSED, 9, SUPPRESSED]]
    assert _no_line_with_one_hidden(table) and not _determined(table)


def test_a_count_given_away_across_lines_is_protected_though_every_line_has_two_hidden():
    """Small counts in two rectangles joined by one cell: each line holds two or more hidden
    counts, but the joining cell is row 1's total less the two rectangles' sums, worked out
    from four lines together. One more cell closes a cycle through it."""
    big = 50
    counts = [
        [1, 2, big, big, big],
        [3, 4, 1, big, big],
        [big, big, 2, 3, big],
        [big, big, 4, 1, big],
        [big, big, big, big, big],
    ]
    primary = {(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)}
    assert _determined_by(with_totals(counts), primary) == {(1, 2)}
    table = suppress_small_counts(counts, below=5)
    assert table.primary == primary
    assert len(table.secondary) == 1 and not _determined(table)


def test_another_measure_is_hidden_in_the_same_cells():
    table = suppress_small_counts([[2, 10], [9, 15]], below=5)
    damages = [[Decimal(n * 1000) for n in row] for row in with_totals([[2, 10], [9, 15]])]
    hidden = table.hide(damages)
    assert hidden[0][0] is SUPPRESSED and hidden[2][2] == Decimal(36_000)
    assert [c for row in hidden for c in row].count(SUPPRESSED) == len(table.hidden)
    with pytest.raises(ValueError):
        table.hide([[1, 2]])


def test_a_threshold_that_hides_nothing_is_refused():
    with pytest.raises(ValueError):
        suppress_small_counts([[1]], below=1)


# --- suppression: random tables against linear algebra ------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_no_small_count_in_any_table_can_be_worked_back_from_what_is_shown(seed):
    """Random tables with many small counts: every small count is hidden, zeros are not hidden
    for being small, no line has exactly one hidden entry, and no hidden count is fixed by the
    published sums (solved together, as an attacker with a linear solver would)."""
    rng = random.Random(seed)
    for _ in range(15):
        rows, columns = rng.randint(1, 5), rng.randint(1, 5)
        counts = [[rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 30]) for _ in range(columns)] for _ in range(rows)]
        below = rng.choice([3, 5, 8])
        table = suppress_small_counts(counts, below)
        grid = with_totals(counts)
        small = {(r, c) for r, row in enumerate(grid) for c, n in enumerate(row) if 0 < n < below}
        assert table.primary == small
        assert _no_line_with_one_hidden(table), counts
        assert not _determined(table), counts


def _no_line_with_one_hidden(table: SuppressedTable) -> bool:
    rows, columns = len(table.counts), len(table.counts[0])
    lines = [[(r, c) for c in range(columns)] for r in range(rows)]
    lines += [[(r, c) for r in range(rows)] for c in range(columns)]
    return all(sum(cell in table.hidden for cell in line) != 1 for line in lines)


def _consistent(table: SuppressedTable, candidate: list[list[int]]) -> bool:
    """Whether a table agrees with everything published: the shown counts and every sum."""
    shown = table.shown()
    agrees = all(
        s is SUPPRESSED or s == n
        for srow, crow in zip(shown, candidate, strict=True)
        for s, n in zip(srow, crow, strict=True)
    )
    rows_add_up = all(sum(row[:-1]) == row[-1] for row in candidate)
    columns_add_up = all(sum(col[:-1]) == col[-1] for col in zip(*candidate, strict=True))
    return agrees and rows_add_up and columns_add_up and min(min(row) for row in candidate) >= 0


def _determined(table: SuppressedTable) -> set[tuple[int, int]]:
    return _determined_by([list(row) for row in table.counts], set(table.hidden))


def _determined_by(grid: list[list[int]], hidden: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Hidden cells whose value follows from the shown ones and the sums: each row and column of
    the grid says its last entry is the sum of the others. Gauss-Jordan over the rationals: a
    pivot unknown whose reduced row has nothing in a free column is fixed."""
    unknowns = sorted(hidden)
    index = {cell: i for i, cell in enumerate(unknowns)}
    rows, columns = len(grid), len(grid[0])
    lines = [[(r, c) for c in range(columns)] for r in range(rows)]
    lines += [[(r, c) for r in range(rows)] for c in range(columns)]
    matrix = []
    for line in lines:
        equation = [Fraction(0)] * len(unknowns)
        for position, cell in enumerate(line):
            if cell in index:
                equation[index[cell]] = Fraction(-1 if position == len(line) - 1 else 1)
        if any(equation):
            matrix.append(equation)
    pivots, row = [], 0
    for col in range(len(unknowns)):
        found = next((i for i in range(row, len(matrix)) if matrix[i][col]), None)
        if found is None:
            continue
        matrix[row], matrix[found] = matrix[found], matrix[row]
        lead = matrix[row][col]
        matrix[row] = [v / lead for v in matrix[row]]
        for i in range(len(matrix)):
            if i != row and matrix[i][col]:
                factor = matrix[i][col]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[row], strict=True)]
        pivots.append(col)
        row += 1
    free = set(range(len(unknowns))) - set(pivots)
    return {unknowns[col] for i, col in enumerate(pivots) if not any(matrix[i][f] for f in free)}
