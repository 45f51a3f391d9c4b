"""Decisions change designations; publication reveals outcomes; annual assessments (DESIGN.md §3, §4)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cities import services as city_services
from cities.enums import CityLevel, DesignationStatus, Role, Tier
from cities.models import AuditEntry, Designation, Notification
from evaluations.basic_info import load_template
from evaluations.enums import ApplicationState, CycleKind, SnapshotKind
from evaluations.models import Application, IndicatorValue
from evaluations.selectors import shown_state
from evaluations.services import cycles as cycle_services
from evaluations.services.applications import start_application
from evaluations.snapshots import take_snapshot
from ipcity.dates import SHANGHAI
from reviews.enums import AssessmentKind, AssignmentStatus, CriterionKind, Formula, Grade, Outcome
from reviews.models import AnnualAssessment, Assignment, Criterion, Decision, Review, Rubric, Score
from reviews.services.assessments import assessments_for, import_assessments, record_assessment
from reviews.services.decisions import decide, decide_many, publish_cycle_results
from tests.factories import CityFactory, user_with_role
from tests.utils import queries_for

D = Decimal
S = ApplicationState
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def at(time_machine, *args):
    time_machine.move_to(dt.datetime(*args, 10, 0, tzinfo=SHANGHAI), tick=False)


@pytest.fixture(autouse=True)
def _decision_day(time_machine):
    at(time_machine, 2026, 11, 2)


@pytest.fixture
def experts(db):
    return [user_with_role(Role.REVIEWER, username=f"expert{n}") for n in range(1, 4)]


def cycle_of(kind, year, by, *, rubric=True):
    cycle = cycle_services.create_cycle(kind=kind, year=year, document_number=f"国知办函管字〔{year}〕{len(kind)}号",
                                        by=by)
    if rubric:
        rubric = Rubric.objects.create(cycle=cycle, title="评分标准")
        for position, (name, points) in enumerate([("工作方案", 60), ("工作成效", 40)], start=1):
            Criterion.objects.create(rubric=rubric, level=1, position=position, code=str(position), name=name,
                                     max_points=D(points), kind=CriterionKind.SUBJECTIVE)
    return cycle


def reviewed(application, experts, points=((50, 30), (45, 30), (40, 30))):
    """Submitted reviews by ``experts`` (default totals 80, 75, 70: mean 75)."""
    criteria = list(Criterion.objects.filter(rubric__cycle=application.cycle).order_by("position"))
    for expert, row in zip(experts, points):
        assignment = Assignment.objects.create(application=application, reviewer=expert, due_date=dt.date(2026, 10, 31),
                                               status=AssignmentStatus.SUBMITTED)
        review = Review.objects.create(assignment=assignment, submitted_at=dt.datetime(2026, 10, 20, tzinfo=SHANGHAI))
        for criterion, value in zip(criteria, row):
            Score.objects.create(review=review, criterion=criterion, points=D(value), max_points=criterion.max_points)
    return application


def in_review(cycle, city, experts, *, designation=None, **kwargs):
    application = Application.objects.create(cycle=cycle, city=city, state=S.UNDER_REVIEW, round=1,
                                             designation=designation)
    return reviewed(application, experts, **kwargs)


def city(code, name, level=CityLevel.PREFECTURE, province=None):
    extra = {"province": province} if province else {}
    return CityFactory(code=code, name=name, full_name=name, level=level, **extra)


# --- decisions and designations ------------------------------------------------------------------------


def test_approving_a_pilot_grants_a_three_year_pilot_title(national_admin, experts, liaoning):
    cycle = cycle_of(CycleKind.PILOT, 2026, national_admin)
    benxi = city("210500", "本溪市", province=liaoning)
    application = in_review(cycle, benxi, experts)

    decision = decide(application, outcome=Outcome.APPROVED, rationale="评审得分75分，同意", by=national_admin)

    title = Designation.objects.get(city=benxi)
    assert (title.tier, title.status, title.term_start, title.term_end, title.source_decision) == (
        Tier.PILOT, DesignationStatus.ACTIVE, dt.date(2026, 11, 2), dt.date(2029, 11, 1), "2026年度试点城市评定")
    decision.refresh_from_db()
    assert (decision.outcome, decision.final_score, decision.rank, decision.designation, decision.decided_by) == (
        Outcome.APPROVED, D("75.00"), 1, title, national_admin)
    application.refresh_from_db()
    assert (application.state, application.resulting_designation) == (S.APPROVED, title)
    assert list(AuditEntry.objects.filter(object_id=str(application.pk), content_type__model="application")
                .order_by("id").values_list("action", "to_state")) == [
        ("application.approve", S.APPROVED), ("decision.record", Outcome.APPROVED)]


def test_demonstration_and_strong_city_approvals_grant_their_titles(national_admin, experts, liaoning):
    demo_cycle = cycle_of(CycleKind.DEMONSTRATION, 2026, national_admin)
    strong_cycle = cycle_of(CycleKind.STRONG_CITY, 2026, national_admin)
    fushun, shenyang = city("210400", "抚顺市", province=liaoning), city("210100", "沈阳市", province=liaoning)
    decide(in_review(demo_cycle, fushun, experts), outcome=Outcome.APPROVED, rationale="同意", by=national_admin)
    decide(in_review(strong_cycle, shenyang, experts), outcome=Outcome.APPROVED, rationale="同意", by=national_admin)

    assert list(Designation.objects.order_by("city__code").values_list("city__name", "tier", "term_end")) == [
        ("沈阳市", Tier.STRONG_CITY_CANDIDATE, dt.date(2029, 11, 1)),
        ("抚顺市", Tier.DEMONSTRATION, dt.date(2029, 11, 1)),
    ]


def test_decision_guard_refuses_while_reviews_are_missing(national_admin, experts, liaoning):
    cycle = cycle_of(CycleKind.PILOT, 2026, national_admin)
    application = in_review(cycle, city("210500", "本溪市", province=liaoning), experts[:2])
    for n, status in enumerate([AssignmentStatus.OPENED, AssignmentStatus.OPENED, AssignmentStatus.ASSIGNED,
                                AssignmentStatus.CONFLICT]):
        Assignment.objects.create(application=application, due_date=dt.date(2026, 10, 31), status=status,
                                  reviewer=user_with_role(Role.REVIEWER, username=f"late{n}"))

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        decide(application, outcome=Outcome.APPROVED, rationale="同意", by=national_admin)

    # 6 assignments: 2 submitted, 3 not yet, 1 conflict (not counted).
    assert refused.value.messages == ["3 of 5 reviews are not submitted yet."]
    application.refresh_from_db()
    assert (application.state, Decision.objects.count(), Designation.objects.count()) == (S.UNDER_REVIEW, 0, 0)


def test_decision_guard_needs_one_submitted_review(national_admin, liaoning):
    cycle = cycle_of(CycleKind.PILOT, 2026, national_admin)
    application = Application.objects.create(cycle=cycle, city=city("210500", "本溪市", province=liaoning),
                                             state=S.UNDER_REVIEW, round=1)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        decide(application, outcome=Outcome.REJECTED, rationale="材料不足", by=national_admin)
    assert refused.value.messages == ["No review of this application has been submitted yet."]


def test_an_outcome_of_another_procedure_is_refused(national_admin, experts, liaoning):
    cycle = cycle_of(CycleKind.PILOT, 2026, national_admin)
    application = in_review(cycle, city("210500", "本溪市", province=liaoning), experts)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        decide(application, outcome=Outcome.PASSED, rationale="通过", by=national_admin)
    assert refused.value.messages == [
        "A Pilot city evaluation ends in “Approved” / “Rejected”, not “Passed” (decision rule: re-reviews pass, "
        "fail or cancel the demonstration status; evaluations approve or reject)."]


def test_decide_many_is_all_or_nothing(national_admin, experts, liaoning):
    cycle = cycle_of(CycleKind.PILOT, 2026, national_admin)
    benxi = in_review(cycle, city("210500", "本溪市", province=liaoning), experts)
    fushun = city("210400", "抚顺市", province=liaoning)
    city_services.grant_designation(fushun, tier=Tier.PILOT, term_start=dt.date(2025, 1, 1), by=national_admin)
    fushun_application = in_review(cycle, fushun, experts)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        decide_many([benxi, fushun_application], outcome=Outcome.APPROVED, rationale="同意", by=national_admin)

    assert refused.value.messages == [
        "抚顺市: 抚顺市 already holds the title Pilot city; renew it instead of granting it again."]
    assert (Decision.objects.count(), Designation.objects.filter(city__code="210500").count()) == (0, 0)
    assert set(Application.objects.values_list("state", flat=True)) == {S.UNDER_REVIEW}


def test_passing_a_re_review_starts_a_new_term_and_keeps_the_old_row(national_admin, experts, liaoning):
    dalian = city("210200", "大连市", CityLevel.SEPARATELY_PLANNED, province=liaoning)
    old = city_services.grant_designation(dalian, tier=Tier.DEMONSTRATION, term_start=dt.date(2024, 1, 1),
                                          by=national_admin)
    cycle = cycle_of(CycleKind.RE_REVIEW, 2026, national_admin)
    application = in_review(cycle, dalian, experts, designation=old)

    decision = decide(application, outcome=Outcome.PASSED, rationale="复核通过", by=national_admin)

    new = Designation.objects.get(previous=old)
    old.refresh_from_db()
    assert (old.status, old.term_end, old.ended_on) == (DesignationStatus.EXPIRED, dt.date(2026, 12, 31),
                                                       dt.date(2026, 12, 31))
    assert (new.tier, new.status, new.term_start, new.term_end) == (
        Tier.DEMONSTRATION, DesignationStatus.ACTIVE, dt.date(2027, 1, 1), dt.date(2029, 12, 31))
    application.refresh_from_db()
    assert (decision.designation, application.resulting_designation, application.state) == (new, new, S.PASSED)


def test_failing_twice_rectifies_then_revokes_and_bans_demonstration(national_admin, experts, liaoning, time_machine):
    fushun = city("210400", "抚顺市", province=liaoning)
    officer = user_with_role(Role.CITY_OFFICER, username="fushun_officer", city=fushun)
    title = city_services.grant_designation(fushun, tier=Tier.DEMONSTRATION, term_start=dt.date(2023, 12, 1),
                                            by=national_admin)
    first_cycle = cycle_of(CycleKind.RE_REVIEW, 2026, national_admin)
    first = decide(in_review(first_cycle, fushun, experts, designation=title), outcome=Outcome.FAILED,
                   rationale="整改一年", by=national_admin)

    title.refresh_from_db()
    assert (title.status, title.rectification_deadline, first.designation) == (
        DesignationStatus.RECTIFYING, dt.date(2027, 11, 2), title)

    # The next year's re-review lists the city by itself when it opens.
    at(time_machine, 2027, 6, 1)
    second_cycle = cycle_of(CycleKind.RE_REVIEW, 2027, national_admin)
    cycle_services.open_cycle(second_cycle, by=national_admin)
    draft = Application.objects.get(cycle=second_cycle)
    assert (draft.city, draft.state, draft.designation) == (fushun, S.DRAFT, title)

    Application.objects.filter(pk=draft.pk).update(state=S.UNDER_REVIEW, round=1)
    reviewed(draft, experts)
    at(time_machine, 2027, 11, 5)
    second = decide(draft, outcome=Outcome.FAILED, rationale="整改不到位", by=national_admin)

    title.refresh_from_db()
    assert (title.status, title.ended_on, title.ban_until, second.designation) == (
        DesignationStatus.REVOKED, dt.date(2027, 11, 5), dt.date(2029, 11, 5), title)

    at(time_machine, 2028, 6, 1)
    demonstration = cycle_services.open_cycle(cycle_of(CycleKind.DEMONSTRATION, 2028, national_admin, rubric=False),
                                              by=national_admin)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        start_application(demonstration, fushun, by=officer)
    assert refused.value.messages == [
        "Only pilot cities with at least one full year of demonstration cultivation by 2028-09-15 may apply to be "
        "demonstration cities; 抚顺市 has no such title.（2018 notice, part 2 (1)）",
        "抚顺市 lost its demonstration title after failing its second re-review and may not apply to be a "
        "demonstration city before 2029-11-05.（2018 notice, part 3 (3) 3）",
    ]


# --- publication ----------------------------------------------------------------------------------------


def public_rows(client, cycle_pk=None):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("public_results"))
    assert response.status_code == 200
    return [(cycle.title, [(row.city.full_name, row.current_label) for row in rows])
            for _kind, cycles in response.context["groups"] for cycle, rows in cycles], response.content.decode()


def test_outcomes_stay_hidden_until_the_results_are_published(client, national_admin, experts, liaoning,
                                                              django_capture_on_commit_callbacks):
    cycle = cycle_of(CycleKind.PILOT, 2026, national_admin)
    benxi, fushun = city("210500", "本溪市", province=liaoning), city("210400", "抚顺市", province=liaoning)
    officer = user_with_role(Role.CITY_OFFICER, username="benxi_officer", city=benxi)
    staff = user_with_role(Role.PROVINCE_STAFF, username="ln_staff", province=liaoning)
    approved = in_review(cycle, benxi, experts)
    rejected = in_review(cycle, fushun, experts, points=((30, 20), (25, 20), (30, 25)))
    decide(approved, outcome=Outcome.APPROVED, rationale="同意", by=national_admin)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        publish_cycle_results(cycle, by=national_admin)
    assert refused.value.messages == ["These applications are not decided yet: 抚顺市."]

    decide(rejected, outcome=Outcome.REJECTED, rationale="得分低于60分", by=national_admin)
    approved = Application.objects.select_related("cycle").get(pk=approved.pk)
    assert shown_state(approved, officer) == S.UNDER_REVIEW
    assert public_rows(client)[0] == []
    assert cycle.title not in public_rows(client)[1]
    assert client.get(reverse("public_result_detail", args=[cycle.pk])).status_code == 404

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        publish_cycle_results(cycle, by=national_admin)

    approved = Application.objects.select_related("cycle").get(pk=approved.pk)
    assert shown_state(approved, officer) == S.APPROVED
    rows, html = public_rows(client)
    assert rows == [("2026年度试点城市评定", [("本溪市", "Approved")])]  # rejections are not listed
    assert "国知办函管字〔2026〕5号" in html
    assert ('action="/accounts/logout/"' in html, 'id="inbox-link"' in html) == (False, False)  # no user menu
    detail = client.get(reverse("public_result_detail", args=[cycle.pk]))
    assert [(r.city.name, r.current_label) for r in detail.context["rows"]] == [("本溪市", "Approved")]
    assert list(Notification.objects.filter(recipient=officer).values_list("title", flat=True)) == [
        "本溪市 · 2026年度试点城市评定: Approved"]
    assert sorted(Notification.objects.filter(recipient=staff).values_list("title", flat=True)) == [
        "抚顺市 · 2026年度试点城市评定: Rejected", "本溪市 · 2026年度试点城市评定: Approved"]
    assert AuditEntry.objects.filter(action="cycle.publish_results").count() == 1
    with translation.override("en"), pytest.raises(ValidationError) as again:
        publish_cycle_results(cycle, by=national_admin)
    assert again.value.messages == ["The results of this cycle were published on 2026-11-02."]


def test_public_page_names_rectification_and_revocation(client, national_admin, experts, liaoning, time_machine):
    fushun = city("210400", "抚顺市", province=liaoning)
    title = city_services.grant_designation(fushun, tier=Tier.DEMONSTRATION, term_start=dt.date(2023, 12, 1),
                                            by=national_admin)
    first_cycle = cycle_of(CycleKind.RE_REVIEW, 2026, national_admin)
    decide(in_review(first_cycle, fushun, experts, designation=title), outcome=Outcome.FAILED, rationale="整改",
           by=national_admin)
    publish_cycle_results(first_cycle, by=national_admin)
    at(time_machine, 2027, 11, 5)
    second_cycle = cycle_of(CycleKind.RE_REVIEW, 2027, national_admin)
    decide(in_review(second_cycle, fushun, experts, designation=title), outcome=Outcome.FAILED, rationale="撤销",
           by=national_admin)
    publish_cycle_results(second_cycle, by=national_admin)

    rows, html = public_rows(client)
    # The 2026 line (rectification) is superseded by the 2027 revocation, with its date.
    assert rows == [("2027年度示范城市复核", [("抚顺市", "Failed the second re-review: title revoked")]),
                    ("2026年度示范城市复核", [("抚顺市", "Title revoked")])]
    assert "Changed on Nov. 5, 2027; published earlier as “Failed re-review: rectification within one year”." in html


def _decided(cycle, experts, province, start, n, by):
    applications = [in_review(cycle, city(f"21{start + i:04d}", f"测试市{start + i}", province=province), experts[:1])
                    for i in range(n)]
    decide_many(applications, outcome=Outcome.APPROVED, rationale="同意", by=by)


def test_public_results_query_count_is_flat(client, national_admin, experts, liaoning):
    cycle = cycle_of(CycleKind.PILOT, 2026, national_admin)
    _decided(cycle, experts, liaoning, 100, 1, national_admin)
    publish_cycle_results(cycle, by=national_admin)
    one, response = queries_for(client, reverse("public_results"))
    _decided(cycle, experts, liaoning, 200, 19, national_admin)
    twenty, response = queries_for(client, reverse("public_results"))
    assert len(response.context["groups"][0][1][0][1]) == 20
    assert one == twenty


def test_decision_screen_query_count_is_flat(client, national_admin, experts, liaoning):
    cycle = cycle_of(CycleKind.PILOT, 2026, national_admin)
    client.force_login(national_admin)
    url = reverse("cycle_decisions", args=[cycle.pk])
    in_review(cycle, city("210100", "测试市100", province=liaoning), experts)
    one, response = queries_for(client, url)
    assert len(response.context["rows"]) == 1
    for i in range(19):
        in_review(cycle, city(f"21{200 + i:04d}", f"测试市{200 + i}", province=liaoning), experts,
                  points=((30 + i, 20), (40, 20), (35, 25)))
    twenty, response = queries_for(client, url)
    assert len(response.context["rows"]) == 20
    assert one == twenty


def with_objective_criteria(cycle):
    """An objective part after the two subjective criteria of ``cycle_of``: row 15 of the table, the ratio row 17 ÷
    row 3 (有效注册商标量 per 10,000 residents, S1 附件3) and the mean annual assessment over the 3 years before the
    cycle (S0 四(一)); 10 points each."""
    rubric = cycle.rubric
    group = Criterion.objects.create(rubric=rubric, level=1, position=3, code="3", name="客观指标", max_points=D(30),
                                     kind=CriterionKind.OBJECTIVE)
    linear = {"formula": Formula.LINEAR_TO_BENCHMARK}
    for position, (name, source, benchmark) in enumerate([
            ("每万人口发明专利拥有量", {"indicator": cycle.basic_info_template.indicators.get(number=15)}, 20),
            ("每万人口有效注册商标量", {"derivation": {"op": "ratio", "numerator": "table:17",
                                                       "denominator": "table:3"}}, 100),
            ("年度考核结果", {"derivation": {"op": "term_mean", "assessment": "annual"}}, 100)], start=4):
        Criterion.objects.create(rubric=rubric, parent=group, level=2, position=position, code=f"3.{position - 3}",
                                 name=name, max_points=D(10), kind=CriterionKind.OBJECTIVE,
                                 formula_params={"benchmark": benchmark}, **linear, **source)
    return cycle


def submitted_table(application, values, by):
    """The scored snapshot of ``application`` holding ``values`` (row number → number)."""
    template = application.cycle.basic_info_template
    for number, value in values.items():
        IndicatorValue.objects.create(city=application.city, year=application.cycle.data_year, number=D(value),
                                      indicator=template.indicators.get(number=number), updated_by=by)
    take_snapshot(application, kind=SnapshotKind.SUBMIT, by=by)
    return application


def test_decision_screen_names_the_missing_objective_inputs(client, national_admin, experts, liaoning):
    """DESIGN.md §4: the 客观 cell gives the objective points, and names what keeps a criterion from being computed
    instead of a bare "—"; points that cannot be computed stay NULL, never 0."""
    load_template()
    cycle = with_objective_criteria(cycle_of(CycleKind.PILOT, 2026, national_admin))
    benxi = submitted_table(in_review(cycle, city("210500", "本溪市", province=liaoning), experts),
                            {15: "6.8", 17: "19250", 3: "185.6"}, national_admin)
    AnnualAssessment.objects.create(city=benxi.city, year=2025, kind=AssessmentKind.ANNUAL, score=D("90"))
    dalian = submitted_table(in_review(cycle, city("210200", "大连市", province=liaoning), experts), {15: "30"},
                             national_admin)
    anshan = in_review(cycle, city("210300", "鞍山市", province=liaoning), experts)  # nothing submitted
    client.force_login(national_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get(reverse("cycle_decisions", args=[cycle.pk]))
    rows = {r["application"].city.name: r for r in response.context["rows"]}
    # 本溪: 10 × 6.8 ÷ 20 + 10 (19250 ÷ 185.6 = 103.7 ≥ 100) + 10 × 90 ÷ 100; 大连: 10 (30 ≥ 20) and nothing else.
    assert [(name, rows[name]["stats"].objective, rows[name]["objective_missing"])
            for name in ("本溪市", "大连市", "鞍山市")] == [
        ("本溪市", D("3.40") + D("10.00") + D("9.00"), []),
        ("大连市", D("10.00"), ["缺少基本情况表第17行「有效注册商标量」", "缺少基本情况表第3行「常住人口」",
                               "缺少2023–2025年的年度考核得分"]),
        ("鞍山市", None, ["缺少基本情况表第15行「每万人口发明专利拥有量」", "缺少基本情况表第17行「有效注册商标量」",
                          "缺少基本情况表第3行「常住人口」", "缺少2023–2025年的年度考核得分"]),
    ]
    html = response.content.decode()
    cell = html[html.index(f'id="application-{anshan.pk}"'):]
    cell = cell[cell.index("objective-cell"):cell.index("</td>", cell.index("objective-cell"))]
    assert "—" not in cell
    assert "<summary class=\"text-danger\">缺少4项数据</summary>" in cell
    assert "<li>缺少基本情况表第15行「每万人口发明专利拥有量」</li>" in cell
    assert f'id="application-{dalian.pk}"' in html


def test_decision_screen_with_objective_criteria_query_count_is_flat(client, national_admin, experts, liaoning):
    load_template()
    cycle = with_objective_criteria(cycle_of(CycleKind.PILOT, 2026, national_admin))
    client.force_login(national_admin)
    url = reverse("cycle_decisions", args=[cycle.pk])
    submitted_table(in_review(cycle, city("210100", "测试市100", province=liaoning), experts), {15: "5"}, national_admin)
    one, response = queries_for(client, url)
    assert len(response.context["rows"]) == 1
    for i in range(19):
        place = city(f"21{200 + i:04d}", f"测试市{200 + i}", province=liaoning)
        AnnualAssessment.objects.create(city=place, year=2025, kind=AssessmentKind.ANNUAL, score=D(70 + i))
        submitted_table(in_review(cycle, place, experts),
                        {15: str(i + 1), 17: "1000", 3: str(10 + i)}, national_admin)
    twenty, response = queries_for(client, url)
    assert len(response.context["rows"]) == 20
    assert sum(1 for r in response.context["rows"] if r["objective_missing"]) == 1
    assert one == twenty


# --- the pages ------------------------------------------------------------------------------------------


def test_decision_pages_are_for_national_staff_only(client, national_admin, experts, liaoning):
    cycle = cycle_of(CycleKind.PILOT, 2026, national_admin)
    application = in_review(cycle, city("210500", "本溪市", province=liaoning), experts)
    urls = [reverse("cycle_decisions", args=[cycle.pk]), reverse("review_list", args=[application.pk]),
            reverse("assessment_list")]
    assert [client.get(url).status_code for url in urls] == [302, 302, 302]
    for user in (user_with_role(Role.CITY_OFFICER, username="benxi", city=application.city),
                 user_with_role(Role.PROVINCE_STAFF, username="ln", province=liaoning), experts[0]):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [403, 403, 403]
        assert client.post(reverse("cycle_decide", args=[cycle.pk]), {
            "applications": [application.pk], "outcome": Outcome.APPROVED, "rationale": "同意"}).status_code == 403
    client.force_login(national_admin)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    assert client.get(reverse("cycle_decisions", args=[cycle.pk + 100])).status_code == 404


def test_national_staff_decide_and_publish_through_the_page(client, national_admin, experts, liaoning):
    cycle = cycle_of(CycleKind.PILOT, 2026, national_admin)
    benxi = in_review(cycle, city("210500", "本溪市", province=liaoning), experts)
    kunshan = in_review(cycle, city("320583", "昆山市", CityLevel.COUNTY_LEVEL), experts,
                        points=((30, 20), (30, 20), (30, 20)))
    client.force_login(national_admin)
    page = client.get(reverse("cycle_decisions", args=[cycle.pk]))
    with translation.override("en"):
        assert [(r["application"].city.name, r["stats"].final, r["stats"].rank, str(r["group"]), str(r["suggestion"]))
                for r in page.context["rows"]] == [
            ("本溪市", D("75.00"), 1, "Prefecture-level cities", "Approve"),
            ("昆山市", D("50.00"), 2, "County-level cities and districts", "Reject")]
    county = client.get(reverse("cycle_decisions", args=[cycle.pk]), {"group": "county"})
    assert [r["application"].city.name for r in county.context["rows"]] == ["昆山市"]
    assert page.context["can_publish"] is False
    missing = client.post(reverse("cycle_decide", args=[cycle.pk]), {"outcome": Outcome.APPROVED, "rationale": ""})
    assert (missing.status_code, sorted(missing.context["form"].errors)) == (400, ["applications", "rationale"])

    response = client.post(reverse("cycle_decide", args=[cycle.pk]), {
        "applications": [benxi.pk, kunshan.pk], "outcome": Outcome.REJECTED, "rationale": "名额已满"})
    assert response.status_code == 302
    assert list(Decision.objects.order_by("application__city__code").values_list("application__city__name", "outcome",
                                                                                  "rank")) == [
        ("本溪市", Outcome.REJECTED, 1), ("昆山市", Outcome.REJECTED, 2)]
    assert client.get(reverse("cycle_decisions", args=[cycle.pk])).context["can_publish"] is True
    assert client.post(reverse("cycle_publish_results", args=[cycle.pk])).status_code == 302
    cycle.refresh_from_db()
    assert cycle.results_published_at is not None


def test_review_list_shows_every_reviewers_points(client, national_admin, experts, liaoning):
    cycle = cycle_of(CycleKind.PILOT, 2026, national_admin)
    application = in_review(cycle, city("210500", "本溪市", province=liaoning), experts)
    client.force_login(national_admin)
    response = client.get(reverse("review_list", args=[application.pk]))
    assert [[s.points for s in row["cells"]] for row in response.context["matrix"]] == [
        [D("50.00"), D("45.00"), D("40.00")], [D("30.00"), D("30.00"), D("30.00")]]
    assert response.context["totals"] == [D("80.00"), D("75.00"), D("70.00")]


# --- annual assessments ------------------------------------------------------------------------------


HEADER = ["城市", "行政区划代码", "年度", "类型（年度考核/专利实力状况评价）", "得分", "等级（优秀/良好/一般/较差）", "排名"]


def xlsx(rows) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("考核结果.xlsx", buffer.getvalue(), content_type=XLSX)


def stored():
    return list(AnnualAssessment.objects.order_by("city__code", "year", "kind").values_list(
        "city__code", "year", "kind", "score", "grade", "rank"))


def test_assessment_import_round_trip(client, national_admin, liaoning):
    city("210400", "抚顺市", province=liaoning)
    city("210200", "大连市", CityLevel.SEPARATELY_PLANNED, province=liaoning)
    result = import_assessments(xlsx([
        ["抚顺市", "210400", 2024, "年度考核", 86.5, "良好", 12],
        ["抚顺市", 210400, "2025", "专利实力状况评价", "91", "优秀", "3"],
        [None, None, None, None, None, None, None],
        ["大连市", "210200", 2025, "年度考核", None, "一般", None],
    ]), by=national_admin)
    assert (result.errors, result.created, result.updated) == ([], 3, 0)
    assert stored() == [
        ("210200", 2025, AssessmentKind.ANNUAL, None, Grade.FAIR, None),
        ("210400", 2024, AssessmentKind.ANNUAL, D("86.50"), Grade.GOOD, 12),
        ("210400", 2025, AssessmentKind.PATENT_STRENGTH, D("91.00"), Grade.EXCELLENT, 3),
    ]
    # The same file corrected and uploaded again through the page updates the rows in place.
    client.force_login(national_admin)
    response = client.post(reverse("assessment_import"), {"file": xlsx([
        ["抚顺市", "210400", 2024, "年度考核", 88, "良好", 10]])})
    assert response.status_code == 302
    assert stored()[1] == ("210400", 2024, AssessmentKind.ANNUAL, D("88.00"), Grade.GOOD, 10)
    assert AnnualAssessment.objects.count() == 3
    listed = client.get(reverse("assessment_list"), {"year": 2025})
    assert [(r.city.code, r.kind) for r in listed.context["page"].object_list] == [
        ("210200", AssessmentKind.ANNUAL), ("210400", AssessmentKind.PATENT_STRENGTH)]


def test_assessment_import_reports_each_bad_cell_and_imports_nothing(national_admin, liaoning):
    city("210400", "抚顺市", province=liaoning)
    with translation.override("en"):
        result = import_assessments(xlsx([
            ["抚顺市", "210400", 2024, "年度考核", 86.5, "良好", 12],
            ["本溪市", "210499", 2024, "年度考核", 80, "良好", 1],
            ["沈阳市", "210400", 2031, "年度评价", "约八十", "良", 0],
            ["抚顺市", "210400", 2024, "年度考核", "=80+5", "良好", 2],
            ["抚顺市", "210400", 2024, "年度考核", 70.125, "", ""],
            ["抚顺市", "210400", 2024, "年度考核", 70, "", ""],
        ]), by=national_admin)
    assert result.errors == [
        "B3: no city has the administrative code “210499”",
        "A4: 210400 is 抚顺市, not “沈阳市”",
        "C4: should be a year between 2000 and 2026, got “2031”",
        "D4: should be 年度考核 or 专利实力状况评价, got “年度评价”",
        "E4: should be a number from 0 with at most two decimals, got “约八十”",
        "F4: should be 优秀, 良好, 一般 or 较差, got “良”",
        "G4: should be a whole number from 1, got “0”",
        "E5: formulas are not accepted, enter the value",
        "E6: should be a number from 0 with at most two decimals, got “70.125”",
        "A7: the same city, year and kind as row 2",
    ]
    assert AnnualAssessment.objects.count() == 0
    with translation.override("en"):
        wrong_header = import_assessments(xlsx([]), by=national_admin)
        not_excel = import_assessments(SimpleUploadedFile("a.xlsx", b"not a workbook"), by=national_admin)
    assert wrong_header.errors == ["the sheet holds no assessment below its header row"]
    assert not_excel.errors == ["the file is not an Excel workbook (.xlsx); save it as .xlsx and upload it again"]


def test_record_assessment_updates_in_place_and_the_re_review_shows_its_term(national_admin, experts, liaoning):
    fushun = city("210400", "抚顺市", province=liaoning)
    for year in (2022, 2023, 2024, 2025, 2026):
        record_assessment(fushun, year=year, kind=AssessmentKind.ANNUAL, score=D(80 + year - 2022), grade=Grade.GOOD,
                          rank=year - 2020, by=national_admin)
    record_assessment(fushun, year=2024, kind=AssessmentKind.ANNUAL, score=D("95.5"), grade=Grade.EXCELLENT, rank=1,
                      by=national_admin)
    assert AnnualAssessment.objects.count() == 5
    title = city_services.grant_designation(fushun, tier=Tier.DEMONSTRATION, term_start=dt.date(2023, 12, 1),
                                            by=national_admin)
    re_review = Application.objects.create(cycle=cycle_of(CycleKind.RE_REVIEW, 2026, national_admin, rubric=False),
                                           city=fushun, designation=title)
    pilot = Application.objects.create(cycle=cycle_of(CycleKind.PILOT, 2026, national_admin, rubric=False), city=fushun)
    # Term 2023-12-01 … 2026-11-30: the years 2023 to 2026. Others: the three years before the cycle.
    assert [(a.year, a.score, a.rank) for a in assessments_for(re_review)] == [
        (2023, D("81.00"), 3), (2024, D("95.50"), 1), (2025, D("83.00"), 5), (2026, D("84.00"), 6)]
    assert [a.year for a in assessments_for(pilot)] == [2023, 2024, 2025]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        record_assessment(fushun, year=2027, kind=AssessmentKind.ANNUAL, score=None, grade="", rank=None,
                          by=national_admin)
    assert refused.value.messages == ["The year must be between 2000 and 2026.",
                                      "Give at least a score, a grade or a rank."]


def test_assessment_list_query_count_is_flat(client, national_admin, liaoning):
    client.force_login(national_admin)
    cities = [city(f"21{300 + i:04d}", f"测试市{300 + i}", province=liaoning) for i in range(20)]
    record_assessment(cities[0], year=2025, kind=AssessmentKind.ANNUAL, score=D(80), by=national_admin)
    one, response = queries_for(client, reverse("assessment_list"))
    for place in cities[1:]:
        record_assessment(place, year=2025, kind=AssessmentKind.PATENT_STRENGTH, score=D(70), by=national_admin)
    twenty, response = queries_for(client, reverse("assessment_list"))
    assert len(response.context["page"].object_list) == 20
    assert one == twenty
