"""Cycles: the national administration creates, opens and closes them; everyone sees the open ones."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cities.enums import Role
from cities.models import City, Province
from cities.rules import city_ids_of
from evaluations import eligibility
from evaluations.enums import CycleKind, CycleStatus
from evaluations.forms import ChecklistItemForm, CycleFilterForm, CycleForm, QuotaForm
from evaluations.selectors import applications_visible_to, cycles_visible_to, due_cities
from evaluations.services import applications as application_services
from evaluations.services import cycles as cycle_services
from evaluations.views.common import attempt
from ipcity.dates import local_today
from ipcity.pagination import paginate


@login_required
def cycle_list(request):
    if not request.user.roles:
        raise PermissionDenied
    cycles = cycles_visible_to(request.user).annotate(n_applications=Count("applications")).order_by("-year", "kind")
    form = CycleFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            cycles = cycles.filter(kind=data["kind"])
        if data["year"]:
            cycles = cycles.filter(year=data["year"])
        if data["status"]:
            cycles = cycles.filter(status=data["status"])
    page, querystring = paginate(request, cycles)
    return render(request, "evaluations/cycle_list.html", {
        "page": page, "querystring": querystring, "form": form,
        "can_manage": request.user.has_perm("evaluations.manage_cycles")})


@login_required
def cycle_create(request):
    if not request.user.has_perm("evaluations.manage_cycles"):
        raise PermissionDenied
    form = CycleForm(request.POST or None, initial={"year": local_today().year})
    if request.method == "POST" and form.is_valid():
        try:
            cycle = cycle_services.create_cycle(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The cycle was created. Check its quotas and conditions, then open it."))
            return redirect("cycle_detail", pk=cycle.pk)
    return render(request, "evaluations/cycle_form.html", {"form": form})


@login_required
def cycle_detail(request, pk: int):
    cycle = get_object_or_404(cycles_visible_to(request.user), pk=pk)
    user = request.user
    context = {"cycle": cycle, "today": local_today(), "can_manage": user.has_perm("evaluations.manage_cycles"),
               "checklist": list(cycle.checklist.all()),
               "quotas": list(cycle.quotas.select_related("province").order_by("province__code"))}
    if context["can_manage"]:
        context["quota_form"] = QuotaForm(provinces=Province.objects.all())
        context["checklist_form"] = ChecklistItemForm() if not cycle.status == CycleStatus.CLOSED else None
    if user.has_perm("evaluations.act_as_national") and not cycle.is_draft:
        context["due"] = due_cities(cycle)
    own = applications_visible_to(user).filter(cycle=cycle)
    context["own_applications"] = list(own.filter(city_id__in=city_ids_of(user))) if user.has_role(
        Role.CITY_OFFICER) else []
    if user.has_role(Role.CITY_OFFICER) and cycle.status == CycleStatus.OPEN:
        started = {a.city_id for a in context["own_applications"]}
        candidates = City.objects.filter(pk__in=city_ids_of(user)).exclude(pk__in=started).prefetch_related(
            "designations")
        context["startable"] = [(city, eligibility.eligibility_failures(city, cycle, on=local_today()))
                                for city in candidates]
    return render(request, "evaluations/cycle_detail.html", context)


@login_required
@require_POST
def cycle_open(request, pk: int):
    cycle = get_object_or_404(cycles_visible_to(request.user), pk=pk)
    opened = attempt(request, lambda: cycle_services.open_cycle(cycle, by=request.user), _("The cycle is open."))
    # The drafts the opening made are the cities' until submitted (not visible to national staff): the due list
    # names them.
    if opened and cycle.kind == CycleKind.RE_REVIEW and not due_cities(cycle):
        messages.warning(request, _("No demonstration title's term or rectification ends in %(year)s: no city is due "
                                    "for re-review in this cycle and no draft was created.") % {"year": cycle.year})
    return redirect("cycle_detail", pk=cycle.pk)


@login_required
@require_POST
def cycle_close(request, pk: int):
    cycle = get_object_or_404(cycles_visible_to(request.user), pk=pk)
    attempt(request, lambda: cycle_services.close_cycle(cycle, by=request.user), _("The cycle is closed."))
    return redirect("cycle_detail", pk=cycle.pk)


@login_required
@require_POST
def cycle_quota(request, pk: int):
    cycle = get_object_or_404(cycles_visible_to(request.user), pk=pk)
    if not request.user.has_perm("evaluations.manage_cycles"):
        raise PermissionDenied
    form = QuotaForm(request.POST, provinces=Province.objects.all())
    if form.is_valid():
        attempt(request, lambda: cycle_services.set_quota(cycle, province=form.cleaned_data["province"],
                                                           quota=form.cleaned_data["quota"], by=request.user),
                _("The quota was saved."))
    else:
        messages.error(request, _("Choose a province and a number."))
    return redirect("cycle_detail", pk=cycle.pk)


@login_required
@require_POST
def cycle_checklist_add(request, pk: int):
    cycle = get_object_or_404(cycles_visible_to(request.user), pk=pk)
    form = ChecklistItemForm(request.POST)
    if form.is_valid():
        attempt(request, lambda: cycle_services.add_checklist_item(cycle, by=request.user, **form.cleaned_data),
                _("The condition was added."))
    else:
        messages.error(request, _("The condition's text is required."))
    return redirect("cycle_detail", pk=cycle.pk)


@login_required
@require_POST
def cycle_checklist_remove(request, pk: int, item_pk: int):
    cycle = get_object_or_404(cycles_visible_to(request.user), pk=pk)
    item = get_object_or_404(cycle.checklist, pk=item_pk)
    attempt(request, lambda: cycle_services.remove_checklist_item(item, by=request.user), _("The condition was removed."))
    return redirect("cycle_detail", pk=cycle.pk)


@login_required
@require_POST
def application_start(request, pk: int, code: str):
    cycle = get_object_or_404(cycles_visible_to(request.user), pk=pk)
    city = get_object_or_404(City.objects.filter(pk__in=city_ids_of(request.user)), code=code)
    try:
        application = application_services.start_application(cycle, city, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("cycle_detail", pk=cycle.pk)
    messages.success(request, _("The application was started. Fill in the materials, then submit it."))
    return redirect("application_detail", pk=application.pk)


urlpatterns = [
    path("cycles/", cycle_list, name="cycle_list"),
    path("cycles/new/", cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/open/", cycle_open, name="cycle_open"),
    path("cycles/<int:pk>/close/", cycle_close, name="cycle_close"),
    path("cycles/<int:pk>/quota/", cycle_quota, name="cycle_quota"),
    path("cycles/<int:pk>/checklist/", cycle_checklist_add, name="cycle_checklist_add"),
    path("cycles/<int:pk>/checklist/<int:item_pk>/remove/", cycle_checklist_remove, name="cycle_checklist_remove"),
    path("cycles/<int:pk>/start/<str:code>/", application_start, name="application_start"),
]
