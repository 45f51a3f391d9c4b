"""Extending one stage's deadline of one application (issue #15 "Flows"): the form names each stage with its
current deadline, the service moves only the stage picked, refuses a date that would not help in words that say
why, and the activity log records the stage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from cities.models import AuditEntry
from evaluations import deadlines
from evaluations.enums import ApplicationState, CycleKind, Stage
from evaluations.forms import ExtendDeadlineForm
from evaluations.models import Application
from evaluations.services.applications import extend_deadline
from tests.evaluations.conftest import application_in

S = ApplicationState
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# The 2026 pilot cycle's default deadlines (conftest ``cycles``): cities by 17 August, provinces by 31 August.
CITY_DEADLINE, PROVINCE_DEADLINE = dt.date(2026, 8, 17), dt.date(2026, 8, 31)


@pytest.fixture
def draft(world):
    return application_in(world, CycleKind.PILOT, S.DRAFT)


@pytest.fixture
def returned(world):
    """A draft the province returned (round 1): national staff see it, unlike a draft never submitted."""
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    Application.objects.filter(pk=application.pk).update(round=1)
    application.refresh_from_db()
    return application


def extensions(application) -> tuple:
    application = Application.objects.get(pk=application.pk)
    return application.city_deadline_extension, application.province_deadline_extension


def extension_entries(application) -> list[tuple]:
    return list(AuditEntry.objects.filter(action="application.extend_deadline", object_id=str(application.pk))
                .order_by("id").values_list("actor__username", "reason", "data"))


# --- the service --------------------------------------------------------------------------------------


def test_extending_the_province_stage_moves_only_the_province_deadline(world, draft):
    extend_deadline(draft, stage=Stage.PROVINCE, until=dt.date(2026, 9, 10), reason="省局评审会议改期", by=world["national"])
    draft.refresh_from_db()
    assert extensions(draft) == (None, dt.date(2026, 9, 10))
    assert (deadlines.deadline_for(draft, Stage.CITY), deadlines.deadline_for(draft, Stage.PROVINCE)) == (
        CITY_DEADLINE, dt.date(2026, 9, 10))
    assert extension_entries(draft) == [("cnipa_t", "省局评审会议改期", {
        "stage": "province", "from": "2026-08-31", "to": "2026-09-10"})]


def test_extending_the_city_stage_moves_only_the_city_deadline(world, draft):
    extend_deadline(draft, stage="city", until=dt.date(2026, 8, 25), reason="市政府换届，申报函延迟签发", by=world["national"])
    assert extensions(draft) == (dt.date(2026, 8, 25), None)
    assert extension_entries(draft) == [("cnipa_t", "市政府换届，申报函延迟签发", {
        "stage": "city", "from": "2026-08-17", "to": "2026-08-25"})]


def test_a_second_extension_starts_from_the_extended_deadline(world, draft):
    extend_deadline(draft, stage=Stage.PROVINCE, until=dt.date(2026, 9, 10), reason="第一次", by=world["national"])
    extend_deadline(draft, stage=Stage.PROVINCE, until=dt.date(2026, 9, 20), reason="第二次", by=world["national"])
    assert [data["from"] for _actor, _reason, data in extension_entries(draft)] == ["2026-08-31", "2026-09-10"]
    assert extensions(draft) == (None, dt.date(2026, 9, 20))


REFUSED = [
    ("nation", S.DRAFT, dt.date(2026, 9, 10), "原因",
     "Choose which deadline to extend: the city stage or the province stage."),
    (Stage.CITY, S.DRAFT, dt.date(2026, 8, 25), "  ", "A reason is required."),
    (Stage.CITY, S.DRAFT, CITY_DEADLINE, "原因",
     "The new deadline of the stage “City to province” must be later than its current deadline, Aug. 17, 2026."),
    (Stage.PROVINCE, S.DRAFT, dt.date(2026, 8, 30), "原因",
     "The new deadline of the stage “Province to national administration” must be later than its current deadline, "
     "Aug. 31, 2026."),
    (Stage.CITY, S.DRAFT, dt.date(2026, 9, 1), "原因",
     "The cities' deadline cannot be later than the province's, Aug. 31, 2026: extend the stage “Province to "
     "national administration” first."),
    (Stage.CITY, S.SUBMITTED, dt.date(2026, 8, 25), "原因",
     "The deadline of the stage “City to province” no longer applies: the application is “Submitted to the "
     "province”."),
    (Stage.PROVINCE, S.RECOMMENDED, dt.date(2026, 9, 10), "原因",
     "The deadline of the stage “Province to national administration” no longer applies: the application is "
     "“Recommended”."),
]


@pytest.mark.parametrize(("stage", "state", "until", "reason", "message"), REFUSED,
                         ids=["no-stage", "no-reason", "not-later", "not-later-province", "city-after-province",
                              "city-stage-over", "province-stage-over"])
def test_refused_extension_says_why_and_changes_nothing(world, stage, state, until, reason, message):
    application = application_in(world, CycleKind.PILOT, state)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        extend_deadline(application, stage=stage, until=until, reason=reason, by=world["national"])
    assert error.value.messages == [message]
    assert (extensions(application), extension_entries(application)) == ((None, None), [])


def test_a_new_deadline_already_past_is_refused(world, draft, time_machine):
    time_machine.move_to(dt.datetime(2026, 9, 5, 10, tzinfo=SHANGHAI), tick=False)
    with pytest.raises(ValidationError) as error:
        extend_deadline(draft, stage=Stage.CITY, until=dt.date(2026, 8, 20), reason="补报", by=world["national"])
    assert error.value.messages == ["新截止日期2026年8月20日已过。"]
    assert extensions(draft) == (None, None)


def test_refusal_in_chinese_names_the_stage_and_the_date(world, draft):
    with pytest.raises(ValidationError) as error:
        extend_deadline(draft, stage=Stage.PROVINCE, until=dt.date(2026, 8, 1), reason="原因", by=world["national"])
    assert error.value.messages == ["“省局报送国家知识产权局”阶段的新截止日期须晚于该阶段当前截止日期（2026年8月31日）。"]


@pytest.mark.parametrize("who", ["staff", "officer"])
def test_only_national_staff_extend(world, draft, who):
    user = world["staff"] if who == "staff" else world["officers"][CycleKind.PILOT]
    with pytest.raises(PermissionDenied):
        extend_deadline(draft, stage=Stage.PROVINCE, until=dt.date(2026, 9, 10), reason="原因", by=user)
    assert (extensions(draft), extension_entries(draft)) == ((None, None), [])


# --- the form -----------------------------------------------------------------------------------------


def stage_choices(form) -> list[tuple[str, str, bool]]:
    """(value, label, disabled) of each radio button of the form's stage field."""
    return [(radio.data["value"], radio.choice_label, bool(radio.data["attrs"].get("disabled")))
            for radio in form["stage"]]


def test_form_names_each_stage_with_its_current_deadline(world, draft):
    with translation.override("en"):
        assert stage_choices(ExtendDeadlineForm(application=draft)) == [
            ("city", "Cities submit to the province by Aug. 17, 2026", False),
            ("province", "Provinces submit to the national administration by Aug. 31, 2026", False)]


def test_form_shows_an_extended_deadline_with_the_cycles_and_greys_out_a_stage_that_is_over(world):
    application = application_in(world, CycleKind.PILOT, S.SUBMITTED)
    Application.objects.filter(pk=application.pk).update(province_deadline_extension=dt.date(2026, 9, 10))
    application.refresh_from_db()
    assert stage_choices(ExtendDeadlineForm(application=application)) == [
        ("city", "市局报送省局截止日期：2026年8月17日（本申报已过此阶段）", True),
        ("province", "省局报送国家知识产权局截止日期：2026年9月10日（已延长，原定2026年8月31日）", False)]


# --- the page -----------------------------------------------------------------------------------------


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_page_extends_the_stage_picked_and_says_which(client, world, returned):
    client.force_login(world["national"])
    response = client.post(reverse("application_extend", args=[returned.pk]),
                           {"stage": "province", "until": "2026-09-10", "reason": "省局评审会议改期"})
    assert (response.status_code, response["Location"]) == (302, reverse("application_detail", args=[returned.pk]))
    assert flashed(response) == ["“省局报送国家知识产权局”阶段的截止日期已延长至2026年9月10日。"]
    assert extensions(returned) == (None, dt.date(2026, 9, 10))
    page = client.get(reverse("application_detail", args=[returned.pk]))
    assert stage_choices(page.context["extend_form"]) == [
        ("city", "市局报送省局截止日期：2026年8月17日", False),
        ("province", "省局报送国家知识产权局截止日期：2026年9月10日（已延长，原定2026年8月31日）", False)]


def test_page_without_a_stage_shows_the_form_again_and_changes_nothing(client, world, returned):
    client.force_login(world["national"])
    response = client.post(reverse("application_extend", args=[returned.pk]),
                           {"until": "2026-09-10", "reason": "省局评审会议改期"})
    assert response.status_code == 400
    assert response.context["extend_form"].errors == {"stage": ["该字段是必填项。"]}
    assert flashed(response) == ["请选择要延长的截止日期，并填写新日期和理由。"]
    assert (extensions(returned), extension_entries(returned)) == ((None, None), [])


def test_page_shows_the_services_refusal_above_the_form(client, world):
    application = application_in(world, CycleKind.PILOT, S.SUBMITTED)
    client.force_login(world["national"])
    response = client.post(reverse("application_extend", args=[application.pk]),
                           {"stage": "city", "until": "2026-08-25", "reason": "原因"})
    assert response.status_code == 400
    assert response.context["extend_form"].non_field_errors() == [
        "“市局报送省局”阶段的截止日期已不再适用：申报当前为“已报省局”。"]
    assert extensions(application) == (None, None)


# --- the API ------------------------------------------------------------------------------------------


def test_api_extends_the_stage_given(api, world, returned):
    response = api(world["national"]).post(f"/api/v1/applications/{returned.pk}/extend-deadline/",
                                           {"stage": "province", "until": "2026-09-10", "reason": "会议改期"},
                                           format="json")
    assert response.status_code == 200, response.data
    assert (response.data["city_deadline"], response.data["province_deadline"]) == ("2026-08-17", "2026-09-10")


def test_api_requires_the_stage(api, world, returned):
    response = api(world["national"]).post(f"/api/v1/applications/{returned.pk}/extend-deadline/",
                                           {"until": "2026-09-10", "reason": "会议改期"}, format="json")
    assert (response.status_code, response.json()["fields"]) == (400, {"stage": ["该字段是必填项。"]})
    assert extensions(returned) == (None, None)


def test_api_refuses_a_stage_that_no_longer_applies(api, world):
    application = application_in(world, CycleKind.PILOT, S.SUBMITTED)
    response = api(world["national"]).post(f"/api/v1/applications/{application.pk}/extend-deadline/",
                                           {"stage": "city", "until": "2026-08-25", "reason": "会议改期"},
                                           format="json")
    assert (response.status_code, response.json()["message"]) == (
        400, "“市局报送省局”阶段的截止日期已不再适用：申报当前为“已报省局”。")
    assert extensions(application) == (None, None)
