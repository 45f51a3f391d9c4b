"""National annual work plans (read by every business user) and city plans (scoped like cities; the city's
officers and national administrators edit them)."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from cities.enums import BUSINESS_ROLES
from cities.models import City, Province
from cities.rules import city_ids_of
from cities.selectors import cities_visible_to, provinces_visible_to
from evaluations.basic_info import current_template
from evaluations.enums import AnswerType
from evaluations.models import Indicator
from ipcity.dates import local_today
from ipcity.forms import StyledForm
from ipcity.pagination import paginate
from plans import achievement
from plans.enums import CityPlanKind, Comparison, Requirement
from plans.models import CityPlan, NationalPlan, NationalTarget, PlanTarget, PlanTask
from plans.selectors import city_plans_visible_to, national_plans_visible_to
from plans.services import plans as plan_services

# --- Filters and forms (they validate input only) ------------------------------------------------------


class NationalPlanFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=gettext_lazy("Year"), field_name="year")

    class Meta:
        model = NationalPlan
        fields: list[str] = []
        form = StyledForm


class CityPlanFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=gettext_lazy("City or title"), method="filter_q")
    province = django_filters.ModelChoiceFilter(label=gettext_lazy("Province"), queryset=Province.objects.none(),
                                                field_name="city__province",
                                                empty_label=gettext_lazy("All provinces"))
    kind = django_filters.ChoiceFilter(label=pgettext_lazy("plan", "Kind"), choices=CityPlanKind.choices,
                                       empty_label=gettext_lazy("All kinds"))
    year = django_filters.NumberFilter(label=gettext_lazy("Covers the year"), method="filter_year")

    class Meta:
        model = CityPlan
        fields: list[str] = []
        form = StyledForm

    def __init__(self, *args, provinces=None, **kwargs):
        super().__init__(*args, **kwargs)
        if provinces is None:
            del self.filters["province"]
        else:
            self.filters["province"].queryset = provinces

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(city__full_name__icontains=value) | Q(title__icontains=value)
                               | Q(city__code__startswith=value))

    def filter_year(self, queryset, name, value):
        return queryset.filter(start_year__lte=value, end_year__gte=value)


class CityPlanForm(StyledForm):
    city = forms.ModelChoiceField(label=gettext_lazy("City"), queryset=City.objects.none())
    kind = forms.ChoiceField(label=pgettext_lazy("plan", "Kind"), choices=CityPlanKind.choices)
    title = forms.CharField(label=pgettext_lazy("plan", "Title"), max_length=200)
    start_year = forms.IntegerField(label=gettext_lazy("First year"), min_value=2000, max_value=2100)
    end_year = forms.IntegerField(label=gettext_lazy("Last year"), min_value=2000, max_value=2100)
    theme = forms.CharField(label=gettext_lazy("Featured theme"), max_length=200, required=False)
    source = forms.CharField(label=gettext_lazy("Source"), max_length=300, required=False)

    def __init__(self, *args, cities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cities is None:
            del self.fields["city"]
        else:
            self.fields["city"].queryset = cities


class TargetForm(StyledForm):
    area = forms.CharField(label=gettext_lazy("Area"), max_length=60, required=False)
    metric = forms.CharField(label=gettext_lazy("Metric"), max_length=200)
    comparison = forms.ChoiceField(label=gettext_lazy("Type"), choices=Comparison.choices)
    baseline_year = forms.IntegerField(label=gettext_lazy("Baseline year"), required=False, min_value=2000,
                                       max_value=2100)
    baseline_value = forms.DecimalField(label=gettext_lazy("Baseline value"), required=False, max_digits=16,
                                        decimal_places=4)
    target_value = forms.DecimalField(label=gettext_lazy("Target value"), required=False, max_digits=16,
                                      decimal_places=4,
                                      help_text=gettext_lazy("Growth targets in percent (6 for +6%); other targets "
                                                             "in the unit of the linked row."))
    text = forms.CharField(label=gettext_lazy("Target as written"), max_length=300, required=False)
    indicator = forms.ModelChoiceField(label=gettext_lazy("Row of the basic-information table"), required=False,
                                       queryset=Indicator.objects.none(),
                                       empty_label=gettext_lazy("Not linked (not computed)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        template = current_template()
        self.fields["indicator"].queryset = (
            Indicator.objects.filter(template=template, answer_type=AnswerType.NUMBER) if template
            else Indicator.objects.none())


class TaskForm(StyledForm):
    heading = forms.CharField(label=gettext_lazy("Heading"), max_length=200, required=False)
    text = forms.CharField(label=gettext_lazy("Task"), widget=forms.Textarea(attrs={"rows": 4}))
    lead_unit = forms.CharField(label=gettext_lazy("Lead unit"), max_length=100, required=False)
    responsible_units = forms.CharField(label=gettext_lazy("Responsible units"), required=False,
                                        help_text=gettext_lazy("Separated by 、 or commas."))


class LeaderForm(StyledForm):
    role = forms.CharField(label=gettext_lazy("Role in the group"), max_length=20)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60, required=False)
    post = forms.CharField(label=gettext_lazy("Post"), max_length=120)


# --- National plans -------------------------------------------------------------------------------------


def _require_business_user(user) -> None:
    """National plans are addressed to everyone in the program (reviewers included); the 三员 see no plans."""
    if not user.roles & BUSINESS_ROLES:
        raise PermissionDenied


def _require_plan_reader(user) -> None:
    if not user.has_perm("plans.view_plans"):
        raise PermissionDenied


@login_required
def national_plan_list(request):
    _require_business_user(request.user)
    plans = national_plans_visible_to(request.user).annotate(
        n_tasks=Count("tasks", distinct=True),
        n_mandatory=Count("tasks", filter=Q(tasks__requirement=Requirement.MANDATORY), distinct=True),
    ).order_by("-year")
    plan_filter = NationalPlanFilter(request.GET, queryset=plans)
    page, querystring = paginate(request, plan_filter.qs)
    return render(request, "plans/nationalplan_list.html", {"page": page, "querystring": querystring,
                                                            "filter": plan_filter})


@login_required
def national_plan_detail(request, pk: int):
    _require_business_user(request.user)
    plan = get_object_or_404(national_plans_visible_to(request.user), pk=pk)
    tasks = list(plan.tasks.prefetch_related(Prefetch("targets", queryset=NationalTarget.objects.order_by("pk"))))
    return render(request, "plans/nationalplan_detail.html", {
        "plan": plan, "tasks": tasks,
        "n_mandatory": sum(task.requirement == Requirement.MANDATORY for task in tasks)})


# --- City plans -----------------------------------------------------------------------------------------


def _visible_plan(request, pk: int) -> CityPlan:
    return get_object_or_404(city_plans_visible_to(request.user), pk=pk)


def _editable_plan(request, pk: int) -> CityPlan:
    """Out of scope is 404; in scope but read-only (province staff) is 403."""
    plan = _visible_plan(request, pk)
    if not request.user.has_perm("plans.edit_city_plan", plan):
        raise PermissionDenied
    return plan


def _editable_cities(user):
    cities = cities_visible_to(user)
    if user.has_perm("plans.manage_national_plans"):
        return cities
    return cities.filter(pk__in=city_ids_of(user))


@login_required
def city_plan_list(request):
    _require_plan_reader(request.user)
    user = request.user
    plans = city_plans_visible_to(user).annotate(
        n_targets=Count("targets", distinct=True), n_tasks=Count("tasks", distinct=True),
    ).order_by("city__province__code", "city__code", "-start_year")
    provinces = provinces_visible_to(user)
    plan_filter = CityPlanFilter(request.GET, queryset=plans,
                                 provinces=provinces if user.has_perm("plans.manage_national_plans") else None)
    page, querystring = paginate(request, plan_filter.qs)
    return render(request, "plans/cityplan_list.html", {
        "page": page, "querystring": querystring, "filter": plan_filter,
        "can_create": user.has_perm("plans.manage_national_plans") or bool(city_ids_of(user))})


def _chosen_year(request, plan: CityPlan) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    latest = achievement.latest_value_year(plan)
    return latest if latest is not None else min(plan.end_year, local_today().year)


@login_required
def city_plan_detail(request, pk: int):
    plan = _visible_plan(request, pk)
    year = _chosen_year(request, plan)
    achievements = achievement.achievements_for(plan, year=year)
    years = sorted({*range(plan.start_year - 1, plan.end_year + 1), year})
    return render(request, "plans/cityplan_detail.html", {
        "plan": plan, "year": year, "years": years, "achievements": achievements,
        "tasks": list(plan.tasks.all()), "leadership": list(plan.leadership.all()),
        "can_edit": request.user.has_perm("plans.edit_city_plan", plan),
        "leader_form": LeaderForm(),
    })


def _form_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def city_plan_create(request):
    if not (request.user.has_perm("plans.manage_national_plans") or city_ids_of(request.user)):
        raise PermissionDenied
    cities = _editable_cities(request.user)
    year = local_today().year
    form = CityPlanForm(request.POST or None, cities=cities, initial={"start_year": year, "end_year": year + 2})
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_services.create_city_plan(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The plan was created. Add its targets and tasks."))
            return redirect("city_plan_detail", pk=plan.pk)
    return render(request, "plans/cityplan_form.html", {"form": form, "plan": None})


@login_required
def city_plan_edit(request, pk: int):
    plan = _editable_plan(request, pk)
    initial = {name: getattr(plan, name) for name in plan_services.PLAN_FIELDS}
    form = CityPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.update_city_plan(plan, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The plan was saved."))
            return redirect("city_plan_detail", pk=plan.pk)
    return render(request, "plans/cityplan_form.html", {"form": form, "plan": plan})


def _child_form_page(request, plan: CityPlan, obj, *, form_class, initial: dict, add, update, success: str,
                     heading: str):
    """The add/edit page of a target or a task of ``plan``: validate, call the add or update service,
    show the service's refusal next to the fields."""
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if obj is None:
                add(plan, by=request.user, **form.cleaned_data)
            else:
                update(obj, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("city_plan_detail", pk=plan.pk)
    return render(request, "plans/cityplan_child_form.html", {"form": form, "plan": plan, "heading": heading})


def _target_form_page(request, plan: CityPlan, target: PlanTarget | None):
    initial = {name: getattr(target, name) for name in plan_services.TARGET_FIELDS} if target is not None else {}
    return _child_form_page(request, plan, target, form_class=TargetForm, initial=initial,
                            add=plan_services.add_plan_target, update=plan_services.update_plan_target,
                            success=_("The target was saved."),
                            heading=_("Edit target") if target is not None else _("New target"))


@login_required
def city_plan_target_add(request, pk: int):
    return _target_form_page(request, _editable_plan(request, pk), None)


@login_required
def city_plan_target_edit(request, pk: int, target_pk: int):
    plan = _editable_plan(request, pk)
    target = get_object_or_404(plan.targets.select_related("indicator"), pk=target_pk)
    target.plan = plan
    return _target_form_page(request, plan, target)


@login_required
@require_POST
def city_plan_target_delete(request, pk: int, target_pk: int):
    return _delete_child(request, pk, "targets", target_pk, plan_services.delete_plan_target,
                         _("The target was deleted."))


def _delete_child(request, pk: int, related: str, child_pk: int, service, success: str):
    """Delete a target, task or leadership member of a plan the user may edit, then back to the plan."""
    plan = _editable_plan(request, pk)
    child = get_object_or_404(getattr(plan, related), pk=child_pk)
    child.plan = plan
    service(child, by=request.user)
    messages.success(request, success)
    return redirect("city_plan_detail", pk=plan.pk)


def _task_form_page(request, plan: CityPlan, task: PlanTask | None):
    initial = ({"heading": task.heading, "text": task.text, "lead_unit": task.lead_unit,
                "responsible_units": "、".join(task.responsible_units)} if task is not None else {})
    return _child_form_page(request, plan, task, form_class=TaskForm, initial=initial,
                            add=plan_services.add_plan_task, update=plan_services.update_plan_task,
                            success=_("The task was saved."),
                            heading=_("Edit task") if task is not None else _("New task"))


@login_required
def city_plan_task_add(request, pk: int):
    return _task_form_page(request, _editable_plan(request, pk), None)


@login_required
def city_plan_task_edit(request, pk: int, task_pk: int):
    plan = _editable_plan(request, pk)
    task = get_object_or_404(plan.tasks, pk=task_pk)
    task.plan = plan
    return _task_form_page(request, plan, task)


@login_required
@require_POST
def city_plan_task_delete(request, pk: int, task_pk: int):
    return _delete_child(request, pk, "tasks", task_pk, plan_services.delete_plan_task, _("The task was deleted."))


@login_required
@require_POST
def city_plan_leader_add(request, pk: int):
    plan = _editable_plan(request, pk)
    form = LeaderForm(request.POST)
    if form.is_valid():
        try:
            plan_services.add_leadership_member(plan, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The member was added to the leadership group."))
    else:
        messages.error(request, _("The role and the post are required."))
    return redirect("city_plan_detail", pk=plan.pk)


@login_required
@require_POST
def city_plan_leader_delete(request, pk: int, member_pk: int):
    return _delete_child(request, pk, "leadership", member_pk, plan_services.delete_leadership_member,
                         _("The member was removed from the leadership group."))


urlpatterns = [
    path("plans/national/", national_plan_list, name="national_plan_list"),
    path("plans/national/<int:pk>/", national_plan_detail, name="national_plan_detail"),
    path("plans/cities/", city_plan_list, name="city_plan_list"),
    path("plans/cities/new/", city_plan_create, name="city_plan_create"),
    path("plans/cities/<int:pk>/", city_plan_detail, name="city_plan_detail"),
    path("plans/cities/<int:pk>/edit/", city_plan_edit, name="city_plan_edit"),
    path("plans/cities/<int:pk>/targets/new/", city_plan_target_add, name="city_plan_target_add"),
    path("plans/cities/<int:pk>/targets/<int:target_pk>/", city_plan_target_edit, name="city_plan_target_edit"),
    path("plans/cities/<int:pk>/targets/<int:target_pk>/delete/", city_plan_target_delete,
         name="city_plan_target_delete"),
    path("plans/cities/<int:pk>/tasks/new/", city_plan_task_add, name="city_plan_task_add"),
    path("plans/cities/<int:pk>/tasks/<int:task_pk>/", city_plan_task_edit, name="city_plan_task_edit"),
    path("plans/cities/<int:pk>/tasks/<int:task_pk>/delete/", city_plan_task_delete, name="city_plan_task_delete"),
    path("plans/cities/<int:pk>/leadership/", city_plan_leader_add, name="city_plan_leader_add"),
    path("plans/cities/<int:pk>/leadership/<int:member_pk>/delete/", city_plan_leader_delete,
         name="city_plan_leader_delete"),
]
