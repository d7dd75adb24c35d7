"""The London clock, once for all of Fairway: Europe/London dates and times without the tz
database.

A case's view of local time must never change with a tzdata update (a replay would then
disagree with its history), so British Summer Time is computed from its statutory rule (Summer Time Order
2002): from 01:00 UTC on the last Sunday in March to 01:00 UTC on the last Sunday in October.
Workflows and the calendar activities both read it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

GMT = timezone(timedelta(0), "GMT")
BST = timezone(timedelta(hours=1), "BST")


def _last_sunday(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    last = first_of_next - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def is_british_summer_time(instant: datetime) -> bool:
    utc = instant.astimezone(UTC)
    starts = datetime.combine(_last_sunday(utc.year, 3), datetime.min.time(), UTC) + timedelta(hours=1)
    ends = datetime.combine(_last_sunday(utc.year, 10), datetime.min.time(), UTC) + timedelta(hours=1)
    return starts <= utc < ends


def london_time(instant: datetime) -> datetime:
    """`instant` as London wall-clock time (aware, at GMT or BST); a naive one is refused, not
    guessed."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("an aware datetime is required, got a naive one")
    return instant.astimezone(BST if is_british_summer_time(instant) else GMT)


def london_date(instant: datetime) -> date:
    offset = timedelta(hours=1) if is_british_summer_time(instant) else timedelta(0)
    return (instant.astimezone(UTC) + offset).date()


def end_of_london_day(d: date) -> datetime:
    """The last instant of a Europe/London date, in UTC: when a deadline on that day is due."""
    midnight_next = datetime.combine(d + timedelta(days=1), datetime.min.time(), UTC)
    # Offset in force just before London's midnight: BST is decided on the UTC instant.
    offset = (
        timedelta(hours=1) if is_british_summer_time(midnight_next - timedelta(hours=1)) else timedelta(0)
    )
    return midnight_next - offset - timedelta(microseconds=1)
