"""Kinds and states of plans, responsibility lists and reminders (DESIGN.md §5)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Requirement(models.TextChoices):
    MANDATORY = "mandatory", _("Mandatory")
    OPTIONAL = "optional", _("Optional")


class Comparison(models.TextChoices):
    """How a quantitative target is met."""

    YOY_GROWTH = "yoy_growth", _("Year-on-year growth (%)")
    ANNUAL_GROWTH = "annual_growth", _("Average annual growth over the period (%)")
    ABSOLUTE = "absolute", _("Absolute value by the end")
    COUNT = "count", _("Count")
    RANGE = "range", _("Within a range")
    QUALITATIVE = "qualitative", _("Qualitative")


class CityPlanKind(models.TextChoices):
    PILOT_CONSTRUCTION = "pilot", _("Pilot city construction")
    DEMO_CULTIVATION = "cultivation", _("Demonstration cultivation")
    DEMONSTRATION = "demonstration", _("Demonstration city construction")
    STRONG_CITY = "strong_city", _("Strong-city creation")


class ItemStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Reported completed")
    VERIFIED = "verified", _("Verified by the province")
    SENT_BACK = "sent_back", _("Sent back by the province")


OPEN_ITEM_STATUSES = frozenset({ItemStatus.NOT_STARTED, ItemStatus.IN_PROGRESS, ItemStatus.SENT_BACK})


class DayKind(models.TextChoices):
    """What a holiday override makes a day (the states of its audit entries)."""

    WORKDAY = "workday", _("Working day")
    HOLIDAY = "holiday", _("Day off")


class ReminderKind(models.TextChoices):
    RESPONSIBILITY_ITEM = "item", _("Responsibility item due")
    RECTIFICATION = "rectification", _("Rectification deadline")
    CYCLE_CITY = "cycle_city", _("Cities' deadline of an evaluation cycle")
    CYCLE_PROVINCE = "cycle_province", _("Provinces' deadline of an evaluation cycle")
    REVIEW_ASSIGNMENT = "assignment", _("Review assignment due")
