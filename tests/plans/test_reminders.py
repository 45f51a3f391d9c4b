from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation
from django.core import mail
from django.utils import timezone

from cities.enums import DesignationStatus, Role
from cities.models import Notification
from evaluations.enums import ApplicationState, CycleKind, CycleStatus
from evaluations.models import Application, Cycle
from ipcity.dates import SHANGHAI
from plans.enums import ItemStatus, ReminderKind
from plans.models import NotificationPreference, Reminder, ResponsibilityItem, ResponsibilityList
from plans.reminders import sweep
from plans.tasks import sweep_deadlines
from reviews.enums import AssignmentStatus
from reviews.models import Assignment
from tests.factories import DesignationFactory, user_with_role

ITEM = ReminderKind.RESPONSIBILITY_ITEM
RECT = ReminderKind.RECTIFICATION
CITY = ReminderKind.CYCLE_CITY
PROVINCE = ReminderKind.CYCLE_PROVINCE
REVIEW = ReminderKind.REVIEW_ASSIGNMENT


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the msgids); the Chinese catalog is filled later."""
    with translation.override("en"):
        yield


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def days(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def sent_rows() -> list[tuple]:
    """(username, kind, object, offset, escalated, day sent) of every reminder, sorted."""
    return sorted(
        (r.recipient.username, r.kind, r.object_id, r.offset_days, r.escalated,
         timezone.localdate(r.sent_at, SHANGHAI))
        for r in Reminder.objects.select_related("recipient"))


@pytest.fixture
def people(fushun_officer, liaoning_staff, national_admin, guangdong_staff, yangjiang_officer, fushun_city):
    fushun_officer.email = "fushun@example.cn"
    fushun_officer.save(update_fields=["email"])
    liaoning_staff.email = "liaoning@example.cn"
    liaoning_staff.save(update_fields=["email"])
    national_admin.email = "cnipa@example.cn"
    national_admin.save(update_fields=["email"])
    second = user_with_role(Role.CITY_OFFICER, username="fushun_b", city=fushun_city)  # no e-mail address
    return {"fushun": fushun_officer, "fushun_b": second, "liaoning": liaoning_staff, "cnipa": national_admin}


def make_item(city, *, due: dt.date, number: int = 1, status: str = ItemStatus.NOT_STARTED, year: int = 2025):
    lst, _ = ResponsibilityList.objects.get_or_create(city=city, year=year, defaults={"title": f"{city.name} {year}"})
    return ResponsibilityItem.objects.create(list=lst, number=number, work_area="知识产权创造",
                                             task="开展知识产权贯标工作", due_date=due, status=status,
                                             # explicit: the model's default is broken (``default=list`` there
                                             # names the ``list`` ForeignKey, not the builtin)
                                             responsible_units=[])


def make_cycle(*, city_deadline: dt.date, province_deadline: dt.date, year: int = 2025) -> Cycle:
    return Cycle.objects.create(kind=CycleKind.DEMONSTRATION, year=year, title=f"{year}年示范城市评定",
                                status=CycleStatus.OPEN, city_deadline=city_deadline,
                                province_deadline=province_deadline, data_year=year - 1)


def schedule(kind, object_id, due: dt.date, direct: list[str], escalation: list[list[str]],
             offsets=(14, 7, 3, 1, -1, -7)) -> list[tuple]:
    """The reminders one deadline must produce, each on the day of its offset."""
    rows = []
    overdue = 0
    for offset in offsets:
        day = due - dt.timedelta(days=offset)
        rows += [(name, kind, object_id, offset, False, day) for name in direct]
        if offset < 0:
            overdue += 1
            names = sorted({n for level in escalation[:overdue] for n in level} - set(direct))
            rows += [(name, kind, object_id, offset, True, day) for name in names]
    return rows


def test_sweep_through_a_year_sends_each_reminder_once_to_the_expected_users(people, fushun_city, time_machine):
    item = make_item(fushun_city, due=dt.date(2025, 6, 30))
    verified_early = make_item(fushun_city, due=dt.date(2025, 6, 30), number=2)
    designation = DesignationFactory(city=fushun_city, status=DesignationStatus.RECTIFYING,
                                     rectification_deadline=dt.date(2025, 9, 30))
    cycle = make_cycle(city_deadline=dt.date(2025, 3, 31), province_deadline=dt.date(2025, 4, 30))
    application = Application.objects.create(cycle=cycle, city=fushun_city, state=ApplicationState.DRAFT)

    for day in days(dt.date(2025, 1, 1), dt.date(2025, 12, 31)):
        time_machine.move_to(at(day), tick=False)
        if day == dt.date(2025, 6, 20):
            ResponsibilityItem.objects.filter(pk=verified_early.pk).update(status=ItemStatus.VERIFIED)
        before = Reminder.objects.count()
        sent = sweep()
        assert sent == Reminder.objects.count() - before
        assert sweep() == 0  # twice in a row: nothing new

    city_officers = ["fushun_b", "fushun_t"]
    expected = sorted(
        schedule(ITEM, item.pk, dt.date(2025, 6, 30), city_officers, [["liaoning_t"], ["cnipa_t"]])
        + [(name, ITEM, verified_early.pk, 14, False, dt.date(2025, 6, 16)) for name in city_officers]
        + schedule(RECT, designation.pk, dt.date(2025, 9, 30), city_officers, [["liaoning_t", "cnipa_t"]])
        + schedule(CITY, application.pk, dt.date(2025, 3, 31), city_officers, [["liaoning_t"]])
    )
    assert sent_rows() == expected
    # item: -1 province, -7 province and CNIPA; rectification: both from -1; cycle: the province only
    assert len(expected) == (12 + 1 + 2) + 2 + (12 + 2 + 2) + (12 + 1 + 1) == 47
    # The inbox holds exactly one notification per reminder, nothing for the other province and city.
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == sorted(
        row[0] for row in expected)
    # E-mail only to those with an address: never to fushun_b.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        {"fushun_t": "fushun@example.cn", "liaoning_t": "liaoning@example.cn", "cnipa_t": "cnipa@example.cn"}[
            row[0]] for row in expected if row[0] != "fushun_b")
    assert Reminder.objects.filter(emailed=True).count() == len(mail.outbox) == 47 - 19


def test_sweep_messages_say_the_days_left_and_the_holiday(people, fushun_city, time_machine):
    item = make_item(fushun_city, due=dt.date(2025, 10, 1))  # National Day
    time_machine.move_to(at(dt.date(2025, 9, 28)), tick=False)
    assert sweep() == 2
    notification = Notification.objects.get(recipient=people["fushun"])
    assert notification.title == "Due in 3 days: 抚顺市 2025 responsibility list, item 1: 开展知识产权贯标工作"
    assert notification.body == ("Deadline: Oct. 1, 2025 is a public holiday; the next working day is Oct. 9, 2025 "
                                 "(end of the day, Beijing time).")
    assert notification.url == f"/responsibility/items/{item.pk}/"
    assert mail.outbox[0].subject == notification.title
    time_machine.move_to(at(dt.date(2025, 10, 2)), tick=False)
    assert sweep() == 3
    assert list(Notification.objects.filter(recipient=people["liaoning"]).values_list("title", flat=True)) == [
        "Overdue by 1 day (for your attention as the level above): 抚顺市 2025 responsibility list, item 1: "
        "开展知识产权贯标工作"]


def test_sweep_after_three_days_down_sends_only_what_is_due_now(people, fushun_city, time_machine):
    item = make_item(fushun_city, due=dt.date(2025, 6, 30))
    down = {dt.date(2025, 6, 27), dt.date(2025, 6, 28), dt.date(2025, 6, 29)}  # the 3- and 1-day offsets
    for day in days(dt.date(2025, 6, 1), dt.date(2025, 7, 31)):
        if day in down:
            continue
        time_machine.move_to(at(day), tick=False)
        sweep()
    officers = ["fushun_b", "fushun_t"]
    assert sent_rows() == sorted(
        [(name, ITEM, item.pk, 14, False, dt.date(2025, 6, 16)) for name in officers]
        + [(name, ITEM, item.pk, 7, False, dt.date(2025, 6, 23)) for name in officers]
        # restarted on the due date: the 1-day reminder, late, once; the 3-day one never
        + [(name, ITEM, item.pk, 1, False, dt.date(2025, 6, 30)) for name in officers]
        + [(name, ITEM, item.pk, -1, False, dt.date(2025, 7, 1)) for name in officers]
        + [("liaoning_t", ITEM, item.pk, -1, True, dt.date(2025, 7, 1))]
        + [(name, ITEM, item.pk, -7, False, dt.date(2025, 7, 7)) for name in officers]
        + [("cnipa_t", ITEM, item.pk, -7, True, dt.date(2025, 7, 7)),
           ("liaoning_t", ITEM, item.pk, -7, True, dt.date(2025, 7, 7))]
    )


def test_sweep_after_long_outage_sends_the_latest_overdue_reminder_once(people, fushun_city, time_machine):
    item = make_item(fushun_city, due=dt.date(2025, 6, 30))
    time_machine.move_to(at(dt.date(2025, 7, 20)), tick=False)
    assert sweep() == 4
    assert sweep() == 0
    assert sent_rows() == [
        ("cnipa_t", ITEM, item.pk, -7, True, dt.date(2025, 7, 20)),
        ("fushun_b", ITEM, item.pk, -7, False, dt.date(2025, 7, 20)),
        ("fushun_t", ITEM, item.pk, -7, False, dt.date(2025, 7, 20)),
        ("liaoning_t", ITEM, item.pk, -7, True, dt.date(2025, 7, 20)),
    ]


def test_sweep_deadline_long_past_sends_nothing(people, fushun_city, time_machine):
    make_item(fushun_city, due=dt.date(2021, 12, 31), year=2021)
    time_machine.move_to(at(dt.date(2025, 7, 20)), tick=False)
    assert sweep() == 0


def test_sweep_user_with_reminders_off_gets_none_and_email_off_gets_inbox_only(people, fushun_city, time_machine):
    NotificationPreference.objects.create(user=people["fushun_b"], reminders=False)
    NotificationPreference.objects.create(user=people["fushun"], email=False)
    item = make_item(fushun_city, due=dt.date(2025, 6, 30))
    for day in days(dt.date(2025, 6, 1), dt.date(2025, 7, 31)):
        time_machine.move_to(at(day), tick=False)
        sweep()
    assert sorted(r[:5] for r in sent_rows()) == sorted(
        [("fushun_t", ITEM, item.pk, offset, False) for offset in (14, 7, 3, 1, -1, -7)]
        + [("liaoning_t", ITEM, item.pk, -1, True), ("liaoning_t", ITEM, item.pk, -7, True),
           ("cnipa_t", ITEM, item.pk, -7, True)])
    assert Notification.objects.filter(recipient=people["fushun_b"]).count() == 0
    assert Notification.objects.filter(recipient=people["fushun"]).count() == 6
    assert sorted(m.to[0] for m in mail.outbox) == [
        "cnipa@example.cn", "liaoning@example.cn", "liaoning@example.cn"]


def test_sweep_extension_and_submitted_application_go_to_the_right_level(people, fushun_city, time_machine):
    cycle = make_cycle(city_deadline=dt.date(2025, 3, 31), province_deadline=dt.date(2025, 4, 30))
    extended = Application.objects.create(cycle=cycle, city=fushun_city, state=ApplicationState.DRAFT,
                                          city_deadline_extension=dt.date(2025, 4, 10))
    time_machine.move_to(at(dt.date(2025, 4, 1)), tick=False)
    # The cycle's date has passed, but this city's extension is 9 days away: no escalation, the 14-day reminder.
    assert sweep() == 2
    time_machine.move_to(at(dt.date(2025, 4, 9)), tick=False)
    assert sweep() == 2
    extended.state = ApplicationState.SUBMITTED
    extended.save(update_fields=["state"])
    time_machine.move_to(at(dt.date(2025, 5, 1)), tick=False)
    assert sweep() == 2
    assert sent_rows() == [
        ("cnipa_t", PROVINCE, extended.pk, -1, True, dt.date(2025, 5, 1)),
        ("fushun_b", CITY, extended.pk, 1, False, dt.date(2025, 4, 9)),
        ("fushun_b", CITY, extended.pk, 14, False, dt.date(2025, 4, 1)),
        ("fushun_t", CITY, extended.pk, 1, False, dt.date(2025, 4, 9)),
        ("fushun_t", CITY, extended.pk, 14, False, dt.date(2025, 4, 1)),
        ("liaoning_t", PROVINCE, extended.pk, -1, False, dt.date(2025, 5, 1)),
    ]


def test_sweep_review_assignment_reminds_reviewer_then_national_admin(people, fushun_city, reviewer, time_machine):
    cycle = make_cycle(city_deadline=dt.date(2025, 3, 31), province_deadline=dt.date(2025, 4, 30))
    application = Application.objects.create(cycle=cycle, city=fushun_city, state=ApplicationState.UNDER_REVIEW)
    pending = Assignment.objects.create(application=application, reviewer=reviewer, due_date=dt.date(2025, 6, 30))
    other = user_with_role(Role.REVIEWER, username="expert_done")
    Assignment.objects.create(application=application, reviewer=other, due_date=dt.date(2025, 6, 30),
                              status=AssignmentStatus.SUBMITTED)
    for day in (dt.date(2025, 6, 29), dt.date(2025, 7, 1)):
        time_machine.move_to(at(day), tick=False)
        sweep()
    assert sent_rows() == [
        ("cnipa_t", REVIEW, pending.pk, -1, True, dt.date(2025, 7, 1)),
        ("expert_t", REVIEW, pending.pk, -1, False, dt.date(2025, 7, 1)),
        ("expert_t", REVIEW, pending.pk, 1, False, dt.date(2025, 6, 29)),
    ]


def test_sweep_custom_offsets_from_settings(people, fushun_city, settings, time_machine):
    settings.IPCITY = {**settings.IPCITY, "REMINDER_OFFSETS": [2, -3]}
    item = make_item(fushun_city, due=dt.date(2025, 6, 30))
    for day in days(dt.date(2025, 6, 1), dt.date(2025, 7, 31)):
        time_machine.move_to(at(day), tick=False)
        sweep()
    assert sorted(r[:5] for r in sent_rows()) == sorted(
        [(name, ITEM, item.pk, 2, False) for name in ("fushun_b", "fushun_t")]
        + [(name, ITEM, item.pk, -3, False) for name in ("fushun_b", "fushun_t")]
        + [("liaoning_t", ITEM, item.pk, -3, True)])


def test_sweep_deadlines_task_runs_the_sweep(people, fushun_city, time_machine):
    make_item(fushun_city, due=dt.date(2025, 6, 30))
    time_machine.move_to(at(dt.date(2025, 6, 16)), tick=False)
    assert sweep_deadlines.delay().get() == 2
    assert sweep_deadlines.delay().get() == 0


# --- the preferences page ----------------------------------------------------------------------------


def test_preferences_page_saves_own_choice(client, fushun_officer):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(fushun_officer)
    response = client.get("/account/notifications/")
    assert response.status_code == 200
    assert response.context["form"].initial == {"reminders": True, "email": True}
    assert "holiday-coverage" not in response.content.decode()
    response = client.post("/account/notifications/", {"reminders": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/account/notifications/"
    assert list(NotificationPreference.objects.values_list("user__username", "reminders", "email")) == [
        ("fushun_t", True, False)]
    response = client.get("/account/notifications/")
    assert response.context["form"].initial == {"reminders": True, "email": False}


def test_preferences_page_anonymous_is_sent_to_login(client, db):
    response = client.get("/account/notifications/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/account/notifications/"
