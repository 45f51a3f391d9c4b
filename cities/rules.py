"""Permission predicates of the foundation: one vocabulary for views, the API, the admin and templates."""

from __future__ import annotations

import rules

from cities.enums import Role


def _memberships(user, role: str):
    if not getattr(user, "is_authenticated", False):
        return []
    return [m for m in user.active_memberships if m.role == role]


def province_ids_of(user) -> set[int]:
    return {m.province_id for m in _memberships(user, Role.PROVINCE_STAFF)}


def city_ids_of(user) -> set[int]:
    return {m.city_id for m in _memberships(user, Role.CITY_OFFICER)}


def _role_predicate(role: str, name: str):
    @rules.predicate(name=name)
    def predicate(user) -> bool:
        return bool(_memberships(user, role))

    return predicate


is_national_admin = _role_predicate(Role.NATIONAL_ADMIN, "is_national_admin")
is_reviewer = _role_predicate(Role.REVIEWER, "is_reviewer")
is_province_staff = _role_predicate(Role.PROVINCE_STAFF, "is_province_staff")
is_city_officer = _role_predicate(Role.CITY_OFFICER, "is_city_officer")
is_system_admin = _role_predicate(Role.SYSTEM_ADMIN, "is_system_admin")
is_security_admin = _role_predicate(Role.SECURITY_ADMIN, "is_security_admin")
is_audit_admin = _role_predicate(Role.AUDIT_ADMIN, "is_audit_admin")


@rules.predicate
def is_province_staff_of_city(user, city) -> bool:
    return city is not None and city.province_id in province_ids_of(user)


@rules.predicate
def is_officer_of_city(user, city) -> bool:
    return city is not None and city.pk in city_ids_of(user)


can_view_city = is_national_admin | is_province_staff_of_city | is_officer_of_city

rules.add_perm("cities.view_city_page", can_view_city)
rules.add_perm("cities.list_cities", is_national_admin | is_province_staff | is_city_officer)
rules.add_perm("cities.manage_designations", is_national_admin)
rules.add_perm("cities.view_audit_log", is_audit_admin)
rules.add_perm("cities.manage_users", is_system_admin)
rules.add_perm("cities.manage_memberships", is_security_admin)
# Accounts locked after failed sign-ins: listed and unlocked by the security administrator (cities/lockout.py).
rules.add_perm("cities.unlock_accounts", is_security_admin)
# Second factors (cities/twofactor.py): the security administrator resets another account's.
rules.add_perm("cities.reset_second_factor", is_security_admin)
rules.add_perm("cities.change_places", is_national_admin)
# /healthz/full from another machine, and the warning on the home page when a check fails.
rules.add_perm("cities.view_health", is_system_admin)

# Django admin permissions, mapped onto the same roles. Business records whose changes
# are workflow steps (designations, the audit log) are read-only there.
rules.add_perm("cities", is_national_admin | is_system_admin | is_security_admin | is_audit_admin)
for model in ("province", "city"):
    rules.add_perm(f"cities.view_{model}", is_national_admin)
    rules.add_perm(f"cities.change_{model}", is_national_admin)
rules.add_perm("cities.view_designation", is_national_admin)
# The security admin reads accounts to assign roles; only the system admin edits them.
rules.add_perm("cities.view_user", is_system_admin | is_security_admin)
for action in ("add", "change"):
    rules.add_perm(f"cities.{action}_user", is_system_admin)
for action in ("view", "add", "change"):
    rules.add_perm(f"cities.{action}_membership", is_security_admin)
rules.add_perm("cities.view_auditentry", is_audit_admin)
rules.add_perm("cities.view_apitoken", is_security_admin)
rules.add_perm("django_celery_beat", is_system_admin)
for model in ("periodictask", "crontabschedule", "intervalschedule", "clockedschedule", "solarschedule"):
    for action in ("view", "add", "change", "delete"):
        rules.add_perm(f"django_celery_beat.{action}_{model}", is_system_admin)
