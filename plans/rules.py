"""Permission predicates of plans and tasks (one vocabulary with cities.rules)."""

from __future__ import annotations

import rules

from cities.rules import (
    is_city_officer,
    is_national_admin,
    is_officer_of_city,
    is_province_staff,
    is_province_staff_of_city,
)


@rules.predicate
def is_officer_of_list_city(user, obj) -> bool:
    return obj is not None and is_officer_of_city(user, obj.city)


@rules.predicate
def is_province_staff_of_list_city(user, obj) -> bool:
    return obj is not None and is_province_staff_of_city(user, obj.city)


rules.add_perm("plans.manage_national_plans", is_national_admin)
rules.add_perm("plans.view_plans", is_national_admin | is_province_staff | is_city_officer)
rules.add_perm("plans.edit_city_plan", is_officer_of_list_city | is_national_admin)
rules.add_perm("plans.edit_list", is_officer_of_list_city | is_national_admin)
rules.add_perm("plans.report_progress", is_officer_of_list_city)
rules.add_perm("plans.verify_progress", is_province_staff_of_list_city)
rules.add_perm("plans.manage_holidays", is_national_admin)
# A province's own dashboard, opened from the map (which provinces: plans.views.province_dashboard).
rules.add_perm("plans.view_province_dashboards", is_national_admin | is_province_staff)

# The admin shows plan records to national staff, read-only.
rules.add_perm("plans", is_national_admin)
for _model in ("nationalplan", "nationaltask", "nationaltarget", "cityplan", "plantarget", "plantask",
               "leadershipmember", "responsibilitylist", "responsibilityitem", "progressreport", "progressevidence",
               "holidayoverride", "notificationpreference", "reminder"):
    rules.add_perm(f"plans.view_{_model}", is_national_admin)
