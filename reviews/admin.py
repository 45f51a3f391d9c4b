"""The Django admin for the expert review: read-only, because every change goes through the services
(permission check, validation, audit entry)."""

from __future__ import annotations

from django.contrib import admin

from cities.admin import ReadOnlyAdmin
from reviews.models import Criterion, Rubric


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
