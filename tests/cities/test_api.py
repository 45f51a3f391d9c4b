"""The API of places, titles, tokens, the inbox and the audit log; and token authentication."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cities import services
from cities.models import ApiToken, AuditEntry
from cities.notifications import notify
from cities.tokens import create_api_token, hash_key
from tests.api.utils import api_queries, assert_error, token_client
from tests.factories import CityFactory, ProvinceFactory

CJK = re.compile(r"[\u4e00-\u9fff]")


# --- tokens and authentication -------------------------------------------------------------------

def test_a_token_is_stored_hashed_and_opens_the_api(fushun_officer):
    token, key = create_api_token(fushun_officer, name="统计系统", by=fushun_officer)
    assert key.startswith("ipc_") and len(key) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_key(key) and key not in (stored.key_hash, stored.prefix)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == fushun_officer.username
    assert response.json()["memberships"][0]["role"] == "city_officer"
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    assert AuditEntry.objects.filter(action="api_token.create", object_id=str(token.pk)).exists()


def test_a_revoked_or_wrong_token_is_refused_with_401_in_chinese(fushun_officer):
    token, key = create_api_token(fushun_officer, name="OA", by=fushun_officer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").status_code == 200
    assert client.post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 200
    body = assert_error(client.get("/api/v1/me/"), 401, "authentication_failed")
    assert CJK.search(body["message"])
    client.credentials(HTTP_AUTHORIZATION="Token ipc_not-a-key")
    assert_error(client.get("/api/v1/me/"), 401, "authentication_failed")
    response = APIClient().get("/api/v1/me/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")
    assert AuditEntry.objects.filter(action="api_token.revoke", object_id=str(token.pk)).count() == 1


def test_an_inactive_users_token_is_refused(fushun_officer):
    client = token_client(fushun_officer)
    fushun_officer.is_active = False
    fushun_officer.save()
    assert_error(client.get("/api/v1/me/"), 401)


def test_session_writes_need_the_csrf_token(fushun_officer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(fushun_officer)
    assert client.get("/api/v1/me/").status_code == 200
    body = assert_error(client.post("/api/v1/tokens/", {"name": "x"}, format="json"), 403)
    assert "CSRF" in body["message"]


def test_token_names_are_checked(fushun_officer):
    client = token_client(fushun_officer)
    body = assert_error(client.post("/api/v1/tokens/", {"name": "  "}, format="json"), 400, "invalid")
    assert "name" in body["fields"]
    client.post("/api/v1/tokens/", {"name": "统计"}, format="json")
    body = assert_error(client.post("/api/v1/tokens/", {"name": "统计"}, format="json"), 400)
    assert CJK.search(body["fields"]["name"][0])
    response = client.post("/api/v1/tokens/", {"name": "OA"}, format="json")
    assert response.status_code == 201 and response.json()["key"].startswith("ipc_")
    assert "key" not in client.get(f"/api/v1/tokens/{response.json()['id']}/").json()


def test_tokens_page_creates_shows_the_key_once_and_revokes(client, fushun_officer, yangjiang_officer):
    client.force_login(fushun_officer)
    page = client.get(reverse("api_tokens"))
    assert page.status_code == 200 and b'id="no-tokens"' in page.content
    refused = client.post(reverse("api_tokens"), {"name": ""})
    assert refused.status_code == 400 and b"name_error" in refused.content
    created = client.post(reverse("api_tokens"), {"name": "省统计系统"})
    key = re.search(r'id="new-token-key">([^<]+)<', created.content.decode()).group(1)
    assert ApiToken.objects.get(user=fushun_officer).key_hash == hash_key(key)
    assert key not in client.get(reverse("api_tokens")).content.decode()
    token = ApiToken.objects.get(user=fushun_officer)
    other, _key = create_api_token(yangjiang_officer, name="阳江", by=yangjiang_officer)
    assert client.post(reverse("api_token_revoke", args=[other.pk])).status_code == 404
    client.post(reverse("api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    other.refresh_from_db()
    assert other.revoked_at is None


def test_the_footer_links_the_api_documentation(client, fushun_officer):
    client.force_login(fushun_officer)
    html = client.get(reverse("home")).content.decode()
    assert 'id="api-docs-link"' in html and reverse("api:docs") in html


# --- reads and writes -----------------------------------------------------------------------------

def test_error_shape_for_not_found_is_chinese(fushun_officer):
    body = assert_error(token_client(fushun_officer).get("/api/v1/cities/999999/"), 404, "not_found")
    assert CJK.search(body["message"])


def test_cities_are_scoped_and_filtered(liaoning_staff, fushun_city, yangjiang_city, national_admin):
    services.grant_designation(fushun_city, tier="demonstration", term_start=dt.date(2025, 1, 1), by=national_admin)
    client = token_client(liaoning_staff)
    codes = [c["code"] for c in client.get("/api/v1/cities/").json()["results"]]
    assert codes == ["210400"]
    first = client.get("/api/v1/cities/", {"tier": "demonstration"}).json()["results"][0]
    assert first["current_tier"] == "demonstration" and first["province"] == "210000"
    assert client.get("/api/v1/cities/", {"tier": "pilot"}).json()["count"] == 0
    assert client.get("/api/v1/cities/", {"q": "抚顺"}).json()["count"] == 1
    national = token_client(national_admin)
    assert national.get("/api/v1/cities/", {"province": "440000"}).json()["results"][0]["code"] == "441700"
    assert national.get("/api/v1/cities/", {"ordering": "-code"}).json()["results"][0]["code"] == "441700"
    body = assert_error(national.get("/api/v1/cities/", {"tier": "gold"}), 400, "invalid")
    assert "tier" in body["fields"]


def test_granting_through_the_api_writes_the_same_audit_entry_as_the_page(national_admin, fushun_city):
    client = token_client(national_admin)
    response = client.post("/api/v1/designations/", {"city": "210400", "tier": "pilot", "term_start": "2026-01-01",
                                                     "document_number": "国知发管字〔2026〕1号"}, format="json")
    assert response.status_code == 201
    assert response.json()["term_end"] == "2028-12-31"
    entry = AuditEntry.objects.get(action="designation.grant")
    assert entry.actor == national_admin and entry.city == fushun_city
    refused = client.post(f"/api/v1/designations/{response.json()['id']}/revoke/", {"reason": ""}, format="json")
    body = assert_error(refused, 400, "invalid")
    assert "reason" in body["fields"]


def test_a_rule_refusal_names_the_rule(national_admin, fushun_city):
    designation = services.grant_designation(fushun_city, tier="pilot", term_start=dt.date(2025, 1, 1),
                                             by=national_admin)
    services.revoke_designation(designation, reason="弄虚作假", by=national_admin)
    body = assert_error(token_client(national_admin).post(
        f"/api/v1/designations/{designation.pk}/rectify/", {"reason": "复核"}, format="json"), 400, "refused")
    assert CJK.search(body["message"]) and body["fields"] == {}


def test_notifications_mark_read(fushun_officer):
    [mine] = notify([fushun_officer], title="请补充材料")
    client = token_client(fushun_officer)
    assert client.get("/api/v1/notifications/", {"unread": "true"}).json()["count"] == 1
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").json()["is_read"] is True
    assert client.get("/api/v1/notifications/", {"unread": "true"}).json()["count"] == 0
    notify([fushun_officer], title="b")
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}


def test_audit_entries_are_the_audit_admins_alone(audit_admin, national_admin, fushun_city):
    services.grant_designation(fushun_city, tier="pilot", term_start=dt.date(2025, 1, 1), by=national_admin)
    assert token_client(national_admin).get("/api/v1/audit-entries/").json()["count"] == 0
    results = token_client(audit_admin).get("/api/v1/audit-entries/", {"action": "designation"}).json()["results"]
    assert [r["action"] for r in results] == ["designation.grant"] and results[0]["action_label"]


# --- query counts: 1 row and 20 rows cost the same ----------------------------------------------------

def _provinces(n):
    start = 0 if n == 1 else 1
    for i in range(start, start + n):
        ProvinceFactory(code=f"{60 + i}0000", name=f"测试省{i}", short_name=f"测{i}")


def _cities(n):
    province = ProvinceFactory(code="990000", name="测试省", short_name="测试") if n == 1 else None
    from cities.models import Province
    province = province or Province.objects.get(code="990000")
    start = 1 if n == 1 else 2
    for i in range(start, start + n):
        city = CityFactory(code=f"99{i:02d}00", province=province, name=f"测试市{i}", full_name=f"测试市{i}")
        services.grant_designation(city, tier="pilot", term_start=dt.date(2025, 1, 1), by=None)


def _notifications(user):
    def make(n):
        for i in range(n):
            notify([user], title=f"第{i}条")
    return make


@pytest.mark.parametrize("url,maker", [
    ("/api/v1/provinces/", "provinces"), ("/api/v1/cities/", "cities"), ("/api/v1/designations/", "cities"),
    ("/api/v1/notifications/", "notifications"), ("/api/v1/audit-entries/", "cities"),
    ("/api/v1/tokens/", "tokens"),
])
def test_list_endpoints_cost_the_same_for_1_and_20_rows(url, maker, national_admin, audit_admin):
    user = audit_admin if "audit" in url else national_admin
    client = token_client(user)
    make = {"provinces": _provinces, "cities": _cities, "notifications": _notifications(user),
            "tokens": lambda n: [ApiToken.objects.create(user=user, name=f"t{i}-{n}", prefix="ipc_x",
                                                         key_hash=f"{n}-{i}") for i in range(n)]}[maker]
    make(1)
    one, _response = api_queries(client, url)
    make(19)
    twenty, response = api_queries(client, url)
    assert len(response.json()["results"]) >= 20
    assert one == twenty, (url, one, twenty)


def test_the_security_administrator_revokes_a_token_in_the_admin(client, fushun_officer):
    from cities.enums import Role
    from tests.factories import user_with_role

    token, key = create_api_token(fushun_officer, name="OA", by=fushun_officer)
    security = user_with_role(Role.SECURITY_ADMIN, username="security_t")
    client.force_login(security)
    page = client.get(reverse("admin:cities_apitoken_changelist")).content.decode()
    assert token.prefix in page and key not in page
    client.post(reverse("admin:cities_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.get(action="api_token.revoke").actor == security
