from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cities.enums import CityLevel, Role
from cities.models import AuditEntry, Membership, User
from tests.factories import PASSWORD, CityFactory, DesignationFactory, ProvinceFactory, UserFactory, user_with_role
from tests.utils import queries_for


def test_system_admin_creates_an_account_through_the_admin(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(reverse("admin:cities_user_add"), {
        "username": "newcomer", "full_name": "新同事", "email": "", "usable_password": "true",
        "password1": "Strong-pass-2026", "password2": "Strong-pass-2026"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    user = User.objects.get(username="newcomer")
    assert (user.full_name, user.check_password("Strong-pass-2026"), user.must_change_password) == (
        "新同事", True, True)
    entry = AuditEntry.objects.get(action="user.create")
    assert (entry.actor, entry.object_id, entry.data) == (
        sysadmin, str(user.pk), {"username": "newcomer", "must_change_password": True})


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


# --- the role grant: the place found by name or code ---------------------------------------------------


@pytest.fixture
def tianjin(db):
    """天津市 with two districts: 西青区 (the one searched for) and 和平区 (a neighbour that must not match)."""
    province = ProvinceFactory(code="120000", name="天津市", short_name="天津")
    CityFactory(code="120101", province=province, name="和平区", full_name="天津市和平区",
                level=CityLevel.MUNICIPAL_DISTRICT)
    return province


@pytest.fixture
def xiqing(tianjin):
    return CityFactory(code="120111", province=tianjin, name="西青区", full_name="天津市西青区",
                       level=CityLevel.MUNICIPAL_DISTRICT)


def autocomplete(client, field: str, term: str):
    return client.get(reverse("admin:autocomplete"), {"app_label": "cities", "model_name": "membership",
                                                      "field_name": field, "term": term})


@pytest.mark.parametrize("term", ["西青", "天津市西青区", "120111"])
def test_city_autocomplete_finds_the_city_by_name_or_code_for_the_security_admin(client, secadmin, xiqing,
                                                                                 fushun_city, term):
    client.force_login(secadmin)
    response = autocomplete(client, "city", term)
    assert response.status_code == 200
    assert response.json() == {"results": [{"id": str(xiqing.pk), "text": "天津市西青区（120111）"}],
                               "pagination": {"more": False}}


@pytest.mark.parametrize("term", ["辽宁", "210000"])
def test_province_autocomplete_finds_the_province_by_name_or_code(client, secadmin, liaoning, tianjin, term):
    client.force_login(secadmin)
    response = autocomplete(client, "province", term)
    assert response.json()["results"] == [{"id": str(liaoning.pk), "text": "辽宁省（210000）"}]


def test_account_autocomplete_tells_namesakes_apart(client, secadmin):
    for username in ("zhangwei1", "zhangwei2"):
        User.objects.create_user(username=username, full_name="张伟")
    client.force_login(secadmin)
    response = autocomplete(client, "user", "张伟")
    assert sorted(r["text"] for r in response.json()["results"]) == ["张伟（zhangwei1）", "张伟（zhangwei2）"]


@pytest.mark.parametrize("role", [Role.NATIONAL_ADMIN, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN])
def test_place_autocomplete_is_refused_to_administrators_who_do_not_grant_roles(client, xiqing, role):
    client.force_login(user_with_role(role, username="other_admin_t"))
    for field in ("city", "province"):
        response = autocomplete(client, field, "西青")
        assert (response.status_code, "西青" in response.content.decode()) == (403, False)


def test_place_autocomplete_sends_business_roles_to_the_admin_login(client, xiqing, liaoning_staff, fushun_officer):
    for user in (liaoning_staff, fushun_officer):
        client.force_login(user)
        response = autocomplete(client, "city", "西青")
        assert (response.status_code, response["Location"].split("?")[0]) == (302, reverse("admin:login"))


def test_autocomplete_only_serves_the_form_s_autocomplete_fields(client, secadmin, fushun_city):
    """The security admin may add memberships, not designations: their search stays closed."""
    client.force_login(secadmin)
    response = client.get(reverse("admin:autocomplete"), {"app_label": "cities", "model_name": "designation",
                                                          "field_name": "city", "term": "抚顺"})
    assert response.status_code == 403


def test_city_autocomplete_query_count_is_flat(client, secadmin, liaoning):
    client.force_login(secadmin)
    CityFactory(province=liaoning, code="219000", name="测试市0", full_name="测试市0")

    def search():
        with CaptureQueriesContext(connection) as ctx:
            response = autocomplete(client, "city", "测试市")
        return len(ctx.captured_queries), len(response.json()["results"])

    one = search()
    for i in range(1, 20):
        CityFactory(province=liaoning, code=f"2190{i:02d}", name=f"测试市{i}", full_name=f"测试市{i}")
    twenty = search()
    assert (one[1], twenty[1]) == (1, 20)
    assert one[0] == twenty[0]


def test_membership_form_offers_place_searches_with_chinese_guidance(client, secadmin):
    client.force_login(secadmin)
    html = client.get(reverse("admin:cities_membership_add")).content.decode()
    for field in ("user", "province", "city"):
        assert f'data-field-name="{field}"' in html  # the search box (select2), not a raw id
    assert "vForeignKeyRawIdAdminField" not in html
    assert "可输入名称的一部分（如“西青”或“天津市西青区”）或行政区划代码（如 120111）查找" in html
    assert "admin/js/vendor/select2/i18n/zh-CN.js" in html


def test_security_admin_grants_a_city_officer_the_city_found_by_name(client, secadmin, xiqing):
    officer = User.objects.create_user(username="xiqing_new", full_name="李新")
    client.force_login(secadmin)
    found = autocomplete(client, "city", "西青").json()["results"]
    user_found = autocomplete(client, "user", "李新").json()["results"]
    response = client.post(reverse("admin:cities_membership_add"), {
        "user": user_found[0]["id"], "role": Role.CITY_OFFICER, "province": "", "city": found[0]["id"],
        "employer": "", "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    membership = Membership.objects.get(user=officer)
    assert (membership.role, membership.city, membership.province) == (Role.CITY_OFFICER, xiqing, xiqing.province)
    entry = AuditEntry.objects.get(action="membership.grant")
    assert (entry.actor, entry.object_id, entry.city, entry.data) == (
        secadmin, str(officer.pk), xiqing, {"role": Role.CITY_OFFICER.value, "province": "120000", "city": "120111"})


@pytest.mark.parametrize(("role", "holder_role", "place", "field", "message"), [
    (Role.CITY_OFFICER, None, {}, "city", "市局工作人员须指定所属城市。"),
    (Role.PROVINCE_STAFF, None, {"province": True, "city": True}, "city", "省局工作人员须指定且仅能指定一个所属省份。"),
    (Role.PROVINCE_STAFF, None, {}, "province", "省局工作人员须指定且仅能指定一个所属省份。"),
    (Role.NATIONAL_ADMIN, None, {"city": True}, "city", "该角色不关联地区，请勿指定省份或城市。"),
    (Role.CITY_OFFICER, Role.SYSTEM_ADMIN, {"city": True}, "role", "三员分立：管理员账号不得兼任业务角色。"),
    (Role.AUDIT_ADMIN, Role.CITY_OFFICER, {}, "role", "三员分立：管理员账号不得兼任业务角色。"),
])
def test_bad_role_and_place_combination_is_refused_in_chinese_and_creates_nothing(
        client, secadmin, xiqing, role, holder_role, place, field, message):
    if holder_role is None:
        person = User.objects.create_user(username="person_t", full_name="某人")
    else:
        person = user_with_role(holder_role, username="person_t", city=xiqing if holder_role == Role.CITY_OFFICER
                                else None)
    before = list(Membership.objects.order_by("pk").values_list("pk", "user", "role", "city", "is_active"))
    client.force_login(secadmin)
    response = client.post(reverse("admin:cities_membership_add"), {
        "user": person.pk, "role": role, "employer": "", "is_active": "on",
        "province": xiqing.province.pk if place.get("province") else "",
        "city": xiqing.pk if place.get("city") else ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [message]}
    assert message in response.content.decode()
    assert list(Membership.objects.order_by("pk").values_list("pk", "user", "role", "city", "is_active")) == before
    assert AuditEntry.objects.filter(action="membership.grant").count() == 0


# --- passwords set by the system administrator ------------------------------------------------------------


def test_system_admin_resets_a_password_and_the_account_must_change_it(client, sysadmin, fushun_officer):
    client.force_login(sysadmin)
    change_page = client.get(reverse("admin:cities_user_change", args=[fushun_officer.pk])).content.decode()
    reset_url = reverse("admin:cities_user_password", args=[fushun_officer.pk])
    assert f'href="{reset_url}"' in change_page and "重置密码" in change_page
    assert "下次登录时须先设置自己的新密码" in client.get(reset_url).content.decode()
    response = client.post(reset_url, {"password1": "Reset-pass-2026", "password2": "Reset-pass-2026"})
    assert response["Location"] == reverse("admin:cities_user_change", args=[fushun_officer.pk])
    fushun_officer.refresh_from_db()
    assert (fushun_officer.check_password("Reset-pass-2026"), fushun_officer.must_change_password) == (True, True)
    entry = AuditEntry.objects.get(action="user.password_reset")
    assert (entry.actor, entry.object_id) == (sysadmin, str(fushun_officer.pk))
    assert "已重置" in client.get(response["Location"]).content.decode()


def test_password_reset_with_a_weak_password_changes_nothing(client, sysadmin, fushun_officer):
    client.force_login(sysadmin)
    response = client.post(reverse("admin:cities_user_password", args=[fushun_officer.pk]),
                           {"password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert "这个密码太常见了。" in response.content.decode()
    fushun_officer.refresh_from_db()
    assert (fushun_officer.check_password(PASSWORD), fushun_officer.must_change_password) == (True, False)
    assert AuditEntry.objects.filter(action="user.password_reset").count() == 0


def test_only_the_system_admin_resets_passwords(client, secadmin, national_admin, fushun_officer):
    url = reverse("admin:cities_user_password", args=[fushun_officer.pk])
    client.force_login(secadmin)
    account_page = client.get(reverse("admin:cities_user_change", args=[fushun_officer.pk]))
    assert (account_page.status_code, url in account_page.content.decode()) == (200, False)
    for user in (secadmin, national_admin):
        client.force_login(user)
        assert client.post(url, {"password1": "Reset-pass-2026", "password2": "Reset-pass-2026"}).status_code == 403
    fushun_officer.refresh_from_db()
    assert (fushun_officer.check_password(PASSWORD), fushun_officer.must_change_password) == (True, False)


def test_admin_password_change_link_leads_to_the_audited_page(client, sysadmin):
    client.force_login(sysadmin)
    response = client.get(reverse("admin:password_change"))
    assert (response.status_code, response["Location"]) == (302, reverse("password_change"))


def test_account_list_shows_contact_data_masked(client, sysadmin):
    UserFactory(username="zhang", email="zhang.san@example.cn", phone="13812345678")
    client.force_login(sysadmin)
    response = client.get(reverse("admin:cities_user_changelist"))
    html = response.content.decode()
    assert (response.status_code, "z***@example.cn" in html, "138****5678" in html) == (200, True, True)
    assert ("zhang.san" in html, "13812345678" in html) == (False, False)


def test_account_form_shows_contact_data_in_full_to_the_system_admin_only(client, sysadmin, secadmin):
    zhang = UserFactory(username="zhang", email="zhang.san@example.cn", phone="13812345678")
    client.force_login(sysadmin)
    html = client.get(reverse("admin:cities_user_change", args=[zhang.pk])).content.decode()
    assert ('value="zhang.san@example.cn"' in html, 'value="13812345678"' in html) == (True, True)
    client.force_login(secadmin)
    response = client.get(reverse("admin:cities_user_change", args=[zhang.pk]))
    html = response.content.decode()
    assert (response.status_code, "z***@example.cn" in html, "138****5678" in html) == (200, True, True)
    assert ("zhang.san" in html, "13812345678" in html) == (False, False)


def test_account_list_search_skips_encrypted_fields(client, sysadmin):
    UserFactory(username="zhang", full_name="张三", email="zhang.san@example.cn")
    client.force_login(sysadmin)
    response = client.get(reverse("admin:cities_user_changelist"), {"q": "张三"})
    assert [user.username for user in response.context["cl"].result_list] == ["zhang"]
    response = client.get(reverse("admin:cities_user_changelist"), {"q": "example.cn"})
    assert list(response.context["cl"].result_list) == []
