"""What the national administration does after a province recommends."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cities import audit
from cities.services import require, revoke_designation
from evaluations.enums import Action, CriticismTarget, CycleKind
from evaluations.models import Application, Criticism, FraudFinding, SiteVisit
from evaluations.workflow import transition
from ipcity.dates import local_today


def accept_application(application: Application, *, by) -> Application:
    return transition(application, Action.ACCEPT, by=by)


def return_to_province(application: Application, *, reason: str, by) -> Application:
    return transition(application, Action.RETURN, by=by, reason=reason)


@transaction.atomic
def record_site_visit(application: Application, *, visited_on: dt.date, experts: str, opinion: str,
                      by) -> SiteVisit:
    """Experts visit a strong-city applicant and give their opinion (S1 四(二)3)."""
    require(by, "evaluations.act_as_national")
    if application.cycle.kind != CycleKind.STRONG_CITY:
        raise ValidationError(_("Site visits are recorded for strong-city applications."))
    if not experts.strip() or not opinion.strip():
        raise ValidationError(_("The experts and their opinion are required."))
    visit, _created = SiteVisit.objects.update_or_create(
        application=application,
        defaults={"visited_on": visited_on, "experts": experts.strip(), "opinion": opinion.strip(),
                  "recorded_by": by})
    audit.record(actor=by, action="application.site_visit", obj=application, city=application.city,
                 data={"visited_on": visited_on.isoformat()})
    return visit


def shortlist_application(application: Application, *, by) -> Application:
    return transition(application, Action.SHORTLIST, by=by)


def disqualify_application(application: Application, *, finding: str, by) -> Application:
    """弄虚作假 (S1 五(二)): the application is disqualified, any title it produced is revoked,
    and the city bureau and the provincial bureau are publicly criticised."""
    require(by, "evaluations.act_as_national")
    with transaction.atomic():
        if not finding.strip():
            raise ValidationError(_("Describe the fraud that was found."))
        record, _created = FraudFinding.objects.get_or_create(application=application,
                                                              defaults={"finding": finding.strip(), "decided_by": by})
        application = transition(application, Action.DISQUALIFY, by=by, reason=finding)
        today = local_today()
        city = application.city
        Criticism.objects.create(finding=record, target=CriticismTarget.CITY_BUREAU, city=city, province=city.province,
                                 text=f"通报批评：{city.full_name}知识产权局在{application.cycle.title}中申报材料弄虚作假。", issued_on=today)
        Criticism.objects.create(finding=record, target=CriticismTarget.PROVINCE_BUREAU, province=city.province,
                                 text=f"通报批评：{city.province.name}知识产权局未严格履行对{city.full_name}申报材料的审核责任。", issued_on=today)
        if application.resulting_designation_id:
            designation = application.resulting_designation
            if designation.is_current:
                revoke_designation(designation, reason=_("Disqualified for fraud: %(finding)s") % {"finding": finding},
                                   by=by)
        audit.record(actor=by, action="application.criticism", obj=application, city=city,
                     data={"targets": [CriticismTarget.CITY_BUREAU.value, CriticismTarget.PROVINCE_BUREAU.value]})
    return application
