"""Responsibility lists (责任清单): the scoped index, a list with its progress, Excel export and import, items with
their progress history and evidence, the province's verdicts, and the coverage of the national plan."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cities.enums import Role
from cities.models import City
from cities.rules import city_ids_of, is_national_admin, is_province_staff
from cities.selectors import cities_visible_to
from evaluations.imports import errors_heading
from evaluations.materials import ACCEPT_ATTRIBUTE, ACCEPTED_EXTENSIONS
from ipcity.dates import local_today
from ipcity.downloads import private_file_response, xlsx_response
from ipcity.forms import StyledForm
from ipcity.pagination import paginate
from plans.coverage import coverage, plan_for_year
from plans.enums import OPEN_ITEM_STATUSES, ItemStatus
from plans.exports.list_xlsx import UNIT_JOINER, responsibility_list_workbook
from plans.imports import import_list
from plans.models import (
    NationalPlan,
    NationalTask,
    PlanTarget,
    ProgressEvidence,
    ProgressReport,
    ResponsibilityItem,
    ResponsibilityList,
)
from plans.selectors import items_visible_to, lists_visible_to
from plans.workdays import deadline_notes
from plans.services import responsibility as services

logger = logging.getLogger(__name__)
FIRST_YEAR, LAST_YEAR = 2000, 2100


# --- Forms (input only; the services decide) --------------------------------------------------


class ListFilterForm(StyledForm):
    city = forms.ModelChoiceField(label=gettext_lazy("City"), queryset=City.objects.none(), required=False,
                                  to_field_name="code", empty_label=gettext_lazy("All cities"))
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, cities, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities
        self.fields["year"].choices = [("", _("All years")), *((year, year) for year in years)]


class ListCreateForm(StyledForm):
    city = forms.ModelChoiceField(label=gettext_lazy("City"), queryset=City.objects.none(), empty_label=None)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    title = forms.CharField(label=pgettext_lazy("list", "Title"), max_length=200, required=False,
                            help_text=gettext_lazy("Leave empty for the standard name: the year followed by "
                                                   "“年工作计划责任清单”."))

    def __init__(self, *args, cities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities


class ItemForm(StyledForm):
    number = forms.IntegerField(label=gettext_lazy("Number"), min_value=1, required=False,
                                help_text=gettext_lazy("Empty: after the last item."))
    work_area = forms.CharField(label=gettext_lazy("Work area"), max_length=200)
    task = forms.CharField(label=gettext_lazy("Task"), widget=forms.Textarea(attrs={"rows": 3}))
    completion_standard = forms.CharField(label=gettext_lazy("Completion standard"), required=False,
                                          widget=forms.Textarea(attrs={"rows": 3}))
    responsible_units = forms.CharField(label=gettext_lazy("Responsible units"), required=False,
                                        help_text=gettext_lazy("Separated by “、”; the first is the lead unit."))
    due_date = forms.DateField(label=gettext_lazy("Due date"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    national_task = forms.ModelChoiceField(label=gettext_lazy("National task covered"), required=False,
                                           queryset=NationalTask.objects.none())
    plan_target = forms.ModelChoiceField(label=gettext_lazy("Plan target"), required=False,
                                         queryset=PlanTarget.objects.none())

    def __init__(self, *args, rlist: ResponsibilityList, **kwargs):
        super().__init__(*args, **kwargs)
        plan = plan_for_year(rlist.year)  # the plan in force for the list's year
        self.fields["national_task"].queryset = NationalTask.objects.filter(plan=plan).order_by("number")
        self.fields["plan_target"].queryset = PlanTarget.objects.filter(plan__city=rlist.city)

    @staticmethod
    def initial_for(item: ResponsibilityItem) -> dict:
        return {"number": item.number, "work_area": item.work_area, "task": item.task,
                "completion_standard": item.completion_standard,
                "responsible_units": UNIT_JOINER.join(item.responsible_units), "due_date": item.due_date,
                "national_task": item.national_task_id, "plan_target": item.plan_target_id}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(one, initial) for one in data if one]
        return [super().clean(data, initial)] if data else []


class ProgressForm(StyledForm):
    status = forms.ChoiceField(label=gettext_lazy("Status"),
                               choices=[(s.value, s.label) for s in services.REPORTABLE_STATUSES])
    percent = forms.IntegerField(label=gettext_lazy("Percent complete"), min_value=0, max_value=100)
    actual_value = forms.DecimalField(label=gettext_lazy("Actual value"), required=False, max_digits=16,
                                      decimal_places=4)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    # Empty files reach the service, which explains the refusal in its own words.
    evidence_files = MultipleFileField(label=gettext_lazy("Evidence files"), required=False, allow_empty_file=True)

    def __init__(self, *args, item: ResponsibilityItem, **kwargs):
        kwargs.setdefault("auto_id", f"id_item{item.pk}_%s")
        status = item.status if item.status in services.REPORTABLE_STATUSES else ItemStatus.IN_PROGRESS
        kwargs.setdefault("initial", {"status": status, "percent": item.percent})
        super().__init__(*args, **kwargs)
        self.fields["evidence_files"].help_text = _("Accepted types: %(types)s.") % {"types": ACCEPTED_EXTENSIONS}


class VerdictForm(StyledForm):
    verdict = forms.ChoiceField(choices=[(v.value, v.label) for v in services.VERDICTS], widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(StyledForm):
    # Empty and oversized files are refused by the importer with its own messages.
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"), allow_empty_file=True,
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


# --- Helpers -------------------------------------------------------------------------------------


def flash_errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def flash_form_errors(request, form: forms.Form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


def visible_list(request, pk: int) -> ResponsibilityList:
    return get_object_or_404(lists_visible_to(request.user), pk=pk)


def visible_item(request, pk: int) -> ResponsibilityItem:
    return get_object_or_404(items_visible_to(request.user), pk=pk)


def is_overdue(item: ResponsibilityItem, today) -> bool:
    return item.due_date is not None and item.due_date < today and item.status in OPEN_ITEM_STATUSES


def reports_prefetch(*, evidence: bool = False) -> Prefetch:
    reports = ProgressReport.objects.select_related("reported_by", "verified_by").order_by("-reported_at", "-id")
    if evidence:
        reports = reports.prefetch_related("evidence")
    return Prefetch("reports", queryset=reports, to_attr="report_list")


class ItemRow:
    """An item as a list or item page shows it, with the forms the user may use on it."""

    def __init__(self, item: ResponsibilityItem, *, today, can_report: bool, can_verify: bool, notes=None):
        self.item = item
        self.deadline_note = (notes if notes is not None else deadline_notes([item.due_date])).get(item.due_date, "")
        self.reports = item.report_list
        self.latest = self.reports[0] if self.reports else None
        self.overdue = is_overdue(item, today)
        self.progress_form = (ProgressForm(item=item)
                              if can_report and item.status != ItemStatus.VERIFIED else None)
        self.awaiting_verdict = (self.latest is not None and not self.latest.verdict
                                 and self.latest.status == ItemStatus.COMPLETED
                                 and item.status == ItemStatus.COMPLETED)
        self.may_verify = can_verify and self.awaiting_verdict


def permissions(user, rlist: ResponsibilityList) -> dict:
    return {"can_edit": services.may_edit_list(user, rlist),
            "can_report": user.has_perm("plans.report_progress", rlist),
            "can_verify": user.has_perm("plans.verify_progress", rlist)}


def gaps_for(rlist: ResponsibilityList) -> tuple[NationalPlan | None, list[NationalTask]]:
    plan = plan_for_year(rlist.year)
    if plan is None:
        return None, []
    return plan, coverage(plan, year=rlist.year, cities=[rlist.city]).get(rlist.city_id, [])


# --- Lists ---------------------------------------------------------------------------------------


@login_required
@require_GET
def list_index(request):
    user = request.user
    if not user.has_perm("plans.view_plans"):
        raise PermissionDenied
    today = local_today()
    visible = lists_visible_to(user)
    cities = cities_visible_to(user).filter(responsibility_lists__in=visible).distinct().order_by("code")
    years = sorted(set(visible.values_list("year", flat=True)), reverse=True)
    filter_form = ListFilterForm(request.GET or None, cities=cities, years=years)
    lists = visible.annotate(
        item_count=Count("items", distinct=True),
        verified_count=Count("items", filter=Q(items__status=ItemStatus.VERIFIED), distinct=True),
        overdue_count=Count("items", filter=Q(items__status__in=OPEN_ITEM_STATUSES, items__due_date__lt=today),
                            distinct=True),
    ).order_by("-year", "city__province__code", "city__code")
    if filter_form.is_valid():
        if filter_form.cleaned_data["city"] is not None:
            lists = lists.filter(city=filter_form.cleaned_data["city"])
        if filter_form.cleaned_data["year"] is not None:
            lists = lists.filter(year=filter_form.cleaned_data["year"])
    page, querystring = paginate(request, lists)
    own_cities = City.objects.filter(pk__in=city_ids_of(user)).order_by("code")
    create_form = ListCreateForm(cities=own_cities, initial={"year": today.year}) if city_ids_of(user) else None
    return render(request, "plans/responsibilitylist_index.html", {
        "filter": filter_form, "page": page, "querystring": querystring, "create_form": create_form,
        "show_coverage": is_national_admin(user) or is_province_staff(user),
    })


@login_required
@require_POST
def list_create(request):
    if not city_ids_of(request.user):
        raise PermissionDenied  # only a city's officers start its lists here (nothing to choose from otherwise)
    own_cities = City.objects.filter(pk__in=city_ids_of(request.user))
    form = ListCreateForm(request.POST, cities=own_cities)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("list_index")
    data = form.cleaned_data
    try:
        rlist = services.create_list(data["city"], year=data["year"], title=data["title"], by=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("list_index")
    messages.success(request, _("The list “%(title)s” was created.") % {"title": rlist.title})
    return redirect("list_detail", pk=rlist.pk)


def render_list(request, rlist: ResponsibilityList, *, import_form=None, import_errors=(), status: int = 200):
    user = request.user
    today = local_today()
    perms = permissions(user, rlist)
    items = list(rlist.items.select_related("national_task").prefetch_related(reports_prefetch()).order_by("number"))
    groups: list[tuple[str, list[ItemRow]]] = []
    notes = deadline_notes(item.due_date for item in items)
    for item in items:
        row = ItemRow(item, today=today, can_report=perms["can_report"], can_verify=perms["can_verify"], notes=notes)
        if not groups or groups[-1][0] != item.work_area:
            groups.append((item.work_area, []))
        groups[-1][1].append(row)
    national_plan, gaps = gaps_for(rlist)
    return render(request, "plans/responsibilitylist_detail.html", {
        "rlist": rlist, "groups": groups, "item_count": len(items), **perms,
        "overdue_count": sum(1 for item in items if is_overdue(item, today)),
        "national_plan": national_plan, "gaps": gaps,
        "import_form": import_form or (ImportForm() if perms["can_edit"] else None),
        "import_errors": list(import_errors), "verdicts": ItemStatus,
        "trail": [(reverse("list_index"), _("Responsibility lists"))],
    }, status=status)


@login_required
@require_GET
def list_detail(request, pk: int):
    return render_list(request, visible_list(request, pk))


@login_required
@require_GET
def list_xlsx(request, pk: int):
    return list_xlsx_response(visible_list(request, pk), request.user)


def list_xlsx_response(rlist: ResponsibilityList, user) -> HttpResponse:
    """The list in 抚顺's Excel layout, as an attachment (the page and the API)."""
    return xlsx_response(responsibility_list_workbook(rlist),
                         name=f"责任清单-{rlist.city.full_name or rlist.city.name}-{rlist.year}.xlsx",
                         ascii_name=f"responsibility-list-{rlist.city.code}-{rlist.year}.xlsx", by=user, obj=rlist,
                         table="responsibility-list")


@login_required
@require_POST
def list_import(request, pk: int):
    rlist = visible_list(request, pk)
    if not services.may_edit_list(request.user, rlist):
        raise PermissionDenied
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_list(request, rlist, import_form=form)
    result = import_list(form.cleaned_data["file"], rlist=rlist, by=request.user)
    if not result.ok:
        messages.error(request, errors_heading(result.errors))
        return render_list(request, rlist, import_form=form, import_errors=result.errors)
    messages.success(request, _("Imported: %(added)s added, %(updated)s changed, %(deleted)s removed, "
                                "%(unchanged)s unchanged.") % {
        "added": result.added, "updated": result.updated, "deleted": result.deleted, "unchanged": result.unchanged})
    return redirect("list_detail", pk=rlist.pk)


# --- Items ---------------------------------------------------------------------------------------


def _item_changes(form: ItemForm) -> dict:
    data = dict(form.cleaned_data)
    data["responsible_units"] = services.split_units(data["responsible_units"])
    data["lead_unit"] = ""
    return data


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request, pk: int):
    rlist = visible_list(request, pk)
    if not services.may_edit_list(request.user, rlist):
        raise PermissionDenied
    form = ItemForm(request.POST or None, rlist=rlist)
    if request.method == "POST" and form.is_valid():
        data = _item_changes(form)
        try:
            item = services.add_item(rlist, by=request.user, **data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Item %(number)s was added.") % {"number": item.number})
            return redirect("list_detail", pk=rlist.pk)
    return render(request, "plans/responsibilityitem_form.html", {"rlist": rlist, "form": form, "item": None})


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int):
    item = visible_item(request, pk)
    rlist = item.list
    if not services.may_edit_list(request.user, rlist):
        raise PermissionDenied
    form = ItemForm(request.POST or None, rlist=rlist, initial=ItemForm.initial_for(item))
    if request.method == "POST" and form.is_valid():
        data = _item_changes(form)
        if data["number"] is None:
            data["number"] = item.number
        if data["due_date"] is None:
            data["due_date"] = services.default_due_date(rlist.year)
        try:
            services.update_item(item, by=request.user, **data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Item %(number)s was saved.") % {"number": data["number"]})
            return redirect("list_detail", pk=rlist.pk)
    return render(request, "plans/responsibilityitem_form.html", {"rlist": rlist, "form": form, "item": item})


def _add_service_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_POST
def item_delete(request, pk: int):
    item = visible_item(request, pk)
    rlist = item.list
    number = item.number
    try:
        services.delete_item(item, by=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Item %(number)s was deleted.") % {"number": number})
    return redirect("list_detail", pk=rlist.pk)


@login_required
@require_GET
def item_detail(request, pk: int):
    items = items_visible_to(request.user).prefetch_related(reports_prefetch(evidence=True))
    item = get_object_or_404(items, pk=pk)
    perms = permissions(request.user, item.list)
    row = ItemRow(item, today=local_today(), can_report=perms["can_report"], can_verify=perms["can_verify"])
    return render(request, "plans/responsibilityitem_detail.html", {
        "rlist": item.list, "item": item, "row": row, **perms, "verdicts": ItemStatus,
        "trail": [(reverse("list_index"), _("Responsibility lists")),
                  (reverse("list_detail", args=[item.list_id]), item.list.title)],
        "here": _("Item %(number)s") % {"number": item.number}})


def _back(request, item: ResponsibilityItem):
    if request.POST.get("back") == "list":
        return redirect(f"{reverse('list_detail', args=[item.list_id])}#item-{item.pk}")
    return redirect("item_detail", pk=item.pk)


@login_required
@require_POST
def item_progress(request, pk: int):
    item = visible_item(request, pk)
    if not request.user.has_perm("plans.report_progress", item.list):
        raise PermissionDenied
    form = ProgressForm(request.POST, request.FILES, item=item)
    if not form.is_valid():
        flash_form_errors(request, form)
        return _back(request, item)
    data = form.cleaned_data
    try:
        services.report_progress(item, status=data["status"], percent=data["percent"],
                                 actual_value=data["actual_value"], note=data["note"],
                                 evidence_files=data["evidence_files"], by=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Progress of item %(number)s was reported.") % {"number": item.number})
    return _back(request, item)


@login_required
@require_POST
def progress_verify(request, pk: int):
    reports = ProgressReport.objects.select_related("item__list__city").filter(
        item__in=items_visible_to(request.user))
    report = get_object_or_404(reports, pk=pk)
    item = report.item
    if not request.user.has_perm("plans.verify_progress", item.list):
        raise PermissionDenied
    form = VerdictForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return _back(request, item)
    try:
        services.verify_progress(report, verdict=form.cleaned_data["verdict"], reason=form.cleaned_data["reason"],
                                 by=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Item %(number)s: %(verdict)s.") % {
            "number": item.number, "verdict": ItemStatus(form.cleaned_data["verdict"]).label})
    return _back(request, item)


@login_required
@require_GET
def evidence_download(request, pk: int):
    evidence = get_object_or_404(
        ProgressEvidence.objects.select_related("report__item").filter(
            report__item__list__city__in=cities_visible_to(request.user)), pk=pk)
    return evidence_response(evidence, request.user)


def evidence_response(evidence, user):
    """An evidence file as an attachment (the page and the API)."""
    return private_file_response(evidence.file, filename=evidence.original_name, content_type=evidence.content_type,
                                 obj=evidence, sha256=evidence.sha256, by=user)


# --- Coverage ------------------------------------------------------------------------------------


@login_required
@require_GET
def coverage_view(request):
    user = request.user
    if not (is_national_admin(user) or is_province_staff(user)):
        raise PermissionDenied
    plans = list(NationalPlan.objects.order_by("-year").only("pk", "year", "title"))
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and FIRST_YEAR <= int(year) <= LAST_YEAR else (
        plans[0].year if plans else local_today().year)
    national_plan = plan_for_year(year)
    rows = []
    if national_plan is not None:
        gaps = coverage(national_plan, year=year, cities=cities_visible_to(user))
        cities = City.objects.filter(pk__in=list(gaps)).select_related("province").order_by("province__code", "code")
        lists = dict(ResponsibilityList.objects.filter(city__in=list(gaps), year=year).values_list("city_id", "pk"))
        rows = [{"city": city, "list_pk": lists.get(city.pk), "missing": gaps[city.pk]} for city in cities]
    return render(request, "plans/responsibilitylist_coverage.html", {
        "year": year, "years": sorted({plan.year for plan in plans} | {year}, reverse=True),
        "national_plan": national_plan, "rows": rows,
        "gap_count": sum(1 for row in rows if row["missing"]),
        "is_national": user.has_role(Role.NATIONAL_ADMIN),
    })


urlpatterns = [
    path("responsibility/", list_index, name="list_index"),
    path("responsibility/new/", list_create, name="list_create"),
    path("responsibility/coverage/", coverage_view, name="coverage_view"),
    path("responsibility/<int:pk>/", list_detail, name="list_detail"),
    path("responsibility/<int:pk>/xlsx/", list_xlsx, name="list_xlsx"),
    path("responsibility/<int:pk>/import/", list_import, name="list_import"),
    path("responsibility/<int:pk>/items/new/", item_create, name="item_create"),
    path("responsibility/items/<int:pk>/", item_detail, name="item_detail"),
    path("responsibility/items/<int:pk>/edit/", item_edit, name="item_edit"),
    path("responsibility/items/<int:pk>/delete/", item_delete, name="item_delete"),
    path("responsibility/items/<int:pk>/progress/", item_progress, name="item_progress"),
    path("responsibility/progress/<int:pk>/verify/", progress_verify, name="progress_verify"),
    path("responsibility/evidence/<int:pk>/download/", evidence_download, name="evidence_download"),
]
