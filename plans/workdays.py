"""Working days in China: public holidays and swapped workdays (调休).

The ``chinesecalendar`` package knows the State Council's holiday arrangements for the years it
was built with (2004–2026 in 1.11) and raises ``NotImplementedError`` for any other year. The
``HolidayOverride`` table, edited by national staff, wins over the package on every date, and is
the only source for years the package does not cover; without either, Monday to Friday are
working days and ``coverage_warning`` says so.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities import audit
from cities.enums import Role
from plans.enums import DayKind
from plans.models import HolidayOverride

# A run of holidays is never longer than this; past it the lookup stops (a wrong override table).
MAX_DAYS_OFF = 31

audit.register_actions({
    "holiday.override": gettext_lazy("Set a holiday or workday override"),
    "holiday.override_remove": gettext_lazy("Removed a holiday or workday override"),
})
audit.register_states(DayKind, subjects=("holiday",))


@lru_cache(maxsize=64)
def package_covers(year: int) -> bool:
    """Whether the holiday package has the official arrangements of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _package_is_workday(day: dt.date) -> bool:
    if package_covers(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    """Whether ``day`` is a working day: the override table, else the package, else Monday–Friday."""
    override = HolidayOverride.objects.filter(date=day).values_list("is_workday", flat=True).first()
    if override is not None:
        return override
    return _package_is_workday(day)


def next_workday(day: dt.date) -> dt.date:
    """``day`` itself if it is a working day, else the first working day after it."""
    overrides = dict(HolidayOverride.objects.filter(
        date__gte=day, date__lte=day + dt.timedelta(days=MAX_DAYS_OFF)).values_list("date", "is_workday"))
    candidate = day
    for _step in range(MAX_DAYS_OFF + 1):
        working = overrides.get(candidate)
        if working is None:
            working = _package_is_workday(candidate)
        if working:
            return candidate
        candidate += dt.timedelta(days=1)
    return candidate


def _is_public_holiday(day: dt.date) -> bool:
    """A day off that is not an ordinary weekend: an override, a named holiday of the package, or a weekday."""
    if HolidayOverride.objects.filter(date=day, is_workday=False).exists() or day.weekday() < 5:
        return True
    return package_covers(day.year) and chinese_calendar.get_holiday_detail(day)[1] is not None


def describe_deadline(day: dt.date) -> str:
    """The deadline as users should read it, noting the next working day when it falls on a day off.

    e.g. "2026年10月1日为法定节假日，顺延至下一个工作日2026年10月8日" (dates in the user's language).
    """
    following = next_workday(day)
    shown = date_format(day, "DATE_FORMAT")
    if following == day:
        return shown
    if _is_public_holiday(day):
        reason = _("%(date)s is a public holiday") % {"date": shown}
    else:
        reason = _("%(date)s is a weekend day") % {"date": shown}
    return _("%(reason)s; the next working day is %(next)s") % {
        "reason": reason, "next": date_format(following, "DATE_FORMAT")}


def coverage_warning(year: int) -> str | None:
    """A warning for national staff when no holiday data exists for ``year``; ``None`` when it does."""
    if package_covers(year):
        return None
    overrides = HolidayOverride.objects.filter(date__year=year).count()
    if overrides:
        return _(
            "The holiday calendar has no official data for %(year)s; only the %(count)s override(s) entered here "
            "are known, every other Monday to Friday counts as a working day. Check that all public holidays and "
            "swapped workdays announced by the State Council for %(year)s are entered."
        ) % {"year": year, "count": overrides}
    return _(
        "The holiday calendar has no data for %(year)s: public holidays and swapped workdays are unknown and every "
        "Monday to Friday counts as a working day. Enter the State Council's holiday arrangements for %(year)s "
        "as overrides, or update the chinesecalendar package."
    ) % {"year": year}


# --- writes (national staff) ----------------------------------------------------------------------


def _require_national_admin(by) -> None:
    if by is None or not by.has_role(Role.NATIONAL_ADMIN):
        raise PermissionDenied


def _day_kind(is_workday: bool) -> DayKind:
    return DayKind.WORKDAY if is_workday else DayKind.HOLIDAY


@transaction.atomic
def set_holiday_override(*, day: dt.date, is_workday: bool, note: str = "", by) -> HolidayOverride:
    """Mark ``day`` as a working day or a day off, whatever the package says (replaces an earlier override)."""
    _require_national_admin(by)
    override = HolidayOverride.objects.filter(date=day).first() or HolidayOverride(date=day)
    before = "" if override.pk is None else _day_kind(override.is_workday)
    override.is_workday = is_workday
    override.note = note
    override.full_clean()
    override.save()
    audit.record(actor=by, action="holiday.override", obj=override, from_state=before,
                 to_state=_day_kind(is_workday),
                 data={"date": day.isoformat(), "is_workday": is_workday, "note": note})
    return override


@transaction.atomic
def remove_holiday_override(override: HolidayOverride, *, by) -> None:
    _require_national_admin(by)
    audit.record(actor=by, action="holiday.override_remove", obj=override,
                 from_state=_day_kind(override.is_workday),
                 data={"date": override.date.isoformat(), "note": override.note})
    override.delete()



def deadline_notes(days) -> dict[dt.date, str]:
    """For a page of deadlines: the note of each one that falls on a day off, with its next working day.
    One query for the overrides of the whole range (pages must not query per row)."""
    days = {day for day in days if day is not None}
    if not days:
        return {}
    overrides = dict(HolidayOverride.objects.filter(date__gte=min(days), date__lte=max(days) + dt.timedelta(days=40))
                     .values_list("date", "is_workday"))

    def workday(day: dt.date) -> bool:
        return overrides[day] if day in overrides else _package_is_workday(day)

    notes = {}
    for day in days:
        if workday(day):
            continue
        following = day + dt.timedelta(days=1)
        while not workday(following):
            following += dt.timedelta(days=1)
        notes[day] = _("not a working day: the next working day is %(date)s") % {
            "date": date_format(following, "DATE_FORMAT")}
    return notes
