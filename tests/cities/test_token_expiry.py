"""API tokens expire API_TOKEN_DAYS (180) days after creation: refused with 401 then, the date on the tokens page."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from cities.models import ApiToken
from cities.tokens import create_api_token
from tests.api.utils import assert_error

CREATED = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)  # 09:00 in Shanghai


def test_token_expires_180_days_after_creation_and_is_refused_then(fushun_officer):
    with time_machine.travel(CREATED, tick=False):
        token, key = create_api_token(fushun_officer, name="统计系统", by=fushun_officer)
    assert ApiToken.objects.get(pk=token.pk).expires_at == CREATED + dt.timedelta(days=180)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    with time_machine.travel(CREATED + dt.timedelta(days=180, seconds=-1), tick=False):
        assert client.get("/api/v1/me/").json()["username"] == "fushun_t"
    with time_machine.travel(CREATED + dt.timedelta(days=180), tick=False):
        body = assert_error(client.get("/api/v1/me/"), 401, "authentication_failed")
    assert body["message"] == "API 令牌无效、已过期或已被撤销。"


def test_no_expiry_when_api_token_days_is_0(settings, fushun_officer):
    settings.API_TOKEN_DAYS = 0
    token, _key = create_api_token(fushun_officer, name="OA", by=fushun_officer)
    assert ApiToken.objects.get(pk=token.pk).expires_at is None


def test_tokens_page_shows_the_expiry(client, fushun_officer):
    with time_machine.travel(CREATED, tick=False):
        create_api_token(fushun_officer, name="统计系统", by=fushun_officer)
    with time_machine.travel(CREATED + dt.timedelta(days=1), tick=False):
        client.force_login(fushun_officer)
        page = client.get(reverse("api_tokens"))
        assert [(t.name, t.expires_at, t.is_active) for t in page.context["tokens"]] == [
            ("统计系统", CREATED + dt.timedelta(days=180), True)]
        assert "<td>2026年8月29日</td>" in page.content.decode()
    with time_machine.travel(CREATED + dt.timedelta(days=181), tick=False):
        client.force_login(fushun_officer)  # sessions end after 30 idle minutes
        html = client.get(reverse("api_tokens")).content.decode()
        assert '<span class="badge text-bg-warning">已过期</span>' in html
