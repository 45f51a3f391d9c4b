"""Reviewers (national staff): the workload table, profile editing and the Excel import and export of profiles."""

from __future__ import annotations


from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from cities.enums import Role
from cities.models import City, Membership, Province
from evaluations.imports import errors_heading
from evaluations.models import Cycle
from evaluations.selectors import cycles_visible_to
from ipcity.downloads import xlsx_response
from ipcity.forms import StyledForm
from ipcity.pagination import paginate
from reviews.services.assignments import upsert_reviewer_profile, workload_queryset
from reviews.services.reviewers import import_reviewers, profile_for, reviewers, reviewers_workbook

SORTS = {
    "username": ("username",),
    "load": ("-assigned", "username"),
    "overdue": ("-overdue", "-assigned", "username"),
}


class WorkloadFilterForm(StyledForm):
    cycle = forms.ModelChoiceField(label=gettext_lazy("Cycle"), queryset=Cycle.objects.none(), required=False,
                                   empty_label=gettext_lazy("All cycles"))
    q = forms.CharField(label=gettext_lazy("Name, account or employer"), required=False, max_length=60)
    available = forms.ChoiceField(label=gettext_lazy("Availability"), required=False, choices=[
        ("", gettext_lazy("Everyone")), ("yes", gettext_lazy("Available")), ("no", gettext_lazy("Not available"))])
    sort = forms.ChoiceField(label=gettext_lazy("Order"), required=False, choices=[
        ("username", gettext_lazy("Account")), ("load", gettext_lazy("Most assignments first")),
        ("overdue", gettext_lazy("Most overdue first"))])

    def __init__(self, *args, cycles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = cycles


class ImportForm(StyledForm):
    # Empty and oversized files are refused by the importer with its own messages.
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"), allow_empty_file=True,
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class ProfileForm(StyledForm):
    expertise = forms.CharField(label=gettext_lazy("Expertise areas"), required=False, max_length=1000,
                                help_text=gettext_lazy("Separate areas with 、"))
    province = forms.ModelChoiceField(label=gettext_lazy("Province of affiliation"),
                                      queryset=Province.objects.all(), required=False)
    city = forms.ModelChoiceField(label=gettext_lazy("City of the employer"), queryset=City.objects.none(),
                                  required=False, help_text=gettext_lazy("Administrative code, e.g. 210100"),
                                  to_field_name="code", widget=forms.TextInput)
    employer = forms.CharField(label=gettext_lazy("Employer"), required=False, max_length=120)
    title = forms.CharField(label=gettext_lazy("Professional title"), required=False, max_length=60)
    available = forms.BooleanField(label=gettext_lazy("Available for new assignments"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = City.objects.select_related("province")


def _require_manager(request) -> None:
    if not request.user.has_perm("reviews.manage_assignments"):
        raise PermissionDenied


def _render_workload(request, *, import_form: ImportForm | None = None, import_errors=(), status: int = 200):
    cycles = cycles_visible_to(request.user).order_by("-year", "kind")
    form = WorkloadFilterForm(request.GET or None, cycles=cycles)
    rows = workload_queryset()
    cycle = None
    if form.is_valid():
        data = form.cleaned_data
        cycle = data["cycle"]
        rows = workload_queryset(cycle)
        if data["q"].strip():
            q = data["q"].strip()
            # A subquery, not a join: joining memberships here would multiply the counts.
            employed = Membership.objects.filter(role=Role.REVIEWER, employer__icontains=q).values("user_id")
            rows = rows.filter(Q(username__icontains=q) | Q(full_name__icontains=q)
                               | Q(reviewer_profile__employer__icontains=q) | Q(pk__in=employed))
        if data["available"] == "yes":
            rows = rows.exclude(reviewer_profile__available=False)
        elif data["available"] == "no":
            rows = rows.filter(reviewer_profile__available=False)
        rows = rows.order_by(*SORTS.get(data["sort"] or "username", SORTS["username"]))
    page, querystring = paginate(request, rows)
    return render(request, "reviews/reviewer_workload.html", {
        "form": form, "cycle": cycle, "page": page, "querystring": querystring,
        "rows": [(user, profile_for(user)) for user in page.object_list],
        "import_form": import_form or ImportForm(), "import_errors": list(import_errors),
        "import_heading": errors_heading(import_errors),
    }, status=status)


@login_required
def reviewer_workload(request):
    _require_manager(request)
    return _render_workload(request)


@login_required
@require_POST
def reviewer_import(request):
    _require_manager(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_workload(request, import_form=form, status=400)
    result = import_reviewers(form.cleaned_data["file"], by=request.user)
    if not result.ok:
        return _render_workload(request, import_form=form, import_errors=result.errors, status=400)
    messages.success(request, ngettext("Imported %(count)s reviewer profile.", "Imported %(count)s reviewer "
                                       "profiles.", len(result.profiles)) % {"count": len(result.profiles)})
    return redirect("reviewer_workload")


@login_required
def reviewer_export(request):
    _require_manager(request)
    return xlsx_response(reviewers_workbook(reviewers()), name="评审专家.xlsx", ascii_name="reviewers.xlsx",
                         by=request.user, table="reviewers")


@login_required
def reviewer_profile(request, user_pk: int):
    _require_manager(request)
    reviewer = get_object_or_404(reviewers(), pk=user_pk)
    profile = profile_for(reviewer)
    initial = {"expertise": "、".join(profile.expertise), "province": profile.province,
               "city": profile.city.code if profile.city else "", "employer": profile.employer,
               "title": profile.title, "available": profile.available}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            upsert_reviewer_profile(reviewer, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The profile of %(reviewer)s was saved.") % {"reviewer": reviewer})
            return redirect("reviewer_workload")
    return render(request, "reviews/reviewer_profile.html", {"reviewer": reviewer, "profile": profile,
                                                             "form": form})


urlpatterns = [
    path("reviewers/", reviewer_workload, name="reviewer_workload"),
    path("reviewers/import/", reviewer_import, name="reviewer_import"),
    path("reviewers/export.xlsx", reviewer_export, name="reviewer_export"),
    path("reviewers/<int:user_pk>/", reviewer_profile, name="reviewer_profile"),
]
