"""The national decision screen, every review of one application, the annual assessments, and the public
results page (公示, no login)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from cities.enums import LEVEL_GROUPS
from cities.models import City, User
from evaluations.enums import ApplicationState, CycleKind
from evaluations.imports import errors_heading
from evaluations.models import Application, Cycle
from evaluations.selectors import applications_visible_to, cycles_visible_to
from evaluations.views.common import attempt
from ipcity.forms import StyledForm
from ipcity.pagination import paginate
from reviews.enums import Aggregate, AssessmentKind, AssignmentStatus, CriterionKind, Grade, ReportKind
from reviews.models import AnnualAssessment, Criterion, Decision, Score
from reviews.objective import missing_inputs, objective_rows, totals_of
from reviews.outcomes import published_outcomes
from reviews.selectors import reviews_visible_to
from reviews.services import assessments as assessment_services
from reviews.services.decisions import (
    OUTCOMES_BY_KIND,
    UNDECIDED_STATES,
    MissingOutcomes,
    missing_outcomes,
    not_submitted_rationale,
    cycle_ranking,
    decide_many,
    publish_cycle_results,
    ranked_applications,
    rubric_of,
)

LEVEL_GROUP_LABELS = {
    "sub_provincial": gettext_lazy("Sub-provincial cities"),
    "prefecture": gettext_lazy("Prefecture-level cities"),
    "county": gettext_lazy("County-level cities and districts"),
}
SUGGESTIONS = {
    "approve": gettext_lazy("Approve"),
    "discuss": gettext_lazy("Discuss"),
    "reject": gettext_lazy("Reject"),
}
RE_REVIEW_SUGGESTIONS = {"approve": gettext_lazy("Pass"), "discuss": gettext_lazy("Discuss"),
                         "reject": gettext_lazy("Fail")}


def _require_national(request) -> None:
    if not request.user.has_perm("evaluations.act_as_national"):
        raise PermissionDenied


# --- forms (validate input only) ------------------------------------------------------------------------


class DecisionForm(StyledForm):
    applications = forms.ModelMultipleChoiceField(label=gettext_lazy("Applications"),
                                                  queryset=Application.objects.none(),
                                                  widget=forms.CheckboxSelectMultiple)
    outcome = forms.ChoiceField(label=gettext_lazy("Decision"))
    document_number = forms.CharField(label=gettext_lazy("Document number of the decision"), max_length=80,
                                      required=False, help_text=gettext_lazy("e.g. 国知发管函字〔2018〕 号; it is "
                                                                             "carried onto the title."))
    decided_on = forms.DateField(label=gettext_lazy("Date of the decision"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=gettext_lazy("Today if left empty; terms and deadlines run from it."))
    rationale = forms.CharField(label=gettext_lazy("Rationale"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = (Application.objects.filter(cycle=cycle,
                                                                           state=ApplicationState.UNDER_REVIEW)
                                                .select_related("cycle", "city").order_by("city__code"))
        self.fields["outcome"].choices = [(o.value, o.label) for o in OUTCOMES_BY_KIND[cycle.kind]]


class AssessmentFilterForm(StyledForm):
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=1900, max_value=2200)
    kind = forms.ChoiceField(label=gettext_lazy("Type of assessment"), required=False,
                             choices=[("", gettext_lazy("All kinds")), *AssessmentKind.choices])
    city = forms.CharField(label=gettext_lazy("City name or code"), required=False, max_length=80)


class AssessmentForm(StyledForm):
    city = forms.CharField(label=gettext_lazy("Administrative code of the city"), min_length=6, max_length=6)
    year = forms.IntegerField(label=gettext_lazy("Year"))
    kind = forms.ChoiceField(label=gettext_lazy("Type of assessment"), choices=AssessmentKind.choices)
    score = forms.DecimalField(label=gettext_lazy("Score"), required=False, max_digits=6, decimal_places=2,
                               min_value=0)
    grade = forms.ChoiceField(label=gettext_lazy("Grade"), required=False,
                              choices=[("", gettext_lazy("No grade")), *Grade.choices])
    rank = forms.IntegerField(label=gettext_lazy("Rank"), required=False, min_value=1)

    def clean_city(self) -> City:
        city = City.objects.filter(code=self.cleaned_data["city"].strip()).first()
        if city is None:
            raise forms.ValidationError(_("No city has this administrative code."))
        return city


class AssessmentImportForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))


# --- the decision screen ----------------------------------------------------------------------------------


def _decision_context(request, cycle: Cycle, form: DecisionForm) -> dict:
    rubric = rubric_of(cycle)
    applications = list(ranked_applications(cycle))
    # The objective rows are computed once: their totals rank, their missing inputs are named in the 客观 cell
    # instead of a bare "—".
    objective = objective_rows(cycle, applications) if rubric else {}
    stats = ({s.application.pk: s for s in cycle_ranking(cycle, applications, objective=totals_of(objective))}
             if rubric else {})
    missing = {pk: missing_inputs(rows) for pk, rows in objective.items()}
    if stats:  # best first; without a rubric, by city code
        applications = [s.application for s in stats.values()]
    decisions = {d.application_id: d for d in Decision.objects.filter(application__cycle=cycle)
                 .select_related("designation")}
    outlier_ids = {reviewer for s in stats.values() for reviewer in s.outliers}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=outlier_ids)} if outlier_ids else {}
    group = request.GET.get("group", "")
    group = group if group in LEVEL_GROUP_LABELS else ""
    labels = RE_REVIEW_SUGGESTIONS if cycle.kind == CycleKind.RE_REVIEW else SUGGESTIONS
    rows = []
    for application in applications:
        level_group = LEVEL_GROUPS.get(application.city.level, "")
        if group and level_group != group:
            continue
        figures = stats.get(application.pk)
        rows.append({
            "application": application, "stats": figures, "decision": decisions.get(application.pk),
            "reviews": len(figures.totals) if figures else 0,
            "outliers": [names.get(pk, pk) for pk in figures.outliers] if figures else [],
            "group": LEVEL_GROUP_LABELS.get(level_group, ""),
            "objective_missing": missing.get(application.pk, []),
            "suggestion": labels.get(figures.suggestion, "") if figures else "",
            "decidable": application.state == ApplicationState.UNDER_REVIEW,
        })
    undecided = [a for a in applications if a.state in UNDECIDED_STATES]
    aggregate = rubric.aggregate if rubric else ""
    return {
        "cycle": cycle, "rubric": rubric, "rows": rows, "form": form, "group": group,
        "report_kinds": [ReportKind.CYCLE_XLSX, ReportKind.CYCLE_PDF],
        "groups": list(LEVEL_GROUP_LABELS.items()),
        "counted": {"mean": aggregate == Aggregate.MEAN, "median": aggregate == Aggregate.MEDIAN,
                    "trimmed": aggregate == Aggregate.TRIMMED_MEAN},
        "any_decidable": any(row["decidable"] for row in rows),
        "can_publish": not cycle.results_published and not undecided,
        "missing": [] if cycle.results_published else missing_outcomes(cycle),
        "re_review": cycle.kind == CycleKind.RE_REVIEW,
    }


def _back_to_decisions(request, cycle: Cycle):
    group = request.GET.get("group", "")
    url = reverse("cycle_decisions", args=[cycle.pk])
    return redirect(f"{url}?group={group}" if group in LEVEL_GROUP_LABELS else url)


@login_required
def cycle_decisions(request, pk: int):
    _require_national(request)
    cycle = get_object_or_404(cycles_visible_to(request.user), pk=pk)
    return render(request, "reviews/cycle_decisions.html", _decision_context(request, cycle, DecisionForm(cycle=cycle)))


@login_required
@require_POST
def cycle_decide(request, pk: int):
    _require_national(request)
    cycle = get_object_or_404(cycles_visible_to(request.user), pk=pk)
    form = DecisionForm(request.POST, cycle=cycle)
    if not form.is_valid():
        return render(request, "reviews/cycle_decisions.html", _decision_context(request, cycle, form), status=400)
    chosen = list(form.cleaned_data["applications"])
    data = form.cleaned_data
    attempt(request, lambda: decide_many(chosen, outcome=data["outcome"], rationale=data["rationale"],
                                         document_number=data["document_number"], decided_on=data["decided_on"],
                                         by=request.user),
            ngettext("%(count)s decision was recorded. It stays hidden from cities and provinces until the results "
                     "are published.",
                     "%(count)s decisions were recorded. They stay hidden from cities and provinces until the results "
                     "are published.", len(chosen)) % {"count": len(chosen)})
    return _back_to_decisions(request, cycle)


@login_required
@require_POST
def cycle_publish_results(request, pk: int):
    _require_national(request)
    cycle = get_object_or_404(cycles_visible_to(request.user), pk=pk)
    confirmed = request.POST.get("confirm_missing") == "1"
    try:
        publish_cycle_results(cycle, by=request.user, confirm_missing=confirmed)
    except MissingOutcomes as missing:
        return render(request, "reviews/cycle_publish_confirm.html", {
            "cycle": cycle, "rows": missing.rows, "rationale": not_submitted_rationale(cycle)}, status=409)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("cycle_decisions", pk=cycle.pk)
    messages.success(request, _("The results are published; the cities and provinces were told."))
    return redirect("cycle_decisions", pk=cycle.pk)


@login_required
def review_list(request, pk: int):
    """Every review of one application, each reviewer's points per criterion (national staff only)."""
    _require_national(request)
    application = get_object_or_404(applications_visible_to(request.user).select_related("designation"), pk=pk)
    reviews = list(reviews_visible_to(request.user).filter(assignment__application=application)
                   .order_by("assignment_id"))
    criteria = list(Criterion.objects.filter(rubric__cycle=application.cycle, kind=CriterionKind.SUBJECTIVE,
                                             children__isnull=True).order_by("position"))
    points = {(s.review_id, s.criterion_id): s for s in Score.objects.filter(review__in=reviews)}
    matrix = [{"criterion": c, "cells": [points.get((r.pk, c.pk)) for r in reviews]} for c in criteria]
    totals = [sum((s.points for (review_id, _c), s in points.items() if review_id == r.pk and s.points is not None),
                  start=0) for r in reviews]
    conflicts = list(application.assignments.filter(status=AssignmentStatus.CONFLICT).select_related("reviewer"))
    return render(request, "reviews/review_list.html", {
        "application": application, "reviews": reviews, "matrix": matrix, "totals": totals,
        "conflicts": conflicts, "assessments": assessment_services.assessments_for(application)})


# --- public results (公示) ----------------------------------------------------------------------------------


def public_results(request):
    cycles = list(Cycle.objects.filter(results_published_at__isnull=False).order_by("-year", "kind"))
    rows = published_outcomes(cycles)
    groups = []
    for kind in CycleKind:
        of_kind = [(cycle, rows[cycle.pk]) for cycle in cycles if cycle.kind == kind]
        if of_kind:
            groups.append((kind.label, of_kind))
    return render(request, "reviews/public_results.html", {"groups": groups})


def public_result_detail(request, pk: int):
    cycle = get_object_or_404(Cycle, pk=pk, results_published_at__isnull=False)
    return render(request, "reviews/public_result_detail.html",
                  {"cycle": cycle, "rows": published_outcomes([cycle])[cycle.pk]})


# --- annual assessments ------------------------------------------------------------------------------------


def _assessment_page(request, *, form=None, import_form=None, import_errors=(), status=200):
    filters = AssessmentFilterForm(request.GET or None)
    records = AnnualAssessment.objects.select_related("city__province", "recorded_by").order_by(
        "-year", "city__code", "kind")
    if filters.is_valid():
        data = filters.cleaned_data
        if data["year"]:
            records = records.filter(year=data["year"])
        if data["kind"]:
            records = records.filter(kind=data["kind"])
        if data["city"].strip():
            text = data["city"].strip()
            records = records.filter(Q(city__full_name__icontains=text) | Q(city__code__startswith=text))
    page, querystring = paginate(request, records)
    return render(request, "reviews/assessment_list.html", {
        "filters": filters, "page": page, "querystring": querystring, "form": form or AssessmentForm(),
        "import_form": import_form or AssessmentImportForm(), "import_errors": list(import_errors),
        "import_heading": errors_heading(import_errors)}, status=status)


@login_required
def assessment_list(request):
    _require_national(request)
    return _assessment_page(request)


@login_required
@require_POST
def assessment_record(request):
    _require_national(request)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if attempt(request, lambda: assessment_services.record_assessment(
                data["city"], year=data["year"], kind=data["kind"], score=data["score"], grade=data["grade"],
                rank=data["rank"], by=request.user), _("The assessment was saved.")):
            return redirect("assessment_list")
    return _assessment_page(request, form=form, status=400)


@login_required
@require_POST
def assessment_import(request):
    _require_national(request)
    form = AssessmentImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _assessment_page(request, import_form=form, status=400)
    result = assessment_services.import_assessments(form.cleaned_data["file"], by=request.user)
    if not result.ok:
        return _assessment_page(request, import_form=form, import_errors=result.errors, status=400)
    messages.success(request, _("Imported: %(created)s new records, %(updated)s updated.")
                     % {"created": result.created, "updated": result.updated})
    return redirect("assessment_list")


urlpatterns = [
    path("cycles/<int:pk>/decisions/", cycle_decisions, name="cycle_decisions"),
    path("cycles/<int:pk>/decisions/decide/", cycle_decide, name="cycle_decide"),
    path("cycles/<int:pk>/decisions/publish/", cycle_publish_results, name="cycle_publish_results"),
    path("applications/<int:pk>/reviews/", review_list, name="review_list"),
    path("results/", public_results, name="public_results"),
    path("results/<int:pk>/", public_result_detail, name="public_result_detail"),
    path("assessments/", assessment_list, name="assessment_list"),
    path("assessments/record/", assessment_record, name="assessment_record"),
    path("assessments/import/", assessment_import, name="assessment_import"),
]
