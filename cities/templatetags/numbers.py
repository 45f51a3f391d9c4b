"""Numbers and table cells as people read them: localized, grouped, never a float's noise (3.20000000000000)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import formats

from ipcity.numbers import plain_decimal

register = template.Library()


@register.filter
def number(value):
    """A number localized, thousands grouped as the language groups them (English 19,250; Chinese, by Django's
    formats, 19250), at most four decimals; anything else as it is. ``cell`` leaves ``int`` (counts, years) alone."""
    decimal = plain_decimal(value) if isinstance(value, (int, float, Decimal)) else None
    if decimal is None:
        return value
    return formats.number_format(decimal, use_l10n=True, force_grouping=True)


@register.filter
def cell(value):
    """One cell of a dashboard table: — for nothing, a date in the local format, a Decimal or float as ``number``,
    an ``int`` (a count, a year) as it is."""
    if value is None:
        return "—"
    if isinstance(value, (dt.date, dt.datetime)):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, (float, Decimal)):
        return number(value)
    return value
