"""Deadlines: a date, ending at 24:00 Asia/Shanghai; each stage's deadline of one application may be extended."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from evaluations.enums import EDITABLE_STATES, PROVINCE_STATES, Stage
from evaluations.models import Application
from ipcity.dates import end_of_day

# The states in which each stage's deadline still matters, so may be extended: the city's while the city holds
# the application, the province's until the province has passed it on.
EXTENDABLE_STATES = {Stage.CITY: EDITABLE_STATES, Stage.PROVINCE: EDITABLE_STATES | PROVINCE_STATES}
EXTENSION_FIELDS = {Stage.CITY: "city_deadline_extension", Stage.PROVINCE: "province_deadline_extension"}


def cycle_deadline(application: Application, stage: str) -> dt.date:
    """The stage's deadline as the cycle sets it, before any extension of this application."""
    cycle = application.cycle
    return cycle.city_deadline if stage == Stage.CITY else cycle.province_deadline


def deadline_for(application: Application, stage: str) -> dt.date:
    return getattr(application, EXTENSION_FIELDS[Stage(stage)]) or cycle_deadline(application, stage)


def is_past(application: Application, stage: str, *, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) > end_of_day(deadline_for(application, stage))


def days_left(application: Application, stage: str, *, today: dt.date) -> int:
    return (deadline_for(application, stage) - today).days
