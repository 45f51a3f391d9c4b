"""The API answers 429, in the one error shape, beyond its rates (per address when anonymous, per account)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.api.utils import token_client


@pytest.fixture
def low_rates(settings, fushun_officer):
    """Rates of 3 anonymous and 5 signed-in requests a minute; the counters of this test process start at zero
    (its cache keys only: the other test processes share the Redis)."""
    settings.API_THROTTLE_ANON = "3/min"
    settings.API_THROTTLE_USER = "5/min"
    keys = ["throttle_anon_127.0.0.1", f"throttle_user_{fushun_officer.pk}"]
    cache.delete_many(keys)
    yield lambda: cache.delete_many(keys)
    cache.delete_many(keys)


def test_throttles_of_the_api(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == ["ipcity.api.AnonThrottle", "ipcity.api.UserThrottle"]


@time_machine.travel(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc), tick=False)
def test_signed_in_client_gets_429_beyond_its_rate(low_rates, fushun_officer):
    client = token_client(fushun_officer)
    low_rates()  # the request token_client made is not counted
    statuses = [client.get("/api/v1/me/").status_code for _ in range(6)]
    assert statuses == [200, 200, 200, 200, 200, 429]
    response = client.get("/api/v1/me/")
    assert (response.status_code, response["Retry-After"]) == (429, "60")
    assert response.json() == {"code": "throttled", "message": "请求已被限流。 预计 60 秒后可用。", "fields": {}}


def test_signed_in_client_is_served_again_a_minute_later(low_rates, fushun_officer):
    start = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)
    with time_machine.travel(start, tick=False):
        client = token_client(fushun_officer)
        low_rates()
        assert [client.get("/api/v1/me/").status_code for _ in range(6)][-1] == 429
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert client.get("/api/v1/me/").status_code == 200


def test_anonymous_client_gets_429_beyond_its_rate(low_rates):
    client = APIClient()
    statuses = [client.get("/api/v1/me/").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert client.get("/api/v1/me/").json()["code"] == "throttled"


def test_the_schema_documents_429(api_schema):
    assert api_schema["paths"]["/api/v1/me/"]["get"]["responses"]["429"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
