"""Helpers of the real-browser journeys (tests/browser/test_journeys.py): the world the journeys start from,
built with the services and factories, and the browser steps every journey repeats (signing in and out,
uploading files, reading a download).

The pages are in Chinese and their wording is still being translated, so elements are found by their name,
id, data-action or URL, never by their visible text.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
from django.urls import reverse

from cities import services as city_services
from cities.enums import Role, Tier
from cities.models import City, Province, User
from evaluations.basic_info import load_template
from evaluations.enums import ApplicationState, CycleKind, SnapshotKind
from evaluations.models import Application, Cycle
from evaluations.services import cycles as cycle_services
from evaluations.snapshots import take_snapshot
from ipcity.dates import local_today
from reviews.enums import Outcome, Recommendation
from reviews.services.assignments import assign_reviewer, declare_no_conflict
from reviews.services.decisions import decide
from reviews.services.reviewers import upsert_reviewer_profile
from reviews.services.rubrics import create_default_rubric
from reviews.services.scoring import open_review, save_scores, submit_review, subjective_leaves
from tests.browser.conftest import PageWatch
from tests.factories import PASSWORD, CityFactory, ProvinceFactory, user_with_role
from tests.files import PDF

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Reviewers outside 辽宁 (expert1 … expert5) and one of 辽宁, whom the conflict rules must skip for 抚顺.
OUTSIDE_REVIEWERS = [f"expert{n}" for n in range(1, 6)]
LIAONING_REVIEWER = "expert_ln"


@dataclass
class World:
    liaoning: Province
    guangdong: Province
    fushun_city: City
    cycle: Cycle
    users: dict[str, User] = field(default_factory=dict)


def build_world() -> World:
    """辽宁 and 抚顺市 (示范培育 for two years, so eligible to apply for 示范城市), an open DEMONSTRATION cycle whose
    deadlines lie ahead of today, the five kinds of user, five reviewers from 广东 and one from 辽宁."""
    liaoning = ProvinceFactory(code="210000", name="辽宁省", short_name="辽宁")
    guangdong = ProvinceFactory(code="440000", name="广东省", short_name="广东")
    fushun_city = CityFactory(code="210400", province=liaoning, name="抚顺市", full_name="抚顺市")
    users = {
        "cnipa": user_with_role(Role.NATIONAL_ADMIN, username="cnipa"),
        "liaoning": user_with_role(Role.PROVINCE_STAFF, username="liaoning", province=liaoning),
        "fushun": user_with_role(Role.CITY_OFFICER, username="fushun", city=fushun_city),
    }
    cnipa = users["cnipa"]
    today = local_today()
    city_services.grant_designation(fushun_city, tier=Tier.DEMO_CULTIVATION,
                                    term_start=dt.date(today.year - 2, 1, 1), by=cnipa)
    load_template()
    cycle = cycle_services.create_cycle(
        kind=CycleKind.DEMONSTRATION, year=today.year, document_number=f"国知办函运字〔{today.year}〕66号",
        city_deadline=today + dt.timedelta(days=30), province_deadline=today + dt.timedelta(days=45),
        measurement_request_deadline=today + dt.timedelta(days=15), by=cnipa)
    cycle = cycle_services.open_cycle(cycle, by=cnipa)
    for username in OUTSIDE_REVIEWERS:
        users[username] = user_with_role(Role.REVIEWER, username=username)
        upsert_reviewer_profile(users[username], expertise=["知识产权管理", "示范城市"], province=guangdong,
                                employer="广东省知识产权研究院", by=cnipa)
    users[LIAONING_REVIEWER] = user_with_role(Role.REVIEWER, username=LIAONING_REVIEWER)
    upsert_reviewer_profile(users[LIAONING_REVIEWER], expertise=["知识产权管理", "示范城市"], province=liaoning,
                            employer="辽宁省知识产权局", by=cnipa)
    return World(liaoning=liaoning, guangdong=guangdong, fushun_city=fushun_city, cycle=cycle, users=users)


def decided_application(world: World, *, rationale: str) -> Application:
    """抚顺市's application put directly under review (for the tests that start after journeys 1–3), reviewed
    by expert1 through the services and approved by cnipa; the results are not published."""
    cnipa, expert = world.users["cnipa"], world.users["expert1"]
    application = Application.objects.create(cycle=world.cycle, city=world.fushun_city,
                                             state=ApplicationState.UNDER_REVIEW, round=1)
    take_snapshot(application, kind=SnapshotKind.SUBMIT, by=world.users["fushun"])
    create_default_rubric(world.cycle, by=cnipa)
    assignment = assign_reviewer(application, expert, due_date=local_today() + dt.timedelta(days=20), by=cnipa)
    declare_no_conflict(assignment, by=expert)
    assignment.refresh_from_db()
    review = open_review(assignment, by=expert)
    save_scores(review, scores={c.pk: (c.max_points, "好") for c in subjective_leaves(world.cycle.rubric.pk)},
                opinion="同意", recommendation=Recommendation.APPROVE, by=expert)
    submit_review(review, by=expert)
    decide(application, outcome=Outcome.APPROVED, rationale=rationale, by=cnipa)
    return application


# --- the browser ---------------------------------------------------------------------------------


def url(live_server, name: str, *args) -> str:
    return f"{live_server.url}{reverse(name, args=args)}"


def accept_confirmations(page) -> None:
    """static/ipcity/app.js and static/reviews/scoring.js ask window.confirm before irreversible actions."""
    page.on("dialog", lambda dialog: dialog.accept())


def sign_in(page, live_server, username: str, *, then: str) -> None:
    """Follow a link to ``then`` (a path) while signed out, sign in on the login form, arrive there."""
    page.goto(f"{live_server.url}{reverse('login')}?next={then}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}{then}")


def sign_out(page) -> None:
    page.click("#user-menu")
    page.click("form[action$='/accounts/logout/'] button[type=submit]")
    page.wait_for_selector("input[name=username]")


def watched_context_page(browser, live_server, context_args: dict):
    """A page of a fresh browser context (no cookies: an anonymous visitor), watched like ``watched_page``."""
    context = browser.new_context(**context_args)
    page = context.new_page()
    return context, page, PageWatch(page, live_server.url)


def pdf_upload(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def xlsx_upload(name: str, content: bytes) -> dict:
    return {"name": name, "mimeType": XLSX, "buffer": content}


def upload_material(page, *, kind: str, name: str, title: str = "") -> None:
    """The materials form of the application page: kind, optional title, one file."""
    form = page.locator("form.material-upload-form")
    form.locator("select[name=kind]").select_option(kind)
    if title:
        form.locator("input[name=title]").fill(title)
    form.locator("input[type=file]").set_input_files(pdf_upload(name))
    submit_upload(page, "form.material-upload-form button[type=submit]")


def submit_and_wait(page, selector: str) -> None:
    """Click a submit button and wait for the page the form leads to."""
    with page.expect_navigation():
        page.click(selector)


def submit_upload(page, selector: str) -> None:
    """Click the submit button of a form with a file: app.js sends it with a progress bar under the form,
    then shows the next page (accepted) or the form again with its errors (refused). Wait for that page."""
    page.click(selector)
    page.wait_for_function("() => document.readyState === 'complete' && !document.querySelector('form .upload-progress')")


def state_of(page) -> str:
    """The state shown on the application page, from the badge's class (status-app-<state>)."""
    classes = page.locator("#application-state").get_attribute("class").split()
    return next(c.removeprefix("status-app-") for c in classes if c.startswith("status-app-"))


# --- the Excel table -------------------------------------------------------------------------------


def cell_value(value):
    """A stored answer as a cell holds it: numbers as numbers, texts as text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def fill_workbook(content: bytes, cells: dict[str, object]) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    for ref, value in cells.items():
        sheet[ref] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_download(download) -> bytes:
    return Path(download.path()).read_bytes()


# --- journeys 6 and 7: responsibility lists, the dashboard, reminders ----------------------------


@dataclass
class PlansWorld:
    liaoning: Province
    fushun_city: City
    users: dict[str, User] = field(default_factory=dict)


def build_plans_world() -> PlansWorld:
    """The small world of the responsibility-list journeys: 辽宁 and 抚顺市 (210400), ``fushun`` (city officer of
    抚顺), ``liaoning`` (province staff of 辽宁) and ``cnipa``. No cycle, so no deadline but the list's."""
    liaoning = ProvinceFactory(code="210000", name="辽宁省", short_name="辽宁")
    fushun_city = CityFactory(code="210400", province=liaoning, name="抚顺市", full_name="抚顺市")
    users = {
        "cnipa": user_with_role(Role.NATIONAL_ADMIN, username="cnipa"),
        "liaoning": user_with_role(Role.PROVINCE_STAFF, username="liaoning", province=liaoning),
        "fushun": user_with_role(Role.CITY_OFFICER, username="fushun", city=fushun_city),
    }
    return PlansWorld(liaoning=liaoning, fushun_city=fushun_city, users=users)


def dashboard_metric(page, name: str) -> str:
    """A figure of the city summary of the dashboard (``<dd data-metric=...>`` in dashboard_city_officer.html)."""
    return page.locator(f"#city-summary [data-metric='{name}']").inner_text().strip()


def exported_table(page, key: str) -> list[dict[str, object]]:
    """Download a dashboard table through its Excel button (``a[data-export=key]``) and read its rows, each as
    {header: value}."""
    with page.expect_download() as downloading:
        page.click(f"a[data-export='{key}']")
    sheet = openpyxl.load_workbook(io.BytesIO(read_download(downloading.value))).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
