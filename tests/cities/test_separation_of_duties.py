"""三员 (separation of duties) enforced by the database as well as by the service (issue #14, "Edges": "the
三员-vs-business-role rule also enforced by the database"; GB/T 22239-2019 8.1.4.2 三权分立 at level 3).

The rows here are written with the ORM's ``create``/``save`` or raw SQL, bypassing ``cities.services``: what
refuses them is the trigger of migration ``cities/0009_three_admin_separation``.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from cities.enums import Role
from cities.models import Membership
from tests.factories import user_with_role


@pytest.mark.parametrize("admin_role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_business_role_added_to_a_three_admin_account_is_refused_by_the_database(admin_role, liaoning):
    user = user_with_role(admin_role, username="sod_admin")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.PROVINCE_STAFF, province=liaoning)
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == [admin_role]


def test_three_admin_role_added_to_a_business_account_is_refused_by_raw_sql(fushun_officer):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cities_membership (user_id, role, employer, is_active, created_at)"
            " VALUES (%s, %s, '', %s, CURRENT_TIMESTAMP)", [fushun_officer.pk, Role.AUDIT_ADMIN.value, True])
    assert list(Membership.objects.filter(user=fushun_officer).values_list("role", flat=True)) == [
        Role.CITY_OFFICER]


def test_reactivating_a_revoked_conflicting_role_is_refused(liaoning):
    user = user_with_role(Role.SECURITY_ADMIN, username="sod_reactivate")
    Membership.objects.filter(user=user).update(is_active=False)
    staff = Membership.objects.create(user=user, role=Role.PROVINCE_STAFF, province=liaoning)
    security = Membership.objects.get(user=user, role=Role.SECURITY_ADMIN)
    security.is_active = True
    with pytest.raises(IntegrityError), transaction.atomic():
        security.save()
    # Revoking the business role first lets the administrator role back.
    staff.is_active = False
    staff.save()
    security.save()
    assert set(Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True)) == {
        Role.SECURITY_ADMIN}


def test_business_roles_together_and_inactive_rows_are_allowed(liaoning, fushun_city):
    user = user_with_role(Role.REVIEWER, username="sod_business")
    Membership.objects.create(user=user, role=Role.PROVINCE_STAFF, province=liaoning)
    Membership.objects.create(user=user, role=Role.SYSTEM_ADMIN, is_active=False)
    assert set(Membership.objects.filter(user=user).values_list("role", "is_active")) == {
        (Role.REVIEWER, True), (Role.PROVINCE_STAFF, True), (Role.SYSTEM_ADMIN, False)}
