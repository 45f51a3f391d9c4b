"""The Django admin for the expert review: read-only, because every change goes through the services
(permission check, validation, audit entry)."""

from __future__ import annotations

from django.contrib import admin

from cities.admin import ReadOnlyAdmin
from reviews.models import (
    AnnualAssessment,
    Assignment,
    Criterion,
    Decision,
    GeneratedFile,
    Review,
    ReviewerProfile,
    Rubric,
    Score,
)


@admin.register(Rubric)
class RubricAdmin(ReadOnlyAdmin):
    list_display = ("title", "cycle", "aggregate", "frozen_at", "copied_from")
    list_select_related = ("cycle", "copied_from")


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "rubric", "level", "max_points", "kind", "direction", "formula", "confirmed")
    list_filter = ("kind", "direction", "confirmed")
    list_select_related = ("rubric",)
    search_fields = ("code", "name")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("application", "reviewer", "status", "due_date", "declared_at")
    list_filter = ("status",)
    list_select_related = ("application__city", "application__cycle", "reviewer")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("application", "outcome", "final_score", "rank", "decided_by", "decided_at")
    list_filter = ("outcome",)
    list_select_related = ("application__city", "application__cycle", "decided_by")


@admin.register(AnnualAssessment)
class AnnualAssessmentAdmin(ReadOnlyAdmin):
    list_display = ("city", "year", "kind", "score", "grade", "rank")
    list_filter = ("kind", "year", "grade")
    list_select_related = ("city",)


@admin.register(GeneratedFile)
class GeneratedFileAdmin(ReadOnlyAdmin):
    list_display = ("filename", "kind", "status", "progress", "expires_at", "created_at")
    list_filter = ("kind", "status")


# National staff may read every review (the decision screen shows them too); reviewers never reach the admin.
for _model in (ReviewerProfile, Review, Score):
    admin.site.register(_model, ReadOnlyAdmin)
