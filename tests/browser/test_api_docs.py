"""The API reference pages work offline: Swagger UI and Redoc load from our own static files, under our
CSP, without a console error; a token made on the account page opens the API."""

from __future__ import annotations

import json

import pytest

from cities.enums import Role
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in import sign_in
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_officer_creates_a_token_and_reads_the_api_reference(watched_page, live_server, fushun_city):
    page, _watch = watched_page
    user_with_role(Role.CITY_OFFICER, username="fushun_api", city=fushun_city)
    sign_in(page, live_server, "fushun_api")
    page.click("#user-menu")
    page.click("text=API 令牌")
    page.fill("input[name=name]", "市统计系统")
    page.click("#token-form button[type=submit]")
    key = page.locator("#new-token-key").inner_text().strip()
    assert key.startswith("ipc_")
    assert "市统计系统" in page.locator("#token-table").inner_text()
    screenshot(page, "api-tokens")

    me = page.request.get(f"{live_server.url}/api/v1/me/", headers={"Authorization": f"Token {key}"})
    assert me.status == 200 and json.loads(me.text())["username"] == "fushun_api"

    page.click("#api-docs-link")
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=20000)
    tags = page.locator(".swagger-ui .opblock-tag").all_inner_texts()
    assert {"applications", "reviews", "responsibility-items", "cities"} <= {t.split()[0] for t in tags if t}, tags
    page.click(".swagger-ui .opblock-tag[data-tag='applications']")
    page.wait_for_selector(".swagger-ui .opblock-post")
    screenshot(page, "api-docs-swagger")

    page.goto(f"{live_server.url}/api/v1/redoc/")
    page.wait_for_selector("redoc .api-content, .api-content", timeout=20000)
    screenshot(page, "api-docs-redoc")
