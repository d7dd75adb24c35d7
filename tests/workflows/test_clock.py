"""The workflow clock agrees with the tz database on every hour across years of BST changes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from workflows.clock import london_date


def test_london_date_matches_tz_database_hour_by_hour():
    london = ZoneInfo("Europe/London")
    instant = datetime(2024, 1, 1, tzinfo=UTC)
    while instant < datetime(2028, 1, 1, tzinfo=UTC):
        assert london_date(instant) == instant.astimezone(london).date(), instant
        instant += timedelta(minutes=30)


def test_bst_midnight_is_the_next_london_day():
    # 23:30 UTC on 1 July is 00:30 on 2 July in London (BST, UTC+1).
    assert london_date(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)).isoformat() == "2026-07-02"
    assert london_date(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)).isoformat() == "2026-12-01"


def test_end_of_london_day_matches_tz_database():
    from datetime import date

    from workflows.clock import end_of_london_day

    london = ZoneInfo("Europe/London")
    day = date(2025, 1, 1)
    while day < date(2028, 1, 1):
        expected = datetime.combine(day, datetime.max.time(), london).astimezone(UTC)
        assert end_of_london_day(day) == expected, day
        day += timedelta(days=1)
