"""The Django admin for the applications: read-only, because every change is a workflow step
that must go through the services (and so the audit log)."""

from __future__ import annotations

from django.contrib import admin

from cities.admin import ReadOnlyAdmin
from evaluations.selectors import applications_visible_to
from evaluations.models import (
    Application,
    Argumentation,
    Attestation,
    ChecklistItem,
    Criticism,
    Cycle,
    FraudFinding,
    Indicator,
    IndicatorTemplate,
    IndicatorValue,
    Material,
    MaterialFile,
    Measurement,
    NarrativeSection,
    ProvinceQuota,
    RecommendationLetter,
    SiteVisit,
    Snapshot,
    Veto,
)


@admin.register(Cycle)
class CycleAdmin(ReadOnlyAdmin):
    list_display = ("year", "kind", "title", "document_number", "status", "city_deadline", "province_deadline")
    list_filter = ("kind", "status", "year")


class ApplicationScopedAdmin(ReadOnlyAdmin):
    """Rows of the applications the user may see (``applications_visible_to``): national staff do not read a
    never-submitted draft here either. ``application_path`` leads from the row to its application."""

    application_path = "application"

    def get_queryset(self, request):
        visible = applications_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(**{f"{self.application_path}__in": visible})


@admin.register(Application)
class ApplicationAdmin(ApplicationScopedAdmin):
    application_path = "pk"
    list_display = ("city", "cycle", "state", "round", "submitted_at")
    list_filter = ("state", "cycle__kind", "cycle__year")
    list_select_related = ("city", "cycle")
    search_fields = ("city__full_name", "city__code")


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ("template", "position", "number", "name", "sub_item", "unit", "answer_type", "cumulative")
    list_filter = ("template",)
    list_select_related = ("template",)


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdmin):
    list_display = ("city", "year", "indicator", "number", "text")
    list_filter = ("year",)
    list_select_related = ("city", "indicator")
    search_fields = ("city__full_name",)


@admin.register(MaterialFile)
class MaterialFileAdmin(ApplicationScopedAdmin):
    application_path = "material__application"
    list_display = ("material", "version", "original_name", "size", "sha256", "uploaded_at")
    list_select_related = ("material",)


for model in (IndicatorTemplate, ChecklistItem, ProvinceQuota, Criticism):
    admin.site.register(model, ReadOnlyAdmin)
for model in (Material, NarrativeSection, Attestation, Snapshot, Argumentation, Measurement, Veto,
              RecommendationLetter, SiteVisit, FraudFinding):
    admin.site.register(model, ApplicationScopedAdmin)
