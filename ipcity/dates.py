"""Dates as the program means them: Asia/Shanghai, a deadline is the end of its day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_today() -> dt.date:
    return timezone.localdate(timezone.now(), SHANGHAI)


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of ``day`` in Asia/Shanghai (a deadline ends at 24:00 there)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI) - dt.timedelta(microseconds=1)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without it
        return day.replace(year=day.year + years, day=28)


def term_end_for(start: dt.date, years: int = 3) -> dt.date:
    """A term of ``years`` starting on ``start`` ends the day before the anniversary."""
    return add_years(start, years) - dt.timedelta(days=1)


def official_date(day: dt.date) -> str:
    """A date as modern official documents write it (GB/T 9704-2012 7.3.5.3): 2026年11月21日.

    Arabic digits, the year in full, no leading zero in month or day.
    """
    return f"{day.year}年{day.month}月{day.day}日"
