"""API of national and city plans (targets, tasks, leadership, achievement), the dashboard and the notification
preferences: the same services, audit entries and scope as the pages."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from cities.models import AuditEntry
from plans.enums import CityPlanKind, Comparison, Requirement
from plans.models import (
    CityPlan,
    LeadershipMember,
    NationalPlan,
    NationalTarget,
    NationalTask,
    NotificationPreference,
    PlanTarget,
    PlanTask,
)
from plans.services import plans as plan_services
from tests.api.utils import api_queries, assert_error, token_client

CJK = re.compile(r"[\u4e00-\u9fff]")


def actions(city) -> list[str]:
    return list(AuditEntry.objects.filter(city=city).order_by("pk").values_list("action", flat=True))


def make_plan(city, *, by, start_year: int = 2021, kind: str = CityPlanKind.DEMO_CULTIVATION) -> CityPlan:
    plan = plan_services.create_city_plan(city, kind=kind, title=f"{city.name}{start_year}年方案",
                                          start_year=start_year, end_year=start_year + 2, by=by)
    plan_services.add_plan_target(plan, metric="专利质押", comparison=Comparison.QUALITATIVE, by=by)
    plan_services.add_plan_task(plan, text="建设服务平台", responsible_units="市知识产权局、市财政局", by=by)
    plan_services.add_leadership_member(plan, role="组长", post="市长", by=by)
    return plan


@pytest.fixture
def fushun_plan(fushun_city, national_admin):
    return make_plan(fushun_city, by=national_admin)


def make_national_plan(year: int) -> NationalPlan:
    plan = NationalPlan.objects.create(year=year, title=f"{year}年工作计划")
    task = NationalTask.objects.create(plan=plan, number=1, title="建设平台", requirement=Requirement.MANDATORY,
                                       measures=["一", "二"])
    NationalTarget.objects.create(task=task, metric="质押融资", comparison=Comparison.YOY_GROWTH, value=20)
    return plan


# --- National plans -----------------------------------------------------------------------------------


def test_national_plans_are_read_with_tasks_and_targets_and_filtered_by_year(db, reviewer, audit_admin):
    make_national_plan(2018)
    make_national_plan(2019)
    client = token_client(reviewer)
    body = client.get(reverse("api:nationalplan-list"), {"year": 2018}).json()
    assert [plan["year"] for plan in body["results"]] == [2018]
    task = body["results"][0]["tasks"][0]
    assert (task["number"], task["requirement"], task["measures"]) == (1, "mandatory", ["一", "二"])
    assert [(t["metric"], t["comparison"], t["value"]) for t in task["targets"]] == [
        ("质押融资", "yoy_growth", "20.0000")]
    assert [plan["year"] for plan in client.get(reverse("api:nationalplan-list")).json()["results"]] == [2019, 2018]
    auditor = token_client(audit_admin)
    assert auditor.get(reverse("api:nationalplan-list")).json()["count"] == 0


def test_national_plan_list_query_count_is_constant(db, national_admin):
    client = token_client(national_admin)
    make_national_plan(2000)
    one, _response = api_queries(client, reverse("api:nationalplan-list"))
    for year in range(2001, 2020):
        make_national_plan(year)
    twenty, response = api_queries(client, reverse("api:nationalplan-list"))
    assert (response.data["count"], twenty) == (20, one)


# --- City plans ------------------------------------------------------------------------------------------


def test_city_plans_are_scoped_and_filtered(fushun_city, yangjiang_city, national_admin, liaoning_staff,
                                            yangjiang_officer, reviewer):
    fushun = make_plan(fushun_city, by=national_admin)
    yangjiang = make_plan(yangjiang_city, by=national_admin, start_year=2018, kind=CityPlanKind.PILOT_CONSTRUCTION)
    client = token_client(national_admin)
    url = reverse("api:cityplan-list")

    def ids(**params):
        return [plan["id"] for plan in client.get(url, params).json()["results"]]

    assert ids() == [fushun.pk, yangjiang.pk]
    assert ids(city="441700") == ids(province="440000") == ids(kind="pilot") == ids(year=2019) == [yangjiang.pk]
    assert ids(year=2023) == [fushun.pk]
    assert ids(ordering="-start_year") == [fushun.pk, yangjiang.pk]
    detail = token_client(liaoning_staff).get(reverse("api:cityplan-detail", args=[fushun.pk])).json()
    assert (detail["city"], detail["province"], [t["metric"] for t in detail["targets"]]) == (
        "210400", "210000", ["专利质押"])
    assert [task["responsible_units"] for task in detail["tasks"]] == [["市知识产权局", "市财政局"]]
    assert [(m["role"], m["post"]) for m in detail["leadership"]] == [("组长", "市长")]
    assert_error(token_client(yangjiang_officer).get(reverse("api:cityplan-detail", args=[fushun.pk])), 404)
    assert token_client(reviewer).get(url).json()["count"] == 0


def test_city_plan_list_query_count_is_constant(fushun_city, national_admin):
    client = token_client(national_admin)
    make_plan(fushun_city, by=national_admin, start_year=2000)
    one, _response = api_queries(client, reverse("api:cityplan-list"))
    for year in range(2001, 2020):
        make_plan(fushun_city, by=national_admin, start_year=year)
    twenty, response = api_queries(client, reverse("api:cityplan-list"))
    assert (response.data["count"], twenty) == (20, one)


def test_officer_creates_and_changes_the_city_plan(fushun_city, fushun_officer):
    client = token_client(fushun_officer)
    response = client.post(reverse("api:cityplan-list"), {
        "city": "210400", "kind": "cultivation", "title": " 抚顺市示范培育方案 ", "start_year": 2021, "end_year": 2023})
    assert response.status_code == 201, response.content
    plan = CityPlan.objects.get(pk=response.json()["id"])
    assert (plan.city, plan.title, plan.created_by) == (fushun_city, "抚顺市示范培育方案", fushun_officer)
    response = client.patch(reverse("api:cityplan-detail", args=[plan.pk]), {"theme": "质押融资"})
    assert (response.status_code, response.json()["theme"], response.json()["end_year"]) == (200, "质押融资", 2023)
    assert actions(fushun_city) == ["plan.create", "plan.update"]


def test_city_plan_writes_are_refused(fushun_plan, liaoning_staff, yangjiang_officer, fushun_officer):
    url = reverse("api:cityplan-detail", args=[fushun_plan.pk])
    officer, other = token_client(fushun_officer), token_client(yangjiang_officer)
    assert_error(token_client(liaoning_staff).patch(url, {"theme": "x"}), 403, "permission_denied")
    assert_error(other.patch(url, {"theme": "x"}), 404)
    body = assert_error(officer.patch(url, {"start_year": 2030}), 400, "refused")
    assert body["fields"] == {} and CJK.search(body["message"])
    body = assert_error(officer.post(reverse("api:cityplan-list"), {"city": "210400"}), 400, "invalid")
    assert set(body["fields"]) == {"kind", "title", "start_year", "end_year"}
    assert CJK.search(body["fields"]["title"][0])
    assert_error(other.post(reverse("api:cityplan-list"), {
        "city": "210400", "kind": "pilot", "title": "方案", "start_year": 2021, "end_year": 2023}), 404)
    fushun_plan.refresh_from_db()
    assert fushun_plan.theme == ""


def test_targets_tasks_and_leadership_are_edited_through_the_services(fushun_plan, fushun_city, fushun_officer):
    client = token_client(fushun_officer)
    response = client.post(reverse("api:cityplan-targets", args=[fushun_plan.pk]), {
        "metric": "专利授权量", "comparison": "count", "target_value": "100", "text": "100件"})
    assert response.status_code == 201, response.content
    target = PlanTarget.objects.get(pk=response.json()["id"])
    assert (target.plan, target.position, target.target_value) == (fushun_plan, 2, Decimal(100))
    response = client.patch(reverse("api:plantarget-detail", args=[target.pk]), {"target_value": "120"})
    assert (response.status_code, response.json()["target_value"]) == (200, "120.0000")
    assert client.delete(reverse("api:plantarget-detail", args=[target.pk])).status_code == 204

    response = client.post(reverse("api:cityplan-tasks", args=[fushun_plan.pk]), {
        "text": "开展执法", "responsible_units": ["市市场监管局", "市公安局"]})
    task = PlanTask.objects.get(pk=response.json()["id"])
    assert (response.status_code, task.responsible_units) == (201, ["市市场监管局", "市公安局"])
    response = client.patch(reverse("api:plantask-detail", args=[task.pk]), {"heading": "保护"})
    assert (response.status_code, response.json()["heading"], response.json()["text"]) == (200, "保护", "开展执法")
    assert client.delete(reverse("api:plantask-detail", args=[task.pk])).status_code == 204

    response = client.post(reverse("api:cityplan-leadership", args=[fushun_plan.pk]), {
        "role": "副组长", "name": "张 三", "post": "副市长"})
    member = LeadershipMember.objects.get(pk=response.json()["id"])
    assert (response.status_code, member.name) == (201, "张三")
    assert client.delete(reverse("api:leadershipmember-detail", args=[member.pk])).status_code == 204
    assert actions(fushun_city)[-8:] == ["plan.target_add", "plan.target_update", "plan.target_delete",
                                         "plan.task_add", "plan.task_update", "plan.task_delete", "plan.leader_add",
                                         "plan.leader_delete"]


def test_plan_part_writes_are_refused(fushun_plan, fushun_officer, liaoning_staff, yangjiang_officer):
    target = fushun_plan.targets.get()
    url = reverse("api:plantarget-detail", args=[target.pk])
    officer, province = token_client(fushun_officer), token_client(liaoning_staff)
    assert_error(province.delete(url), 403)
    assert_error(token_client(yangjiang_officer).delete(url), 404)
    body = assert_error(officer.patch(url, {"comparison": "count"}), 400, "invalid")
    assert list(body["fields"]) == ["target_value"] and CJK.search(body["fields"]["target_value"][0])
    body = assert_error(officer.post(reverse("api:cityplan-targets", args=[fushun_plan.pk]),
                                                         {"comparison": "nonsense"}), 400, "invalid")
    assert set(body["fields"]) == {"metric", "comparison"}
    assert_error(province.post(reverse("api:cityplan-tasks", args=[fushun_plan.pk]),
                                                   {"text": "x"}), 403)
    assert PlanTarget.objects.filter(pk=target.pk).exists()


def test_achievement_of_a_plan(fushun_plan, liaoning_staff):
    client = token_client(liaoning_staff)
    body = client.get(reverse("api:cityplan-achievement", args=[fushun_plan.pk]), {"year": 2022}).json()
    assert (body["plan"], body["year"]) == (fushun_plan.pk, 2022)
    [row] = body["targets"]
    assert (row["metric"], row["achieved"], row["actual"]) == ("专利质押", None, None)
    assert CJK.search(row["explanation"])
    assert_error(client.get(reverse("api:cityplan-achievement", args=[fushun_plan.pk]), {"year": 1900}), 400)


# --- Dashboard and preferences ----------------------------------------------------------------------------


def test_dashboard_of_a_city_officer(fushun_officer, reviewer):
    body = token_client(fushun_officer).get(reverse("api:dashboard"), {"year": 2021}).json()
    assert (body["year"], [section["role"] for section in body["sections"]]) == (2021, ["city_officer"])
    section = body["sections"][0]
    assert section["numbers"] == {"n_items": 0, "n_completed": 0, "n_overdue": 0, "completion_rate": None}
    assert {table["key"] for table in section["tables"]} >= {"city-items", "city-overdue"}
    assert_error(token_client(reviewer).get(reverse("api:dashboard")), 403, "permission_denied")  # as the page


def test_notification_preferences_are_my_own(fushun_officer, reviewer):
    client = token_client(fushun_officer)
    url = reverse("api:notificationpreference-me")
    assert client.get(url).json() == {"email": True, "reminders": True}
    assert client.put(url, {"email": False, "reminders": True}).json() == {"email": False, "reminders": True}
    assert NotificationPreference.objects.get(user=fushun_officer).email is False
    assert not NotificationPreference.objects.filter(user=reviewer).exists()
    body = assert_error(client.put(url, {"email": True}), 400, "invalid")
    assert list(body["fields"]) == ["reminders"] and CJK.search(body["fields"]["reminders"][0])
