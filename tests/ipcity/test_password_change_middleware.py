"""An account whose password an administrator set must choose its own before it can use anything: every page
sends it to the password change, the API refuses it (session and token), and changing the password ends it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cities import services
from cities.enums import Role
from cities.models import AuditEntry, User
from cities.tokens import create_api_token
from tests.factories import PASSWORD, user_with_role

NEW_PASSWORD = "Own-choice-2026"
API_MESSAGE = "请先设置新密码：登录网页修改管理员为您设置的初始密码。修改之前，接口拒绝所有请求。"


@pytest.fixture
def newcomer(fushun_city):
    """A city officer whose account the system administrator has just created (or whose password was reset)."""
    user = user_with_role(Role.CITY_OFFICER, username="newcomer_t", city=fushun_city)
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    user.refresh_from_db()
    return user


PAGES = [
    ("home", ()), ("city_list", ()), ("city_detail", ("210400",)), ("inbox", ()), ("api_tokens", ()),
    ("notification_preferences", ()), ("public_results", ()), ("login", ()), ("admin:index", ()), ("api:docs", ()),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_every_page_sends_a_user_who_must_change_the_password_to_the_change_page(client, newcomer, name, args):
    client.force_login(newcomer)
    response = client.get(reverse(name, args=args))
    assert (response.status_code, response["Location"]) == (302, reverse("password_change"))


def test_a_form_post_is_sent_to_the_change_page_and_changes_nothing(client, newcomer):
    client.force_login(newcomer)
    response = client.post(reverse("api_tokens"), {"name": "OA 对接"})
    assert (response.status_code, response["Location"]) == (302, reverse("password_change"))
    assert newcomer.api_tokens.count() == 0


def test_the_change_page_explains_why_in_chinese(client, newcomer):
    client.force_login(newcomer)
    response = client.get(reverse("password_change"))
    assert response.status_code == 200
    assert "首次登录（或管理员重置密码后）请先设置新密码" in response.content.decode()


def test_a_user_who_chose_the_password_sees_no_explanation(client, fushun_officer):
    client.force_login(fushun_officer)
    response = client.get(reverse("password_change"))
    assert (response.status_code, "首次登录" in response.content.decode()) == (200, False)


def test_sign_out_health_check_and_language_switch_stay_open(client, newcomer):
    client.force_login(newcomer)
    assert client.get(reverse("healthz")).json() == {"status": "ok"}
    switched = client.post(reverse("set_language"), {"language": "en", "next": reverse("password_change")})
    assert (switched.status_code, switched["Location"]) == (302, reverse("password_change"))
    signed_out = client.post(reverse("logout"))
    assert (signed_out.status_code, signed_out["Location"]) == (302, reverse("login"))
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_the_api_refuses_the_session_with_a_chinese_message(client, newcomer):
    client.force_login(newcomer)
    response = client.get("/api/v1/me/")
    assert (response.status_code, response.json()) == (
        403, {"code": "permission_denied", "message": API_MESSAGE, "fields": {}})


def test_the_api_refuses_tokens_of_an_account_whose_password_was_reset(fushun_officer):
    """The reset revokes the tokens made before it (401); one made after it still meets the obligation to
    choose a password first (403)."""
    _token, key = create_api_token(fushun_officer, name="OA 对接", by=fushun_officer)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 200
    services.reset_password(fushun_officer, password="Reset-pass-2026",
                            by=user_with_role(Role.SYSTEM_ADMIN, username="sysadmin_t"))
    assert api.get("/api/v1/me/", HTTP_ACCEPT="application/json").status_code == 401
    _token, key = create_api_token(fushun_officer, name="OA 对接（新）", by=fushun_officer)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    for url in ("/api/v1/me/", "/api/v1/cities/", "/api/v1/schema/"):
        response = api.get(url, HTTP_ACCEPT="application/json")
        assert (response.status_code, response.json()) == (
            403, {"code": "permission_denied", "message": API_MESSAGE, "fields": {}}), url


def test_changing_the_password_ends_the_obligation_and_is_audited(client, newcomer):
    client.force_login(newcomer)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert (response.status_code, response["Location"]) == (302, reverse("password_change_done"))
    newcomer.refresh_from_db()
    assert (newcomer.must_change_password, newcomer.check_password(NEW_PASSWORD)) == (False, True)
    entry = AuditEntry.objects.get(action="auth.password_change")
    assert (entry.actor, entry.object_id, entry.data) == (newcomer, str(newcomer.pk), {"required": True})
    # Still signed in (the session follows the new password), and every page opens again.
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/me/").json()["username"] == "newcomer_t"


def test_keeping_the_administrator_s_password_is_refused(client, newcomer):
    client.force_login(newcomer)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].errors == {"new_password1": ["新密码不能与当前密码相同。"]}
    newcomer.refresh_from_db()
    assert newcomer.must_change_password is True
    assert AuditEntry.objects.filter(action="auth.password_change").count() == 0


def test_a_wrong_current_password_is_refused(client, newcomer):
    client.force_login(newcomer)
    response = client.post(reverse("password_change"), {
        "old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert list(response.context["form"].errors) == ["old_password"]
    newcomer.refresh_from_db()
    assert (newcomer.must_change_password, newcomer.check_password(PASSWORD)) == (True, True)


def test_an_ordinary_password_change_is_audited_without_the_obligation(client, fushun_officer):
    client.force_login(fushun_officer)
    client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert AuditEntry.objects.get(action="auth.password_change").data == {"required": False}


def test_users_who_chose_their_password_are_not_redirected(client, fushun_officer):
    client.force_login(fushun_officer)
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
