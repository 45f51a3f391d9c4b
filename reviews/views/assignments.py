"""Assigning experts (national staff) and the expert's own assignments, with the home panel of reviewers."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from cities.enums import Role
from evaluations.enums import ApplicationState, CycleKind
from evaluations.models import Application, Cycle
from evaluations.selectors import cycles_visible_to
from evaluations.views.common import attempt
from ipcity.dates import local_today
from ipcity.forms import DateInput, StyledForm
from ipcity.pagination import paginate
from reviews.enums import ACTIVE_ASSIGNMENT_STATUSES, AssignmentStatus
from reviews.models import Assignment, Rubric
from reviews.selectors import assignments_of
from reviews.services import assignments as services
from reviews.services.reviewers import profile_for, reviewers

DEFAULT_DAYS = 30
HOME_LIMIT = 10
STATUS_CSS = {AssignmentStatus.ASSIGNED: "text-bg-secondary", AssignmentStatus.OPENED: "text-bg-primary",
              AssignmentStatus.CONFLICT: "text-bg-warning", AssignmentStatus.SUBMITTED: "text-bg-success"}


# --- Forms (input only) ----------------------------------------------------------------------


def _date_widget():
    return DateInput()


class AutoAssignForm(StyledForm):
    per_application = forms.IntegerField(label=gettext_lazy("Reviewers per application"), min_value=1,
                                         max_value=30)
    due_date = forms.DateField(label=gettext_lazy("Due date"), widget=_date_widget())


class AssignForm(forms.Form):
    application = forms.ModelChoiceField(queryset=Application.objects.none())
    reviewer = forms.ModelChoiceField(queryset=reviewers())
    due_date = forms.DateField()
    override_reason = forms.CharField(required=False, max_length=1000)

    def __init__(self, *args, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = Application.objects.filter(cycle=cycle).select_related(
            "cycle", "city__province")


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=1000)


class ReassignForm(ReasonForm):
    reviewer = forms.ModelChoiceField(queryset=reviewers())
    override_reason = forms.CharField(required=False, max_length=1000)


def _form_errors(request, form: forms.Form) -> None:
    for name, errors in form.errors.items():
        label = {"reason": _("Reason"), "reviewer": _("Reviewer"), "due_date": _("Due date"),
                 "application": _("Application")}.get(name)
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


# --- National: a cycle's assignments ---------------------------------------------------------


def _managed_cycle(request, pk: int):
    if not request.user.has_perm("reviews.manage_assignments"):
        raise PermissionDenied
    return get_object_or_404(cycles_visible_to(request.user), pk=pk)


def _assignment_rows(application: Application, pool: list) -> dict:
    assignments = list(application.assignments.all())
    active = [a for a in assignments if a.status != AssignmentStatus.CONFLICT]
    taken = {a.reviewer_id for a in active}
    declared = {a.reviewer_id: a.conflict_reason for a in assignments if a.status == AssignmentStatus.CONFLICT}
    options = []
    for reviewer in pool:
        if reviewer.pk in taken:
            continue
        reasons = services.conflict_reasons(reviewer, application)
        if reviewer.pk in declared:
            reasons.append(_("declared a conflict: %(reason)s") % {"reason": declared[reviewer.pk]})
        options.append((reviewer, reasons))
    return {"application": application, "active": len(active), "options": options, "assignments": [
        {"assignment": a, "css": STATUS_CSS[a.status], "can_withdraw": a.status in services.PENDING,
         "can_replace": a.status != AssignmentStatus.SUBMITTED} for a in assignments]}


def _render_cycle(request, cycle, *, form: AutoAssignForm | None = None, result=None, status: int = 200):
    rubric = Rubric.objects.filter(cycle=cycle).first()
    wanted = rubric.reviewers_per_application if rubric else services.DEFAULT_PER_APPLICATION
    applications = (Application.objects.filter(cycle=cycle, state__in=services.reviewable_states(cycle))
                    .select_related("cycle", "city__province").order_by("city__code")
                    .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related(
                        "reviewer").order_by("id"))))
    page, querystring = paginate(request, applications)
    pool = [reviewer for reviewer in reviewers() if profile_for(reviewer).available]
    due = local_today() + dt.timedelta(days=DEFAULT_DAYS)
    return render(request, "reviews/cycle_assignments.html", {
        "cycle": cycle, "page": page, "querystring": querystring, "wanted": wanted, "default_due": due,
        "rows": [_assignment_rows(application, pool) for application in page.object_list],
        "pool": pool, "form": form or AutoAssignForm(initial={"per_application": wanted, "due_date": due}),
        "result": result, "rubric": rubric,
    }, status=status)


@login_required
def cycle_assignments(request, pk: int):
    return _render_cycle(request, _managed_cycle(request, pk))


@login_required
@require_POST
def cycle_auto_assign(request, pk: int):
    cycle = _managed_cycle(request, pk)
    form = AutoAssignForm(request.POST)
    if not form.is_valid():
        return _render_cycle(request, cycle, form=form, status=400)
    try:
        result = services.auto_assign(cycle, per_application=form.cleaned_data["per_application"],
                                      due_date=form.cleaned_data["due_date"], by=request.user)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _render_cycle(request, cycle, form=form, status=400)
    messages.success(request, ngettext("%(count)s assignment was created.", "%(count)s assignments were created.",
                                       len(result.created)) % {"count": len(result.created)})
    # Shown on this response rather than after a redirect: running it again creates nothing new.
    return _render_cycle(request, cycle, form=form, result=result)


@login_required
@require_POST
def assignment_create(request, pk: int):
    cycle = _managed_cycle(request, pk)
    form = AssignForm(request.POST, cycle=cycle)
    if form.is_valid():
        data = form.cleaned_data
        attempt(request, lambda: services.assign_reviewer(
            data["application"], data["reviewer"], due_date=data["due_date"],
            override_reason=data["override_reason"], by=request.user),
            _("%(reviewer)s was assigned to %(city)s.") % {"reviewer": data["reviewer"].get_username(),
                                                            "city": data["application"].city.full_name})
    else:
        _form_errors(request, form)
    return redirect("cycle_assignments", pk=cycle.pk)


def _managed_assignment(request, pk: int) -> Assignment:
    if not request.user.has_perm("reviews.manage_assignments"):
        raise PermissionDenied
    return get_object_or_404(Assignment.objects.select_related("reviewer", "application__cycle",
                                                               "application__city__province"), pk=pk)


@login_required
@require_POST
def assignment_unassign(request, pk: int):
    assignment = _managed_assignment(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        attempt(request, lambda: services.unassign(assignment, reason=form.cleaned_data["reason"], by=request.user),
                _("The assignment of %(reviewer)s was withdrawn.") % {
                    "reviewer": assignment.reviewer.get_username()})
    else:
        _form_errors(request, form)
    return redirect("cycle_assignments", pk=assignment.application.cycle_id)


@login_required
@require_POST
def assignment_reassign(request, pk: int):
    assignment = _managed_assignment(request, pk)
    form = ReassignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        attempt(request, lambda: services.reassign(
            assignment, data["reviewer"], reason=data["reason"], override_reason=data["override_reason"],
            by=request.user), _("%(reviewer)s now reviews %(city)s.") % {
                "reviewer": data["reviewer"].get_username(), "city": assignment.application.city.full_name})
    else:
        _form_errors(request, form)
    return redirect("cycle_assignments", pk=assignment.application.cycle_id)


# --- The reviewer's own assignments ----------------------------------------------------------


def _by_urgency(assignments):
    """Waiting for a declaration first, then open ones, then the rest; earliest due date first."""
    order = Case(When(status=AssignmentStatus.ASSIGNED, then=Value(0)),
                 When(status=AssignmentStatus.OPENED, then=Value(1)), default=Value(2), output_field=IntegerField())
    return assignments.annotate(urgency=order).order_by("urgency", "due_date", "id")


def _reviewer_rows(assignments) -> list[dict]:
    today = local_today()
    opened = (AssignmentStatus.OPENED, AssignmentStatus.SUBMITTED)
    return [{"assignment": a, "css": STATUS_CSS[a.status],
             "overdue": a.status in services.PENDING and a.due_date < today, "days_left": (a.due_date - today).days,
             "can_declare": a.status == AssignmentStatus.ASSIGNED, "can_conflict": a.status in services.PENDING,
             "can_open": a.status in opened, "can_score": a.status in opened} for a in assignments]


@login_required
def my_assignments(request):
    if not request.user.has_perm("reviews.list_own_assignments"):
        raise PermissionDenied
    page, querystring = paginate(request, _by_urgency(assignments_of(request.user)))
    return render(request, "reviews/my_assignments.html", {
        "page": page, "querystring": querystring, "rows": _reviewer_rows(page.object_list)})


def _own_assignment(request, pk: int) -> Assignment:
    return get_object_or_404(assignments_of(request.user), pk=pk)


@login_required
@require_POST
def assignment_declare_no_conflict(request, pk: int):
    assignment = _own_assignment(request, pk)
    if attempt(request, lambda: services.declare_no_conflict(assignment, by=request.user),
               _("You declared no conflict of interest; the application is open to you.")):
        return redirect("review_score", pk=assignment.pk)
    return redirect("my_assignments")


@login_required
@require_POST
def assignment_declare_conflict(request, pk: int):
    assignment = _own_assignment(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        attempt(request, lambda: services.declare_conflict(assignment, reason=form.cleaned_data["reason"],
                                                           by=request.user),
                _("Your conflict of interest was recorded; the national administration will assign someone else."))
    else:
        _form_errors(request, form)
    return redirect("my_assignments")


def pending_assignments_panel(request) -> dict | None:
    """Home panel: the reviewer's assignments still to declare or to score."""
    if not request.user.has_role(Role.REVIEWER):
        return None
    pending = _by_urgency(assignments_of(request.user).filter(status__in=services.PENDING))
    assignments = list(pending[:HOME_LIMIT + 1])
    return {"template": "reviews/_home_panel.html", "rows": _reviewer_rows(assignments[:HOME_LIMIT]),
            "more": len(assignments) > HOME_LIMIT}


def review_overview_panel(request) -> dict | None:
    """Home panel of national staff: cycles with applications under review and how many experts they have."""
    if not request.user.has_perm("reviews.manage_assignments"):
        return None
    reviewable = Q(applications__state=ApplicationState.UNDER_REVIEW) | Q(
        applications__state=ApplicationState.SHORTLISTED, kind=CycleKind.STRONG_CITY)
    cycles = list(Cycle.objects.annotate(
        n_applications=Count("applications", filter=reviewable, distinct=True),
        n_assignments=Count("applications__assignments", filter=reviewable & Q(
            applications__assignments__status__in=sorted(ACTIVE_ASSIGNMENT_STATUSES))),
    ).filter(n_applications__gt=0).order_by("-year", "kind"))
    return {"template": "reviews/_national_panel.html", "cycles": cycles}


urlpatterns = [
    path("cycles/<int:pk>/assignments/", cycle_assignments, name="cycle_assignments"),
    path("cycles/<int:pk>/assignments/auto/", cycle_auto_assign, name="cycle_auto_assign"),
    path("cycles/<int:pk>/assignments/new/", assignment_create, name="assignment_create"),
    path("assignments/<int:pk>/unassign/", assignment_unassign, name="assignment_unassign"),
    path("assignments/<int:pk>/reassign/", assignment_reassign, name="assignment_reassign"),
    path("reviews/mine/", my_assignments, name="my_assignments"),
    path("reviews/mine/<int:pk>/open/", assignment_declare_no_conflict, name="assignment_declare_no_conflict"),
    path("reviews/mine/<int:pk>/conflict/", assignment_declare_conflict, name="assignment_declare_conflict"),
]
