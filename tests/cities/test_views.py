from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cities import services
from cities.enums import Role, Tier
from cities.models import AuditEntry, Designation
from tests.factories import PASSWORD, CityFactory, DesignationFactory, user_with_role
from tests.utils import queries_for


def login(client, user):
    client.force_login(user)
    return client


# --- scope ------------------------------------------------------------------------------


def test_city_officer_sees_own_city_and_gets_404_for_another(client, fushun_officer, fushun_city, yangjiang_city):
    login(client, fushun_officer)
    own = client.get(reverse("city_detail", args=[fushun_city.code]))
    other = client.get(reverse("city_detail", args=[yangjiang_city.code]))
    assert (own.status_code, other.status_code) == (200, 404)
    assert "抚顺市" in own.content.decode()


def test_province_staff_sees_province_cities_only(client, liaoning_staff, fushun_city, yangjiang_city):
    login(client, liaoning_staff)
    assert client.get(reverse("city_detail", args=[fushun_city.code])).status_code == 200
    assert client.get(reverse("city_detail", args=[yangjiang_city.code])).status_code == 404
    listed = client.get(reverse("city_list"))
    assert [c.code for c in listed.context["page"].object_list] == [fushun_city.code]


def test_national_admin_sees_every_city(client, national_admin, fushun_city, yangjiang_city):
    login(client, national_admin)
    listed = client.get(reverse("city_list"))
    assert [c.code for c in listed.context["page"].object_list] == [fushun_city.code, yangjiang_city.code]
    assert client.get(reverse("city_detail", args=[yangjiang_city.code])).status_code == 200


def test_audit_admin_sees_the_log_but_no_business_screens(client, audit_admin, national_admin, fushun_city):
    services.grant_designation(fushun_city, tier=Tier.PILOT, term_start=dt.date(2020, 1, 1), by=national_admin)
    login(client, audit_admin)
    log = client.get(reverse("audit_log"))
    assert log.status_code == 200
    assert [e.action for e in log.context["page"].object_list] == ["auth.login", "designation.grant"]
    assert client.get(reverse("city_list")).status_code == 403
    assert client.get(reverse("city_detail", args=[fushun_city.code])).status_code == 404
    assert client.post(reverse("designation_grant", args=[fushun_city.code]), {}).status_code == 404
    admin_index = client.get(reverse("admin:index"))
    assert admin_index.status_code == 200
    assert list(admin_index.context["available_apps"][0]["models"][0]["object_name"] for _ in [0]) == ["AuditEntry"]
    assert client.get(reverse("admin:cities_designation_changelist")).status_code == 403
    assert client.get(reverse("admin:cities_city_changelist")).status_code == 403


def test_others_cannot_open_the_audit_log(client, national_admin, liaoning_staff, fushun_officer, reviewer):
    for user in (national_admin, liaoning_staff, fushun_officer, reviewer):
        login(client, user)
        assert client.get(reverse("audit_log")).status_code == 403


def test_anonymous_is_sent_to_login(client, fushun_city):
    response = client.get(reverse("city_detail", args=[fushun_city.code]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- designation actions through the pages ----------------------------------------------


def test_national_admin_grants_and_revokes_through_the_forms(client, national_admin, fushun_city):
    login(client, national_admin)
    response = client.post(reverse("designation_grant", args=[fushun_city.code]), {
        "tier": Tier.DEMONSTRATION, "term_start": "2021-03-01", "document_number": "国知发管函字〔2021〕9号"})
    assert response.status_code == 302
    designation = Designation.objects.get(city=fushun_city)
    assert (designation.term_end, designation.document_number) == (dt.date(2024, 2, 29), "国知发管函字〔2021〕9号")
    response = client.post(reverse("designation_action", args=[designation.pk, "revoke"]),
                           {"reason": "弄虚作假", "ban_years": "2"})
    assert response.status_code == 302
    designation.refresh_from_db()
    assert designation.status == "revoked"
    assert designation.ban_until is not None
    assert list(AuditEntry.objects.filter(action__startswith="designation.").order_by("id").values_list("action", "ip")) == [
        ("designation.grant", "127.0.0.1"), ("designation.revoke", "127.0.0.1")]


def test_revoke_without_reason_shows_the_error_and_changes_nothing(client, national_admin, fushun_city):
    designation = services.grant_designation(fushun_city, tier=Tier.PILOT, term_start=dt.date(2020, 1, 1),
                                             by=national_admin)
    login(client, national_admin)
    response = client.post(reverse("designation_action", args=[designation.pk, "revoke"]), {"reason": "", "ban_years": "0"})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["该字段是必填项。"]
    designation.refresh_from_db()
    assert designation.status == "active"


def test_province_staff_cannot_change_titles(client, liaoning_staff, national_admin, fushun_city):
    designation = services.grant_designation(fushun_city, tier=Tier.PILOT, term_start=dt.date(2020, 1, 1),
                                             by=national_admin)
    login(client, liaoning_staff)
    assert client.post(reverse("designation_grant", args=[fushun_city.code]), {"tier": "pilot"}).status_code == 403
    assert client.post(reverse("designation_action", args=[designation.pk, "revoke"]),
                       {"reason": "x", "ban_years": "0"}).status_code == 403
    designation.refresh_from_db()
    assert designation.status == "active"


# --- home pages, language -----------------------------------------------------------------


def test_home_is_chinese_by_default_even_for_english_browsers(client, fushun_officer, fushun_city, national_admin):
    services.grant_designation(fushun_city, tier=Tier.DEMO_CULTIVATION, term_start=dt.date(2021, 1, 1),
                               term_end=dt.date(2023, 12, 31), by=national_admin)
    login(client, fushun_officer)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "所属城市" in html
    assert "示范培育" in html
    assert "2021年1月1日" in html


def test_language_switch_to_english(client, fushun_officer, fushun_city):
    login(client, fushun_officer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("home")).content.decode()
    assert "My city" in html


def test_login_page_and_password_login(client, fushun_officer):
    page = client.get(reverse("login"))
    assert "登录" in page.content.decode()
    response = client.post(reverse("login"), {"username": "fushun_t", "password": PASSWORD})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="auth.login", actor=fushun_officer).count() == 1


def test_session_expires_after_30_idle_minutes(settings):
    assert (settings.SESSION_COOKIE_AGE, settings.SESSION_SAVE_EVERY_REQUEST) == (1800, True)


# --- query counts: every list page, 1 row and 20 rows ------------------------------------


def _cities_with_titles(province, n):
    for i in range(n):
        city = CityFactory(province=province, code=f"21{i + 10:02d}00")
        DesignationFactory(city=city)


@pytest.mark.parametrize("url_name", ["city_list", "home"])
def test_city_lists_make_the_same_number_of_queries_for_1_and_20_rows(client, liaoning, url_name):
    user = user_with_role(Role.NATIONAL_ADMIN, username="counter")
    login(client, user)
    _cities_with_titles(liaoning, 1)
    one, response = queries_for(client, reverse(url_name))
    assert response.context["page"].paginator.count == 1
    _cities_with_titles_more = [CityFactory(province=liaoning, code=f"2130{i:02d}") for i in range(19)]
    for city in _cities_with_titles_more:
        DesignationFactory(city=city)
    twenty, response = queries_for(client, reverse(url_name))
    assert response.context["page"].paginator.count == 20
    assert one == twenty


def test_province_home_query_count_is_flat(client, liaoning, liaoning_staff):
    login(client, liaoning_staff)
    _cities_with_titles(liaoning, 1)
    one, _ = queries_for(client, reverse("home"))
    for i in range(19):
        DesignationFactory(city=CityFactory(province=liaoning, code=f"2140{i:02d}"))
    twenty, response = queries_for(client, reverse("home"))
    assert response.context["page"].paginator.count == 20
    assert one == twenty


def test_audit_log_query_count_is_flat(client, audit_admin, national_admin, liaoning):
    login(client, audit_admin)
    cities = [CityFactory(province=liaoning, code=f"2150{i:02d}") for i in range(20)]
    services.grant_designation(cities[0], tier=Tier.PILOT, term_start=dt.date(2020, 1, 1), by=national_admin)
    one, response = queries_for(client, reverse("audit_log") + "?action=designation")
    assert response.context["page"].paginator.count == 1
    for city in cities[1:]:
        services.grant_designation(city, tier=Tier.PILOT, term_start=dt.date(2020, 1, 1), by=national_admin)
    twenty, response = queries_for(client, reverse("audit_log") + "?action=designation")
    assert response.context["page"].paginator.count == 20
    assert one == twenty


def test_city_officer_home_query_count_is_flat(client, fushun_officer, fushun_city, national_admin):
    services.grant_designation(fushun_city, tier=Tier.PILOT, term_start=dt.date(2001, 1, 1), by=national_admin)
    login(client, fushun_officer)
    one, _ = queries_for(client, reverse("home"))
    for year in range(2004, 2061, 3):
        DesignationFactory(city=fushun_city, tier=Tier.DEMONSTRATION, term_start=dt.date(year, 1, 1),
                           term_end=dt.date(year + 2, 12, 31), status="expired")
    twenty, response = queries_for(client, reverse("home"))
    assert len(response.context["own_cities"][0][1]) == 20
    assert one == twenty
