"""API of national and city plans, responsibility lists and their progress, coverage, the dashboard and the
notification preferences: reads through the plans selectors, writes through the plans services (as the pages)."""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cities.selectors import cities_visible_to
from cities.services import require
from ipcity.api import validated
from ipcity.dates import local_today
from plans import achievement
from plans.api import serializers as s
from plans.coverage import coverage, plan_for_year
from plans.dashboards import dashboard_roles, dashboard_sections, list_years
from plans.enums import OPEN_ITEM_STATUSES, CityPlanKind, ItemStatus
from plans.imports import import_list
from plans.models import (
    CityPlan,
    LeadershipMember,
    NationalPlan,
    NationalTarget,
    NationalTask,
    PlanTarget,
    PlanTask,
    ProgressEvidence,
    ProgressReport,
    ResponsibilityItem,
    ResponsibilityList,
)
from plans.reminders import preference_for, set_notification_preferences
from plans.selectors import city_plans_visible_to, items_visible_to, lists_visible_to, national_plans_visible_to
from plans.services import plans as plan_services
from plans.services import responsibility as list_services
from plans.views.responsibility import evidence_response, list_xlsx_response

DELETED = {204: None}
REPORTS = Prefetch("reports", queryset=ProgressReport.objects.select_related("reported_by", "verified_by")
                   .prefetch_related("evidence").order_by("-reported_at", "-id"))


def query_params(serializer_class, request) -> dict:
    """The validated query string of ``request`` (a 400 in the one error shape otherwise)."""
    serializer = serializer_class(data=request.query_params, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def created(serializer) -> Response:
    return Response(serializer.data, status=status.HTTP_201_CREATED)


# --- National plans -----------------------------------------------------------------------------------


class NationalPlanViewSet(viewsets.ReadOnlyModelViewSet):
    """The national annual work plans with their tasks and targets (every business user reads them)."""

    serializer_class = s.NationalPlanSerializer
    filterset_fields = ["year"]
    ordering_fields = ["year", "issued_on"]
    ordering = ["-year"]

    def get_queryset(self):
        return national_plans_visible_to(self.request.user).prefetch_related(
            Prefetch("tasks", queryset=NationalTask.objects.order_by("number")),
            Prefetch("tasks__targets", queryset=NationalTarget.objects.order_by("pk")))


# --- City plans ---------------------------------------------------------------------------------------


class CityPlanFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="city__code", label=_("City code"))
    province = django_filters.CharFilter(field_name="city__province__code", label=_("Province code"))
    kind = django_filters.ChoiceFilter(choices=CityPlanKind.choices)
    year = django_filters.NumberFilter(method="covers_year", label=_("Covers the year"))

    class Meta:
        model = CityPlan
        fields = ["city", "province", "kind", "year"]

    def covers_year(self, queryset, name, value):
        return queryset.filter(start_year__lte=value, end_year__gte=value)


class CityPlanViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """City plans with their targets, tasks and leadership group. The city's officers (and national staff)
    create and edit them."""

    serializer_class = s.CityPlanSerializer
    filterset_class = CityPlanFilter
    ordering_fields = ["start_year", "end_year", "created_at", "city__code"]
    ordering = ["city__province__code", "city__code", "-start_year", "id"]

    def get_queryset(self):
        return city_plans_visible_to(self.request.user).prefetch_related("targets", "tasks", "leadership")

    def filter_queryset(self, queryset):
        """The filters select plans of the list (``?year=`` of the achievement is not "covers the year")."""
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def editable_plan(self) -> CityPlan:
        """Out of scope is 404; in scope without the right to edit (province staff) is 403, as on the pages."""
        plan = self.get_object()
        require(self.request.user, "plans.edit_city_plan", plan)
        return plan

    @extend_schema(request=s.CityPlanCreateSerializer, responses={201: s.CityPlanSerializer},
                   summary="Create a city plan (the city's officer)")
    def create(self, request, *args, **kwargs):
        data = validated(s.CityPlanCreateSerializer, request)
        city = get_object_or_404(cities_visible_to(request.user), code=data.pop("city"))
        return created(s.CityPlanSerializer(plan_services.create_city_plan(city, by=request.user, **data)))

    @extend_schema(request=s.CityPlanChangeSerializer, responses=s.CityPlanSerializer,
                   summary="Change a city plan (the city's officer)")
    def partial_update(self, request, *args, **kwargs):
        plan = self.editable_plan()
        plan = plan_services.update_city_plan(plan, by=request.user, **validated(s.CityPlanChangeSerializer, request))
        return Response(s.CityPlanSerializer(plan).data)

    @extend_schema(request=None, parameters=[s.YearQuerySerializer], responses=s.PlanAchievementSerializer,
                   summary="Achievement of the plan's targets in a year (by default the latest with values)")
    @action(detail=True, methods=["get"])
    def achievement(self, request, pk=None):
        plan = self.get_object()
        year = (query_params(s.YearQuerySerializer, request).get("year") or achievement.latest_value_year(plan)
                or min(plan.end_year, local_today().year))
        return Response(s.PlanAchievementSerializer({
            "plan": plan.pk, "year": year, "targets": achievement.achievements_for(plan, year=year)}).data)

    @extend_schema(request=s.PlanTargetWriteSerializer, responses={201: s.PlanTargetSerializer},
                   summary="Add a target to a city plan")
    @action(detail=True, methods=["post"])
    def targets(self, request, pk=None):
        plan = self.editable_plan()
        target = plan_services.add_plan_target(plan, by=request.user,
                                               **validated(s.PlanTargetWriteSerializer, request))
        return created(s.PlanTargetSerializer(target))

    @extend_schema(request=s.PlanTaskWriteSerializer, responses={201: s.PlanTaskSerializer},
                   summary="Add a task to a city plan")
    @action(detail=True, methods=["post"])
    def tasks(self, request, pk=None):
        plan = self.editable_plan()
        task = plan_services.add_plan_task(plan, by=request.user, **validated(s.PlanTaskWriteSerializer, request))
        return created(s.PlanTaskSerializer(task))

    @extend_schema(request=s.LeadershipMemberWriteSerializer, responses={201: s.LeadershipMemberSerializer},
                   summary="Add a member to the plan's leadership group")
    @action(detail=True, methods=["post"])
    def leadership(self, request, pk=None):
        plan = self.editable_plan()
        member = plan_services.add_leadership_member(plan, by=request.user,
                                                     **validated(s.LeadershipMemberWriteSerializer, request))
        return created(s.LeadershipMemberSerializer(member))


class PlanPartViewSet(viewsets.GenericViewSet):
    """A target, task or leadership member of a city plan the user may see (edited by the plan's editors)."""

    model: type = PlanTarget

    def get_queryset(self):
        return self.model.objects.filter(plan__in=city_plans_visible_to(self.request.user)).select_related(
            "plan__city")

    def editable_part(self):
        part = self.get_object()
        require(self.request.user, "plans.edit_city_plan", part.plan)
        return part


class PlanTargetViewSet(PlanPartViewSet):
    model = PlanTarget
    serializer_class = s.PlanTargetSerializer

    @extend_schema(request=s.PlanTargetChangeSerializer, responses=s.PlanTargetSerializer,
                   summary="Change a target of a city plan")
    def partial_update(self, request, pk=None):
        target = plan_services.update_plan_target(self.editable_part(), by=request.user,
                                                  **validated(s.PlanTargetChangeSerializer, request))
        return Response(s.PlanTargetSerializer(target).data)

    @extend_schema(request=None, responses=DELETED, summary="Delete a target of a city plan")
    def destroy(self, request, pk=None):
        plan_services.delete_plan_target(self.editable_part(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlanTaskViewSet(PlanPartViewSet):
    model = PlanTask
    serializer_class = s.PlanTaskSerializer

    @extend_schema(request=s.PlanTaskChangeSerializer, responses=s.PlanTaskSerializer,
                   summary="Change a task of a city plan")
    def partial_update(self, request, pk=None):
        task = plan_services.update_plan_task(self.editable_part(), by=request.user,
                                              **validated(s.PlanTaskChangeSerializer, request))
        return Response(s.PlanTaskSerializer(task).data)

    @extend_schema(request=None, responses=DELETED, summary="Delete a task of a city plan")
    def destroy(self, request, pk=None):
        plan_services.delete_plan_task(self.editable_part(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LeadershipMemberViewSet(PlanPartViewSet):
    model = LeadershipMember
    serializer_class = s.LeadershipMemberSerializer

    @extend_schema(request=None, responses=DELETED, summary="Remove a member from a plan's leadership group")
    def destroy(self, request, pk=None):
        plan_services.delete_leadership_member(self.editable_part(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Responsibility lists and items -----------------------------------------------------------------------


class ResponsibilityListFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="city__code", label=_("City code"))
    province = django_filters.CharFilter(field_name="city__province__code", label=_("Province code"))
    year = django_filters.NumberFilter()

    class Meta:
        model = ResponsibilityList
        fields = ["city", "province", "year"]


class ResponsibilityListViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Responsibility lists (责任清单) with their counts; one list with its items. The city's officers create
    them."""

    filterset_class = ResponsibilityListFilter
    ordering_fields = ["year", "city__code"]
    ordering = ["-year", "city__province__code", "city__code"]

    def get_queryset(self):
        today = local_today()
        lists = lists_visible_to(self.request.user).annotate(
            item_count=Count("items", distinct=True),
            verified_count=Count("items", filter=Q(items__status=ItemStatus.VERIFIED), distinct=True),
            overdue_count=Count("items", filter=Q(items__status__in=sorted(OPEN_ITEM_STATUSES),
                                                  items__due_date__lt=today), distinct=True))
        if self.action == "retrieve":
            lists = lists.prefetch_related(Prefetch("items", queryset=ResponsibilityItem.objects.order_by("number")
                                                    .prefetch_related(REPORTS)))
        return lists

    def get_serializer_class(self):
        return s.ResponsibilityListDetailSerializer if self.action == "retrieve" else s.ResponsibilityListSerializer

    @extend_schema(request=s.ResponsibilityListCreateSerializer, responses={201: s.ResponsibilityListSerializer},
                   summary="Create the list of a city for a year (the city's officer)")
    def create(self, request, *args, **kwargs):
        data = validated(s.ResponsibilityListCreateSerializer, request)
        city = get_object_or_404(cities_visible_to(request.user), code=data.pop("city"))
        rlist = list_services.create_list(city, by=request.user, **data)
        return created(s.ResponsibilityListSerializer(self.get_queryset().get(pk=rlist.pk)))

    @extend_schema(request=None, responses={(200, "*/*"): OpenApiTypes.BINARY},
                   summary="The list in its Excel layout (责任清单.xlsx)")
    @action(detail=True, methods=["get"])
    def xlsx(self, request, pk=None):
        return list_xlsx_response(self.get_object(), request.user)

    @extend_schema(request={"multipart/form-data": s.ListWorkbookSerializer}, responses=s.ListImportResultSerializer,
                   summary="Replace the items with those of the Excel list (the list's editors): all or nothing")
    @action(detail=True, methods=["post"], url_path="import", url_name="import", parser_classes=[MultiPartParser])
    def import_items(self, request, pk=None):
        rlist = self.get_object()
        list_services.require_list_editor(request.user, rlist)  # before reading anything, as the page
        upload = validated(s.ListWorkbookSerializer, request)["file"]
        result = import_list(upload, rlist=rlist, by=request.user)
        if not result.ok:
            raise serializers.ValidationError({"file": [str(error) for error in result.errors]})
        return Response(s.ListImportResultSerializer(result).data)

    @extend_schema(request=None, parameters=[s.CoverageQuerySerializer], responses=s.PlanCoverageSerializer,
                   summary="Mandatory national tasks that no item of each city's list covers")
    @action(detail=False, methods=["get"])
    def coverage(self, request):
        params = query_params(s.CoverageQuerySerializer, request)
        year = params.get("year") or (NationalPlan.objects.order_by("-year").values_list("year", flat=True).first()
                                      or local_today().year)
        cities = cities_visible_to(request.user)
        for name, field in (("province", "province__code"), ("city", "code")):
            if params.get(name):
                cities = cities.filter(**{field: params[name]})
        national_plan, rows = plan_for_year(year), []
        if national_plan is not None:
            gaps = coverage(national_plan, year=year, cities=cities)
            lists = dict(ResponsibilityList.objects.filter(city__in=list(gaps), year=year)
                         .values_list("city_id", "pk"))
            rows = [{"city": city, "list": lists.get(city.pk), "missing": gaps[city.pk]}
                    for city in cities.filter(pk__in=list(gaps)).order_by("province__code", "code")]
        return Response(s.PlanCoverageSerializer({"year": year, "national_plan": national_plan,
                                                  "cities": rows}).data)


class ResponsibilityItemFilter(django_filters.FilterSet):
    list = django_filters.NumberFilter(field_name="list_id", label=_("List"))
    city = django_filters.CharFilter(field_name="list__city__code", label=_("City code"))
    province = django_filters.CharFilter(field_name="list__city__province__code", label=_("Province code"))
    year = django_filters.NumberFilter(field_name="list__year", label=_("Year of the list"))
    status = django_filters.ChoiceFilter(choices=ItemStatus.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Past its due date and not completed"))
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")

    class Meta:
        model = ResponsibilityItem
        fields = ["list", "city", "province", "year", "status", "overdue", "due_before", "due_after"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(due_date__lt=local_today(), status__in=sorted(OPEN_ITEM_STATUSES))
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class ResponsibilityItemViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Items of responsibility lists; one item with its progress reports and evidence. The list's editors add,
    change and delete items; the city's officers report progress."""

    filterset_class = ResponsibilityItemFilter
    ordering_fields = ["due_date", "number", "percent", "list__year"]
    ordering = ["-list__year", "list__city__code", "number"]

    serializer_class = s.ResponsibilityItemSerializer

    def get_queryset(self):
        return items_visible_to(self.request.user).prefetch_related(REPORTS)

    def editable_item(self) -> ResponsibilityItem:
        item = self.get_object()
        list_services.require_list_editor(self.request.user, item.list)
        return item

    @extend_schema(request=s.ResponsibilityItemCreateSerializer, responses={201: s.ResponsibilityItemSerializer},
                   summary="Add an item to a list (the list's editor)")
    def create(self, request, *args, **kwargs):
        data = validated(s.ResponsibilityItemCreateSerializer, request)
        rlist = get_object_or_404(lists_visible_to(request.user), pk=data.pop("list"))
        return created(s.ResponsibilityItemSerializer(list_services.add_item(rlist, by=request.user, **data)))

    @extend_schema(request=s.ResponsibilityItemChangeSerializer, responses=s.ResponsibilityItemSerializer,
                   summary="Change an item (the list's editor)")
    def partial_update(self, request, *args, **kwargs):
        item = self.editable_item()
        item = list_services.update_item(item, by=request.user,
                                         **validated(s.ResponsibilityItemChangeSerializer, request))
        return Response(s.ResponsibilityItemSerializer(item).data)

    @extend_schema(request=None, responses=DELETED, summary="Delete an item without progress reports")
    def destroy(self, request, *args, **kwargs):
        list_services.delete_item(self.editable_item(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request={"multipart/form-data": s.ProgressReportWriteSerializer},
                   responses={201: s.ProgressReportSerializer},
                   summary="Report progress, with evidence files (the city's officer)")
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def progress(self, request, pk=None):
        item = self.get_object()
        require(request.user, "plans.report_progress", item.list)
        report = list_services.report_progress(item, by=request.user,
                                               **validated(s.ProgressReportWriteSerializer, request))
        return created(s.ProgressReportSerializer(report))


class ProgressReportFilter(django_filters.FilterSet):
    item = django_filters.NumberFilter(field_name="item_id", label=_("Item"))
    list = django_filters.NumberFilter(field_name="item__list_id", label=_("List"))
    city = django_filters.CharFilter(field_name="item__list__city__code", label=_("City code"))
    awaiting = django_filters.BooleanFilter(method="filter_awaiting",
                                            label=_("Reports of completion awaiting the province's verdict"))

    class Meta:
        model = ProgressReport
        fields = ["item", "list", "city", "awaiting"]

    def filter_awaiting(self, queryset, name, value):
        awaiting = Q(verdict="", status=ItemStatus.COMPLETED, item__status=ItemStatus.COMPLETED)
        return queryset.filter(awaiting) if value else queryset.exclude(awaiting)


class ProgressReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Progress reports of the items the user may see, with their evidence; the province judges them."""

    serializer_class = s.ProgressReportSerializer
    filterset_class = ProgressReportFilter
    ordering_fields = ["reported_at", "verified_at"]
    ordering = ["-reported_at", "-id"]

    def get_queryset(self):
        return ProgressReport.objects.filter(item__in=items_visible_to(self.request.user)).select_related(
            "item__list__city", "reported_by", "verified_by").prefetch_related("evidence")

    @extend_schema(request=s.VerdictSerializer, responses=s.ProgressReportSerializer,
                   summary="Verify a reported completion or send it back with a reason (province staff)")
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        report = self.get_object()
        require(request.user, "plans.verify_progress", report.item.list)
        report = list_services.verify_progress(report, by=request.user, **validated(s.VerdictSerializer, request))
        return Response(s.ProgressReportSerializer(report).data)


class ProgressEvidenceViewSet(viewsets.GenericViewSet):
    """Evidence files of progress reports, downloaded by whoever may see the item."""

    def get_queryset(self):
        return ProgressEvidence.objects.filter(report__item__in=items_visible_to(self.request.user)).select_related(
            "report")

    @extend_schema(request=None, responses={(200, "*/*"): OpenApiTypes.BINARY},
                   summary="Download an evidence file")
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return evidence_response(self.get_object(), request.user)


# --- Dashboard and preferences ------------------------------------------------------------------------------


def _numbers(extra: dict) -> dict:
    return {key: value for key, value in extra.items() if value is None or isinstance(value, (int, Decimal))}


class DashboardView(APIView):
    @extend_schema(parameters=[s.YearQuerySerializer], responses=s.PlanDashboardSerializer,
                   summary="The numbers and tables of the user's dashboard (city, province, nation)")
    def get(self, request):
        if not dashboard_roles(request.user):  # as the page: a dashboard is for city, province and nation
            raise PermissionDenied(_("Dashboards are for city, province and national staff."))
        years = list_years(request.user)
        today = local_today()
        year = query_params(s.YearQuerySerializer, request).get("year") or (years[0] if years else today.year)
        sections = [{"role": section.role, "numbers": _numbers(section.extra), "tables": section.tables.values()}
                    for section in dashboard_sections(request.user, year=year, today=today)]
        return Response(s.PlanDashboardSerializer({"year": year, "years": years, "sections": sections}).data)


class NotificationPreferenceView(APIView):
    @extend_schema(responses=s.NotificationPreferenceSerializer, summary="My notification preferences")
    def get(self, request):
        return Response(s.NotificationPreferenceSerializer(preference_for(request.user)).data)

    @extend_schema(request=s.NotificationPreferenceSerializer, responses=s.NotificationPreferenceSerializer,
                   summary="Set my notification preferences")
    def put(self, request):
        preference = set_notification_preferences(request.user,
                                                  **validated(s.NotificationPreferenceSerializer, request))
        return Response(s.NotificationPreferenceSerializer(preference).data)
