"""What the program decides and publishes (issue 12): one source for every published outcome, bans as the notice
words them, due cities that never applied, 入围 after the expert review, decision document numbers.

Every test cites the clause of the 2018 notice (S1, ``../shared/sources/001_*``) it enforces.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from cities import services as city_services
from cities.enums import CityLevel, DesignationStatus, Role, Tier
from cities.models import Designation
from evaluations.enums import Action, ApplicationState, CycleKind, MissedReReview
from evaluations.models import Application
from evaluations.services import cycles as cycle_services
from evaluations.services.applications import start_application
from evaluations.services.national import disqualify_application
from evaluations.workflow import TransitionRefused, transition
from reviews.enums import AssignmentStatus, DecisionEffect, Outcome
from reviews.models import Assignment, Decision
from reviews.services.decisions import MissingOutcomes, decide, publish_cycle_results
from tests.factories import user_with_role
from tests.reviews.test_decisions import _decision_day, at, city, cycle_of, experts, in_review, reviewed  # noqa: F401

S = ApplicationState


def outcome_cell(html: str, row_id: str) -> str:
    """The outcome label of one row of a published list, as a reader sees it."""
    row = re.search(rf'id="{row_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no row {row_id}"
    return re.search(r'class="outcome-label[^"]*">([^<]*)<', row.group(1)).group(1)


def page(client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    return response.content.decode()


def demonstration_title(target, start, by):
    return city_services.grant_designation(target, tier=Tier.DEMONSTRATION, term_start=start, by=by)


# --- (a) a fraud finding supersedes the approval everywhere --------------------------------------------------------


def test_fraud_after_approval_is_published_as_disqualified_on_every_page_and_the_api(
        client, api, national_admin, experts, liaoning):
    """S1 五(二): "对申报材料弄虚作假的，经查实后，取消申报资格；已取得有关称号的，予以取消；同时对城市知识产权局和相关
    省局进行通报批评" — after approval and publication, the public page, the city page and the API show 取消资格, not
    已批准, with the date of the change; the title is revoked and no ban is invented."""
    cycle = cycle_of(CycleKind.PILOT, 2026, national_admin)
    yangjiang = city("441700", "阳江市", province=liaoning)
    application = in_review(cycle, yangjiang, experts)
    decide(application, outcome=Outcome.APPROVED, rationale="同意", document_number="国知发管函字〔2026〕7号",
           by=national_admin)
    publish_cycle_results(cycle, by=national_admin)
    assert outcome_cell(page(client, reverse("public_results")), f"outcome-{application.pk}") == "已批准"

    disqualify_application(application, finding="伪造专利运营数据", by=national_admin)

    label = "取消资格（弄虚作假），通报批评"
    public = page(client, reverse("public_result_detail", args=[cycle.pk]))
    assert outcome_cell(public, f"outcome-{application.pk}") == label
    assert "2026年11月2日变更；原公示结果为“已批准”。" in public
    client.force_login(national_admin)
    city_page = page(client, reverse("city_detail", args=[yangjiang.code]))
    assert re.findall(r'class="outcome-label[^"]*">([^<]*)<', city_page) == [label]
    row = api(national_admin).get(f"/api/v1/results/{cycle.pk}/").json()["rows"][0]
    assert (row["outcome"], row["outcome_label"], row["decided"], row["change"]) == (
        "disqualified", label, "approved", {"code": "disqualified", "label": label, "on": "2026-11-02",
                                            "ban_until": None})
    title = Designation.objects.get(city=yangjiang)
    assert (title.status, title.ban_until, title.document_number) == (
        DesignationStatus.REVOKED, None, "国知发管函字〔2026〕7号")


# --- (b) rectification, then revocation with the ban's end ---------------------------------------------------------


def test_second_failure_is_published_as_revoked_with_the_end_of_the_ban(client, national_admin, experts, liaoning,
                                                                         time_machine):
    """S1 三(三)3: "未通过复核的城市，限期1年内整改，之后进行再次复核……未通过再次复核的城市，取消国家知识产权示范城市称号，
    并且2年内不得再次申报示范城市" — the first failure is published as rectification with its deadline; the second as
    revoked with the ban's end, and the first line shows that it was superseded."""
    xiqing = city("120111", "天津市西青区", level=CityLevel.MUNICIPAL_DISTRICT, province=liaoning)
    title = demonstration_title(xiqing, dt.date(2023, 12, 1), national_admin)
    first_cycle = cycle_of(CycleKind.RE_REVIEW, 2026, national_admin)
    first = in_review(first_cycle, xiqing, experts, designation=title)
    decide(first, outcome=Outcome.FAILED, rationale="目标任务未完成", by=national_admin)
    publish_cycle_results(first_cycle, by=national_admin)
    html = page(client, reverse("public_result_detail", args=[first_cycle.pk]))
    assert outcome_cell(html, f"outcome-{first.pk}") == "未通过复核，限期1年整改"
    assert "于2027年11月2日前完成整改，之后再次复核。" in html

    at(time_machine, 2027, 11, 5)
    second_cycle = cycle_of(CycleKind.RE_REVIEW, 2027, national_admin)
    second = in_review(second_cycle, xiqing, experts, designation=title)
    decide(second, outcome=Outcome.FAILED, rationale="整改不到位", by=national_admin)
    publish_cycle_results(second_cycle, by=national_admin)

    html = page(client, reverse("public_results"))
    assert outcome_cell(html, f"outcome-{second.pk}") == "未通过再次复核，撤销称号"
    assert outcome_cell(html, f"outcome-{first.pk}") == "撤销称号"
    assert html.count("2029年11月5日前不得再次申报示范城市（2018年通知 三（三）3）。") == 2
    assert "2027年11月5日变更；原公示结果为“未通过复核，限期1年整改”。" in html
    assert list(Decision.objects.order_by("pk").values_list("effect", flat=True)) == [
        DecisionEffect.RECTIFICATION, DecisionEffect.REVOKED]


def test_article_18_cancels_the_demonstration_status_without_a_ban(client, national_admin, experts, liaoning):
    """S1 三(二)1: "城市当前的状况是否符合《办法》第十八条规定的示范城市申报条件。不符合条件的城市取消示范城市资格" — an outcome
    of its own on the decision screen; it revokes the title and states no ban."""
    changzhou = city("320400", "常州市", province=liaoning)
    title = demonstration_title(changzhou, dt.date(2023, 12, 1), national_admin)
    cycle = cycle_of(CycleKind.RE_REVIEW, 2026, national_admin)
    application = in_review(cycle, changzhou, experts, designation=title)
    client.force_login(national_admin)
    form = client.get(reverse("cycle_decisions", args=[cycle.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").context["form"]
    assert [label for _value, label in form.fields["outcome"].choices] == [
        "通过", "未通过", "取消示范城市资格（不符合《办法》第十八条）"]

    decide(application, outcome=Outcome.TITLE_CANCELLED, rationale="不再符合第十八条", by=national_admin)
    publish_cycle_results(cycle, by=national_admin)

    title.refresh_from_db()
    assert (title.status, title.ban_until) == (DesignationStatus.REVOKED, None)
    assert Application.objects.get(pk=application.pk).state == S.TITLE_CANCELLED
    assert outcome_cell(page(client, reverse("public_results")), f"outcome-{application.pk}") == "取消示范城市资格"


# --- (c) the ban bars demonstration applications only --------------------------------------------------------------


def test_revoked_city_may_apply_to_pilot_and_strong_city_but_not_demonstration(national_admin, liaoning):
    """S1 三(三)3: the ban is "2年内不得再次申报示范城市" and nothing else — the revoked city starts its PILOT and
    STRONG_CITY applications, while its DEMONSTRATION application is refused naming 三(三)3 and the ban's end."""
    xiqing = city("120111", "天津市西青区", level=CityLevel.MUNICIPAL_DISTRICT, province=liaoning)
    officer = user_with_role(Role.CITY_OFFICER, username="xiqing_t", city=xiqing)
    first_term = demonstration_title(xiqing, dt.date(2020, 1, 1), national_admin)
    second_term = city_services.renew_designation(first_term, by=national_admin)  # the first round was completed
    city_services.start_rectification(second_term, reason="复核未通过", deadline=dt.date(2026, 6, 30),
                                      by=national_admin)
    city_services.revoke_designation(second_term, reason="再次复核未通过", ban_years=2, on=dt.date(2026, 7, 1),
                                     by=national_admin)
    cycles = {kind: cycle_services.open_cycle(cycle_of(kind, 2027, national_admin, rubric=False), by=national_admin)
              for kind in (CycleKind.PILOT, CycleKind.STRONG_CITY, CycleKind.DEMONSTRATION)}

    pilot = start_application(cycles[CycleKind.PILOT], xiqing, by=officer)
    strong = start_application(cycles[CycleKind.STRONG_CITY], xiqing, by=officer)
    assert (pilot.state, strong.state) == (S.DRAFT, S.DRAFT)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        start_application(cycles[CycleKind.DEMONSTRATION], xiqing, by=officer)
    assert "天津市西青区未通过再次复核，已被取消国家知识产权示范城市称号，2028-07-01前不得再次申报示范城市。（2018年通知三（三）3）" \
        in refused.value.messages
    assert not Application.objects.filter(cycle=cycles[CycleKind.DEMONSTRATION]).exists()


# --- (d) due cities that never applied -----------------------------------------------------------------------------


@pytest.fixture
def twelve_due(national_admin, experts, liaoning):
    """The 2018 re-review had 12 cities named in the notice (S1 三(一)); here 12 titles whose term ends in 2026."""
    names = ["常州市", "安阳市", "宜昌市", "湘潭市", "攀枝花市", "佛山市", "中山市", "北京市朝阳区", "南昌市", "江阴市",
             "丹阳市", "张家港市"]
    cities = [city(f"21{n:04d}", name, province=liaoning) for n, name in enumerate(names, start=1)]
    titles = [demonstration_title(c, dt.date(2023, 12, 1), national_admin) for c in cities]
    cycle = cycle_of(CycleKind.RE_REVIEW, 2026, national_admin)
    cycle_services.open_cycle(cycle, by=national_admin)
    submitted = Application.objects.get(cycle=cycle, city=cities[0])
    Application.objects.filter(pk=submitted.pk).update(state=S.UNDER_REVIEW, round=1)
    reviewed(submitted, experts)
    decide(submitted, outcome=Outcome.PASSED, rationale="通过复核", by=national_admin)
    return cycle, cities, titles


def test_publishing_with_due_cities_without_a_decision_needs_a_confirmation_listing_them(
        client, national_admin, twelve_due):
    """S1 三(一), 三(三)3: 12 cities were due for re-review and one applied — publishing is refused until national
    staff confirm the list of the other 11; then each of them has an outcome (the notice is silent on a city that
    does not apply: the cycle's setting, "as failing", is applied and marked as the administration's rule)."""
    cycle, cities, titles = twelve_due
    with translation.override("zh-hans"), pytest.raises(MissingOutcomes) as refused:
        publish_cycle_results(cycle, by=national_admin)
    assert [row.city for row in refused.value.rows] == cities[1:]
    assert refused.value.messages == [
        "本次应参加的11个城市尚无决定：" + "、".join(c.full_name for c in cities[1:]) + "。公示时将为每个城市记录"
        "“未按期申报复核”，请确认后公示。"]
    assert not Decision.objects.filter(application__city__in=cities[1:]).exists()

    client.force_login(national_admin)
    url = reverse("cycle_publish_results", args=[cycle.pk])
    confirm = client.post(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert confirm.status_code == 409
    listed = re.findall(r"<tr>\s*<td>([^<]+)</td>", confirm.content.decode())
    assert listed == [c.full_name for c in cities[1:]]
    cycle.refresh_from_db()
    assert cycle.results_published_at is None

    assert client.post(url, {"confirm_missing": "1"}).status_code == 302
    cycle.refresh_from_db()
    assert cycle.results_published_at is not None
    decisions = {d.application.city: d for d in Decision.objects.select_related("application__city")}
    assert sorted(decisions, key=lambda c: c.code) == cities
    assert {(d.outcome, d.effect, d.application.state) for c, d in decisions.items() if c != cities[0]} == {
        (Outcome.NOT_SUBMITTED, DecisionEffect.RECTIFICATION, S.LAPSED)}
    assert "通知未规定，按国家知识产权局确定的规则视同未通过复核" in decisions[cities[1]].rationale
    assert set(Designation.objects.filter(pk__in=[t.pk for t in titles[1:]])
               .values_list("status", "rectification_deadline")) == {(DesignationStatus.RECTIFYING,
                                                                      dt.date(2027, 11, 2))}
    html = page(client, reverse("public_result_detail", args=[cycle.pk]))
    labels = re.findall(r'class="outcome-label[^"]*">([^<]*)<', html)
    assert labels == ["通过复核"] + ["未按期申报复核：未通过复核，限期1年整改"] * 11


def test_a_cycle_set_to_cancel_records_cancellation_for_cities_that_did_not_apply(national_admin, twelve_due):
    """S1 三 is silent on a due city that never applies: the cycle says what it means ("取消示范城市资格" here)."""
    cycle, cities, titles = twelve_due
    cycle.missed_re_review = MissedReReview.CANCEL
    cycle.save(update_fields=["missed_re_review"])
    publish_cycle_results(cycle, by=national_admin, confirm_missing=True)
    assert set(Decision.objects.filter(outcome=Outcome.NOT_SUBMITTED).values_list("effect", flat=True)) == {
        DecisionEffect.CANCELLED}
    assert set(Designation.objects.filter(pk__in=[t.pk for t in titles[1:]]).values_list("status", "ban_until")) == {
        (DesignationStatus.REVOKED, None)}


def test_due_list_names_every_city_with_its_state(client, national_admin, twelve_due):
    """S1 三(一): the cycle page lists the cities due, including those that have not applied."""
    cycle, cities, _titles = twelve_due
    client.force_login(national_admin)
    response = client.get(reverse("cycle_detail", args=[cycle.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    due = [(row.city.full_name, row.state_label, row.needs_decision) for row in response.context["due"]]
    assert due == [(cities[0].full_name, "通过复核", False)] + [
        (c.full_name, "未申报（草稿未提交）", True) for c in cities[1:]]
    assert "应参加城市" in response.content.decode()


def test_due_list_shows_a_never_submitted_draft_by_its_state_without_a_link(client, national_admin, twelve_due):
    """Issue #14 "Edges": national staff see that a due city has a draft it never submitted, not the draft."""
    cycle, cities, _titles = twelve_due
    client.force_login(national_admin)
    html = client.get(reverse("cycle_detail", args=[cycle.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    table = html[html.index('id="due-cities"'):]
    table = table[:table.index("</table>")]
    submitted = Application.objects.get(cycle=cycle, city=cities[0])
    assert re.findall(r'href="/applications/(\d+)/"', table) == [str(submitted.pk)]
    assert table.count("未申报（草稿未提交）") == len(cities) - 1
    draft = Application.objects.get(cycle=cycle, city=cities[1])
    assert client.get(reverse("application_detail", args=[draft.pk])).status_code == 404


def test_opening_a_re_review_for_a_year_with_no_one_due_says_so(client, national_admin, liaoning):
    """S1 三(一): a re-review concerns the titles whose term ends in its year; opening one for a year without any
    says so instead of silently generating nothing."""
    demonstration_title(city("210400", "抚顺市", province=liaoning), dt.date(2023, 12, 1), national_admin)
    cycle = cycle_of(CycleKind.RE_REVIEW, 2028, national_admin)
    client.force_login(national_admin)
    response = client.post(reverse("cycle_open", args=[cycle.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "评定批次已启动。", "2028年没有任期届满或整改期满的示范城市：本次复核没有应参加的城市，未生成任何申请草稿。"]
    assert not Application.objects.filter(cycle=cycle).exists()


# --- (e) 入围 only after the expert review ----------------------------------------------------------------------


def test_shortlisting_before_the_expert_review_is_complete_is_refused_naming_the_rule(national_admin, experts,
                                                                                       liaoning):
    """S1 四(二)3–4: "专家评审……提出专家评审意见" comes before "入围城市……正式申报": 入围 waits until every assigned expert
    has submitted."""
    cycle = cycle_of(CycleKind.STRONG_CITY, 2026, national_admin)
    application = in_review(cycle, city("320400", "常州市", province=liaoning), experts[:2])
    from evaluations.models import SiteVisit

    SiteVisit.objects.create(application=application, visited_on=dt.date(2026, 10, 1), experts="专家组",
                             opinion="建议入围", recorded_by=national_admin)
    pending = Assignment.objects.create(application=application, reviewer=experts[2], due_date=dt.date(2026, 11, 30),
                                        status=AssignmentStatus.OPENED)
    with translation.override("zh-hans"), pytest.raises(TransitionRefused) as refused:
        transition(application, Action.SHORTLIST, by=national_admin)
    assert refused.value.messages == ["专家评审完成后方可入围（2018年通知 四（二）3–4）：共 3 份评审意见，尚有 1 份未提交。"]
    assert Application.objects.get(pk=application.pk).state == S.UNDER_REVIEW

    pending.delete()
    reviewed(application, [experts[2]], points=((40, 30),))
    assert transition(application, Action.SHORTLIST, by=national_admin).state == S.SHORTLISTED


# --- (f) the decision's 文号 on the title -------------------------------------------------------------------------


def test_the_decisions_document_number_and_date_are_carried_onto_the_title(client, national_admin, experts,
                                                                          liaoning):
    """S1 三(三)3: "通过复核的城市，由我局公布，继续保留国家知识产权示范城市称号" — the renewed title carries the decision's
    document number and its term runs from the decision; entered on the decision page."""
    foshan = city("440600", "佛山市", province=liaoning)
    old = demonstration_title(foshan, dt.date(2023, 6, 1), national_admin)
    cycle = cycle_of(CycleKind.RE_REVIEW, 2026, national_admin)
    application = in_review(cycle, foshan, experts, designation=old)
    client.force_login(national_admin)
    response = client.post(reverse("cycle_decide", args=[cycle.pk]), {
        "applications": [application.pk], "outcome": Outcome.PASSED, "rationale": "目标任务全面完成",
        "document_number": "国知发管函字〔2026〕35号", "decided_on": "2026-10-30"})
    assert response.status_code == 302

    decision = Decision.objects.get(application=application)
    new = Designation.objects.get(previous=old)
    assert (decision.document_number, decision.decided_on, new.document_number, new.term_start, new.term_end) == (
        "国知发管函字〔2026〕35号", dt.date(2026, 10, 30), "国知发管函字〔2026〕35号", dt.date(2026, 10, 30),
        dt.date(2029, 10, 29))
    assert "国知发管函字〔2026〕35号" in page(client, reverse("city_detail", args=[foshan.code]))


def test_a_decision_cannot_be_dated_in_the_future(national_admin, experts, liaoning):
    """A decision's date starts terms and deadlines (S1 三(三)3's one year): it is the date of a real document."""
    cycle = cycle_of(CycleKind.PILOT, 2026, national_admin)
    application = in_review(cycle, city("210500", "本溪市", province=liaoning), experts)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        decide(application, outcome=Outcome.APPROVED, rationale="同意", decided_on=dt.date(2026, 11, 3),
               by=national_admin)
    assert refused.value.messages == ["决定日期不能晚于今天。"]
    assert Application.objects.get(pk=application.pk).state == S.UNDER_REVIEW


# --- the notice cited --------------------------------------------------------------------------------------------


def test_cycles_cite_their_notice_and_never_their_own_name_as_a_document(national_admin):
    """S1 is "国家知识产权局办公室关于开展2018年度……的通知" (2018-07-27): letters and publications cite the notice by title and
    document number (or date), never the cycle's own name in book-title marks."""
    cited = cycle_services.create_cycle(
        kind=CycleKind.RE_REVIEW, year=2018, by=national_admin,
        notice_title="《国家知识产权局办公室关于开展2018年度国家知识产权试点示范城市、强市创建市评定和复核等工作的通知》",
        notice_date=dt.date(2018, 7, 27))
    assert cited.citation == ("《国家知识产权局办公室关于开展2018年度国家知识产权试点示范城市、强市创建市评定和复核等工作的通知》"
                              "（2018年7月27日）")
    bare = cycle_services.create_cycle(kind=CycleKind.PILOT, year=2018, document_number="国知办函管字〔2018〕1号",
                                       by=national_admin)
    assert bare.citation == "国家知识产权局2018年度试点城市评定工作（国知办函管字〔2018〕1号）"
    assert "《" not in bare.citation


def test_the_api_asks_for_the_same_confirmation_and_records_the_same_outcomes(api, national_admin, twelve_due):
    """S1 三(一), 三(三)3 through the REST API: 409 ``confirmation_required`` naming the 11 cities, then published with
    ``confirm_missing``; the rows are the public page's."""
    cycle, cities, _titles = twelve_due
    client = api(national_admin)
    refused = client.post("/api/v1/results/publish/", {"cycle": cycle.pk}, format="json",
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert (refused.status_code, refused.json()["code"]) == (409, "confirmation_required")
    assert all(c.full_name in refused.json()["message"] for c in cities[1:])
    published = client.post("/api/v1/results/publish/", {"cycle": cycle.pk, "confirm_missing": True}, format="json")
    assert published.status_code == 200, published.content
    assert [(row["city"], row["outcome"], row["decided_on"]) for row in published.json()["rows"]] == [
        (cities[0].code, "renewed", "2026-11-02")] + [(c.code, "rectification", "2026-11-02") for c in cities[1:]]
