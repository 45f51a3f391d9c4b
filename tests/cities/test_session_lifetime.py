"""Sessions end when they must (issue #14, 等保 2.0: 会话管理): 12 hours after sign-in however active, and at
once, for good, when the account is disabled, its password reset or one of its roles revoked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cities import services
from cities.models import AuditEntry
from cities.tokens import create_api_token

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.timezone.utc)


def signed_in(client) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 200 and response.wsgi_request.user.is_authenticated


def test_an_active_session_ends_12_hours_after_sign_in(client, fushun_officer, time_machine):
    time_machine.move_to(START, tick=False)
    client.force_login(fushun_officer)
    every_25_minutes = [START + dt.timedelta(minutes=25 * step) for step in range(1, 29)]  # up to 11 h 40
    for moment in every_25_minutes:
        time_machine.move_to(moment, tick=False)
        assert signed_in(client), moment  # never idle for 30 minutes: the idle limit does not end it
    time_machine.move_to(START + dt.timedelta(hours=12, seconds=1), tick=False)

    response = client.get(reverse("home"))

    assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next=/")
    assert not signed_in(client)


def test_disabling_an_account_ends_its_session_and_enabling_it_does_not_revive_it(client, fushun_officer,
                                                                                   sysadmin):
    client.force_login(fushun_officer)
    assert signed_in(client)

    services.update_user(fushun_officer, changes={"is_active": False}, by=sysadmin)
    assert not signed_in(client)
    services.update_user(fushun_officer, changes={"is_active": True}, by=sysadmin)

    assert not signed_in(client)  # the old cookie stays dead
    client.force_login(fushun_officer)  # signing in again works
    assert signed_in(client)


def test_password_reset_ends_sessions_and_revokes_api_tokens(client, fushun_officer, sysadmin):
    token, _key = create_api_token(fushun_officer, name="统计报送", by=fushun_officer)
    client.force_login(fushun_officer)

    services.reset_password(fushun_officer, password="Reset-pass-2026!", by=sysadmin)

    assert not signed_in(client)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="user.password_reset").get().data == {"tokens_revoked": 1}


def test_revoking_a_role_ends_sessions_and_api_tokens_at_once(client, fushun_officer, secadmin):
    _token, key = create_api_token(fushun_officer, name="统计报送", by=fushun_officer)
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    browser = client.__class__()
    browser.force_login(fushun_officer)
    assert client.get("/api/v1/applications/", **headers).status_code == 200 and signed_in(browser)

    services.revoke_membership(fushun_officer.active_memberships[0], reason="调岗", by=secadmin)

    assert client.get("/api/v1/applications/", **headers).status_code == 401
    assert not signed_in(browser)
