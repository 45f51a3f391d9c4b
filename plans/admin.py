"""The Django admin for plans: read-only except the holiday overrides (reference data national staff keep)."""

from __future__ import annotations

from django.contrib import admin

from cities.admin import ReadOnlyAdmin
from plans.models import (
    CityPlan,
    HolidayOverride,
    LeadershipMember,
    NationalPlan,
    NationalTarget,
    NationalTask,
    NotificationPreference,
    PlanTarget,
    PlanTask,
    ProgressEvidence,
    ProgressReport,
    Reminder,
    ResponsibilityItem,
    ResponsibilityList,
)


@admin.register(ResponsibilityItem)
class ResponsibilityItemAdmin(ReadOnlyAdmin):
    list_display = ("list", "number", "work_area", "status", "percent", "due_date")
    list_filter = ("status",)
    list_select_related = ("list",)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("kind", "object_id", "due_date", "offset_days", "recipient", "escalated", "sent_at", "emailed")
    list_filter = ("kind", "escalated")
    list_select_related = ("recipient",)


for _model in (NationalPlan, NationalTask, NationalTarget, CityPlan, PlanTarget, PlanTask, LeadershipMember,
               ResponsibilityList, ProgressReport, ProgressEvidence, HolidayOverride, NotificationPreference):
    admin.site.register(_model, ReadOnlyAdmin)
