"""Journeys 6 and 7 of issue #7 in a real browser, each as the real user with the real forms:

6. ``fushun`` (city officer of 抚顺市) reports an item of 抚顺's 2021 responsibility list completed, 100%, with an
   evidence PDF, through the item's progress form on the list page; ``liaoning`` (province staff of 辽宁) downloads
   the evidence and verifies the completion through the verify form; the dashboard numbers move with each step.
7. An item of 抚顺's list falls due; the clock moves to the day after; the reminder sweep runs as the beat would;
   ``fushun`` sees the unread badge, opens the inbox and follows the reminder to the item.

Screenshots are saved under var/screenshots/journey6-*.png and journey7-*.png.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, override

from cities.models import Notification
from ipcity.dates import SHANGHAI, local_today
from plans.enums import ItemStatus
from plans.models import ProgressReport, Reminder
from plans.reminders import sweep
from plans.services.responsibility import add_item, create_list, load_list_json
from tests.browser.conftest import screenshot
from tests.browser.journey_support import (
    PDF,
    build_plans_world,
    dashboard_metric,
    exported_table,
    pdf_upload,
    read_download,
    sign_in,
    sign_out,
    submit_and_wait,
    url,
)

pytestmark = pytest.mark.django_db(transaction=True)

LIST_FILE = Path(settings.BASE_DIR) / "plans" / "data" / "responsibility_list_fushun_2021.json"
NOTE = "《抚顺市促进知识产权高质量发展扶持政策》已经市政府常务会议审议通过并印发。"
EVIDENCE_NAME = "扶持政策印发文件.pdf"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def province_row(page, city_name: str) -> dict[str, object]:
    """The city's row of the province dashboard's table of cities, read from its Excel export (the page's cells
    carry no id or data attribute), keyed by the English headers of plans.dashboards.province_section."""
    with override(settings.LANGUAGE_CODE):
        english = {gettext(name): name for name in (
            "City", "List", "Items", "Completed", "Verified", "Overdue", "Awaiting verification",
            "Completion rate (%)")}
    rows = [{english.get(label, label): value for label, value in row.items()}
            for row in exported_table(page, "province-cities")]
    [row] = [row for row in rows if row["City"] == city_name]
    return row


# --- journey 6 -------------------------------------------------------------------------------------


def test_journey6_city_reports_completion_with_evidence_province_verifies_dashboard_moves(watched_page, live_server):
    page, _watch = watched_page
    page.on("dialog", lambda dialog: dialog.accept())  # confirmations of irreversible steps
    world = build_plans_world()
    fushun, liaoning = world.users["fushun"], world.users["liaoning"]
    rlist = load_list_json(LIST_FILE, city=world.fushun_city, year=2021, by=fushun)
    total = rlist.items.count()
    item = rlist.items.get(number=3)  # 强化知识产权高质量创造导向: the policy document is the evidence
    list_path = reverse("list_detail", args=[rlist.pk])
    dashboard_path = reverse("dashboard")

    # The city's dashboard before: the 2021 list (the newest year with a list), nothing completed.
    sign_in(page, live_server, "fushun", then=dashboard_path)
    assert page.locator("#dashboard-year-select").input_value() == "2021"
    metrics = ("items", "completed", "completion-rate")
    assert {m: dashboard_metric(page, m) for m in metrics} == {
        "items": str(total), "completed": "0", "completion-rate": "0.0%"}

    # The list, and the item's progress form on it: completed, 100%, a note and the evidence PDF.
    page.goto(f"{live_server.url}{list_path}")
    assert page.locator(f"#item-{item.pk}").count() == 1
    screenshot(page, "journey6-list")
    form = page.locator(f"form[action='{reverse('item_progress', args=[item.pk])}']")
    form.locator("select[name=status]").select_option(ItemStatus.COMPLETED.value)
    form.locator("input[name=percent]").fill("100")
    form.locator("textarea[name=note]").fill(NOTE)
    form.locator("input[name=evidence_files]").set_input_files(pdf_upload(EVIDENCE_NAME))
    form.locator("button[type=submit]").click()
    page.wait_for_function("() => document.readyState === 'complete' && !document.querySelector('form .upload-progress')")
    assert page.url == f"{live_server.url}{list_path}#item-{item.pk}"
    assert page.locator(".alert-danger").count() == 0, page.locator(".alert-danger").all_inner_texts()
    assert page.locator(".alert-success").count() == 1
    assert page.locator(f"#item-{item.pk} .status-badge.status-{ItemStatus.COMPLETED.value}").count() >= 1
    report = ProgressReport.objects.get(item=item)
    assert (report.status, report.percent, report.note) == (ItemStatus.COMPLETED, 100, NOTE)
    [evidence] = report.evidence.all()
    assert evidence.original_name == EVIDENCE_NAME
    with evidence.file.open("rb") as stored:
        assert stored.read() == PDF

    page.goto(f"{live_server.url}{dashboard_path}")
    assert {m: dashboard_metric(page, m) for m in metrics} == {
        "items": str(total), "completed": "1", "completion-rate": "5.6%"}  # 1 of 18
    sign_out(page)

    # The province: told of the completion, sees it awaiting verification on its dashboard.
    sign_in(page, live_server, "liaoning", then=dashboard_path)
    assert page.locator("#unread-count").inner_text().strip() == "1"
    assert Notification.objects.filter(recipient=liaoning, url=reverse("item_detail", args=[item.pk])).exists()
    before = province_row(page, world.fushun_city.full_name)
    assert {k: before[k] for k in ("Items", "Completed", "Verified", "Awaiting verification")} == {
        "Items": total, "Completed": 1, "Verified": 0, "Awaiting verification": 1}

    # The evidence, from the item's page, then the verdict on the list.
    page.goto(f"{live_server.url}{list_path}")
    item_path = reverse("item_detail", args=[item.pk])
    page.click(f"#item-{item.pk} a[href='{item_path}']")
    page.wait_for_url(f"**{item_path}")
    with page.expect_download() as downloading:
        page.click(f"#progress-history a[href='{reverse('evidence_download', args=[evidence.pk])}']")
    assert downloading.value.suggested_filename == EVIDENCE_NAME
    assert read_download(downloading.value) == PDF

    page.goto(f"{live_server.url}{list_path}")
    verify = (f"form[action='{reverse('progress_verify', args=[report.pk])}']"
              f":has(input[name=verdict][value={ItemStatus.VERIFIED.value}])")
    submit_and_wait(page, f"{verify} button[type=submit]")
    assert page.url == f"{live_server.url}{list_path}#item-{item.pk}"
    assert page.locator(".alert-danger").count() == 0, page.locator(".alert-danger").all_inner_texts()
    assert page.locator(f"#item-{item.pk} .status-badge.status-{ItemStatus.VERIFIED.value}").count() >= 1
    assert page.locator(f"form[action='{reverse('progress_verify', args=[report.pk])}']").count() == 0
    screenshot(page, "journey6-verified")
    item.refresh_from_db()
    report.refresh_from_db()
    assert (item.status, report.verdict, report.verified_by) == (ItemStatus.VERIFIED, ItemStatus.VERIFIED, liaoning)
    assert Notification.objects.filter(recipient=fushun, url=item_path).exists()

    page.goto(f"{live_server.url}{dashboard_path}")
    after = province_row(page, world.fushun_city.full_name)
    assert {k: after[k] for k in ("Items", "Completed", "Verified", "Awaiting verification")} == {
        "Items": total, "Completed": 1, "Verified": 1, "Awaiting verification": 0}
    assert after["Completion rate (%)"] == pytest.approx(5.6)
    screenshot(page, "journey6-dashboard")


# --- journey 7 -------------------------------------------------------------------------------------


def test_journey7_reminder_reaches_the_inbox_after_the_due_date(watched_page, live_server, time_machine):
    page, _watch = watched_page
    world = build_plans_world()
    fushun, liaoning = world.users["fushun"], world.users["liaoning"]
    due = local_today() + dt.timedelta(days=2)
    rlist = create_list(world.fushun_city, year=due.year, by=fushun)
    item = add_item(rlist, work_area="推动知识产权高质量创造", task="出台《抚顺市知识产权质押融资风险补偿办法》。",
                    completion_standard="办法印发实施。", responsible_units=["市知识产权局", "市财政局"],
                    due_date=due, by=fushun)
    item_path = reverse("item_detail", args=[item.pk])

    # The day after the due date, in the morning in Beijing; the live server's thread sees the same clock.
    day_after = due + dt.timedelta(days=1)
    time_machine.move_to(dt.datetime.combine(day_after, dt.time(9, 0), tzinfo=SHANGHAI), tick=True)
    assert local_today() == day_after
    assert sweep() == 2  # the city, and (overdue) the province as the level above
    assert sweep() == 0  # the next beat sends nothing twice
    assert set(Reminder.objects.values_list("recipient__username", "escalated", "offset_days")) == {
        ("fushun", False, -1), ("liaoning", True, -1)}
    [notification] = Notification.objects.filter(recipient=fushun)
    assert notification.url == item_path

    sign_in(page, live_server, "fushun", then=reverse("list_detail", args=[rlist.pk]))
    assert page.locator("#unread-count").inner_text().strip() == "1"
    assert page.locator(f"#item-{item.pk}.table-danger").count() == 1  # overdue on the moved clock
    page.click("#inbox-link")
    page.wait_for_url(url(live_server, "inbox"))
    opener = f"#notification-list form[action='{reverse('notification_open', args=[notification.pk])}']"
    assert page.locator(opener).count() == 1
    screenshot(page, "journey7-inbox")

    submit_and_wait(page, f"{opener} button[type=submit]")
    assert page.url == f"{live_server.url}{item_path}"
    assert page.locator("#unread-count").count() == 0
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert Notification.objects.filter(recipient=liaoning, url=item_path).count() == 1


# --- what the app does not do yet (strict: it fails as soon as the app is fixed, to drop the marker) ------------


def test_item_status_badges_can_be_read(watched_page, live_server):
    page, _watch = watched_page
    world = build_plans_world()
    fushun = world.users["fushun"]
    rlist = create_list(world.fushun_city, year=2021, by=fushun)
    item = add_item(rlist, work_area="推动知识产权高质量创造", task="强化知识产权高质量创造导向。", by=fushun)
    sign_in(page, live_server, "fushun", then=reverse("list_detail", args=[rlist.pk]))
    badge = page.locator(f"#item-{item.pk} .status-badge.status-{ItemStatus.NOT_STARTED.value}")
    background = badge.evaluate("element => getComputedStyle(element).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), background
