from __future__ import annotations

import pytest
from django.urls import reverse

from cities.enums import Role
from cities.models import AuditEntry, Membership, User
from tests.factories import CityFactory, DesignationFactory, user_with_role
from tests.utils import queries_for


@pytest.fixture
def sysadmin(db):
    return user_with_role(Role.SYSTEM_ADMIN, username="sysadmin_t")


@pytest.fixture
def secadmin(db):
    return user_with_role(Role.SECURITY_ADMIN, username="secadmin_t")


def test_system_admin_creates_an_account_through_the_admin(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(reverse("admin:cities_user_add"), {
        "username": "newcomer", "full_name": "新同事", "email": "", "usable_password": "true",
        "password1": "Strong-pass-2026", "password2": "Strong-pass-2026"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    user = User.objects.get(username="newcomer")
    assert (user.full_name, user.check_password("Strong-pass-2026")) == ("新同事", True)
    entry = AuditEntry.objects.get(action="user.create")
    assert (entry.actor, entry.object_id) == (sysadmin, str(user.pk))


def test_security_admin_grants_a_role_through_the_admin(client, secadmin, fushun_city):
    officer = user_with_role(Role.REVIEWER, username="someone")
    client.force_login(secadmin)
    response = client.post(reverse("admin:cities_membership_add"), {
        "user": officer.pk, "role": Role.CITY_OFFICER, "province": "", "city": fushun_city.pk, "employer": "",
        "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    membership = Membership.objects.get(user=officer, role=Role.CITY_OFFICER)
    assert (membership.city, membership.province) == (fushun_city, fushun_city.province)
    assert AuditEntry.objects.filter(action="membership.grant", actor=secadmin).count() == 1


def test_second_three_admin_role_is_refused_with_a_message(client, secadmin):
    client.force_login(secadmin)
    response = client.post(reverse("admin:cities_membership_add"), {
        "user": secadmin.pk, "role": Role.AUDIT_ADMIN, "province": "", "city": "", "employer": "", "is_active": "on"})
    assert response.status_code == 200
    assert "三员分立" in response.content.decode()
    assert list(Membership.objects.filter(user=secadmin).values_list("role", flat=True)) == [Role.SECURITY_ADMIN]
    assert AuditEntry.objects.filter(action="membership.grant").count() == 0


def test_business_users_cannot_manage_accounts(client, national_admin, liaoning_staff):
    for user in (national_admin, liaoning_staff):
        client.force_login(user)
        assert client.get(reverse("admin:cities_user_changelist")).status_code in (302, 403)
        assert client.get(reverse("admin:cities_membership_changelist")).status_code in (302, 403)


def test_audit_entries_cannot_be_changed_in_the_admin(client, audit_admin, national_admin, fushun_city):
    from cities import audit

    entry = audit.record(actor=national_admin, action="place.update", obj=fushun_city)
    client.force_login(audit_admin)
    page = client.get(reverse("admin:cities_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200
    assert 'type="submit"' not in page.content.decode().split('id="content-main"')[1]
    assert client.post(reverse("admin:cities_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("changelist", ["cities_city", "cities_designation"])
def test_admin_changelists_query_count_is_flat(client, national_admin, liaoning, changelist):
    client.force_login(national_admin)
    DesignationFactory(city=CityFactory(province=liaoning, code="216001"))
    url = reverse(f"admin:{changelist}_changelist")
    one, _ = queries_for(client, url)
    for i in range(19):
        DesignationFactory(city=CityFactory(province=liaoning, code=f"2170{i:02d}"))
    twenty, _ = queries_for(client, url)
    assert one == twenty


def test_membership_changelist_query_count_is_flat(client, secadmin, fushun_city):
    client.force_login(secadmin)
    url = reverse("admin:cities_membership_changelist")
    one, _ = queries_for(client, url)
    for i in range(19):
        user_with_role(Role.CITY_OFFICER, username=f"officer{i}", city=fushun_city)
    twenty, _ = queries_for(client, url)
    assert one == twenty
