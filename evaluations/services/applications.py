"""Applications from the city's side: start, fill, submit, withdraw; deadline extensions (national)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cities import audit
from cities.models import City, Designation
from cities.rules import city_ids_of
from cities.services import require
from evaluations import deadlines, eligibility
from evaluations.enums import Action, ApplicationState, CycleKind, NarrativeDocument, Stage
from evaluations.models import Application, Cycle, NarrativeSection
from evaluations.selectors import shown_state
from evaluations.services.cycles import narrative_templates
from evaluations.workflow import transition
from ipcity.dates import local_today

PILOT_PLAN_SECTIONS = [
    ("一", "指导思想", ""),
    ("二", "试点主题", "明确试点工作特色主题（2018年通知 一（二）1）。"),
    ("三", "工作目标", "定性目标与可考核的定量目标。"),
    ("四", "重点任务", "分项列出重点任务，每项明确牵头单位和责任单位。"),
    ("五", "保障措施", "组织领导（领导小组）、经费投入、督导考核、培训、宣传。"),
]


def _sections_for(kind: str) -> list[tuple[str, tuple[str, str, str]]]:
    templates = narrative_templates()
    summary = [(s["no"], s["title"], s.get("guidance", "")) for s in templates["work_summary_outline"]["sections"]]
    strong = [(s["no"], s["title"], s.get("guidance", "")) for s in templates["strong_city_plan_template"]["sections"]]
    return {
        CycleKind.PILOT: [(NarrativeDocument.WORK_PLAN, row) for row in PILOT_PLAN_SECTIONS],
        CycleKind.DEMONSTRATION: [(NarrativeDocument.WORK_SUMMARY, row) for row in summary],
        CycleKind.RE_REVIEW: [(NarrativeDocument.WORK_SUMMARY, row) for row in summary],
        CycleKind.STRONG_CITY: [(NarrativeDocument.WORK_PLAN, row) for row in strong],
    }[kind]


def new_application(cycle: Cycle, city: City, *, designation: Designation | None = None, by) -> Application:
    """Create the draft and its empty narrative sections (callers check who may do it)."""
    application = Application.objects.create(cycle=cycle, city=city, designation=designation, created_by=by)
    positions: dict[str, int] = {}
    for document, (number, title, guidance) in _sections_for(cycle.kind):
        positions[document] = positions.get(document, 0) + 1
        NarrativeSection.objects.create(application=application, document=document, position=positions[document],
                                        number=number, title=title, guidance=guidance)
    audit.record(actor=by, action="application.create", obj=application, to_state=application.state,
                 city=city, data={"cycle": cycle.pk})
    return application


@transaction.atomic
def start_application(cycle: Cycle, city: City, *, by) -> Application:
    """A city officer starts its city's application; an ineligible city is told which rule failed."""
    if by is None or city.pk not in city_ids_of(by):
        raise PermissionDenied(_("Only an officer of %(city)s may start its application.") % {"city": city.full_name})
    if not cycle.is_open:
        raise ValidationError(_("The cycle “%(cycle)s” is not open for applications.") % {"cycle": cycle.title})
    if Application.objects.filter(cycle=cycle, city=city).exists():
        raise ValidationError(_("%(city)s already has an application in this cycle.") % {"city": city.full_name})
    failures = eligibility.eligibility_failures(city, cycle, on=local_today())
    if failures:
        raise ValidationError([str(f) for f in failures])
    designation = eligibility.re_review_designation(city, cycle) if cycle.kind == CycleKind.RE_REVIEW else None
    return new_application(cycle, city, designation=designation, by=by)


def _ensure_city_editing(application: Application, by) -> None:
    if by is None or application.city_id not in city_ids_of(by):
        raise PermissionDenied(_("Only an officer of %(city)s may change this application.")
                               % {"city": application.city.full_name})
    if not application.is_editable:
        raise ValidationError(_("The application can no longer be changed: it is “%(state)s”.")
                              % {"state": ApplicationState(shown_state(application, by)).label})


@transaction.atomic
def update_application_details(application: Application, *, theme: str, enforcement_score: Decimal | None,
                               by) -> Application:
    _ensure_city_editing(application, by)
    before = {"theme": application.theme, "enforcement_score": str(application.enforcement_score)}
    application.theme = theme.strip()
    application.enforcement_score = enforcement_score
    application.full_clean(exclude=["cycle", "city", "designation", "resulting_designation", "created_by"])
    application.save(update_fields=["theme", "enforcement_score", "updated_at"])
    audit.record(actor=by, action="application.update", obj=application, city=application.city,
                 data={"before": before, "after": {"theme": application.theme,
                                                   "enforcement_score": str(application.enforcement_score)}})
    return application


@transaction.atomic
def save_sections(application: Application, *, bodies: dict[int, str], by) -> int:
    """Save the text of narrative sections (``section pk → text``); returns how many changed."""
    _ensure_city_editing(application, by)
    sections = {s.pk: s for s in application.sections.select_for_update()}
    unknown = set(bodies) - set(sections)
    if unknown:
        raise ValidationError(_("Unknown sections: %(ids)s") % {"ids": ", ".join(map(str, sorted(unknown)))})
    changed = []
    for pk, body in bodies.items():
        section = sections[pk]
        if section.body != body:
            section.body = body
            section.save(update_fields=["body"])
            changed.append(f"{section.number} {section.title}")
    if changed:
        audit.record(actor=by, action="application.sections", obj=application, city=application.city,
                     data={"changed": changed})
    return len(changed)


def submit_application(application: Application, *, by) -> Application:
    return transition(application, Action.SUBMIT, by=by)


def withdraw_application(application: Application, *, reason: str = "", by) -> Application:
    return transition(application, Action.WITHDRAW, by=by, reason=reason)


def submit_formal_application(application: Application, *, by) -> Application:
    return transition(application, Action.SUBMIT_FORMAL, by=by)


@transaction.atomic
def extend_deadline(application: Application, *, stage: str, until: dt.date, reason: str, by) -> Application:
    """National staff move one stage's deadline of ``application`` (the city's to the province, or the province's
    to the national administration) to a later date, with a reason; the other stage's deadline stays."""
    require(by, "evaluations.extend_deadline")
    if stage not in Stage.values:
        raise ValidationError(_("Choose which deadline to extend: the city stage or the province stage."),
                              code="stage")
    stage = Stage(stage)
    if not reason.strip():
        raise ValidationError(_("A reason is required."), code="reason")
    application = Application.objects.select_for_update().select_related("cycle").get(pk=application.pk)
    if application.state not in deadlines.EXTENDABLE_STATES[stage]:
        raise ValidationError(
            _("The deadline of the stage “%(stage)s” no longer applies: the application is “%(state)s”.")
            % {"stage": stage.label, "state": ApplicationState(shown_state(application, by)).label}, code="state")
    current = deadlines.deadline_for(application, stage)
    if until <= current:
        raise ValidationError(
            _("The new deadline of the stage “%(stage)s” must be later than its current deadline, %(date)s.")
            % {"stage": stage.label, "date": date_format(current)}, code="until")
    if until < local_today():
        raise ValidationError(_("The new deadline, %(date)s, has already passed.") % {"date": date_format(until)},
                              code="until")
    if stage == Stage.CITY and until > (province := deadlines.deadline_for(application, Stage.PROVINCE)):
        raise ValidationError(
            _("The cities' deadline cannot be later than the province's, %(date)s: extend the stage “%(stage)s” "
              "first.") % {"date": date_format(province), "stage": Stage.PROVINCE.label}, code="until")
    field = deadlines.EXTENSION_FIELDS[stage]
    setattr(application, field, until)
    application.save(update_fields=[field, "updated_at"])
    audit.record(actor=by, action="application.extend_deadline", obj=application, city=application.city,
                 reason=reason, data={"stage": stage.value, "from": current.isoformat(), "to": until.isoformat()})
    return application
