"""The province's and the national administration's forms on an application."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluations import workflow
from evaluations.enums import ApplicationState, CycleKind
from evaluations.forms import (
    ArgumentationForm,
    AttestationForm,
    ExtendDeadlineForm,
    FraudForm,
    MeasurementForm,
    RecommendationLetterForm,
    SiteVisitForm,
    VetoForm,
)
from evaluations.models import Application, ChecklistItem
from evaluations.services import applications as application_services
from evaluations.services import national, province
from evaluations.views.common import attempt, visible_application
from ipcity.dates import local_today


def panel_context(application: Application, user) -> dict:
    """Forms of the province and national panels on the application page."""
    kind = application.cycle.kind
    context: dict = {"allowed": set(workflow.allowed_actions(application, user))}
    if user.has_perm("evaluations.act_as_province", application) and application.state == ApplicationState.SUBMITTED:
        attestations = {a.item_id: a for a in application.attestations.select_related("evidence")}
        materials = application.materials.all()
        context["attest_rows"] = [
            (item, attestations.get(item.pk), AttestationForm(
                prefix=f"item{item.pk}", materials=materials,
                initial={"met": getattr(attestations.get(item.pk), "met", False),
                         "evidence": getattr(attestations.get(item.pk), "evidence_id", None),
                         "note": getattr(attestations.get(item.pk), "note", "")}))
            for item in application.cycle.checklist.all()]
        if kind == CycleKind.PILOT:
            record = getattr(application, "argumentation", None)
            context["argumentation_form"] = ArgumentationForm(initial={
                "held_on": record.held_on if record else local_today(),
                "experts": record.experts if record else "", "conclusion": record.conclusion if record else ""})
        if kind == CycleKind.DEMONSTRATION:
            record = getattr(application, "measurement", None)
            context["measurement_form"] = MeasurementForm(initial={
                "measured_on": record.measured_on if record else local_today(),
                "score": record.score if record else None, "notes": record.notes if record else ""})
        context["veto_form"] = VetoForm()
    if user.has_perm("evaluations.act_as_national"):
        if kind == CycleKind.STRONG_CITY and application.state == ApplicationState.UNDER_REVIEW:
            record = getattr(application, "site_visit", None)
            context["site_visit_form"] = SiteVisitForm(initial={
                "visited_on": record.visited_on if record else local_today(),
                "experts": record.experts if record else "", "opinion": record.opinion if record else ""})
        context["fraud_form"] = FraudForm()
        context["extend_form"] = ExtendDeadlineForm()
        if application.state == ApplicationState.RECOMMENDED:
            context["veto_form"] = VetoForm()
    return context


def _province_application(request, pk: int) -> Application:
    application = visible_application(request, pk)
    if not request.user.has_perm("evaluations.act_as_province", application):
        raise PermissionDenied
    return application


def _national_application(request, pk: int) -> Application:
    application = visible_application(request, pk)
    if not request.user.has_perm("evaluations.act_as_national"):
        raise PermissionDenied
    return application


@login_required
def recommend(request, pk: int):
    application = _province_application(request, pk)
    existing = getattr(application, "recommendation", None)
    score_required = application.cycle.kind == CycleKind.DEMONSTRATION
    measurement = getattr(application, "measurement", None)
    initial = {"letter_date": local_today(), "signatory": f"{application.city.province.name}知识产权局",
               "measured_score": measurement.score if measurement else None}
    if existing:
        initial.update({f: getattr(existing, f) for f in (
            "materials_authentic", "authenticity_conclusion", "measured_score", "opinion", "rank", "signatory",
            "letter_date")})
    form = RecommendationLetterForm(request.POST or None, initial=initial, score_required=score_required)
    if request.method == "POST" and form.is_valid():
        try:
            province.recommend_application(application, letter=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The application was recommended; the recommendation letter PDF is "
                                        "being generated and will be attached."))
            return redirect("application_detail", pk=application.pk)
    return render(request, "evaluations/recommendation_form.html", {"application": application, "form": form})


@login_required
@require_POST
def veto(request, pk: int):
    application = visible_application(request, pk)
    form = VetoForm(request.POST)
    if form.is_valid():
        attempt(request, lambda: province.veto_application(application, grounds=form.cleaned_data["grounds"],
                                                           finding=form.cleaned_data["finding"], by=request.user),
                _("The one-vote veto was applied."))
    else:
        messages.error(request, _("Choose at least one veto ground and describe the finding."))
    return redirect("application_detail", pk=application.pk)


@login_required
@require_POST
def argumentation(request, pk: int):
    application = _province_application(request, pk)
    form = ArgumentationForm(request.POST)
    if form.is_valid():
        attempt(request, lambda: province.record_argumentation(application, by=request.user, **form.cleaned_data),
                _("The expert argumentation was recorded."))
    else:
        messages.error(request, _("Give the date, the experts and the conclusion."))
    return redirect("application_detail", pk=application.pk)


@login_required
@require_POST
def measurement(request, pk: int):
    application = _province_application(request, pk)
    form = MeasurementForm(request.POST)
    if form.is_valid():
        attempt(request, lambda: province.record_measurement(application, by=request.user, **form.cleaned_data),
                _("The objective measurement was recorded."))
    else:
        messages.error(request, _("Give the date and a score between 0 and 100."))
    return redirect("application_detail", pk=application.pk)


@login_required
@require_POST
def attest(request, pk: int, item_pk: int):
    application = _province_application(request, pk)
    item = get_object_or_404(ChecklistItem, pk=item_pk, cycle=application.cycle)
    form = AttestationForm(request.POST, prefix=f"item{item.pk}", materials=application.materials.all())
    if form.is_valid():
        attempt(request, lambda: province.attest_condition(application, item=item, by=request.user,
                                                           **form.cleaned_data), _("Saved."))
    else:
        messages.error(request, _("The attestation could not be saved."))
    return redirect("application_detail", pk=application.pk)


@login_required
@require_POST
def site_visit(request, pk: int):
    application = _national_application(request, pk)
    form = SiteVisitForm(request.POST)
    if form.is_valid():
        attempt(request, lambda: national.record_site_visit(application, by=request.user, **form.cleaned_data),
                _("The site visit was recorded."))
    else:
        messages.error(request, _("Give the date, the experts and their opinion."))
    return redirect("application_detail", pk=application.pk)


@login_required
@require_POST
def disqualify(request, pk: int):
    application = _national_application(request, pk)
    form = FraudForm(request.POST)
    if form.is_valid():
        attempt(request, lambda: national.disqualify_application(application, finding=form.cleaned_data["finding"],
                                                                 by=request.user),
                _("The application was disqualified; the city and provincial bureaus were publicly criticised."))
    else:
        messages.error(request, _("Describe the fraud that was found."))
    return redirect("application_detail", pk=application.pk)


@login_required
@require_POST
def extend(request, pk: int):
    application = _national_application(request, pk)
    form = ExtendDeadlineForm(request.POST)
    if form.is_valid():
        attempt(request, lambda: application_services.extend_deadline(application, by=request.user,
                                                                      **form.cleaned_data),
                _("The deadline was extended."))
    else:
        messages.error(request, _("Give the new deadline and a reason."))
    return redirect("application_detail", pk=application.pk)


urlpatterns = [
    path("applications/<int:pk>/recommend/", recommend, name="application_recommend"),
    path("applications/<int:pk>/veto/", veto, name="application_veto"),
    path("applications/<int:pk>/argumentation/", argumentation, name="application_argumentation"),
    path("applications/<int:pk>/measurement/", measurement, name="application_measurement"),
    path("applications/<int:pk>/attest/<int:item_pk>/", attest, name="application_attest"),
    path("applications/<int:pk>/site-visit/", site_visit, name="application_site_visit"),
    path("applications/<int:pk>/disqualify/", disqualify, name="application_disqualify"),
    path("applications/<int:pk>/extend/", extend, name="application_extend"),
]

