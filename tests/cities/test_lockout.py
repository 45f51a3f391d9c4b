"""Sign-in lockout (django-axes): 5 failures lock the account for 30 minutes, per username."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cities.models import AuditEntry
from tests.factories import PASSWORD

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def lock(client, username):
    """Five failed sign-ins, from five addresses behind which officials could be: the account is locked."""
    return [sign_in(client, username, "wrong-password", address=f"10.0.0.{n}") for n in range(1, 6)]


def test_settings_lock_per_username_after_5_failures_for_30_minutes(settings):
    assert (settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_MINUTES) == (5, 30)
    assert (settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME, settings.AXES_LOCKOUT_PARAMETERS,
            settings.AXES_HANDLER) == (5, dt.timedelta(minutes=30), ["username"],
                                       "axes.handlers.database.AxesDatabaseHandler")
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_sixth_sign_in_refused_with_the_right_password_until_31_minutes_later(client, fushun_officer):
    with time_machine.travel(START, tick=False):
        responses = lock(client, "fushun_t")
        assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
        refused = sign_in(client, "fushun_t", PASSWORD)
        assert refused.status_code == 429
        assert "_auth_user_id" not in client.session
        message = refused.context["lockout_message"]
        assert message == ("该账户因连续 5 次登录失败已被锁定，至 2026-03-02 09:30 解锁。届时请重新登录，"
                           "或请安全管理员解锁。")
        assert message in refused.content.decode()
        assert "Traceback" not in refused.content.decode()
    with time_machine.travel(START + dt.timedelta(minutes=31), tick=False):
        assert sign_in(client, "fushun_t", PASSWORD).status_code == 302
        assert client.session["_auth_user_id"] == str(fushun_officer.pk)
    lockouts = list(AuditEntry.objects.filter(action="auth.lockout").values_list("actor", "object_id", "data"))
    assert lockouts == [(None, str(fushun_officer.pk), {"username": "fushun_t", "failures": 5,
                                                         "until": "2026-03-02T01:30:00+00:00"})]


def test_lockout_of_one_account_leaves_others_behind_the_same_address(client, fushun_officer, yangjiang_officer):
    with time_machine.travel(START, tick=False):
        lock(client, "fushun_t")
        assert sign_in(client, "yangjiang_t", PASSWORD, address="10.0.0.1").status_code == 302


def test_security_admin_lists_and_unlocks_a_locked_account(client, fushun_officer, secadmin):
    with time_machine.travel(START, tick=False):
        lock(client, "fushun_t")
        lock(client, "nobody_t")
        client.force_login(secadmin)
        page = client.get(reverse("locked_accounts"))
        assert [(a.username, a.failures, timezone.localtime(a.until).strftime("%H:%M"))
                for a in page.context["accounts"]] == [("fushun_t", 5, "09:30"), ("nobody_t", 5, "09:30")]
        assert reverse("locked_accounts") in client.get(reverse("home")).content.decode()
        response = client.post(reverse("unlock_account"), {"username": "fushun_t"})
        assert response.status_code == 302
        assert [a.username for a in client.get(reverse("locked_accounts")).context["accounts"]] == ["nobody_t"]
        unlock = AuditEntry.objects.get(action="auth.unlock")
        assert (unlock.actor, unlock.object_id, unlock.data) == (
            secadmin, str(fushun_officer.pk), {"username": "fushun_t", "until": "2026-03-02T01:30:00+00:00"})
        client.logout()
        assert sign_in(client, "fushun_t", PASSWORD).status_code == 302


def test_unlocking_an_account_that_is_not_locked_is_404(client, secadmin):
    client.force_login(secadmin)
    assert client.post(reverse("unlock_account"), {"username": "fushun_t"}).status_code == 404
    assert AuditEntry.objects.filter(action="auth.unlock").count() == 0


@pytest.mark.parametrize("persona", ["fushun_officer", "liaoning_staff", "sysadmin", "audit_admin", "national_admin"])
def test_locked_accounts_page_is_404_outside_the_security_administrator(client, request, persona, fushun_officer):
    with time_machine.travel(START, tick=False):
        lock(client, "fushun_t")
        client.force_login(request.getfixturevalue(persona))
        assert client.get(reverse("locked_accounts")).status_code == 404
        assert client.post(reverse("unlock_account"), {"username": "fushun_t"}).status_code == 404
        # No link (the audit administrator's home page does show the refusals just recorded, as text).
        assert f'href="{reverse("locked_accounts")}"' not in client.get(reverse("home")).content.decode()
    assert AuditEntry.objects.filter(action="auth.unlock").count() == 0


def test_locked_accounts_page_is_a_login_redirect_for_anonymous(client):
    response = client.get(reverse("locked_accounts"))
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/accounts/locked/")


def test_one_address_trying_many_accounts_is_throttled_without_locking_them(client, settings, fushun_officer,
                                                                              yangjiang_officer):
    """Issue #14, "Login": "throttling on the login form". Password spraying (one address, one password, many
    accounts) locks no account; ``LOGIN_THROTTLE`` stops the address instead, and another address is not held."""
    settings.LOGIN_THROTTLE = "3/min"
    address = f"10.77.{dt.datetime.now().microsecond % 250}.1"  # the cache outlives tests: an address of its own
    tried = [sign_in(client, username, "Spring-2026!", address=address).status_code
             for username in ("fushun_t", "yangjiang_t", "nobody_t")]
    assert tried == [200, 200, 200]
    refused = sign_in(client, "fushun_t", PASSWORD, address=address)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.context["lockout_message"] == (
        f"此网络地址的登录尝试过于频繁，请 {refused['Retry-After']} 秒后再试。")
    assert "_auth_user_id" not in client.session
    assert sign_in(client, "yangjiang_t", PASSWORD, address=address).status_code == 429
    assert sign_in(client, "fushun_t", PASSWORD, address="10.78.0.1").status_code == 302
    throttled = list(AuditEntry.objects.filter(action="auth.throttled").values_list("actor", "data"))
    assert throttled == [(None, {"address": address, "limit": "3/min", "username": "fushun_t"})]
    assert AuditEntry.objects.filter(action="auth.lockout").count() == 0
