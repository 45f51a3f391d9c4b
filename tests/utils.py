"""Helpers shared by tests."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

EXTERNAL_ASSET = re.compile(r"""(?:src|href|action|data|poster)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
CSS_EXTERNAL = re.compile(r"""url\(\s*["']?(?:https?:)?//""", re.IGNORECASE)


def queries_for(client, url: str) -> tuple[int, object]:
    """Number of queries one GET makes, and the response (asserted to be 200)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), response


def external_references(html: str) -> list[str]:
    """Every attribute or CSS url() in ``html`` that points at another host."""
    found = []
    for pattern in (EXTERNAL_ASSET, CSS_EXTERNAL):
        for match in pattern.finditer(html):
            found.append(html[max(0, match.start() - 20): match.end() + 60])
    return found


def totp_code(device) -> str:
    """The authenticator app's code for ``device`` now: django-otp's own TOTP over the device's key."""
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def pass_second_factor(client, user) -> None:
    """After the password step, what the user's authenticator app does: the verification page with the current
    code of their device (the demo's national administrator and 三员 have one)."""
    from django.urls import reverse

    from cities import twofactor

    device = twofactor.totp_device_of(user)
    if device is None:
        return
    response = client.post(reverse("two_factor_verify"), {"code": totp_code(device), "next": "/"})
    assert response.status_code == 302, response.content.decode()[:400]
