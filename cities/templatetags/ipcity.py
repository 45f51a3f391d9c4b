"""Template filters shared by every page."""

from __future__ import annotations

from django import template

from cities.audit import action_label, state_label

register = template.Library()


@register.filter(name="action_label")
def action_label_filter(key: str):
    return action_label(key)


@register.filter(name="state_label")
def state_label_filter(value: str):
    return state_label(value)
