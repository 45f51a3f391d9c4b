"""Issue #15 "Flows" in a real browser:

- ``cnipa`` extends the province stage's deadline of 抚顺市's application by picking that stage on the form, which
  names both stages with their current deadlines; afterwards the form and the page header show the new province
  deadline and the city deadline unchanged.
- ``liaoning`` returns 抚顺市's application with a reason; ``fushun`` opens the application and reads the reason in
  the banner at the top of the page, before anything else it is asked to do.

Screenshots: var/screenshots/flows-*.png.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import formats, translation

from evaluations.enums import ApplicationState, SnapshotKind
from evaluations.models import Application
from evaluations.snapshots import take_snapshot
from ipcity.dates import local_today
from tests.browser.conftest import screenshot
from tests.browser.journey_support import (
    accept_confirmations,
    build_world,
    sign_in,
    sign_out,
    state_of,
    submit_and_wait,
)

pytestmark = pytest.mark.django_db(transaction=True)

S = ApplicationState
RETURN_REASON = "证明材料中缺少2025年度专利权质押融资登记证明，请补充后重新提交。"
EXTENSION_REASON = "省局评审会议因防汛工作顺延两周"


def submitted_application(world) -> Application:
    """抚顺市's application as the city submitted it (round 1), waiting for 辽宁."""
    application = Application.objects.create(cycle=world.cycle, city=world.fushun_city, state=S.SUBMITTED, round=1)
    take_snapshot(application, kind=SnapshotKind.SUBMIT, by=world.users["fushun"])
    return application


def shown(day: dt.date) -> str:
    with translation.override("zh-hans"):
        return formats.date_format(day, "DATE_FORMAT")


def test_national_staff_extend_the_province_stage_they_pick(watched_page, live_server):
    page, _watch = watched_page
    world = build_world()
    application = submitted_application(world)
    cycle = world.cycle
    new_deadline = cycle.province_deadline + dt.timedelta(days=14)
    sign_in(page, live_server, "cnipa", then=reverse("application_detail", args=[application.pk]))
    page.click("details:has(#extend-form) > summary")
    city_choice, province_choice = "#extend-form input[name=stage][value=city]", \
        "#extend-form input[name=stage][value=province]"
    # Both stages are named with their deadline; the city's is over for a submitted application.
    assert page.locator(f"label[for='{page.get_attribute(city_choice, 'id')}']").inner_text() == (
        f"市局报送省局截止日期：{shown(cycle.city_deadline)}（本申报已过此阶段）")
    assert page.locator(f"label[for='{page.get_attribute(province_choice, 'id')}']").inner_text() == (
        f"省局报送国家知识产权局截止日期：{shown(cycle.province_deadline)}")
    assert page.is_disabled(city_choice)
    page.check(province_choice)
    page.fill("#extend-form input[name=until]", new_deadline.isoformat())
    page.fill("#extend-form textarea[name=reason]", EXTENSION_REASON)
    screenshot(page, "flows-extend-form")
    submit_and_wait(page, "button[data-action=extend]")

    application.refresh_from_db()
    assert (application.city_deadline_extension, application.province_deadline_extension) == (None, new_deadline)
    assert page.locator(".alert-success").inner_text().strip() == (
        f"“省局报送国家知识产权局”阶段的截止日期已延长至{shown(new_deadline)}。")
    header = page.locator("main .text-end .small").first.inner_text()
    assert shown(new_deadline) in header and shown(cycle.city_deadline) in header
    assert shown(cycle.province_deadline) not in header
    page.click("details:has(#extend-form) > summary")
    assert page.locator(f"label[for='{page.get_attribute(province_choice, 'id')}']").inner_text() == (
        f"省局报送国家知识产权局截止日期：{shown(new_deadline)}（已延长，原定{shown(cycle.province_deadline)}）")
    assert page.locator(f"label[for='{page.get_attribute(city_choice, 'id')}']").inner_text() == (
        f"市局报送省局截止日期：{shown(cycle.city_deadline)}（本申报已过此阶段）")
    screenshot(page, "flows-extended")


def test_city_reads_the_return_reason_at_the_top_of_its_application(watched_page, live_server):
    page, _watch = watched_page
    accept_confirmations(page)
    world = build_world()
    application = submitted_application(world)
    detail = reverse("application_detail", args=[application.pk])
    sign_in(page, live_server, "liaoning", then=detail)
    assert page.locator("#return-reason").count() == 0
    page.fill("#reason-return", RETURN_REASON)
    submit_and_wait(page, "button[data-action=return]")
    assert state_of(page) == S.DRAFT
    sign_out(page)

    sign_in(page, live_server, "fushun", then=detail)
    banner = page.locator("#return-reason")
    assert [line for line in banner.inner_text().split("\n") if line] == [
        f"省局已于{shown(local_today())}退回本申报", f"退回原因： {RETURN_REASON}"]
    # At the top: above the next steps and the materials, and in the first screen without scrolling.
    top = banner.bounding_box()["y"]
    assert top < page.locator("#h-actions").bounding_box()["y"] < page.locator("#h-materials").bounding_box()["y"]
    assert top + banner.bounding_box()["height"] < 768
    screenshot(page, "flows-return-banner")
