"""Template filters shared by every page."""

from __future__ import annotations

from django import template

from cities.audit import action_label, state_label
from ipcity.fieldcrypto import mask_email, mask_phone

register = template.Library()


@register.filter(name="action_label")
def action_label_filter(key: str):
    return action_label(key)


@register.filter(name="state_label")
def state_label_filter(value: str, subject: str):
    """``{{ city.current_tier|state_label:"tier" }}``, ``{{ entry.to_state|state_label:entry.action }}``."""
    return state_label(value, subject)


# Personal data stored encrypted shows masked in lists (ipcity/fieldcrypto.py decides how).
register.filter("mask_phone", mask_phone)
register.filter("mask_email", mask_email)
