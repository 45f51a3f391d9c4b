"""A whole pilot application through the API alone — the city prepares and submits, its province
recommends, CNIPA accepts and assigns, a reviewer scores, CNIPA decides — and the same application
through the pages: both leave the same audit entries (action, state change, actor) in the same order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cities.enums import Role
from cities.models import AuditEntry
from evaluations.enums import AnswerType, ApplicationState, CycleKind, MaterialKind
from evaluations.models import Application, Material
from evaluations.services import cycles as cycle_services
from reviews.enums import CriterionKind, Recommendation
from reviews.models import Assignment, Criterion, Review, Rubric
from tests.api.utils import token_client
from tests.evaluations.conftest import PDF
from tests.evaluations.test_procedures import ok, prepare_city_materials, province_attests, recommend
from tests.factories import CityFactory, user_with_role

S = ApplicationState
# How each side signs in differs (a session, a token) and is not part of the comparison.
SIGNING_IN = ("auth.", "api_token.")
DUE = "2026-07-31"
RATIONALE = "综合评分75分，达到试点城市标准，同意确定为国家知识产权试点城市。"


@pytest.fixture(autouse=True)
def _june_2026(time_machine, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)


@pytest.fixture
def people(db, liaoning, national_admin):
    from evaluations.basic_info import load_template

    load_template()
    cycle = cycle_services.open_cycle(cycle_services.create_cycle(
        kind=CycleKind.PILOT, year=2026, document_number="国知办函管字〔2026〕88号", by=national_admin),
        by=national_admin)
    rubric = Rubric.objects.create(cycle=cycle, title="试点城市评分标准")
    for position, (name, points) in enumerate([("工作方案", 60), ("工作基础", 40)], start=1):
        Criterion.objects.create(rubric=rubric, level=1, position=position, code=str(position), name=name,
                                 max_points=Decimal(points), kind=CriterionKind.SUBJECTIVE)
    benxi = CityFactory(code="210500", province=liaoning, name="本溪市", full_name="本溪市")
    dandong = CityFactory(code="210600", province=liaoning, name="丹东市", full_name="丹东市")
    return {
        "cycle": cycle, "national": national_admin, "benxi": benxi, "dandong": dandong,
        "benxi_officer": user_with_role(Role.CITY_OFFICER, username="benxi_w", city=benxi),
        "dandong_officer": user_with_role(Role.CITY_OFFICER, username="dandong_w", city=dandong),
        "staff": user_with_role(Role.PROVINCE_STAFF, username="liaoning_w", province=liaoning),
        "expert": user_with_role(Role.REVIEWER, username="expert_w"),
    }


def trail(since: int, until: int | None = None) -> list[tuple]:
    """The audit entries after ``since`` (up to ``until``): who did what, from which state to which."""
    def who(entry) -> str:
        name = entry.actor.username.rsplit("_", 1)[0] if entry.actor else "system"
        return "city" if name in ("benxi", "dandong") else name

    return [(entry.action, entry.from_state, entry.to_state, who(entry))
            for entry in AuditEntry.objects.filter(pk__gt=since, pk__lte=until or 2**62).select_related("actor")
            .order_by("pk")
            if not entry.action.startswith(SIGNING_IN)]


def last_entry() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def through_pages(client, p, capture) -> Application:
    client.force_login(p["benxi_officer"])
    ok(client.post(reverse("application_start", args=[p["cycle"].pk, p["benxi"].code])))
    application = Application.objects.get(cycle=p["cycle"], city=p["benxi"])
    prepare_city_materials(client, application)
    ok(client.post(reverse("application_act", args=[application.pk, "submit"])))

    client.force_login(p["staff"])
    ok(client.post(reverse("application_argumentation", args=[application.pk]), {
        "held_on": "2026-05-20", "experts": "王教授、李研究员", "conclusion": "特色主题明确，方案切实可行。"}))
    province_attests(client, application)
    with capture(execute=True):
        ok(recommend(client, application, rank=1))

    client.force_login(p["national"])
    ok(client.post(reverse("application_act", args=[application.pk, "accept"])))
    ok(client.post(reverse("assignment_create", args=[p["cycle"].pk]), {
        "application": application.pk, "reviewer": p["expert"].pk, "due_date": DUE}))

    client.force_login(p["expert"])
    assignment = Assignment.objects.get(application=application)
    ok(client.post(reverse("assignment_declare_no_conflict", args=[assignment.pk])))
    criteria = list(Criterion.objects.filter(rubric__cycle=p["cycle"]).order_by("position"))
    data = {"opinion": "方案可行。", "recommendation": Recommendation.APPROVE, "action": "submit"}
    for criterion, points in zip(criteria, (45, 30)):
        data |= {f"points-{criterion.pk}": points, f"comment-{criterion.pk}": f"{criterion.name}较好"}
    ok(client.post(reverse("review_score", args=[assignment.pk]), data))

    client.force_login(p["national"])
    ok(client.post(reverse("cycle_decide", args=[p["cycle"].pk]), {
        "applications": [application.pk], "outcome": "approved", "rationale": RATIONALE}))
    application.refresh_from_db()
    return application


def created(response, status=201):
    assert response.status_code == status, response.content[:600]
    return response.json()


def through_the_api(p, capture) -> Application:
    city = token_client(p["dandong_officer"])
    application = created(city.post("/api/v1/applications/", {"cycle": p["cycle"].pk}, format="json"))
    url = f"/api/v1/applications/{application['id']}/"
    created(city.patch(url, {"theme": "知识产权运用能力提高"}, format="json"), 200)
    sections = created(city.get(f"{url}sections/"), 200)
    created(city.put(f"{url}sections/", {"sections": [
        {"id": section["id"], "body": f"{section['title']}：工作内容与成效。"} for section in sections]},
        format="json"), 200)
    values = []
    row = Application.objects.get(pk=application["id"])
    for kind in p["cycle"].required_materials:
        if kind == MaterialKind.BASIC_INFO_TABLE:
            for indicator in row.cycle.basic_info_template.indicators.all():
                values.append({"indicator": indicator.pk, "value": f"{indicator.position * 11}"
                               if indicator.answer_type == AnswerType.NUMBER else f"{indicator.name}情况说明"})
            created(city.put(f"{url}basic-info/", {"values": values}, format="json"), 200)
        elif kind not in (MaterialKind.WORK_PLAN, MaterialKind.WORK_SUMMARY):
            created(city.post(f"{url}materials/", {
                "kind": kind, "title": "证明材料" if kind == MaterialKind.PROOF else "",
                "file": SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf")}, format="multipart"))
    assert created(city.post(f"{url}submit/"), 200)["state"] == S.SUBMITTED

    province = token_client(p["staff"])
    created(province.post(f"{url}argumentation/", {
        "held_on": "2026-05-20", "experts": "王教授、李研究员", "conclusion": "特色主题明确，方案切实可行。"},
        format="json"), 200)
    proof = Material.objects.filter(application_id=application["id"], kind=MaterialKind.PROOF).first()
    for item in p["cycle"].checklist.all():
        created(province.post(f"{url}attestations/", {"item": item.pk, "met": True, "evidence": proof.pk,
                                                       "note": "已核实"}, format="json"), 200)
    with capture(execute=True):
        recommended = created(province.post(f"{url}recommend/", {
            "materials_authentic": True, "authenticity_conclusion": "经审核，申报材料真实、准确、完整。",
            "opinion": "该市知识产权工作基础扎实，同意推荐。", "rank": 1, "signatory": "省知识产权局",
            "letter_date": "2026-06-01"}, format="json"), 200)
    assert recommended["state"] == S.RECOMMENDED

    national = token_client(p["national"])
    assert created(national.post(f"{url}accept/"), 200)["state"] == S.UNDER_REVIEW
    assignment = created(national.post("/api/v1/assignments/", {
        "application": application["id"], "reviewer": p["expert"].pk, "due_date": DUE}, format="json"))

    expert = token_client(p["expert"])
    created(expert.post(f"/api/v1/assignments/{assignment['id']}/declare-no-conflict/"), 200)
    review = created(expert.post("/api/v1/reviews/", {"assignment": assignment["id"]}, format="json"))
    criteria = list(Criterion.objects.filter(rubric__cycle=p["cycle"]).order_by("position"))
    created(expert.put(f"/api/v1/reviews/{review['id']}/", {
        "scores": [{"criterion": c.pk, "points": str(points), "comment": f"{c.name}较好"}
                   for c, points in zip(criteria, (45, 30))],
        "opinion": "方案可行。", "recommendation": Recommendation.APPROVE}, format="json"), 200)
    created(expert.post(f"/api/v1/reviews/{review['id']}/submit/"), 200)

    created(national.post("/api/v1/decisions/", {"application": application["id"], "outcome": "approved",
                                                  "rationale": RATIONALE}, format="json"))
    return Application.objects.get(pk=application["id"])


def test_the_api_alone_carries_an_application_through_and_audits_it_like_the_pages(
        client, people, django_capture_on_commit_callbacks):
    start = last_entry()
    by_pages = through_pages(client, people, django_capture_on_commit_callbacks)
    middle = last_entry()
    by_api = through_the_api(people, django_capture_on_commit_callbacks)
    pages, api = trail(start, middle), trail(middle)
    # The cycle's rubric is frozen once, at its first assignment: here the one made through the pages.
    pages.remove(("rubric.freeze", "", "", "cnipa"))

    assert by_pages.state == by_api.state == S.APPROVED
    assert Review.objects.filter(assignment__application=by_api, submitted_at__isnull=False).count() == 1
    assert by_api.city.designations.get().tier == "pilot"
    workflow = [entry[:3] for entry in api if entry[1] != entry[2] and entry[0].startswith("application.")]
    assert workflow == [
        ("application.create", "", "draft"), ("application.submit", "draft", "submitted"),
        ("application.recommend", "submitted", "recommended"), ("application.accept", "recommended", "under_review"),
        ("application.approve", "under_review", "approved")], workflow
    assert api == pages
