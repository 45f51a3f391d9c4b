"""API of cycles, applications and their workflow, materials and the basic-information table.

Reads go through the selectors (out of scope = 404); writes call the services the pages call, with the
permission check the page makes before calling them.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from cities.models import Province
from cities.services import require
from evaluations.api import serializers as s
from evaluations.basic_info import current_template, ensure_editable, save_indicator_values
from evaluations.imports import import_basic_info
from evaluations.enums import ApplicationState, CycleKind
from evaluations.materials import get_visible_file_or_404, materials_for, upload_material
from evaluations.models import Application, Indicator, IndicatorValue, MaterialFile, ProvinceQuota
from evaluations.selectors import (
    applications_visible_to,
    cycles_visible_to,
    filter_shown_state,
    indicator_values_visible_to,
)
from evaluations.services import applications as services
from evaluations.services import cycles as cycle_services
from evaluations.services import national, province
from evaluations.views.basic_info import table_of, table_xlsx_response
from evaluations.views.materials import download_response
from ipcity.api import validated

PROVINCE = "evaluations.act_as_province"
NATIONAL = "evaluations.act_as_national"


# --- Cycles ----------------------------------------------------------------------------------------


class CycleViewSet(viewsets.ReadOnlyModelViewSet):
    """Evaluation cycles. National staff create, open and close them and set quotas and conditions."""

    serializer_class = s.CycleSerializer
    filterset_fields = ["kind", "year", "status"]
    ordering_fields = ["year", "kind", "created_at"]
    ordering = ["-year", "kind"]

    def get_queryset(self):
        quotas = ProvinceQuota.objects.select_related("province").order_by("province__code")
        return cycles_visible_to(self.request.user).prefetch_related("checklist", Prefetch("quotas", quotas))

    def _respond(self, cycle, status_code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=cycle.pk)).data, status=status_code)

    @extend_schema(request=s.CycleSerializer, responses={201: s.CycleSerializer},
                   summary="Create a cycle (national staff)")
    def create(self, request, *args, **kwargs):
        cycle = cycle_services.create_cycle(by=request.user, **validated(s.CycleSerializer, request))
        return self._respond(cycle, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.CycleSerializer, summary="Open the cycle (national staff)")
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self._respond(cycle_services.open_cycle(self.get_object(), by=request.user))

    @extend_schema(request=None, responses=s.CycleSerializer, summary="Close the cycle (national staff)")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._respond(cycle_services.close_cycle(self.get_object(), by=request.user))

    @extend_schema(request=s.QuotaInputSerializer, responses=s.CycleSerializer,
                   summary="Set or clear a province's quota (national staff)")
    @action(detail=True, methods=["post"])
    def quota(self, request, pk=None):
        cycle = self.get_object()
        require(request.user, "evaluations.manage_cycles")
        data = validated(s.QuotaInputSerializer, request)
        found = Province.objects.filter(code=data["province"]).first()
        if found is None:
            raise serializers.ValidationError({"province": [_("No such province.")]})
        cycle_services.set_quota(cycle, province=found, quota=data["quota"], by=request.user)
        return self._respond(cycle)

    @extend_schema(request=s.ChecklistItemInputSerializer, responses={201: s.ChecklistItemSerializer},
                   summary="Add a condition the province attests (national staff)")
    @action(detail=True, methods=["post"])
    def checklist(self, request, pk=None):
        item = cycle_services.add_checklist_item(self.get_object(), by=request.user,
                                                 **validated(s.ChecklistItemInputSerializer, request))
        return Response(s.ChecklistItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, summary="Remove a condition before opening (national staff)",
                   parameters=[OpenApiParameter("item_pk", int, OpenApiParameter.PATH)])
    @action(detail=True, methods=["delete"], url_path=r"checklist/(?P<item_pk>[0-9]+)", url_name="checklist-item")
    def remove_checklist_item(self, request, pk=None, item_pk=None):
        item = get_object_or_404(self.get_object().checklist, pk=item_pk)
        cycle_services.remove_checklist_item(item, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Applications ----------------------------------------------------------------------------------


class ApplicationFilter(django_filters.FilterSet):
    cycle = django_filters.NumberFilter(field_name="cycle_id", label=_("Cycle id"))
    kind = django_filters.ChoiceFilter(field_name="cycle__kind", choices=CycleKind.choices, label=_("Procedure"))
    year = django_filters.NumberFilter(field_name="cycle__year", label=_("Year of the cycle"))
    state = django_filters.ChoiceFilter(choices=ApplicationState.choices, method="by_shown_state",
                                        label=_("State, as you see it"))
    province = django_filters.CharFilter(field_name="city__province__code", label=_("Province code"))
    city = django_filters.CharFilter(field_name="city__code", label=_("City code"))

    class Meta:
        model = Application
        fields = ["cycle", "kind", "year", "state", "province", "city"]

    def by_shown_state(self, queryset, name, value):
        return filter_shown_state(queryset, value, self.request.user)


class ApplicationViewSet(viewsets.ReadOnlyModelViewSet):
    """Applications, their workflow actions and records. ``state`` is the state you may see: outcomes stay
    hidden from cities and provinces until the cycle's results are published."""

    serializer_class = s.ApplicationSerializer
    filterset_class = ApplicationFilter
    ordering_fields = ["cycle__year", "city__code", "submitted_at", "created_at"]
    ordering = ["-cycle__year", "cycle__kind", "city__code"]

    def get_queryset(self):
        return applications_visible_to(self.request.user)

    def _respond(self, application, status_code=status.HTTP_200_OK):
        return Response(self.get_serializer(application).data, status=status_code)

    def _apply(self, request, service, **data):
        """Call a workflow service on the application (the transition checks role, state, rules, deadline)."""
        return self._respond(service(self.get_object(), by=request.user, **data))

    def _record(self, request, perm: str, serializer_class, service):
        """Save a record (argumentation, measurement …) with the page's permission check first."""
        application = self.get_object()
        require(request.user, perm, application)
        data = validated(serializer_class, request, application=application)
        return Response(serializer_class(service(application, by=request.user, **data)).data)

    @extend_schema(request=s.ApplicationCreateSerializer, responses={201: s.ApplicationSerializer},
                   summary="Start the city's application in an open cycle (city officer)")
    def create(self, request, *args, **kwargs):
        data = validated(s.ApplicationCreateSerializer, request)
        return self._respond(services.start_application(data["cycle"], data["city"], by=request.user),
                             status.HTTP_201_CREATED)

    @extend_schema(request=s.ApplicationDetailsSerializer, responses=s.ApplicationSerializer,
                   summary="Change the featured theme or the enforcement score (city officer, draft)")
    def partial_update(self, request, *args, **kwargs):
        application = self.get_object()
        data = validated(s.ApplicationDetailsSerializer, request)
        return self._respond(services.update_application_details(
            application, theme=data.get("theme", application.theme),
            enforcement_score=data.get("enforcement_score", application.enforcement_score), by=request.user))

    @extend_schema(methods=["GET"], request=None, responses=s.SectionSerializer(many=True),
                   summary="Sections of the work plan or work summary")
    @extend_schema(methods=["PUT"], request=s.SectionsInputSerializer, responses=s.SectionSerializer(many=True),
                   summary="Save the text of sections (city officer, draft)")
    @action(detail=True, methods=["get", "put"], pagination_class=None)
    def sections(self, request, pk=None):
        application = self.get_object()
        if request.method == "PUT":
            data = validated(s.SectionsInputSerializer, request)
            services.save_sections(application, bodies={row["id"]: row["body"] for row in data["sections"]},
                                   by=request.user)
        return Response(s.SectionSerializer(application.sections.all(), many=True).data)

    # --- the city

    @extend_schema(request=None, responses=s.ApplicationSerializer, summary="Submit to the province (city officer)")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._apply(request, services.submit_application)

    @extend_schema(request=s.ApplicationReasonSerializer, responses=s.ApplicationSerializer,
                   summary="Withdraw the application (city officer)")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._apply(request, services.withdraw_application, **validated(s.ApplicationReasonSerializer, request))

    @extend_schema(request=None, responses=s.ApplicationSerializer,
                   summary="Submit the formal strong-city application (city officer, shortlisted)")
    @action(detail=True, methods=["post"], url_path="submit-formal")
    def submit_formal(self, request, pk=None):
        return self._apply(request, services.submit_formal_application)

    # --- the province

    @extend_schema(request=s.ApplicationRequiredReasonSerializer, responses=s.ApplicationSerializer,
                   summary="Return to the city (province) or to the province (national staff)")
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_application(self, request, pk=None):
        application = self.get_object()
        service = (national.return_to_province if application.state == ApplicationState.RECOMMENDED
                   else province.return_application)
        return self._respond(service(application, by=request.user, **validated(s.ApplicationRequiredReasonSerializer, request)))

    @extend_schema(request=s.ApplicationRequiredReasonSerializer, responses=s.ApplicationSerializer,
                   summary="Decline to recommend (province)")
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._apply(request, province.decline_application, **validated(s.ApplicationRequiredReasonSerializer, request))

    @extend_schema(request=s.RecommendationLetterSerializer, responses=s.ApplicationSerializer,
                   summary="Fill the recommendation letter and recommend (province)")
    @action(detail=True, methods=["post"])
    def recommend(self, request, pk=None):
        application = self.get_object()
        require(request.user, PROVINCE, application)
        letter = validated(s.RecommendationLetterSerializer, request, application=application)
        return self._respond(province.recommend_application(application, letter=letter, by=request.user))

    @extend_schema(request=s.VetoRequestSerializer, responses=s.ApplicationSerializer,
                   summary="One-vote veto (province or national staff)")
    @action(detail=True, methods=["post"])
    def veto(self, request, pk=None):
        return self._apply(request, province.veto_application, **validated(s.VetoRequestSerializer, request))

    @extend_schema(request=s.ArgumentationSerializer, responses=s.ArgumentationSerializer,
                   summary="Record the expert argumentation of a pilot (province)")
    @action(detail=True, methods=["post"])
    def argumentation(self, request, pk=None):
        return self._record(request, PROVINCE, s.ArgumentationSerializer, province.record_argumentation)

    @extend_schema(request=s.MeasurementSerializer, responses=s.MeasurementSerializer,
                   summary="Record the objective measurement of a demonstration applicant (province)")
    @action(detail=True, methods=["post"])
    def measurement(self, request, pk=None):
        return self._record(request, PROVINCE, s.MeasurementSerializer, province.record_measurement)

    @extend_schema(request=s.AttestationSerializer, responses=s.AttestationSerializer,
                   summary="Attest one condition of the cycle's checklist (province)")
    @action(detail=True, methods=["post"])
    def attestations(self, request, pk=None):
        return self._record(request, PROVINCE, s.AttestationSerializer, province.attest_condition)

    # --- the national administration

    @extend_schema(request=None, responses=s.ApplicationSerializer, summary="Accept into expert review (national)")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._apply(request, national.accept_application)

    @extend_schema(request=None, responses=s.ApplicationSerializer,
                   summary="Shortlist a strong-city applicant (national)")
    @action(detail=True, methods=["post"])
    def shortlist(self, request, pk=None):
        return self._apply(request, national.shortlist_application)

    @extend_schema(request=s.SiteVisitSerializer, responses=s.SiteVisitSerializer,
                   summary="Record the experts' site visit of a strong-city applicant (national)")
    @action(detail=True, methods=["post"], url_path="site-visit")
    def site_visit(self, request, pk=None):
        return self._record(request, NATIONAL, s.SiteVisitSerializer, national.record_site_visit)

    @extend_schema(request=s.FraudFindingInputSerializer, responses=s.ApplicationSerializer,
                   summary="Disqualify for fraud; the bureaus are publicly criticised (national)")
    @action(detail=True, methods=["post"])
    def disqualify(self, request, pk=None):
        application = self.get_object()
        require(request.user, NATIONAL, application)
        return self._respond(national.disqualify_application(application, by=request.user,
                                                             **validated(s.FraudFindingInputSerializer, request)))

    @extend_schema(request=s.DeadlineExtensionSerializer, responses=s.ApplicationSerializer,
                   summary="Extend one stage's deadline of the application (national)")
    @action(detail=True, methods=["post"], url_path="extend-deadline")
    def extend_deadline(self, request, pk=None):
        application = self.get_object()
        require(request.user, NATIONAL, application)
        return self._respond(services.extend_deadline(application, by=request.user,
                                                      **validated(s.DeadlineExtensionSerializer, request)))

    # --- materials, the table, snapshots

    @extend_schema(methods=["GET"], request=None, responses=s.MaterialSerializer(many=True),
                   summary="Materials of the application, each with its versions")
    @extend_schema(methods=["POST"], request={"multipart/form-data": s.MaterialSerializer},
                   responses={201: s.UploadedFileSerializer},
                   summary="Upload a file (multipart): a new material or a new version of one")
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def materials(self, request, pk=None):
        application = self.get_object()
        if request.method == "GET":
            return Response(s.MaterialSerializer(materials_for(application), many=True).data)
        data = validated(s.MaterialSerializer, request, application=application)
        material_file = upload_material(application, by=request.user, **data)
        return Response(s.UploadedFileSerializer(material_file).data, status=status.HTTP_201_CREATED)

    def _editable_table(self, request):
        """The application whose table ``request.user`` may change now, its data year and template."""
        application = self.get_object()
        require(request.user, "evaluations.edit_application", application)
        ensure_editable(application, user=request.user)
        year, template = table_of(application)
        return application, year, template

    def _table_values(self, request, application, year, template):
        values = indicator_values_visible_to(request.user).filter(
            city=application.city, year=year, indicator__template=template).order_by("indicator__position")
        return Response(s.IndicatorValueSerializer(values, many=True).data)

    @extend_schema(request=s.BasicInfoInputSerializer, responses=s.IndicatorValueSerializer(many=True),
                   summary="Save values of the basic-information table (city officer, draft)")
    @action(detail=True, methods=["put"], url_path="basic-info", pagination_class=None)
    def basic_info(self, request, pk=None):
        application, year, template = self._editable_table(request)
        data = validated(s.BasicInfoInputSerializer, request)
        rows = {row["indicator"]: index for index, row in enumerate(data["values"])}
        try:
            save_indicator_values(application.city, year, template,
                                  {row["indicator"]: row["value"] for row in data["values"]}, by=request.user,
                                  source="api")
        except DjangoValidationError as exc:  # the service's messages by indicator, named as in the body
            raise serializers.ValidationError(
                {"values": {rows[pk]: {"value": messages} for pk, messages in exc.message_dict.items()}}) from exc
        return self._table_values(request, application, year, template)

    @extend_schema(request=None, responses={(200, "*/*"): OpenApiTypes.BINARY},
                   summary="The basic-information table in the official Excel layout (基本情况表.xlsx)")
    @action(detail=True, methods=["get"], url_path="basic-info/xlsx", url_name="basic-info-xlsx")
    def basic_info_xlsx(self, request, pk=None):
        return table_xlsx_response(self.get_object(), request.user)

    @extend_schema(request={"multipart/form-data": s.WorkbookUploadSerializer},
                   responses=s.IndicatorValueSerializer(many=True),
                   summary="Import the filled Excel table (city officer, draft): all values or none")
    @action(detail=True, methods=["post"], url_path="basic-info/import", url_name="basic-info-import",
            parser_classes=[MultiPartParser], pagination_class=None)
    def basic_info_import(self, request, pk=None):
        application, year, template = self._editable_table(request)
        upload = validated(s.WorkbookUploadSerializer, request)["file"]
        result = import_basic_info(upload, city=application.city, year=year, template=template, by=request.user)
        if not result.ok:
            raise serializers.ValidationError({"file": [str(error) for error in result.errors]})
        return self._table_values(request, application, year, template)

    @extend_schema(request=None, responses=s.SnapshotSerializer(many=True),
                   summary="What the application held at each submission and return")
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def snapshots(self, request, pk=None):
        return Response(s.SnapshotSerializer(self.get_object().snapshots.all(), many=True).data)


class MaterialFileViewSet(viewsets.GenericViewSet):
    """Files of materials, downloaded through a permission check (never served directly)."""

    queryset = MaterialFile.objects.none()  # for the schema only: the download looks files up in scope
    lookup_value_regex = r"[0-9]+"

    @extend_schema(request=None, responses={(200, "*/*"): OpenApiTypes.BINARY},
                   summary="Download a material file")
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return download_response(get_visible_file_or_404(request.user, pk), request.user)


# --- The basic-information table -------------------------------------------------------------------


class IndicatorFilter(django_filters.FilterSet):
    class Meta:
        model = Indicator
        fields = ["number", "section", "answer_type", "evidence_required"]


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """Rows of the current version of the basic-information table (基本情况表)."""

    serializer_class = s.IndicatorSerializer
    filterset_class = IndicatorFilter
    ordering_fields = ["position", "number"]
    ordering = ["position"]

    def get_queryset(self):
        user = self.request.user
        if not getattr(user, "is_authenticated", False) or not user.roles:
            return Indicator.objects.none()
        return Indicator.objects.filter(template=current_template())


class IndicatorValueFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="city__code", label=_("City code"))
    indicator = django_filters.NumberFilter(field_name="indicator_id", label=_("Indicator id"))

    class Meta:
        model = IndicatorValue
        fields = ["city", "year", "indicator"]


class IndicatorValueViewSet(viewsets.ReadOnlyModelViewSet):
    """Cities' yearly values of the table: your city's, or those an application you may see reports."""

    serializer_class = s.IndicatorValueSerializer
    filterset_class = IndicatorValueFilter
    ordering_fields = ["year", "city__code", "indicator__position", "updated_at"]
    ordering = ["city__code", "-year", "indicator__position"]

    def get_queryset(self):
        return indicator_values_visible_to(self.request.user)
