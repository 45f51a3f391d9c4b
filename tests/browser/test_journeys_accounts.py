"""Issue 12 in a real browser: a new city officer's account, from nothing to their city's re-review draft.

1. The system administrator creates the account (user name, name, initial password) in the admin.
2. The security administrator grants it the role 市局工作人员 for 天津市西青区, found by typing part of its name in
   the city box of 角色授权.
3. The new officer signs in with the initial password, is held on the password page until they choose their own,
   and then finds 天津市西青区's draft of this year's 示范城市复核 on their home page and opens it.

Everything is found by its visible Chinese text (labels, buttons, links, the options a search box shows), as the
officials read it; the one structural hold is the admin's form row around a labelled search box (select2 hides the
labelled <select> and draws its own box next to it). Screenshots go to var/screenshots/accounts-*.png.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from cities import services as city_services
from cities.enums import CityLevel, Role, Tier
from cities.models import AuditEntry, Membership, User
from evaluations.basic_info import load_template
from evaluations.enums import ApplicationState, CycleKind
from evaluations.models import Application
from evaluations.services import cycles as cycle_services
from ipcity.dates import local_today
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, CityFactory, ProvinceFactory, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

USERNAME = "xiqing_li"
FULL_NAME = "李晓青"
INITIAL_PASSWORD = "Xiqing-start-2026"
OWN_PASSWORD = "Xiqing-own-choice-2026"


def build_re_review_world():
    """天津市 with 西青区 (a demonstration city whose term ends this year) and 和平区 (a neighbour the search must
    not offer for 西青); this year's re-review cycle, opened by ``cnipa`` (which drafts 西青区's application);
    the system and security administrators."""
    tianjin = ProvinceFactory(code="120000", name="天津市", short_name="天津")
    xiqing = CityFactory(code="120111", province=tianjin, name="西青区", full_name="天津市西青区",
                         level=CityLevel.MUNICIPAL_DISTRICT)
    CityFactory(code="120101", province=tianjin, name="和平区", full_name="天津市和平区",
                level=CityLevel.MUNICIPAL_DISTRICT)
    cnipa = user_with_role(Role.NATIONAL_ADMIN, username="cnipa")
    today = local_today()
    city_services.grant_designation(xiqing, tier=Tier.DEMONSTRATION, term_start=dt.date(today.year - 2, 1, 1),
                                    by=cnipa)
    load_template()
    cycle = cycle_services.create_cycle(
        kind=CycleKind.RE_REVIEW, year=today.year, document_number=f"国知办函运字〔{today.year}〕12号",
        city_deadline=today + dt.timedelta(days=30), province_deadline=today + dt.timedelta(days=45), by=cnipa)
    cycle = cycle_services.open_cycle(cycle, by=cnipa)
    draft = Application.objects.get(cycle=cycle, city=xiqing)
    assert draft.state == ApplicationState.DRAFT
    user_with_role(Role.SYSTEM_ADMIN, username="sysadmin")
    user_with_role(Role.SECURITY_ADMIN, username="secadmin")
    return xiqing, cycle, draft


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def follow(page, link_name: str, *, exact: bool = False) -> None:
    """Click a link and wait until the next page has loaded (its scripts, select2 among them, have run)."""
    with page.expect_navigation():
        page.get_by_role("link", name=link_name, exact=exact).click()


def sign_out_of_the_admin(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="退出登录").click()


def form_row(page, label: str):
    """The admin form's row of the field labelled ``label``."""
    return page.locator(".form-row").filter(has=page.get_by_text(f"{label}:", exact=True))


def choose_by_search(page, label: str, typed: str, option: str) -> None:
    """Open the search box of the field ``label`` (select2 in the admin), type, and pick the option shown."""
    search(page, label, typed)
    results(page).get_by_role("option", name=option).click()


def results(page):
    """The open search box's list of results (the hidden selects' own options are not in it)."""
    return page.get_by_role("listbox")


def search(page, label: str, typed: str) -> None:
    """Open the field's box: its search field takes the focus, and what one types goes there."""
    form_row(page, label).get_by_role("combobox").click()
    page.keyboard.type(typed)


def journey_system_admin_creates_the_account(page, live_server) -> User:
    sign_in(page, live_server, "sysadmin", PASSWORD)
    follow(page, "用户账号")
    follow(page, "增加 用户")
    assert "首次登录时须先设置自己的新密码" in page.locator("#content-main").inner_text()
    page.get_by_label("用户名").fill(USERNAME)
    page.get_by_label("姓名").fill(FULL_NAME)
    page.get_by_label("密码:", exact=True).fill(INITIAL_PASSWORD)
    page.get_by_label("密码确认:", exact=True).fill(INITIAL_PASSWORD)
    screenshot(page, "accounts-1-new-account")
    with page.expect_navigation():
        page.get_by_role("button", name="保存", exact=True).click()
    assert "成功添加了" in page.locator(".messagelist").inner_text()
    account = User.objects.get(username=USERNAME)
    assert (account.full_name, account.must_change_password, account.check_password(INITIAL_PASSWORD)) == (
        FULL_NAME, True, True)
    sign_out_of_the_admin(page)
    return account


def journey_security_admin_grants_the_city(page, live_server, account: User, xiqing) -> None:
    sign_in(page, live_server, "secadmin", PASSWORD)
    follow(page, "角色授权")
    follow(page, "增加 角色授权")
    choose_by_search(page, "用户", FULL_NAME[:2], f"{FULL_NAME}（{USERNAME}）")
    page.get_by_label("角色").select_option(label="市局工作人员")
    # Typing the name's middle finds the district; its neighbour 和平区 is not offered.
    search(page, "城市", "西青")
    found = results(page).get_by_role("option")
    expect(found).to_have_text(["天津市西青区（120111）"])  # waits for the search to answer
    screenshot(page, "accounts-2-city-search")
    found.first.click()
    assert "天津市西青区（120111）" in form_row(page, "城市").get_by_role("combobox").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="保存", exact=True).click()
    assert "成功添加了" in page.locator(".messagelist").inner_text()
    membership = Membership.objects.get(user=account)
    assert (membership.role, membership.city, membership.province, membership.is_active) == (
        Role.CITY_OFFICER, xiqing, xiqing.province, True)
    assert AuditEntry.objects.filter(action="membership.grant", actor__username="secadmin",
                                     object_id=str(account.pk)).count() == 1
    screenshot(page, "accounts-2-granted")
    sign_out_of_the_admin(page)


def journey_officer_sets_a_password_and_finds_the_draft(page, live_server, account: User, cycle, draft) -> None:
    sign_in(page, live_server, USERNAME, INITIAL_PASSWORD)
    explanation = page.get_by_text("首次登录（或管理员重置密码后）请先设置新密码")
    assert explanation.is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == "修改密码"
    screenshot(page, "accounts-3-password-required")
    # Any other page leads back here until the password is their own.
    follow(page, "城市", exact=True)
    assert explanation.is_visible()

    page.get_by_label("旧密码").fill(INITIAL_PASSWORD)
    page.get_by_role("textbox", name="新密码", exact=True).fill(OWN_PASSWORD)
    page.get_by_label("新密码确认").fill(OWN_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="修改密码").click()
    assert page.get_by_text("密码修改成功。").is_visible()
    account.refresh_from_db()
    assert (account.must_change_password, account.check_password(OWN_PASSWORD)) == (False, True)

    follow(page, "返回首页")
    waiting = page.get_by_role("region", name="待办申报")
    assert re.sub(r"\s+", " ", waiting.inner_text()).count("天津市西青区") == 1
    assert cycle.title in waiting.inner_text()
    screenshot(page, "accounts-3-officer-home")
    with page.expect_navigation():
        waiting.get_by_role("link", name="天津市西青区").click()
    assert page.url.endswith(f"/applications/{draft.pk}/")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "天津市西青区" in heading and cycle.title in page.locator("main").inner_text()
    screenshot(page, "accounts-3-re-review-draft")


def test_new_city_officer_account_from_creation_to_the_city_s_re_review_draft(watched_page, live_server):
    page, _watch = watched_page
    xiqing, cycle, draft = build_re_review_world()
    account = journey_system_admin_creates_the_account(page, live_server)
    journey_security_admin_grants_the_city(page, live_server, account, xiqing)
    journey_officer_sets_a_password_and_finds_the_draft(page, live_server, account, cycle, draft)
