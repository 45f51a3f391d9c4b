"""Each procedure end to end through the HTML forms, as the real users (Django test client)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.contrib.messages import get_messages
from django.urls import reverse

from cities.enums import Role, Tier
from cities.importers import DESIGNATIONS_CSV, import_designations
from cities.models import AuditEntry
from evaluations.enums import AnswerType, ApplicationState, CycleKind, MaterialKind
from evaluations.models import Application, Cycle, Material
from tests.evaluations.conftest import PDF, grant
from tests.factories import CityFactory, user_with_role

S = ApplicationState


def as_user(client, user):
    client.force_login(user)
    return client


def _errors(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def ok(response):
    """A form post that succeeded: redirected, and no error message was queued."""
    form = response.context.get("form") if response.context else None
    assert response.status_code == 302, (form.errors if form is not None else response.content.decode()[-3000:])
    assert _errors(response) == []
    return response


def refused(response) -> list[str]:
    """A form post that was refused: redirected back with the rule's messages."""
    assert response.status_code == 302
    messages = _errors(response)
    assert messages
    response.client.get(response.url)  # shows (and so consumes) the messages, as the browser would
    return messages


def create_and_open_cycle(client, national, kind, year=2026):
    ok(client.post(reverse("cycle_create"), {"kind": kind, "year": year, "document_number": "国知办函管字〔2026〕88号"}))
    cycle = Cycle.objects.get(kind=kind, year=year)
    ok(client.post(reverse("cycle_open", args=[cycle.pk])))
    return cycle


def upload(client, application, kind, *, title="", name="材料.pdf"):
    ok(client.post(reverse("material_upload", args=[application.pk]), {
        "kind": kind, "title": title, "file": SimpleUploadedFile(name, PDF, content_type="application/pdf")}))


def fill_table_in_browser(client, application):
    data = {}
    for indicator in application.cycle.basic_info_template.indicators.all():
        if indicator.answer_type == AnswerType.NUMBER:
            data[f"v{indicator.pk}"] = f"{indicator.position * 11}"
        else:
            data[f"v{indicator.pk}"] = f"{indicator.name}情况说明"
    ok(client.post(reverse("application_basic_info", args=[application.pk]), data))


def prepare_city_materials(client, application):
    kind = application.cycle.kind
    if kind in (CycleKind.PILOT, CycleKind.DEMONSTRATION):
        ok(client.post(reverse("application_details", args=[application.pk]), {"theme": "知识产权运用能力提高"}))
    if kind == CycleKind.STRONG_CITY:
        ok(client.post(reverse("application_details", args=[application.pk]), {"enforcement_score": "88.5"}))
    for document in {s.document for s in application.sections.all()}:
        sections = application.sections.filter(document=document)
        ok(client.post(reverse("application_sections", args=[application.pk, document]),
                       {f"section-{s.pk}": f"{s.title}：工作内容与成效。" for s in sections}))
    for material in application.cycle.required_materials:
        if material == MaterialKind.BASIC_INFO_TABLE:
            fill_table_in_browser(client, application)
        elif material not in (MaterialKind.WORK_PLAN, MaterialKind.WORK_SUMMARY):
            upload(client, application, material, title="证明材料" if material == MaterialKind.PROOF else "")


def province_attests(client, application):
    proof = Material.objects.filter(application=application, kind=MaterialKind.PROOF).first()
    for item in application.cycle.checklist.all():
        ok(client.post(reverse("application_attest", args=[application.pk, item.pk]), {
            f"item{item.pk}-met": "on", f"item{item.pk}-evidence": proof.pk, f"item{item.pk}-note": "已核实"}))


def recommend(client, application, *, score=None, rank=1):
    data = {"materials_authentic": "on", "authenticity_conclusion": "经审核，申报材料真实、准确、完整。",
            "opinion": "该市知识产权工作基础扎实，同意推荐。", "rank": rank, "signatory": "省知识产权局",
            "letter_date": "2026-06-01"}
    if score is not None:
        data["measured_score"] = score
    return client.post(reverse("application_recommend", args=[application.pk]), data)


def state_of(application):
    return Application.objects.get(pk=application.pk).state


@pytest.fixture
def people(db, national_admin, liaoning, guangdong):
    return {
        "cnipa": national_admin,
        "liaoning": user_with_role(Role.PROVINCE_STAFF, username="liaoning_p", province=liaoning),
        "guangdong": user_with_role(Role.PROVINCE_STAFF, username="guangdong_p", province=guangdong),
    }


def test_pilot_application_of_yangjiang_recommended_by_guangdong(client, people, guangdong, template,
                                                                django_capture_on_commit_callbacks):
    yangjiang = CityFactory(code="441700", province=guangdong, name="阳江市", full_name="阳江市")
    officer = user_with_role(Role.CITY_OFFICER, username="yangjiang_p", city=yangjiang)
    cycle = create_and_open_cycle(as_user(client, people["cnipa"]), people["cnipa"], CycleKind.PILOT)

    as_user(client, officer)
    ok(client.post(reverse("application_start", args=[cycle.pk, yangjiang.code])))
    application = Application.objects.get(cycle=cycle, city=yangjiang)
    messages = refused(client.post(reverse("application_act", args=[application.pk, "submit"])))
    assert state_of(application) == S.DRAFT
    assert "不能提交：缺少材料：市政府申报函。" in messages or \
        "Cannot submit: Missing material: Municipal government's application letter." in messages
    prepare_city_materials(client, application)
    ok(client.post(reverse("application_act", args=[application.pk, "submit"])))
    assert state_of(application) == S.SUBMITTED

    as_user(client, people["guangdong"])
    inbox = client.get(reverse("application_list"))
    assert [row["application"].pk for row in inbox.context["rows"]] == [application.pk]
    ok(client.post(reverse("application_argumentation", args=[application.pk]), {
        "held_on": "2026-05-20", "experts": "王教授、李研究员、赵律师", "conclusion": "特色主题明确，方案切实可行。"}))
    province_attests(client, application)
    with django_capture_on_commit_callbacks(execute=True):
        ok(recommend(client, application, rank=1))
    application.refresh_from_db()
    assert application.state == S.RECOMMENDED
    letter_pdf = application.recommendation.pdf
    assert (letter_pdf.kind, letter_pdf.generated) == (MaterialKind.RECOMMENDATION_LETTER, True)

    as_user(client, people["cnipa"])
    ok(client.post(reverse("application_act", args=[application.pk, "accept"])))
    assert state_of(application) == S.UNDER_REVIEW
    actions = list(AuditEntry.objects.filter(object_id=str(application.pk), action__startswith="application.")
                   .order_by("id").values_list("action", flat=True))
    assert [a for a in actions if a in ("application.submit", "application.recommend", "application.accept")] == [
        "application.submit", "application.recommend", "application.accept"]


def test_demonstration_application_with_measurement_and_score(client, people, liaoning, template,
                                                            django_capture_on_commit_callbacks):
    fushun = CityFactory(code="210400", province=liaoning, name="抚顺市", full_name="抚顺市")
    grant(fushun, Tier.DEMO_CULTIVATION, dt.date(2021, 1, 1), people["cnipa"], term_end=dt.date(2023, 12, 31))
    officer = user_with_role(Role.CITY_OFFICER, username="fushun_p", city=fushun)
    cycle = create_and_open_cycle(as_user(client, people["cnipa"]), people["cnipa"], CycleKind.DEMONSTRATION)

    as_user(client, officer)
    ok(client.post(reverse("application_start", args=[cycle.pk, fushun.code])))
    application = Application.objects.get(cycle=cycle, city=fushun)
    prepare_city_materials(client, application)
    ok(client.post(reverse("application_act", args=[application.pk, "submit"])))
    assert state_of(application) == S.SUBMITTED

    as_user(client, people["liaoning"])
    response = recommend(client, application, score="86.5")
    assert response.status_code == 200  # refused: no measurement yet
    assert "测评" in response.content.decode() or "measurement" in response.content.decode()
    ok(client.post(reverse("application_measurement", args=[application.pk]), {
        "measured_on": "2026-05-28", "score": "86.50", "notes": "依据《评定示范城市指标体系》测评"}))
    upload(client, application, MaterialKind.SCORE_SHEET, name="指标体系得分表.pdf")
    province_attests(client, application)
    with django_capture_on_commit_callbacks(execute=True):
        ok(recommend(client, application, score="86.50", rank=2))
    application.refresh_from_db()
    assert (application.state, str(application.recommendation.measured_score), application.measurement.score) == (
        S.RECOMMENDED, "86.50", application.measurement.score)

    as_user(client, people["cnipa"])
    ok(client.post(reverse("application_act", args=[application.pk, "accept"])))
    assert state_of(application) == S.UNDER_REVIEW


def test_re_review_2018_lists_the_12_cities_of_2015(client, people):
    from cities.places import load_places

    load_places()
    import_designations(DESIGNATIONS_CSV)
    cycle = create_and_open_cycle(as_user(client, people["cnipa"]), people["cnipa"], CycleKind.RE_REVIEW, year=2018)
    drafts = Application.objects.filter(cycle=cycle).select_related("city", "designation")
    assert sorted(a.city.full_name for a in drafts) == sorted([
        "常州市", "安阳市", "宜昌市", "湘潭市", "攀枝花市", "佛山市", "中山市", "北京市朝阳区", "南昌市", "江阴市",
        "丹阳市", "张家港市"])
    assert {a.state for a in drafts} == {S.DRAFT}
    assert {a.designation.term_end.year for a in drafts} == {2018}
    assert {s.title for s in drafts[0].sections.all()} >= {"示范城市建设方案所确定的目标和任务完成情况", "其他需要总结的情况"}


def submitted_review(application):
    """One expert's submitted review of ``application`` (the review app's records, as its scoring leaves them)."""
    from django.utils import timezone

    from reviews.enums import AssignmentStatus
    from reviews.models import Assignment, Review

    expert = user_with_role(Role.REVIEWER, username=f"expert_{application.pk}")
    assignment = Assignment.objects.create(application=application, reviewer=expert, due_date=dt.date(2026, 10, 31),
                                           status=AssignmentStatus.SUBMITTED)
    return Review.objects.create(assignment=assignment, submitted_at=timezone.now())


def test_strong_city_shortlisted_formally_submitted_and_accepted(client, people, liaoning, template,
                                                               django_capture_on_commit_callbacks):
    shenyang = CityFactory(code="210100", province=liaoning, name="沈阳市", full_name="沈阳市")
    grant(shenyang, Tier.DEMONSTRATION, dt.date(2015, 3, 1), people["cnipa"])
    officer = user_with_role(Role.CITY_OFFICER, username="shenyang_p", city=shenyang)
    cycle = create_and_open_cycle(as_user(client, people["cnipa"]), people["cnipa"], CycleKind.STRONG_CITY)

    as_user(client, officer)
    ok(client.post(reverse("application_start", args=[cycle.pk, shenyang.code])))
    application = Application.objects.get(cycle=cycle, city=shenyang)
    prepare_city_materials(client, application)
    ok(client.post(reverse("application_act", args=[application.pk, "submit"])))

    as_user(client, people["liaoning"])
    province_attests(client, application)
    with django_capture_on_commit_callbacks(execute=True):
        ok(recommend(client, application))

    as_user(client, people["cnipa"])
    ok(client.post(reverse("application_act", args=[application.pk, "accept"])))
    refused(client.post(reverse("application_act", args=[application.pk, "shortlist"])))
    assert state_of(application) == S.UNDER_REVIEW
    ok(client.post(reverse("application_site_visit", args=[application.pk]), {
        "visited_on": "2026-06-01", "experts": "专家组：张、王、刘", "opinion": "基础扎实，特色突出，建议入围。"}))
    # S1 四(二)3–4: the experts' review comes before 入围.
    assert refused(client.post(reverse("application_act", args=[application.pk, "shortlist"]))) == [
        "专家评审完成后方可入围（2018年通知 四（二）3–4）：该申报尚无已提交的评审意见。"]
    submitted_review(application)
    ok(client.post(reverse("application_act", args=[application.pk, "shortlist"])))
    assert state_of(application) == S.SHORTLISTED

    as_user(client, officer)
    upload(client, application, MaterialKind.REVISED_PLAN, name="修改后的强市创建工作方案.pdf")
    upload(client, application, MaterialKind.FORMAL_LETTER, name="正式申报函.pdf")
    ok(client.post(reverse("application_act", args=[application.pk, "submit_formal"])))
    assert state_of(application) == S.UNDER_REVIEW
    assert list(application.snapshots.values_list("kind", flat=True)) == ["submit", "formal"]


def test_ineligible_city_cannot_start_and_is_told_the_rule(client, people, liaoning, template):
    dalian = CityFactory(code="210200", province=liaoning, name="大连市", full_name="大连市")
    grant(dalian, Tier.DEMONSTRATION, dt.date(2024, 1, 1), people["cnipa"])
    officer = user_with_role(Role.CITY_OFFICER, username="dalian_p", city=dalian)
    cycle = create_and_open_cycle(as_user(client, people["cnipa"]), people["cnipa"], CycleKind.PILOT)
    as_user(client, officer)
    page = client.get(reverse("cycle_detail", args=[cycle.pk]))
    failures = page.context["startable"][0][1]
    assert [f.rule for f in failures] == ["pilot_not_already_designated"]
    refused(client.post(reverse("application_start", args=[cycle.pk, dalian.code])))
    assert Application.objects.filter(cycle=cycle).count() == 0


def test_out_of_scope_application_is_404(client, people, liaoning, guangdong, template):
    fushun = CityFactory(code="210400", province=liaoning, name="抚顺市", full_name="抚顺市")
    cycle = create_and_open_cycle(as_user(client, people["cnipa"]), people["cnipa"], CycleKind.PILOT)
    application = Application.objects.create(cycle=cycle, city=fushun, state=S.SUBMITTED, round=1)
    as_user(client, people["guangdong"])
    for name in ("application_detail", "application_recommend", "application_basic_info"):
        assert client.get(reverse(name, args=[application.pk])).status_code == 404
    assert client.post(reverse("application_act", args=[application.pk, "return"]), {"reason": "x"}).status_code == 404
    as_user(client, people["liaoning"])
    assert client.get(reverse("application_detail", args=[application.pk])).status_code == 200

