"""What provincial bureau staff do with a submitted application."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cities import audit
from cities.rules import province_ids_of
from evaluations.enums import MEASURED_VALUES, Action, ApplicationState, CycleKind, VetoGround
from evaluations.models import (
    Application,
    Argumentation,
    Attestation,
    ChecklistItem,
    Material,
    Measurement,
    RecommendationLetter,
    Veto,
)
from evaluations.selectors import shown_state
from evaluations.workflow import transition


def _ensure_province(application: Application, by, *, states=(ApplicationState.SUBMITTED,)) -> None:
    if by is None or application.city.province_id not in province_ids_of(by):
        raise PermissionDenied(_("Only staff of %(province)s may do this.") % {"province": application.city.province})
    if application.state not in states:
        raise ValidationError(_("This is possible only while the application is submitted to the province; it is "
                                "“%(state)s”.") % {"state": ApplicationState(shown_state(application, by)).label})


@transaction.atomic
def record_argumentation(application: Application, *, held_on: dt.date, experts: str, conclusion: str,
                         record: Material | None = None, by) -> Argumentation:
    """论证 of a pilot's theme and plan by experts the province organised (S1 一(二)2)."""
    _ensure_province(application, by)
    if application.cycle.kind != CycleKind.PILOT:
        raise ValidationError(_("Expert argumentation is recorded for pilot city applications."))
    if not experts.strip() or not conclusion.strip():
        raise ValidationError(_("The experts and the conclusion are required."))
    argumentation, _created = Argumentation.objects.update_or_create(
        application=application,
        defaults={"held_on": held_on, "experts": experts.strip(), "conclusion": conclusion.strip(), "record": record,
                  "recorded_by": by})
    audit.record(actor=by, action="application.argumentation", obj=application, city=application.city,
                 data={"held_on": held_on.isoformat(), "experts": experts.strip()})
    return argumentation


def _measured_values(values: dict) -> dict[str, str]:
    """Known keys only, each a number ≥ 0, kept as its decimal text (no float rounding)."""
    errors, clean = [], {}
    for key, raw in values.items():
        if key not in MEASURED_VALUES:
            errors.append(_("“%(key)s” is not a measured value; known: %(known)s.")
                          % {"key": key, "known": "、".join(MEASURED_VALUES)})
            continue
        try:
            number = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite() or number < 0:
            errors.append(_("%(label)s must be a number of at least 0; got “%(raw)s”.")
                          % {"label": MEASURED_VALUES[key], "raw": raw})
            continue
        clean[key] = str(number)
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def record_measurement(application: Application, *, measured_on: dt.date, score: Decimal, values: dict | None = None,
                       notes: str = "", by) -> Measurement:
    """The province's measurement of the objective indicators (S1 二(二)1)."""
    _ensure_province(application, by)
    if application.cycle.kind != CycleKind.DEMONSTRATION:
        raise ValidationError(_("The objective measurement is recorded for demonstration city applications."))
    if score is None or not (0 <= score <= 100):
        raise ValidationError(_("The measured score must be between 0 and 100."))
    values = _measured_values(values or {})
    measurement, _created = Measurement.objects.update_or_create(
        application=application,
        defaults={"measured_on": measured_on, "score": score, "values": values, "notes": notes,
                  "recorded_by": by})
    audit.record(actor=by, action="application.measurement", obj=application, city=application.city,
                 data={"score": str(score), "measured_on": measured_on.isoformat(), "values": values})
    return measurement


@transaction.atomic
def attest_condition(application: Application, *, item: ChecklistItem, met: bool, note: str = "",
                     evidence: Material | None = None, by) -> Attestation:
    _ensure_province(application, by)
    if item.cycle_id != application.cycle_id:
        raise ValidationError(_("This condition belongs to another cycle."))
    if evidence is not None and evidence.application_id != application.pk:
        raise ValidationError(_("The evidence must be a document of this application."))
    attestation, _created = Attestation.objects.update_or_create(
        application=application, item=item,
        defaults={"met": met, "note": note, "evidence": evidence, "attested_by": by})
    audit.record(actor=by, action="application.attest", obj=application, city=application.city,
                 data={"item": item.code, "met": met, "evidence": evidence.pk if evidence else None})
    return attestation


def recommend_application(application: Application, *, letter: dict, by) -> Application:
    """Fill the recommendation letter and recommend; the letter becomes the 推荐函 PDF (S1 一(三)1)."""
    with transaction.atomic():
        _ensure_province(application, by)
        fields = {
            "materials_authentic": bool(letter.get("materials_authentic")),
            "authenticity_conclusion": (letter.get("authenticity_conclusion") or "").strip(),
            "measured_score": letter.get("measured_score"),
            "opinion": (letter.get("opinion") or "").strip(),
            "rank": letter.get("rank"),
            "signatory": (letter.get("signatory") or "").strip(),
            "letter_date": letter.get("letter_date") or dt.date.today(),
            "written_by": by,
        }
        if not fields["materials_authentic"]:
            raise ValidationError(_("The province can recommend only materials it has verified as authentic."))
        saved, _created = RecommendationLetter.objects.update_or_create(application=application, defaults=fields)
        application = transition(application, Action.RECOMMEND, by=by, audit_data={"rank": saved.rank})
        transaction.on_commit(lambda: _generate_letter(saved.pk))
    return application


def _generate_letter(letter_id: int) -> None:
    from evaluations.tasks import generate_recommendation_letter

    generate_recommendation_letter.delay(letter_id=letter_id)


def veto_application(application: Application, *, grounds: list[str], finding: str, by) -> Application:
    """一票否决 for subsidies before grant, excess or duplicate subsidies (S1 五(一))."""
    grounds = sorted({VetoGround(g).value for g in grounds})
    with transaction.atomic():
        if not grounds:
            raise ValidationError(_("Choose at least one veto ground."))
        if not finding.strip():
            raise ValidationError(_("Describe the finding in the city's subsidy policy."))
        Veto.objects.update_or_create(application=application,
                                      defaults={"grounds": grounds, "finding": finding.strip(), "decided_by": by})
        return transition(application, Action.VETO, by=by, reason=finding, audit_data={"grounds": grounds})


def return_application(application: Application, *, reason: str, by) -> Application:
    return transition(application, Action.RETURN, by=by, reason=reason)


def decline_application(application: Application, *, reason: str, by) -> Application:
    return transition(application, Action.DECLINE, by=by, reason=reason)
