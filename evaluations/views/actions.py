"""The province's and the national administration's forms on an application."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from evaluations import workflow
from evaluations.enums import ApplicationState, CycleKind, Stage
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
                "score": record.score if record else None, "notes": record.notes if record else "",
                **MeasurementForm.initial_values(record.values if record else {})})
        context["veto_form"] = VetoForm()
    if user.has_perm("evaluations.act_as_national"):
        if kind == CycleKind.STRONG_CITY and application.state == ApplicationState.UNDER_REVIEW:
            record = getattr(application, "site_visit", None)
            context["site_visit_form"] = SiteVisitForm(initial={
                "visited_on": record.visited_on if record else local_today(),
                "experts": record.experts if record else "", "opinion": record.opinion if record else ""})
        context["fraud_form"] = FraudForm()
        context["extend_form"] = ExtendDeadlineForm(application=application)
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


def form_action(*, form_class, service, success, invalid, scope, context_key, with_application=False):
    """A POST view: validate ``form_class`` and call ``service(application, by=user, **data)``. On success
    back to the application; otherwise the application page again with this form bound, its errors next to
    its fields (and the service's refusal above it). ``scope`` finds the application the user may act on;
    ``with_application`` gives the form the application too."""

    @login_required
    @require_POST
    def view(request, pk: int):
        from evaluations.views.applications import render_application

        application = scope(request, pk)
        form = form_class(request.POST, **({"application": application} if with_application else {}))
        if form.is_valid():
            try:
                service(application, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, success(form.cleaned_data) if callable(success) else success)
                return redirect("application_detail", pk=application.pk)
        messages.error(request, invalid)
        return render_application(request, application, forms={context_key: form}, status=400)

    return view


veto = form_action(
    form_class=VetoForm, context_key="veto_form", service=province.veto_application, scope=visible_application,
    success=gettext_lazy("The one-vote veto was applied."),
    invalid=gettext_lazy("Choose at least one veto ground and describe the finding."))
argumentation = form_action(
    form_class=ArgumentationForm, context_key="argumentation_form", service=province.record_argumentation, scope=_province_application,
    success=gettext_lazy("The expert argumentation was recorded."),
    invalid=gettext_lazy("Give the date, the experts and the conclusion."))
measurement = form_action(
    form_class=MeasurementForm, context_key="measurement_form", service=province.record_measurement, scope=_province_application,
    success=gettext_lazy("The objective measurement was recorded."),
    invalid=gettext_lazy("Give the date and a score between 0 and 100."))
site_visit = form_action(
    form_class=SiteVisitForm, context_key="site_visit_form", service=national.record_site_visit, scope=_national_application,
    success=gettext_lazy("The site visit was recorded."),
    invalid=gettext_lazy("Give the date, the experts and their opinion."))
disqualify = form_action(
    form_class=FraudForm, context_key="fraud_form", service=national.disqualify_application, scope=_national_application,
    success=gettext_lazy("The application was disqualified; the city and provincial bureaus were publicly "
                         "criticised."),
    invalid=gettext_lazy("Describe the fraud that was found."))
extend = form_action(
    form_class=ExtendDeadlineForm, context_key="extend_form", service=application_services.extend_deadline,
    scope=_national_application, with_application=True,
    success=lambda data: _("The deadline of the stage “%(stage)s” was extended to %(date)s.")
    % {"stage": Stage(data["stage"]).label, "date": date_format(data["until"])},
    invalid=gettext_lazy("Choose the deadline to extend, give the new date and a reason."))


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

