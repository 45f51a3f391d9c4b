"""Helpers of the API tests: a client authenticated by a real personal token, and query counting."""

from __future__ import annotations

import itertools

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cities.tokens import create_api_token


_numbers = itertools.count(1)


def token_client(user) -> APIClient:
    """An API client that sends a real token of ``user`` (created through the service, stored hashed)."""
    _token, key = create_api_token(user, name=f"tests-{next(_numbers)}", by=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    # The first use stamps the token's last use (a write at most every few minutes): done here, so that
    # query counts of the tests measure the endpoints alone.
    assert client.get("/api/v1/me/").status_code == 200
    return client


def api_queries(client, url: str, **params) -> tuple[int, object]:
    """Number of queries one GET makes, and the response (asserted to be 200)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code, getattr(response, "data", None))
    return len(ctx.captured_queries), response


def assert_error(response, status: int, code: str | None = None) -> dict:
    """``response`` is a refusal with ``status`` in the one error shape; its body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert body["message"], body
    if code is not None:
        assert body["code"] == code, body
    return body
