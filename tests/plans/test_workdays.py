from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation
from django.core.exceptions import PermissionDenied

from cities.models import AuditEntry
from plans.models import HolidayOverride
from plans.workdays import (
    coverage_warning,
    describe_deadline,
    is_workday,
    next_workday,
    package_covers,
    remove_holiday_override,
    set_holiday_override,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the msgids); the Chinese catalog is filled later."""
    with translation.override("en"):
        yield


def test_is_workday_national_day_2024_is_holiday():
    assert is_workday(dt.date(2024, 10, 1)) is False


def test_is_workday_swapped_saturday_2024_is_workday():
    # 调休: Saturday 12 October 2024 was worked in exchange for the National Day week.
    assert dt.date(2024, 10, 12).weekday() == 5
    assert is_workday(dt.date(2024, 10, 12)) is True


def test_is_workday_ordinary_days_2024():
    assert is_workday(dt.date(2024, 10, 8)) is True  # Tuesday after the holiday
    assert is_workday(dt.date(2024, 10, 13)) is False  # Sunday


def test_package_covers_2026_but_not_2027():
    assert package_covers(2026) is True
    assert package_covers(2027) is False
    assert is_workday(dt.date(2026, 10, 1)) is False
    assert is_workday(dt.date(2026, 10, 10)) is True  # Saturday worked (调休)
    assert coverage_warning(2026) is None


def test_is_workday_uncovered_year_falls_back_to_weekdays():
    assert is_workday(dt.date(2027, 10, 1)) is True  # a Friday; the 2027 holidays are unknown
    assert is_workday(dt.date(2027, 10, 2)) is False  # Saturday
    assert next_workday(dt.date(2027, 10, 2)) == dt.date(2027, 10, 4)


def test_coverage_warning_uncovered_year_without_overrides():
    assert coverage_warning(2027) == (
        "The holiday calendar has no data for 2027: public holidays and swapped workdays are unknown and every "
        "Monday to Friday counts as a working day. Enter the State Council's holiday arrangements for 2027 "
        "as overrides, or update the chinesecalendar package."
    )


def test_coverage_warning_uncovered_year_with_overrides():
    HolidayOverride.objects.create(date=dt.date(2027, 1, 1), is_workday=False, note="New Year")
    assert coverage_warning(2027) == (
        "The holiday calendar has no official data for 2027; only the 1 override(s) entered here are known, every "
        "other Monday to Friday counts as a working day. Check that all public holidays and swapped workdays "
        "announced by the State Council for 2027 are entered."
    )


def test_override_wins_over_package_and_fallback():
    HolidayOverride.objects.create(date=dt.date(2024, 10, 1), is_workday=True, note="test")
    HolidayOverride.objects.create(date=dt.date(2024, 10, 8), is_workday=False, note="test")
    HolidayOverride.objects.create(date=dt.date(2027, 10, 1), is_workday=False, note="National Day")
    HolidayOverride.objects.create(date=dt.date(2027, 10, 9), is_workday=True, note="调休")
    assert is_workday(dt.date(2024, 10, 1)) is True
    assert is_workday(dt.date(2024, 10, 8)) is False
    assert is_workday(dt.date(2027, 10, 1)) is False
    assert is_workday(dt.date(2027, 10, 9)) is True
    assert next_workday(dt.date(2027, 10, 1)) == dt.date(2027, 10, 4)


def test_next_workday_after_national_day_2024():
    assert next_workday(dt.date(2024, 10, 1)) == dt.date(2024, 10, 8)
    assert next_workday(dt.date(2024, 10, 8)) == dt.date(2024, 10, 8)
    assert next_workday(dt.date(2024, 10, 12)) == dt.date(2024, 10, 12)


def test_describe_deadline_public_holiday_2026():
    assert describe_deadline(dt.date(2026, 10, 1)) == (
        "Oct. 1, 2026 is a public holiday; the next working day is Oct. 8, 2026")


def test_describe_deadline_weekend_and_working_day():
    assert describe_deadline(dt.date(2024, 10, 19)) == (
        "Oct. 19, 2024 is a weekend day; the next working day is Oct. 21, 2024")
    assert describe_deadline(dt.date(2024, 10, 12)) == "Oct. 12, 2024"


def test_describe_deadline_override_holiday_in_uncovered_year():
    HolidayOverride.objects.create(date=dt.date(2027, 10, 1), is_workday=False, note="National Day")
    assert describe_deadline(dt.date(2027, 10, 1)) == (
        "Oct. 1, 2027 is a public holiday; the next working day is Oct. 4, 2027")


def test_set_holiday_override_by_national_admin_is_audited(national_admin):
    override = set_holiday_override(day=dt.date(2027, 2, 20), is_workday=True, note="调休", by=national_admin)
    assert list(HolidayOverride.objects.values_list("date", "is_workday", "note")) == [
        (dt.date(2027, 2, 20), True, "调休")]
    set_holiday_override(day=dt.date(2027, 2, 20), is_workday=False, note="Spring Festival", by=national_admin)
    assert list(HolidayOverride.objects.values_list("date", "is_workday", "note")) == [
        (dt.date(2027, 2, 20), False, "Spring Festival")]
    remove_holiday_override(HolidayOverride.objects.get(), by=national_admin)
    assert HolidayOverride.objects.count() == 0
    assert list(AuditEntry.objects.order_by("id").values_list("action", "from_state", "to_state", "object_id")) == [
        ("holiday.override", "", "workday", str(override.pk)),
        ("holiday.override", "workday", "holiday", str(override.pk)),
        ("holiday.override_remove", "holiday", "", str(override.pk)),
    ]


def test_set_holiday_override_by_province_staff_is_refused(liaoning_staff):
    with pytest.raises(PermissionDenied):
        set_holiday_override(day=dt.date(2027, 2, 20), is_workday=True, by=liaoning_staff)
    assert HolidayOverride.objects.count() == 0


# --- the overrides on the preferences page (national staff) -------------------------------------------


def test_preferences_page_national_admin_sees_missing_year_warning(client, national_admin, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(national_admin)
    response = client.get("/account/notifications/")
    assert response.status_code == 200
    assert response.context["coverage"] == [(2026, None), (2027, coverage_warning(2027))]
    assert coverage_warning(2027) is not None
    assert "<strong>2027</strong> · The holiday calendar has no data for 2027:" in response.content.decode()


def test_preferences_page_national_admin_adds_and_removes_override(client, national_admin, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(national_admin)
    response = client.post("/account/notifications/holidays/",
                           {"date": "2027-10-01", "is_workday": "0", "note": "National Day"})
    assert response.status_code == 302
    override = HolidayOverride.objects.get()
    assert (override.date, override.is_workday, override.note) == (dt.date(2027, 10, 1), False, "National Day")
    response = client.get("/account/notifications/")
    assert response.context["overrides"] == [override]
    response = client.post(f"/account/notifications/holidays/{override.pk}/remove/")
    assert response.status_code == 302
    assert HolidayOverride.objects.count() == 0


def test_preferences_page_override_invalid_date_shows_error(client, national_admin):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(national_admin)
    response = client.post("/account/notifications/holidays/", {"date": "2027-13-01", "is_workday": "0"})
    assert response.status_code == 400
    assert response.context["override_form"].errors == {"date": ["Enter a valid date."]}
    assert HolidayOverride.objects.count() == 0


def test_preferences_page_province_staff_may_not_touch_overrides(client, liaoning_staff):
    override = HolidayOverride.objects.create(date=dt.date(2027, 10, 1), is_workday=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(liaoning_staff)
    response = client.get("/account/notifications/")
    assert response.status_code == 200
    assert "coverage" not in response.context
    assert client.post("/account/notifications/holidays/",
                       {"date": "2027-10-02", "is_workday": "0"}).status_code == 403
    assert client.post(f"/account/notifications/holidays/{override.pk}/remove/").status_code == 403
    assert list(HolidayOverride.objects.values_list("date", flat=True)) == [dt.date(2027, 10, 1)]


def test_deadline_notes_of_a_page_need_one_query(db, django_assert_num_queries):
    import datetime as dt

    from plans.workdays import deadline_notes

    days = [dt.date(2024, 10, 1), dt.date(2024, 10, 8), dt.date(2024, 10, 12), dt.date(2024, 10, 19)]
    with translation.override("en"), django_assert_num_queries(1):
        notes = deadline_notes(days)
    assert notes == {
        dt.date(2024, 10, 1): "not a working day: the next working day is Oct. 8, 2024",
        dt.date(2024, 10, 19): "not a working day: the next working day is Oct. 21, 2024",
    }


def test_application_page_notes_a_deadline_on_a_public_holiday(client, national_admin, fushun_officer, fushun_city):
    import datetime as dt

    from django.urls import reverse

    from evaluations.basic_info import load_template
    from evaluations.enums import CycleKind
    from evaluations.models import Application
    from evaluations.services import cycles

    load_template()
    cycle = cycles.create_cycle(kind=CycleKind.PILOT, year=2026, city_deadline=dt.date(2026, 10, 1),
                                province_deadline=dt.date(2026, 10, 15), by=national_admin)
    application = Application.objects.create(cycle=cycle, city=fushun_city)
    client.force_login(fushun_officer)
    html = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "2026年10月1日，非工作日，顺延至下一个工作日2026年10月8日" in html
