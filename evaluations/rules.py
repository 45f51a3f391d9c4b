"""Permission predicates of the applications (one vocabulary with cities.rules)."""

from __future__ import annotations

import rules

from cities.rules import (
    is_city_officer,
    is_national_admin,
    is_officer_of_city,
    is_province_staff,
    is_province_staff_of_city,
    is_reviewer,
)


@rules.predicate
def is_officer_of_application_city(user, application) -> bool:
    return application is not None and is_officer_of_city(user, application.city)


@rules.predicate
def is_province_staff_of_application(user, application) -> bool:
    return application is not None and is_province_staff_of_city(user, application.city)


rules.add_perm("evaluations.manage_cycles", is_national_admin)
rules.add_perm("evaluations.edit_application", is_officer_of_application_city)
rules.add_perm("evaluations.act_as_province", is_province_staff_of_application)
rules.add_perm("evaluations.act_as_national", is_national_admin)
rules.add_perm("evaluations.extend_deadline", is_national_admin)
rules.add_perm("evaluations.list_applications", is_national_admin | is_province_staff | is_city_officer)
rules.add_perm("evaluations.list_cycles", is_national_admin | is_province_staff | is_city_officer | is_reviewer)

# The admin shows these records to national staff, read-only.
rules.add_perm("evaluations", is_national_admin)
for _model in ("cycle", "application", "indicator", "indicatorvalue", "materialfile", "indicatortemplate",
               "checklistitem", "provincequota", "material", "narrativesection", "attestation", "snapshot",
               "argumentation", "measurement", "veto", "recommendationletter", "sitevisit", "fraudfinding", "criticism"):
    rules.add_perm(f"evaluations.view_{_model}", is_national_admin)
