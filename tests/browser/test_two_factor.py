"""Two-factor sign-in in a real browser: a national administrator without a second factor signs in, is taken to
enrolment, scans nothing but types the shown key's code, keeps the backup codes and arrives where they were going;
signing in again asks for a code, and a backup code opens the page. The strict content security policy holds
(a violation would be a console error)."""

from __future__ import annotations

import base64

import pytest
from django.urls import reverse
from django_otp.oath import totp

from cities.enums import Role
from tests.browser.conftest import screenshot
from tests.browser.journey_support import sign_out
from tests.factories import PASSWORD, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, username: str, then: str) -> None:
    page.goto(f"{live_server.url}{reverse('login')}?next={then}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")


def test_national_admin_enrols_then_signs_in_with_a_backup_code(watched_page, live_server, settings):
    settings.TWO_FACTOR_ENFORCED = True
    page, _watch = watched_page
    user_with_role(Role.NATIONAL_ADMIN, username="cnipa_2fa")

    sign_in(page, live_server, "cnipa_2fa", "/cities/")
    page.wait_for_url(f"{live_server.url}{reverse('two_factor_enrol')}?next=%2Fcities%2F")
    assert page.locator("#two-factor-qr svg path").count() >= 1
    assert page.locator("#two-factor-qr svg").bounding_box()["width"] >= 200
    secret = page.locator("#two-factor-secret").inner_text()
    screenshot(page, "two-factor-enrol")
    code = f"{totp(base64.b32decode(secret.replace(' ', ''))):06d}"
    page.fill("input[name=code]", code)
    page.click("#two-factor-enrol-form button[type=submit]")
    page.wait_for_selector("#backup-codes")
    codes = page.locator("#backup-codes code").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "two-factor-backup-codes")
    page.click("#backup-codes-continue")
    page.wait_for_url(f"{live_server.url}/cities/")

    sign_out(page)
    sign_in(page, live_server, "cnipa_2fa", "/cities/")
    page.wait_for_url(f"{live_server.url}{reverse('two_factor_verify')}?next=%2Fcities%2F")
    page.fill("input[name=code]", codes[0])
    page.click("#two-factor-verify-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/cities/")
    assert "还剩 9 个" in page.locator("main").inner_text()
