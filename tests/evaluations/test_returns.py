"""The latest return reason (issue #15 "Flows"): a banner at the top of the application page while the application
stays where the return left it, and the reason in the notification the returned-to side receives."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from cities.models import AuditEntry, Notification
from evaluations.enums import Action, ApplicationState, CycleKind
from evaluations.selectors import Returned, latest_return
from evaluations.workflow import transition
from tests.evaluations.conftest import application_in

S = ApplicationState
PROVINCE_REASON = "工作总结第二部分缺少2025年度专利质押融资数据，请补充后重新提交。"
NATIONAL_REASON = "推荐函未附测评得分表，请省局补充后重新推荐。"


def banner(html: str) -> str | None:
    """The text of the return banner (``#return-reason``), whitespace collapsed; None when there is none."""
    found = re.search(r'<div class="alert alert-danger" role="alert" id="return-reason">(.*?)</div>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else None


@pytest.fixture
def returned_by_province(world, django_capture_on_commit_callbacks):
    application = application_in(world, CycleKind.PILOT, S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        transition(application, Action.RETURN, by=world["staff"], reason=PROVINCE_REASON)
    application.refresh_from_db()
    return application


def test_latest_return_is_the_provinces_while_the_draft_waits(returned_by_province):
    entry = AuditEntry.objects.get(action="application.return")
    assert latest_return(returned_by_province) == Returned(reason=PROVINCE_REASON, at=entry.created_at,
                                                           to_province=False)


def test_city_sees_the_reason_at_the_top_of_its_application(client, world, returned_by_province):
    client.force_login(world["officers"][CycleKind.PILOT])
    html = client.get(reverse("application_detail", args=[returned_by_province.pk])).content.decode()
    assert banner(html) == f"省局已于2026年6月1日退回本申报 退回原因： {PROVINCE_REASON}"
    # Above everything else the page asks of the city: what is missing, the next steps, the materials.
    assert html.index('id="return-reason"') < html.index('id="h-actions"') < html.index('id="h-materials"')


def test_city_is_notified_with_the_reason(world, returned_by_province):
    officer = world["officers"][CycleKind.PILOT]
    notice = Notification.objects.get(recipient=officer)
    assert (notice.title, notice.body, notice.url) == (
        f"本溪市 · {returned_by_province.cycle.title}：省局已退回", f"退回原因：{PROVINCE_REASON}",
        reverse("application_detail", args=[returned_by_province.pk]))


def test_banner_goes_once_the_city_submits_again(client, world, returned_by_province):
    officer = world["officers"][CycleKind.PILOT]
    transition(returned_by_province, Action.SUBMIT, by=officer)
    returned_by_province.refresh_from_db()
    assert latest_return(returned_by_province) is None
    client.force_login(officer)
    assert banner(client.get(reverse("application_detail", args=[returned_by_province.pk])).content.decode()) is None


def test_no_banner_on_an_application_never_returned(client, world):
    application = application_in(world, CycleKind.PILOT, S.SUBMITTED)
    client.force_login(world["officers"][CycleKind.PILOT])
    response = client.get(reverse("application_detail", args=[application.pk]))
    assert (response.context["returned"], banner(response.content.decode())) == (None, None)


def test_national_return_shows_on_the_page_and_reaches_the_province(client, world,
                                                                   django_capture_on_commit_callbacks):
    application = application_in(world, CycleKind.PILOT, S.RECOMMENDED)
    with django_capture_on_commit_callbacks(execute=True):
        transition(application, Action.RETURN, by=world["national"], reason=NATIONAL_REASON)
    application.refresh_from_db()
    assert (application.state, latest_return(application).to_province) == (S.SUBMITTED, True)
    for user in (world["officers"][CycleKind.PILOT], world["staff"]):
        client.force_login(user)
        html = client.get(reverse("application_detail", args=[application.pk])).content.decode()
        assert banner(html) == f"国家知识产权局已于2026年6月1日退回省局 退回原因： {NATIONAL_REASON}"
    notice = Notification.objects.get(recipient=world["staff"])
    assert (notice.title, notice.body) == (f"本溪市 · {application.cycle.title}：国家知识产权局已退回省局",
                                           f"退回原因：{NATIONAL_REASON}")


def test_other_moves_carry_their_reason_labelled(world, django_capture_on_commit_callbacks):
    application = application_in(world, CycleKind.PILOT, S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        transition(application, Action.DECLINE, by=world["staff"], reason="名额已满")
    notice = Notification.objects.get(recipient=world["officers"][CycleKind.PILOT])
    assert (notice.title, notice.body) == (f"本溪市 · {application.cycle.title}：未推荐", "理由：名额已满")


def test_the_banner_date_is_the_day_in_beijing(client, world, time_machine, django_capture_on_commit_callbacks):
    """A return at 23:30 UTC on 1 June is on 2 June in Beijing."""
    application = application_in(world, CycleKind.PILOT, S.SUBMITTED)
    time_machine.move_to(dt.datetime(2026, 6, 1, 23, 30, tzinfo=dt.timezone.utc), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        transition(application, Action.RETURN, by=world["staff"], reason=PROVINCE_REASON)
    client.force_login(world["officers"][CycleKind.PILOT])
    html = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert banner(html) == f"省局已于2026年6月2日退回本申报 退回原因： {PROVINCE_REASON}"
