"""What the plans app adds to other apps' pages: working-day notes on deadlines."""

from __future__ import annotations

from evaluations import deadlines
from evaluations.enums import Stage
from plans.workdays import deadline_notes


def application_deadline_notes(request, application) -> dict | None:
    """On the application page: the city's or the province's deadline falls on a day off."""
    days = {stage: deadlines.deadline_for(application, stage) for stage in (Stage.CITY, Stage.PROVINCE)}
    notes = deadline_notes(days.values())
    shown = [(Stage(stage).label, day, notes[day]) for stage, day in days.items() if day in notes]
    if not shown:
        return None
    return {"template": "plans/_deadline_notes.html", "notes": shown}
