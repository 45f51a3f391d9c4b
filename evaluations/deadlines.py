"""Deadlines: a date, ending at 24:00 Asia/Shanghai; one application's deadline may be extended."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from evaluations.enums import Stage
from evaluations.models import Application
from ipcity.dates import end_of_day


def deadline_for(application: Application, stage: str) -> dt.date:
    cycle = application.cycle
    if stage == Stage.CITY:
        return application.city_deadline_extension or cycle.city_deadline
    return application.province_deadline_extension or cycle.province_deadline


def is_past(application: Application, stage: str, *, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) > end_of_day(deadline_for(application, stage))


def days_left(application: Application, stage: str, *, today: dt.date) -> int:
    return (deadline_for(application, stage) - today).days
