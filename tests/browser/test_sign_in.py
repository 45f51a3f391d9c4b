"""Each kind of user signs in with the real login form and lands on their own home page, in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest

from cities import services
from cities.enums import Role, Tier
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_city_officer_signs_in_and_sees_the_city_title_in_chinese(watched_page, live_server, fushun_city,
                                                                 national_admin):
    page, _ = watched_page
    services.grant_designation(fushun_city, tier=Tier.DEMO_CULTIVATION, term_start=dt.date(2021, 1, 1),
                               term_end=dt.date(2023, 12, 31), by=national_admin)
    user_with_role(Role.CITY_OFFICER, username="fushun_b", city=fushun_city)
    sign_in(page, live_server, "fushun_b")
    page.wait_for_selector("h2#h-city")
    assert page.locator("h2#h-city").inner_text() == "所属城市"
    assert "示范培育" in page.locator("main").inner_text()
    assert "2021年1月1日" in page.locator("main").inner_text()
    screenshot(page, "foundation-city-officer-home")


def test_national_admin_filters_cities_and_logs_out(watched_page, live_server, fushun_city, yangjiang_city,
                                                  national_admin):
    page, _ = watched_page
    user_with_role(Role.NATIONAL_ADMIN, username="cnipa_b")
    sign_in(page, live_server, "cnipa_b")
    page.wait_for_selector("h2#h-counts")
    page.fill("input[name=q]", "阳江")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**q=*")
    rows = page.locator("#city-table tbody tr")
    assert rows.count() == 1
    assert "阳江市" in rows.first.inner_text()
    screenshot(page, "foundation-national-home")
    page.click("#user-menu")
    page.click("text=退出登录")
    page.wait_for_selector("input[name=username]")
