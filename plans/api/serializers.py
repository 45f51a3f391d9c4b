from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from evaluations.basic_info import current_template
from evaluations.enums import AnswerType
from evaluations.models import Indicator
from ipcity.dates import local_today
from plans.enums import OPEN_ITEM_STATUSES, CityPlanKind, Comparison
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
from plans.selectors import city_plans_visible_to
from plans.services.responsibility import REPORTABLE_STATUSES, VERDICTS

REPORTABLE = [(status.value, status.label) for status in REPORTABLE_STATUSES]
VERDICT_CHOICES = [(verdict.value, verdict.label) for verdict in VERDICTS]
YEAR = {"min_value": 2000, "max_value": 2100}


def units_field() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=100), required=False, help_text=_(
        "Responsible units, in order; the first is the lead unit unless one is given."))


class Partial:
    """For PATCH: only the fields sent are validated and changed (no defaults filled in)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


# --- National plans ---------------------------------------------------------------------------------


class NationalTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = NationalTarget
        fields = ["id", "metric", "applies_to", "comparison", "value", "minimum", "maximum", "text"]


class NationalTaskSerializer(serializers.ModelSerializer):
    measures = serializers.ListField(child=serializers.CharField(), read_only=True)
    support = serializers.ListField(child=serializers.CharField(), read_only=True)
    targets = NationalTargetSerializer(many=True, read_only=True)

    class Meta:
        model = NationalTask
        fields = ["id", "number", "title", "area", "requirement", "executor", "goal", "measures", "support",
                  "targets"]


class NationalPlanSerializer(serializers.ModelSerializer):
    tasks = NationalTaskSerializer(many=True, read_only=True)

    class Meta:
        model = NationalPlan
        fields = ["id", "year", "title", "document_number", "issued_on", "source", "tasks"]


# --- City plans -------------------------------------------------------------------------------------


class PlanTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanTarget
        fields = ["id", "plan", "position", "area", "metric", "comparison", "baseline_year", "baseline_value",
                  "target_value", "minimum", "maximum", "text", "indicator"]


class PlanTaskSerializer(serializers.ModelSerializer):
    responsible_units = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = PlanTask
        fields = ["id", "plan", "position", "heading", "text", "lead_unit", "responsible_units"]


class LeadershipMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadershipMember
        fields = ["id", "plan", "position", "role", "name", "post"]


class CityPlanSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city.code", read_only=True)
    city_name = serializers.CharField(source="city.full_name", read_only=True)
    province = serializers.CharField(source="city.province.code", read_only=True)
    targets = PlanTargetSerializer(many=True, read_only=True)
    tasks = PlanTaskSerializer(many=True, read_only=True)
    leadership = LeadershipMemberSerializer(many=True, read_only=True)

    class Meta:
        model = CityPlan
        fields = ["id", "city", "city_name", "province", "kind", "title", "start_year", "end_year", "theme", "source",
                  "created_at", "targets", "tasks", "leadership"]


# The write serializers are named after what they write (CityPlanRequest, PatchedCityPlanRequest): one name
# per choice set keeps the schema's enums (kind, status) unambiguous.
@extend_schema_serializer(component_name="CityPlan")
class CityPlanFieldsSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CityPlanKind.choices)
    title = serializers.CharField(max_length=200)
    start_year = serializers.IntegerField(**YEAR)
    end_year = serializers.IntegerField(**YEAR)
    theme = serializers.CharField(max_length=200, required=False, allow_blank=True)
    source = serializers.CharField(max_length=300, required=False, allow_blank=True)


class CityPlanCreateSerializer(CityPlanFieldsSerializer):
    city = serializers.CharField(max_length=6, help_text=_("Administrative code of the city"))


class CityPlanChangeSerializer(Partial, CityPlanFieldsSerializer):
    pass


class IndicatorField(serializers.PrimaryKeyRelatedField):
    """A numeric row of the current basic-information table."""

    def get_queryset(self):
        template = current_template()
        if template is None:
            return Indicator.objects.none()
        return Indicator.objects.filter(template=template, answer_type=AnswerType.NUMBER)


class PlanTargetWriteSerializer(serializers.Serializer):
    area = serializers.CharField(max_length=60, required=False, allow_blank=True)
    metric = serializers.CharField(max_length=200)
    comparison = serializers.ChoiceField(choices=Comparison.choices)
    baseline_year = serializers.IntegerField(required=False, allow_null=True, **YEAR)
    baseline_value = serializers.DecimalField(max_digits=16, decimal_places=4, required=False, allow_null=True)
    target_value = serializers.DecimalField(
        max_digits=16, decimal_places=4, required=False, allow_null=True,
        help_text=_("Growth targets in percent (6 for +6%); other targets in the unit of the linked row."))
    text = serializers.CharField(max_length=300, required=False, allow_blank=True)
    indicator = IndicatorField(queryset=Indicator.objects.all(), required=False, allow_null=True,
                               help_text=_("Row of the basic-information table measuring the target"))


class PlanTargetChangeSerializer(Partial, PlanTargetWriteSerializer):
    pass


class PlanTaskWriteSerializer(serializers.Serializer):
    heading = serializers.CharField(max_length=200, required=False, allow_blank=True)
    text = serializers.CharField()
    lead_unit = serializers.CharField(max_length=100, required=False, allow_blank=True)
    responsible_units = units_field()


class PlanTaskChangeSerializer(Partial, PlanTaskWriteSerializer):
    pass


class LeadershipMemberWriteSerializer(serializers.Serializer):
    role = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    post = serializers.CharField(max_length=120)


class AchievementSerializer(serializers.Serializer):
    target = serializers.IntegerField(source="target.pk")
    metric = serializers.CharField(source="target.metric")
    text = serializers.CharField(source="target.text")
    comparison = serializers.ChoiceField(source="target.comparison", choices=Comparison.choices)
    actual = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True,
                                      help_text=_("Growth in percent (growth targets) or the value of the year"))
    required = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    minimum = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    maximum = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    achieved = serializers.BooleanField(allow_null=True, help_text=_("Null: cannot be judged (see explanation)"))
    explanation = serializers.CharField()


class PlanAchievementSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    year = serializers.IntegerField()
    targets = AchievementSerializer(many=True)


class YearQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, **YEAR)


# --- Responsibility lists ------------------------------------------------------------------------------


class ResponsibilityListSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city.code", read_only=True)
    city_name = serializers.CharField(source="city.full_name", read_only=True)
    province = serializers.CharField(source="city.province.code", read_only=True)
    item_count = serializers.IntegerField(read_only=True)
    verified_count = serializers.IntegerField(read_only=True)
    overdue_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ResponsibilityList
        fields = ["id", "city", "city_name", "province", "year", "title", "plan", "item_count", "verified_count",
                  "overdue_count"]


class ListWorkbookSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text=_(
        "The list in its Excel layout (.xlsx), as downloaded from xlsx/: its items replace the list's, all or "
        "nothing; each error names its cell."))


class ListImportResultSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    updated = serializers.IntegerField()
    deleted = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ResponsibilityListCreateSerializer(serializers.Serializer):
    city = serializers.CharField(max_length=6, help_text=_("Administrative code of the city"))
    year = serializers.IntegerField(**YEAR)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                  help_text=_("Leave empty for the standard name: the year followed by “年工作计划责任清单”."))
    plan = serializers.PrimaryKeyRelatedField(queryset=CityPlan.objects.all(), required=False, allow_null=True,
                                              default=None, help_text=_("City plan the list carries out"))

    def get_fields(self):
        fields = super().get_fields()
        fields["plan"].queryset = city_plans_visible_to(self.context["request"].user)
        return fields


class ProgressEvidenceSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = ProgressEvidence
        fields = ["id", "original_name", "content_type", "size", "sha256", "download"]

    def get_download(self, obj) -> str:
        return reverse("api:progressevidence-download", args=[obj.pk])


class ProgressReportSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=REPORTABLE, read_only=True)
    verdict = serializers.ChoiceField(choices=VERDICT_CHOICES, allow_blank=True, read_only=True,
                                      help_text=_("Empty until the province judges the report"))
    reported_by_name = serializers.CharField(source="reported_by", read_only=True)
    verified_by_name = serializers.CharField(source="verified_by", read_only=True, allow_null=True)
    evidence = ProgressEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressReport
        fields = ["id", "item", "status", "percent", "actual_value", "note", "reported_by", "reported_by_name",
                  "reported_at", "verdict", "verdict_reason", "verified_by", "verified_by_name", "verified_at",
                  "evidence"]


class ResponsibilityItemSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="list.city.code", read_only=True)
    year = serializers.IntegerField(source="list.year", read_only=True)
    responsible_units = serializers.ListField(child=serializers.CharField(), read_only=True)
    overdue = serializers.SerializerMethodField()
    reports = ProgressReportSerializer(many=True, read_only=True, help_text=_("Progress reports, newest first"))

    class Meta:
        model = ResponsibilityItem
        fields = ["id", "list", "city", "year", "number", "work_area", "task", "completion_standard", "lead_unit",
                  "responsible_units", "due_date", "national_task", "plan_target", "status", "percent", "overdue",
                  "reports"]

    def get_overdue(self, obj) -> bool:
        return obj.due_date is not None and obj.due_date < local_today() and obj.status in OPEN_ITEM_STATUSES


class ResponsibilityListDetailSerializer(ResponsibilityListSerializer):
    items = ResponsibilityItemSerializer(many=True, read_only=True)

    class Meta(ResponsibilityListSerializer.Meta):
        fields = [*ResponsibilityListSerializer.Meta.fields, "items"]


class ResponsibilityItemFieldsSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, required=False, help_text=_("Empty: after the last item."))
    work_area = serializers.CharField(max_length=200)
    task = serializers.CharField()
    completion_standard = serializers.CharField(required=False, allow_blank=True)
    lead_unit = serializers.CharField(max_length=100, required=False, allow_blank=True)
    responsible_units = units_field()
    due_date = serializers.DateField(required=False, help_text=_("Empty: the end of the list's year."))
    national_task = serializers.PrimaryKeyRelatedField(
        queryset=NationalTask.objects.select_related("plan"), required=False, allow_null=True,
        help_text=_("National task covered"))
    plan_target = serializers.PrimaryKeyRelatedField(queryset=PlanTarget.objects.all(), required=False,
                                                     allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["plan_target"].queryset = PlanTarget.objects.select_related("plan").filter(
            plan__in=city_plans_visible_to(self.context["request"].user))
        return fields


class ResponsibilityItemCreateSerializer(ResponsibilityItemFieldsSerializer):
    list = serializers.IntegerField(help_text=_("Responsibility list the item belongs to"))


class ResponsibilityItemChangeSerializer(Partial, ResponsibilityItemFieldsSerializer):
    pass


@extend_schema_serializer(component_name="ProgressReport")
class ProgressReportWriteSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=REPORTABLE)
    percent = serializers.IntegerField(min_value=0, max_value=100)
    actual_value = serializers.DecimalField(max_digits=16, decimal_places=4, required=False, allow_null=True,
                                            default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False, default=list,
        help_text=_("Evidence files (multipart; repeat the field for several files)"))


class VerdictSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=VERDICT_CHOICES)
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text=_("Required when sending back"))


# --- Coverage, dashboard, preferences ----------------------------------------------------------------


class CoverageQuerySerializer(YearQuerySerializer):
    province = serializers.CharField(max_length=6, required=False, help_text=_("Province code"))
    city = serializers.CharField(max_length=6, required=False, help_text=_("City code"))


class MissingTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()


class CityCoverageSerializer(serializers.Serializer):
    city = serializers.CharField(source="city.code")
    city_name = serializers.CharField(source="city.full_name")
    province = serializers.CharField(source="city.province.code")
    list = serializers.IntegerField(allow_null=True, help_text=_("The city's list of the year"))
    missing = MissingTaskSerializer(many=True, help_text=_("Mandatory national tasks no item covers"))


class NationalPlanBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = NationalPlan
        fields = ["id", "year", "title"]


class PlanCoverageSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    national_plan = NationalPlanBriefSerializer(allow_null=True, help_text=_("The national plan in force"))
    cities = CityCoverageSerializer(many=True)


class DashboardTableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    headers = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField(allow_null=True)))


class DashboardSectionSerializer(serializers.Serializer):
    role = serializers.CharField()
    numbers = serializers.DictField(child=serializers.JSONField(allow_null=True),
                                    help_text=_("Counts and rates (percent) of the section"))
    tables = DashboardTableSerializer(many=True)


class PlanDashboardSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    years = serializers.ListField(child=serializers.IntegerField(), help_text=_("Years with a list"))
    sections = DashboardSectionSerializer(many=True)


class NotificationPreferenceSerializer(serializers.Serializer):
    email = serializers.BooleanField(help_text=_("Also send my notifications by e-mail"))
    reminders = serializers.BooleanField(help_text=_("Send me deadline reminders"))

