"""Calendar rules shared by the GS1 and HIBCC parsers: two-digit years and end-of-month days."""

from __future__ import annotations

import calendar
import datetime as dt


def full_year(two_digit_year: int, today: dt.date | None = None) -> int:
    """Expand a two-digit year with the GS1 sliding window (49 years back, 50 ahead).

    biip applies the same window to GS1 dates, so HIBCC dates and GS1 dates
    land in the same century.
    """
    current = (today or dt.datetime.now(tz=dt.UTC).date()).year
    century = current - current % 100
    offset = two_digit_year - current % 100
    if 51 <= offset <= 99:
        return century - 100 + two_digit_year
    if -99 <= offset <= -50:
        return century + 100 + two_digit_year
    return century + two_digit_year


def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def iso_date(year: int, month: int, day: int) -> str | None:
    """ISO date, or None when the parts do not name a real day. Day 0 means month end."""
    if not 1 <= month <= 12 or not 1 <= year <= 9999:
        return None
    if day == 0:
        day = last_day(year, month)
    if not 1 <= day <= last_day(year, month):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def iso_ordinal(year: int, day_of_year: int) -> str | None:
    """ISO date for a day of the year (Julian date as printed on HIBCC labels)."""
    days_in_year = 366 if calendar.isleap(year) else 365
    if not 1 <= day_of_year <= days_in_year:
        return None
    return (dt.date(year, 1, 1) + dt.timedelta(days=day_of_year - 1)).isoformat()
