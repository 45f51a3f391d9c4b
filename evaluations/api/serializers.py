"""Serializers of the evaluations API: responses, and request bodies that validate input only (the services
decide who may do what)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cities.rules import city_ids_of
from cities.selectors import cities_visible_to
from evaluations import deadlines, workflow
from evaluations.enums import (
    NATIONAL_MATERIAL_KINDS,
    PROVINCE_MATERIAL_KINDS,
    Action,
    ApplicationState,
    CycleKind,
    MaterialKind,
    Stage,
    VetoGround,
)
from evaluations.models import (
    Application,
    Argumentation,
    Attestation,
    ChecklistItem,
    Cycle,
    Indicator,
    IndicatorValue,
    Material,
    MaterialFile,
    Measurement,
    NarrativeSection,
    SiteVisit,
    Snapshot,
)
from evaluations.selectors import cycles_visible_to, shown_state

# --- Cycles ----------------------------------------------------------------------------------------


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "position", "code", "text", "source", "evidence_required"]


class QuotaSerializer(serializers.Serializer):
    province = serializers.CharField(source="province.code")
    quota = serializers.IntegerField()


CITY_KINDS = [(k.value, k.label) for k in MaterialKind if k not in PROVINCE_MATERIAL_KINDS | NATIONAL_MATERIAL_KINDS]


class CycleSerializer(serializers.ModelSerializer):
    """A cycle; also the body that creates one (the service fills what is left out)."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                  help_text=_("Empty for the standard title"))
    city_deadline = serializers.DateField(required=False, allow_null=True, default=None,
                                          help_text=_("Empty for two weeks before the provinces' deadline"))
    province_deadline = serializers.DateField(required=False, allow_null=True, default=None,
                                              help_text=_("Empty for the 2018 notice's date"))
    default_quota = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    required_materials = serializers.ListField(child=serializers.ChoiceField(choices=CITY_KINDS), required=False,
                                               default=list, help_text=_("Empty for the 2018 notice's list"))
    checklist = ChecklistItemSerializer(many=True, read_only=True)
    quotas = QuotaSerializer(many=True, read_only=True, help_text=_("Provinces with their own quota"))
    citation = serializers.CharField(read_only=True, help_text=_("How letters and the published results cite the "
                                                                 "notice"))

    class Meta:
        model = Cycle
        fields = ["id", "kind", "year", "title", "notice_title", "document_number", "notice_date", "citation",
                  "missed_re_review", "status", "city_deadline", "province_deadline", "measurement_request_deadline",
                  "data_year", "default_quota", "required_materials", "checklist", "quotas", "opened_at", "closed_at",
                  "results_published_at", "created_at"]
        read_only_fields = ["status", "data_year", "opened_at", "closed_at", "results_published_at", "created_at"]
        extra_kwargs = {"year": {"min_value": 2008, "max_value": 2100}}
        validators = []  # the service refuses a second cycle of a kind and year, in its own words


class QuotaInputSerializer(serializers.Serializer):
    province = serializers.CharField(max_length=6, help_text=_("Province code"))
    quota = serializers.IntegerField(min_value=0, allow_null=True, help_text=_("Null: the cycle's default"))


class ChecklistItemInputSerializer(serializers.Serializer):
    text = serializers.CharField()
    source = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    evidence_required = serializers.BooleanField(required=False, default=True)


# --- Applications ----------------------------------------------------------------------------------


class ApplicationSerializer(serializers.ModelSerializer):
    """An application as the requesting user may see it: outcomes stay hidden until publication."""

    kind = serializers.CharField(source="cycle.kind", read_only=True)
    year = serializers.IntegerField(source="cycle.year", read_only=True)
    cycle_title = serializers.CharField(source="cycle.title", read_only=True)
    city = serializers.CharField(source="city.code", read_only=True)
    city_name = serializers.CharField(source="city.full_name", read_only=True)
    province = serializers.CharField(source="city.province.code", read_only=True)
    state = serializers.SerializerMethodField()
    city_deadline = serializers.SerializerMethodField(help_text=_("With any extension"))
    province_deadline = serializers.SerializerMethodField(help_text=_("With any extension"))
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("Workflow actions the table offers you now (their rules are checked when applied)"))

    class Meta:
        model = Application
        fields = ["id", "cycle", "cycle_title", "kind", "year", "city", "city_name", "province", "state", "theme",
                  "enforcement_score", "round", "submitted_at", "city_deadline", "province_deadline",
                  "allowed_actions", "created_at"]

    @property
    def _user(self):
        return self.context["request"].user

    def get_state(self, obj) -> ApplicationState:
        return shown_state(obj, self._user)

    def get_city_deadline(self, obj) -> str:
        return deadlines.deadline_for(obj, Stage.CITY).isoformat()

    def get_province_deadline(self, obj) -> str:
        return deadlines.deadline_for(obj, Stage.PROVINCE).isoformat()

    def get_allowed_actions(self, obj) -> list[Action]:
        return workflow.allowed_actions(obj, self._user)


class ApplicationCreateSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(help_text=_("Id of an open cycle"))
    city = serializers.CharField(max_length=6, required=False,
                                 help_text=_("City code; may be left out by an officer of one city"))

    def validate_cycle(self, value) -> Cycle:
        cycle = cycles_visible_to(self.context["request"].user).filter(pk=value).first()
        if cycle is None:
            raise serializers.ValidationError(_("No such cycle."))
        return cycle

    def validate(self, attrs):
        user = self.context["request"].user
        cities = cities_visible_to(user)
        if "city" in attrs:
            attrs["city"] = cities.filter(code=attrs["city"]).first()
            if attrs["city"] is None:
                raise serializers.ValidationError({"city": _("No such city.")})
        else:
            own = list(cities.filter(pk__in=city_ids_of(user))[:2])
            if len(own) != 1:
                raise serializers.ValidationError({"city": _("Give the city code.")})
            attrs["city"] = own[0]
        return attrs


class ApplicationDetailsSerializer(serializers.Serializer):
    theme = serializers.CharField(max_length=200, required=False, allow_blank=True)
    enforcement_score = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100,
                                                 required=False, allow_null=True)


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = NarrativeSection
        fields = ["id", "document", "position", "number", "title", "guidance", "body"]


class SectionBodySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField(allow_blank=True, trim_whitespace=True)


class SectionsInputSerializer(serializers.Serializer):
    sections = SectionBodySerializer(many=True, allow_empty=False)


class ApplicationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ApplicationRequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class RecommendationLetterSerializer(serializers.Serializer):
    """The fields of the recommendation letter (推荐函), as on the page's form."""

    materials_authentic = serializers.BooleanField(
        help_text=_("The province has reviewed the materials and finds them authentic, accurate and complete"))
    authenticity_conclusion = serializers.CharField()
    measured_score = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, max_value=100,
                                              required=False, allow_null=True, default=None,
                                              help_text=_("Required for demonstration city applications"))
    opinion = serializers.CharField()
    rank = serializers.IntegerField(min_value=1)
    signatory = serializers.CharField(max_length=120)
    letter_date = serializers.DateField()

    def validate_materials_authentic(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("The province can recommend only materials it has verified as "
                                                "authentic."))
        return value

    def validate(self, attrs):
        application = self.context["application"]
        if application.cycle.kind == CycleKind.DEMONSTRATION and attrs.get("measured_score") is None:
            raise serializers.ValidationError({"measured_score": _("This field is required.")})
        return attrs


class VetoRequestSerializer(serializers.Serializer):
    grounds = serializers.MultipleChoiceField(choices=VetoGround.choices, allow_empty=False)
    finding = serializers.CharField()

    def validate_grounds(self, value) -> list[str]:
        return sorted(value)


class FraudFindingInputSerializer(serializers.Serializer):
    finding = serializers.CharField()


class DeadlineExtensionSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, help_text=_(
        "Which deadline moves: city (cities submit to the province) or province (provinces submit to the national "
        "administration)"))
    until = serializers.DateField()
    reason = serializers.CharField()


class ArgumentationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Argumentation
        fields = ["held_on", "experts", "conclusion", "recorded_at"]
        read_only_fields = ["recorded_at"]


class MeasurementSerializer(serializers.ModelSerializer):
    score = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, max_value=100)
    values = serializers.DictField(child=serializers.CharField(max_length=40), required=False, default=dict,
                                   help_text=_("Measured values by key, numbers ≥ 0 (invention_grants, "
                                               "invention_grant_rate, …: the keys the indicator system reads)"))

    class Meta:
        model = Measurement
        fields = ["measured_on", "score", "values", "notes", "recorded_at"]
        read_only_fields = ["recorded_at"]
        extra_kwargs = {"notes": {"required": False, "default": ""}}


class SiteVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = SiteVisit
        fields = ["visited_on", "experts", "opinion", "recorded_at"]
        read_only_fields = ["recorded_at"]


class AttestationSerializer(serializers.ModelSerializer):
    item = serializers.IntegerField(source="item_id", help_text=_("Id of a checklist item of the cycle"))
    evidence = serializers.IntegerField(source="evidence_id", required=False, allow_null=True, default=None,
                                        help_text=_("Id of a material of this application"))

    class Meta:
        model = Attestation
        fields = ["item", "met", "note", "evidence", "attested_at"]
        read_only_fields = ["attested_at"]
        extra_kwargs = {"note": {"required": False, "default": "", "max_length": 500}}

    def validate(self, attrs):
        application = self.context["application"]
        attrs["item"] = application.cycle.checklist.filter(pk=attrs.pop("item_id")).first()
        if attrs["item"] is None:
            raise serializers.ValidationError({"item": _("Not a condition of this cycle.")})
        evidence = attrs.pop("evidence_id")
        attrs["evidence"] = evidence and application.materials.filter(pk=evidence).first()
        if evidence and attrs["evidence"] is None:
            raise serializers.ValidationError({"evidence": _("Not a document of this application.")})
        return attrs


# --- Materials and snapshots -----------------------------------------------------------------------


class MaterialFileSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = MaterialFile
        fields = ["id", "version", "original_name", "content_type", "size", "sha256", "uploaded_at", "download_url"]

    def get_download_url(self, obj) -> str:
        return reverse("api:material-file-download", args=[obj.pk])


class MaterialSerializer(serializers.ModelSerializer):
    """A document of the application with its versions; also the multipart body of an upload."""

    files = MaterialFileSerializer(many=True, read_only=True, help_text=_("Versions, newest first"))
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    material = serializers.IntegerField(write_only=True, required=False, allow_null=True, default=None,
                                        help_text=_("Id of the document this file is a new version of"))
    # Empty files reach the service, which explains the refusal in its own words.
    file = serializers.FileField(write_only=True, allow_empty_file=True)

    class Meta:
        model = Material
        fields = ["id", "kind", "title", "generated", "created_at", "files", "material", "file"]
        read_only_fields = ["generated", "created_at"]
        validators = []

    def validate_material(self, value) -> Material | None:
        if value is None:
            return None
        material = self.context["application"].materials.filter(pk=value).first()
        if material is None:
            raise serializers.ValidationError(_("Not a document of this application."))
        return material


class UploadedFileSerializer(MaterialFileSerializer):
    material = serializers.IntegerField(source="material_id")
    kind = serializers.CharField(source="material.kind")

    class Meta(MaterialFileSerializer.Meta):
        fields = [*MaterialFileSerializer.Meta.fields, "material", "kind"]


class SnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Snapshot
        fields = ["id", "round", "kind", "data", "created_at"]


# --- The basic-information table -------------------------------------------------------------------


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "position", "number", "section", "name", "sub_item", "label", "unit", "answer_type",
                  "max_chars", "cumulative", "notes", "evidence_required"]


class IndicatorValueSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city.code", read_only=True)

    class Meta:
        model = IndicatorValue
        fields = ["id", "city", "year", "indicator", "number", "text", "updated_at"]


class BasicInfoValueSerializer(serializers.Serializer):
    indicator = serializers.IntegerField(help_text=_("Id of a row of the table"))
    value = serializers.CharField(allow_blank=True, trim_whitespace=False,
                                  help_text=_("The answer as typed (“1,234 件”); empty clears the value"))


class WorkbookUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text=_(
        "The official layout of the table (.xlsx), as downloaded from basic-info/xlsx/. All of its values are "
        "saved, or none: each error names its cell."))


class BasicInfoInputSerializer(serializers.Serializer):
    values = BasicInfoValueSerializer(many=True, allow_empty=False,
                                      help_text=_("Errors come back by row: values.<index>.value"))
