from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import HttpRequest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cities.enums import ProvinceKind
from cities.models import AuditEntry
from evaluations.basic_info import load_template
from plans.enums import CityPlanKind, Comparison, Requirement
from plans.models import CityPlan, LeadershipMember, NationalPlan, NationalTarget, NationalTask, PlanTarget, PlanTask
from plans.services import plans as services
from tests.factories import PASSWORD, CityFactory, ProvinceFactory
from tests.utils import queries_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def xiqing_city(db):
    tianjin = ProvinceFactory(code="120000", name="天津市", short_name="天津", kind=ProvinceKind.MUNICIPALITY)
    return CityFactory(code="120111", province=tianjin, name="西青区", full_name="天津市西青区")


@pytest.fixture
def template(db):
    return load_template()


@pytest.fixture
def city_plans(fushun_city, yangjiang_city, xiqing_city, template, national_admin):
    return {plan.city.code: plan for plan in services.load_city_plans(by=national_admin)}


@pytest.fixture
def fushun_plan(fushun_city, fushun_officer):
    return services.create_city_plan(fushun_city, kind=CityPlanKind.DEMO_CULTIVATION, title="抚顺市培育工作方案",
                                     start_year=2021, end_year=2023, by=fushun_officer)


def _login(client, user):
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


# --- The national plan --------------------------------------------------------------------------------


def test_load_national_plan_creates_the_2018_plan(national_admin):
    plan = services.load_national_plan(by=national_admin)

    assert (plan.year, plan.title, plan.document_number, plan.issued_on) == (
        2018, "2018年国家知识产权示范城市工作计划", "国知办函管字〔2018〕140号", dt.date(2018, 3, 15))
    tasks = list(plan.tasks.order_by("number"))
    assert [task.number for task in tasks] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [task.requirement for task in tasks] == [Requirement.MANDATORY] * 6 + [Requirement.OPTIONAL] * 2
    assert (tasks[3].title, tasks[3].area, tasks[3].executor) == ("不断创新知识产权金融服务", "运用", "各示范城市知识产权局")
    assert tasks[3].support[1] == "同等条件下，优先支持示范城市开展专利权质押登记试点"
    assert len(tasks[0].measures) == 4
    assert AuditEntry.objects.filter(action="plan.national_load").count() == 1


def test_load_national_plan_keeps_the_targets_of_task_4_as_in_the_json(national_admin):
    plan = services.load_national_plan(by=national_admin)

    pilot, others = "开展专利权质押融资和专利保险试点示范工作的城市", "其他城市"
    rows = list(NationalTarget.objects.filter(task__plan=plan, task__number=4).order_by("pk").values_list(
        "applies_to", "metric", "comparison", "value", "minimum", "maximum", "text"))
    assert rows == [
        (pilot, "专利权质押融资金额", Comparison.YOY_GROWTH, Decimal("20"), None, None, ">20% growth vs previous year"),
        (pilot, "投保专利保险企业数量", Comparison.YOY_GROWTH, Decimal("30"), None, None,
         ">30% growth vs previous year"),
        (others, "质押融资需求调查企业数量", Comparison.COUNT, Decimal("200"), None, None, ">=200家"),
        (others, "培训和研讨活动", Comparison.COUNT, Decimal("1"), None, None, ">=1次"),
        (others, "项目对接活动", Comparison.COUNT, Decimal("1"), None, None, ">=1次"),
        (others, "2018年度专利权质押融资金额和投保企业数量", Comparison.QUALITATIVE, None, None, None, "实现突破"),
    ]


def test_load_national_plan_range_and_growth_targets(national_admin):
    plan = services.load_national_plan(by=national_admin)

    county = NationalTarget.objects.get(task__plan=plan, task__number=6)
    assert (county.comparison, county.value, county.minimum, county.maximum) == (
        Comparison.RANGE, None, Decimal(1), Decimal(2))
    certified = NationalTarget.objects.get(task__plan=plan, task__number=5)
    assert (certified.comparison, certified.value, certified.applies_to) == (Comparison.YOY_GROWTH, Decimal(10), "")


def test_load_national_plan_twice_creates_nothing_new(national_admin):
    first = services.load_national_plan(by=national_admin)
    second = services.load_national_plan(by=national_admin)

    assert second.pk == first.pk
    assert (NationalPlan.objects.count(), NationalTask.objects.count(), NationalTarget.objects.count()) == (1, 8, 9)
    assert AuditEntry.objects.filter(action="plan.national_load").count() == 1


def test_load_national_plan_refused_to_province_staff(liaoning_staff):
    with pytest.raises(PermissionDenied):
        services.load_national_plan(by=liaoning_staff)
    assert NationalPlan.objects.count() == 0


# --- City plans ----------------------------------------------------------------------------------------


def test_load_city_plans_creates_the_three_plans(city_plans):
    assert sorted((p.city.code, p.kind, p.start_year, p.end_year, p.theme) for p in city_plans.values()) == [
        ("120111", CityPlanKind.DEMONSTRATION, 2016, 2019, ""),
        ("210400", CityPlanKind.DEMO_CULTIVATION, 2021, 2023, ""),
        ("441700", CityPlanKind.PILOT_CONSTRUCTION, 2018, 2020, "知识产权运用能力提高"),
    ]
    assert [plan.targets.count() for plan in (city_plans["210400"], city_plans["441700"], city_plans["120111"])] \
        == [12, 7, 13]


def _target(plan, metric):
    target = plan.targets.select_related("indicator").get(metric=metric)
    number = target.indicator.number if target.indicator else None
    return target.comparison, target.baseline_year, target.baseline_value, target.target_value, target.text, number


def test_load_city_plans_parses_the_targets(city_plans):
    fushun, yangjiang, xiqing = city_plans["210400"], city_plans["441700"], city_plans["120111"]

    assert _target(fushun, "万人高价值发明专利拥有量") == (Comparison.ANNUAL_GROWTH, 2020, None, Decimal(6), "年均增长6%以上", 15)
    assert _target(fushun, "国内注册商标") == (Comparison.ANNUAL_GROWTH, 2020, None, Decimal(10), "年均增长10%以上", 17)
    assert _target(fushun, "知识产权质押融资额") == (Comparison.ANNUAL_GROWTH, 2020, None, Decimal(10), "年均增长10%以上", 19)
    assert _target(fushun, "通过《企业知识产权管理规范》贯标认证企业总数") == (
        Comparison.ABSOLUTE, None, None, Decimal(90), "90家以上", 23)
    assert _target(fushun, "企业运营类专利导航项目") == (Comparison.COUNT, None, None, Decimal(20), "20个", None)
    assert _target(fushun, "投诉和举报答复率") == (Comparison.ABSOLUTE, None, None, Decimal(100), "100%", None)
    assert _target(fushun, "PCT专利申请量") == (Comparison.QUALITATIVE, None, None, None, "实现新突破", 16)
    assert _target(yangjiang, "专利申请量") == (
        Comparison.ANNUAL_GROWTH, 2017, None, Decimal(30), "年均增长30%以上；三年试点期间总量10000件以上", None)
    assert _target(xiqing, "专利权质押融资额") == (Comparison.ABSOLUTE, None, None, Decimal("0.5"), "每年不低于5000万元", 19)
    assert _target(xiqing, "专利行政执法持证人员") == (
        Comparison.ABSOLUTE, None, Decimal(7), Decimal(15), "在7人基础上再培训8人，总数15人", None)
    assert _target(xiqing, "年均有效处理专利侵权纠纷和假冒专利案件") == (
        Comparison.COUNT, None, None, Decimal(100), "不低于100件", None)
    assert _target(xiqing, "“5+n”服务体系")[0] == Comparison.QUALITATIVE


def test_load_city_plans_twice_creates_nothing_new(city_plans, national_admin):
    again = services.load_city_plans(by=national_admin)

    assert sorted(plan.pk for plan in again) == sorted(plan.pk for plan in city_plans.values())
    assert (CityPlan.objects.count(), PlanTarget.objects.count()) == (3, 32)


def test_split_units_keeps_brackets_together():
    assert services.split_units("市财政局、市文广新局（市版权局）、各县（市、区）人民政府") == [
        "市财政局", "市文广新局（市版权局）", "各县（市、区）人民政府"]


def test_city_officer_adds_task_target_and_member_audited(fushun_plan, fushun_officer, template):
    task = services.add_plan_task(fushun_plan, heading="推动知识产权高质量创造", text="强化知识产权高质量创造导向。",
                                  responsible_units="市知识产权局、各县区政府", by=fushun_officer)
    row15 = template.indicators.get(number=15)
    target = services.add_plan_target(fushun_plan, metric="万人发明专利", comparison=Comparison.ANNUAL_GROWTH,
                                      baseline_year=2020, target_value=Decimal(6), indicator=row15,
                                      by=fushun_officer)
    member = services.add_leadership_member(fushun_plan, role="组长", name="孙  静", post="分管副市长",
                                            by=fushun_officer)

    assert (task.position, task.responsible_units) == (1, ["市知识产权局", "各县区政府"])
    assert (target.position, target.indicator_id) == (1, row15.pk)
    assert (member.name, member.post) == ("孙静", "分管副市长")
    assert list(AuditEntry.objects.filter(city=fushun_plan.city).order_by("pk").values_list("action", flat=True)) == [
        "plan.create", "plan.task_add", "plan.target_add", "plan.leader_add"]


def test_quantitative_target_needs_a_value(fushun_plan, fushun_officer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.add_plan_target(fushun_plan, metric="贯标企业", comparison=Comparison.ABSOLUTE, by=fushun_officer)
    assert error.value.message_dict == {"target_value": ["量化指标须填写目标值。"]}
    assert PlanTarget.objects.count() == 0


def test_officer_of_another_city_cannot_edit(fushun_plan, yangjiang_officer, liaoning_staff):
    for user in (yangjiang_officer, liaoning_staff):
        with pytest.raises(PermissionDenied):
            services.add_plan_task(fushun_plan, text="任务", by=user)
    assert PlanTask.objects.count() == 0


# --- Pages ---------------------------------------------------------------------------------------------


def test_city_plan_page_404_for_officer_of_another_city(client, fushun_plan, yangjiang_officer):
    _login(client, yangjiang_officer)
    assert client.get(reverse("city_plan_detail", args=[fushun_plan.pk])).status_code == 404
    assert client.get(reverse("city_plan_target_add", args=[fushun_plan.pk])).status_code == 404


def test_city_plan_page_read_only_for_province_staff(client, fushun_plan, fushun_officer, liaoning_staff):
    services.add_plan_task(fushun_plan, text="强化知识产权优势企业培育。", responsible_units=["市知识产权局"],
                           by=fushun_officer)
    _login(client, liaoning_staff)
    response = client.get(reverse("city_plan_detail", args=[fushun_plan.pk]))
    assert response.status_code == 200
    assert response.context["can_edit"] is False
    assert reverse("city_plan_task_add", args=[fushun_plan.pk]) not in response.content.decode()
    assert "强化知识产权优势企业培育。" in response.content.decode()
    response = client.post(reverse("city_plan_task_add", args=[fushun_plan.pk]), {"text": "新任务"})
    assert response.status_code == 403
    assert PlanTask.objects.count() == 1


def test_city_plan_page_404_for_province_staff_of_another_province(client, fushun_plan, guangdong_staff):
    _login(client, guangdong_staff)
    assert client.get(reverse("city_plan_detail", args=[fushun_plan.pk])).status_code == 404


def test_national_admin_edits_a_target(client, fushun_plan, national_admin, template):
    target = services.add_plan_target(fushun_plan, metric="贯标认证企业总数", comparison=Comparison.ABSOLUTE,
                                      target_value=Decimal(90), text="90家以上", by=national_admin)
    row23 = template.indicators.get(number=23)
    _login(client, national_admin)
    response = client.post(reverse("city_plan_target_edit", args=[fushun_plan.pk, target.pk]), {
        "area": "管理", "metric": "贯标认证企业总数", "comparison": Comparison.ABSOLUTE, "target_value": "95",
        "text": "95家以上", "indicator": row23.pk})

    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.area, target.target_value, target.text, target.indicator_id) == (
        "管理", Decimal(95), "95家以上", row23.pk)
    entry = AuditEntry.objects.get(action="plan.target_update")
    assert entry.data["changed"]["target_value"] == ["90.0000", "95"]


def test_city_officer_adds_a_task_through_the_page(client, fushun_plan, fushun_officer):
    _login(client, fushun_officer)
    for name in ("city_plan_task_add", "city_plan_target_add", "city_plan_edit"):
        page = client.get(reverse(name, args=[fushun_plan.pk]))
        assert (name, page.status_code, page.context["plan"]) == (name, 200, fushun_plan)
    response = client.post(reverse("city_plan_task_add", args=[fushun_plan.pk]), {
        "heading": "促进知识产权高效益运用", "text": "推进知识产权运营。", "lead_unit": "市知识产权局",
        "responsible_units": "市发改委、市金融发展局"})

    assert response.status_code == 302
    assert list(PlanTask.objects.values_list("heading", "text", "lead_unit", "responsible_units")) == [
        ("促进知识产权高效益运用", "推进知识产权运营。", "市知识产权局", ["市发改委", "市金融发展局"])]


def test_leadership_member_added_and_removed_on_the_page(client, fushun_plan, fushun_officer):
    _login(client, fushun_officer)
    client.post(reverse("city_plan_leader_add", args=[fushun_plan.pk]),
                {"role": "副组长", "name": "江阳", "post": "市政府分管副秘书长"})
    member = LeadershipMember.objects.get()
    assert (member.role, member.name, member.post) == ("副组长", "江阳", "市政府分管副秘书长")
    client.post(reverse("city_plan_leader_delete", args=[fushun_plan.pk, member.pk]))
    assert LeadershipMember.objects.count() == 0


def test_national_plan_pages_for_a_city_officer(client, national_admin, fushun_officer):
    plan = services.load_national_plan(by=national_admin)
    _login(client, fushun_officer)

    response = client.get(reverse("national_plan_detail", args=[plan.pk]))
    assert response.status_code == 200
    assert response.context["n_mandatory"] == 6
    assert "培育国家知识产权强县工程试点示范县（区）" in response.content.decode()
    assert [p.pk for p in client.get(reverse("national_plan_list")).context["page"].object_list] == [plan.pk]


def test_reviewer_reads_national_plans_but_no_city_plan(client, national_admin, reviewer, city_plans):
    plan = services.load_national_plan(by=national_admin)
    _login(client, reviewer)
    assert client.get(reverse("national_plan_detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("city_plan_list")).status_code == 403
    assert client.get(reverse("city_plan_detail", args=[city_plans["210400"].pk])).status_code == 404
    assert client.get(reverse("city_plan_create")).status_code == 403


def test_plan_pages_refused_to_the_audit_admin(client, audit_admin):
    _login(client, audit_admin)
    assert client.get(reverse("national_plan_list")).status_code == 403
    assert client.get(reverse("city_plan_list")).status_code == 403


def test_city_plan_list_scoped_and_filtered(client, city_plans, liaoning_staff, national_admin):
    _login(client, liaoning_staff)
    response = client.get(reverse("city_plan_list"))
    assert [plan.city.code for plan in response.context["page"].object_list] == ["210400"]

    client.logout()
    _login(client, national_admin)
    response = client.get(reverse("city_plan_list"), {"year": 2019})
    assert sorted(plan.city.code for plan in response.context["page"].object_list) == ["120111", "441700"]
    response = client.get(reverse("city_plan_list"), {"kind": CityPlanKind.PILOT_CONSTRUCTION})
    assert [plan.city.code for plan in response.context["page"].object_list] == ["441700"]


def _city_plans(count: int, by) -> None:
    province = ProvinceFactory()
    for _ in range(count):
        city = CityFactory(province=province)
        plan = services.create_city_plan(city, kind=CityPlanKind.PILOT_CONSTRUCTION, title=f"{city.name}试点方案",
                                         start_year=2018, end_year=2020, by=by)
        services.add_plan_task(plan, text="任务", by=by)
        services.add_plan_target(plan, metric="专利申请量", comparison=Comparison.COUNT, target_value=Decimal(5),
                                 by=by)


def test_city_plan_list_query_count_flat(client, national_admin):
    _city_plans(1, national_admin)
    _login(client, national_admin)
    one, _response = queries_for(client, reverse("city_plan_list"))
    _city_plans(19, national_admin)
    twenty, response = queries_for(client, reverse("city_plan_list"))
    assert len(response.context["page"].object_list) == 20
    assert twenty == one


def test_national_plan_list_query_count_flat(client, national_admin):
    NationalPlan.objects.create(year=2001, title="2001年工作计划")
    _login(client, national_admin)
    one, _response = queries_for(client, reverse("national_plan_list"))
    NationalPlan.objects.bulk_create(NationalPlan(year=2002 + n, title=f"{2002 + n}年工作计划") for n in range(19))
    twenty, response = queries_for(client, reverse("national_plan_list"))
    assert len(response.context["page"].object_list) == 20
    assert twenty == one


def test_city_plan_detail_shows_achievement_of_latest_year(client, fushun_plan, fushun_officer, template):
    from evaluations.basic_info import save_indicator_values

    row23 = template.indicators.get(number=23)
    services.add_plan_target(fushun_plan, metric="贯标认证企业总数", comparison=Comparison.ABSOLUTE,
                             target_value=Decimal(90), indicator=row23, by=fushun_officer)
    save_indicator_values(fushun_plan.city, 2021, template, {row23.pk: "76"}, by=fushun_officer)
    save_indicator_values(fushun_plan.city, 2022, template, {row23.pk: "92"}, by=fushun_officer)
    _login(client, fushun_officer)

    response = client.get(reverse("city_plan_detail", args=[fushun_plan.pk]))
    assert response.context["year"] == 2022
    [result] = response.context["achievements"]
    assert (result.actual, result.achieved) == (Decimal(92), True)
    response = client.get(reverse("city_plan_detail", args=[fushun_plan.pk]), {"year": 2021})
    [result] = response.context["achievements"]
    assert (result.actual, result.achieved) == (Decimal(76), False)
    assert result.explanation == "2021年为76；要求：90个。 该指标目标年份为2023年。"


def test_create_form_offers_the_officer_only_their_city(client, fushun_officer, yangjiang_city):
    _login(client, fushun_officer)
    response = client.get(reverse("city_plan_create"))
    assert [city.code for city in response.context["form"].fields["city"].queryset] == ["210400"]
