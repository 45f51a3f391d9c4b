"""API of applications: reads in scope with the shown state, every workflow action and record, refusals."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cities.models import AuditEntry
from evaluations.enums import ApplicationState, CycleKind, MaterialKind
from evaluations.models import Application, Attestation, SiteVisit
from tests.api.utils import api_queries, assert_error
from tests.evaluations.conftest import add_material, application_in
from tests.factories import CityFactory

S = ApplicationState
CJK = re.compile(r"[\u4e00-\u9fff]")


def url(name: str, application=None) -> str:
    return reverse(f"api:application-{name}", args=[application.pk] if application else [])


def last_action(application) -> str:
    return AuditEntry.objects.filter(object_id=str(application.pk), action__startswith="application.") \
        .order_by("-id").values_list("action", flat=True).first()


# --- reads ----------------------------------------------------------------------------------------


def test_list_query_count_does_not_grow(api, world, liaoning):
    cycle = world["cycles"][CycleKind.PILOT]

    def add(count):
        for _ in range(count):
            Application.objects.create(cycle=cycle, city=CityFactory(province=liaoning), state=S.SUBMITTED, round=1)

    for user in (world["national"], world["staff"]):
        Application.objects.filter(cycle=cycle).delete()
        client = api(user)
        add(1)
        one, response = api_queries(client, url("list"))
        assert response.data["count"] == 1
        add(19)
        twenty, response = api_queries(client, url("list"))
        assert response.data["count"] == 20
        assert one == twenty


def test_outcome_hidden_from_city_and_province_until_published(api, world):
    application = application_in(world, CycleKind.PILOT, S.UNDER_REVIEW)
    application.state = S.APPROVED
    application.save(update_fields=["state"])
    for user in (world["officers"][CycleKind.PILOT], world["staff"]):
        client = api(user)
        assert client.get(url("detail", application)).data["state"] == S.UNDER_REVIEW
        assert client.get(url("list"), {"state": S.APPROVED}).data["count"] == 0
        listed = client.get(url("list"), {"state": S.UNDER_REVIEW}).data["results"]
        assert [(row["id"], row["state"]) for row in listed] == [(application.pk, S.UNDER_REVIEW)]
        # A refusal names the state the person may see.
        body = assert_error(client.post(url("withdraw", application)), 409, "transition_refused")
        assert "批准" not in body["message"] and "Approved" not in body["message"]
    national = api(world["national"])
    assert national.get(url("detail", application)).data["state"] == S.APPROVED
    application.cycle.results_published_at = timezone.now()
    application.cycle.save(update_fields=["results_published_at"])
    assert api(world["staff"]).get(url("detail", application)).data["state"] == S.APPROVED


def test_filters_and_ordering(api, world, guangdong, national_admin):
    pilot = application_in(world, CycleKind.PILOT, S.SUBMITTED)
    demo = application_in(world, CycleKind.DEMONSTRATION, S.DRAFT)
    other = Application.objects.create(cycle=world["cycles"][CycleKind.PILOT], state=S.SUBMITTED, round=1,
                                       city=CityFactory(code="441700", province=guangdong))
    client = api(national_admin)

    def ids(**params):
        return [row["id"] for row in client.get(url("list"), params).data["results"]]

    assert ids(kind=CycleKind.DEMONSTRATION) == []  # a never-submitted draft is the city's alone
    assert [row["id"] for row in api(world["officers"][CycleKind.DEMONSTRATION]).get(
        url("list"), {"kind": CycleKind.DEMONSTRATION}).data["results"]] == [demo.pk]
    assert ids(cycle=pilot.cycle_id, ordering="-city__code") == [other.pk, pilot.pk]
    assert ids(province="440000") == [other.pk]
    assert ids(city=pilot.city.code) == [pilot.pk]
    assert ids(year=2026, state=S.SUBMITTED, ordering="city__code") == [pilot.pk, other.pk]
    assert ids(year=2025) == []
    detail = client.get(url("detail", pilot)).data
    assert (detail["city"], detail["province"], detail["kind"], detail["allowed_actions"]) == (
        pilot.city.code, "210000", CycleKind.PILOT, ["veto", "disqualify"])


def test_out_of_scope_is_404(api, world, guangdong_staff, yangjiang_officer):
    application = application_in(world, CycleKind.PILOT, S.SUBMITTED)
    for user in (guangdong_staff, yangjiang_officer):
        client = api(user)
        assert_error(client.get(url("detail", application)), 404, "not_found")
        assert_error(client.post(url("withdraw", application)), 404)
    draft = application_in(world, CycleKind.DEMONSTRATION, S.DRAFT)
    assert_error(api(world["staff"]).get(url("detail", draft)), 404)


# --- the city -------------------------------------------------------------------------------------


def test_start_application(api, world):
    officer = world["officers"][CycleKind.PILOT]
    cycle = world["cycles"][CycleKind.PILOT]
    response = api(officer).post(url("list"), {"cycle": cycle.pk})
    assert response.status_code == 201, response.data
    application = Application.objects.get(pk=response.data["id"])
    assert (application.city, application.state, response.data["state"]) == (world["cities"]["pilot"], S.DRAFT,
                                                                             S.DRAFT)
    assert last_action(application) == "application.create"
    again = assert_error(api(officer).post(url("list"), {"cycle": cycle.pk}), 400, "refused")
    assert CJK.search(again["message"])
    assert_error(api(world["staff"]).post(url("list"), {"cycle": cycle.pk, "city": "210500"}), 403)
    body = assert_error(api(officer).post(url("list"), {"cycle": "x"}), 400, "invalid")
    assert list(body["fields"]) == ["cycle"]


def test_details_and_sections(api, world):
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    client = api(world["officers"][CycleKind.PILOT])
    response = client.patch(url("detail", application), {"theme": "专利导航"})
    assert response.data["theme"] == "专利导航"
    assert last_action(application) == "application.update"
    assert_error(client.patch(url("detail", application), {"enforcement_score": "101"}), 400, "invalid")
    sections = client.get(url("sections", application)).data
    assert [s["number"] for s in sections] == ["一", "二", "三", "四", "五"]
    saved = client.put(url("sections", application), {"sections": [{"id": sections[0]["id"], "body": "指导思想正文"}]},
                       format="json")
    assert saved.status_code == 200 and saved.data[0]["body"] == "指导思想正文"
    assert last_action(application) == "application.sections"
    # National staff do not see a draft the city never submitted (issue #14): 404, as for its province.
    assert_error(api(world["national"]).put(url("sections", application), {"sections": [
        {"id": sections[0]["id"], "body": "x"}]}, format="json"), 404)


def test_submit_and_refused_submit(api, world):
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    officer = api(world["officers"][CycleKind.PILOT])
    response = officer.post(url("submit", application))
    assert response.status_code == 200, response.data
    assert response.data["state"] == S.SUBMITTED and response.data["round"] == 1
    assert (Application.objects.get(pk=application.pk).state, last_action(application)) == (
        S.SUBMITTED, "application.submit")
    incomplete = Application.objects.create(cycle=world["cycles"][CycleKind.DEMONSTRATION],
                                            city=world["cities"][CycleKind.DEMONSTRATION])
    body = assert_error(api(world["officers"][CycleKind.DEMONSTRATION]).post(url("submit", incomplete)),
                        409, "transition_refused")
    assert CJK.search(body["message"]) and "不能提交" in body["message"]
    assert_error(api(world["national"]).post(url("submit", incomplete)), 404, "not_found")  # never submitted
    submitted = Application.objects.get(pk=application.pk)
    assert_error(api(world["national"]).post(url("withdraw", submitted)), 403, "permission_denied")


# --- every move and record: (procedure, state, actor, action, body, state after, audit action) ----------

LETTER = {"materials_authentic": True, "authenticity_conclusion": "经审核，材料真实。", "opinion": "同意推荐。", "rank": 1,
          "signatory": "辽宁省知识产权局", "letter_date": "2026-06-01"}
MOVES = [
    (CycleKind.PILOT, S.SUBMITTED, "officer", "withdraw", {"reason": "暂缓"}, S.WITHDRAWN, "application.withdraw"),
    (CycleKind.PILOT, S.SUBMITTED, "staff", "return", {"reason": "补充材料"}, S.DRAFT, "application.return"),
    (CycleKind.PILOT, S.RECOMMENDED, "national", "return", {"reason": "补充"}, S.SUBMITTED, "application.return"),
    (CycleKind.PILOT, S.SUBMITTED, "staff", "decline", {"reason": "不符合条件"}, S.NOT_RECOMMENDED,
     "application.decline"),
    (CycleKind.PILOT, S.SUBMITTED, "staff", "recommend", LETTER, S.RECOMMENDED, "application.recommend"),
    (CycleKind.DEMONSTRATION, S.SUBMITTED, "staff", "recommend", {**LETTER, "measured_score": "86.5"}, S.RECOMMENDED,
     "application.recommend"),
    (CycleKind.PILOT, S.SUBMITTED, "staff", "veto", {"grounds": ["excess_funding"], "finding": "超额资助"}, S.VETOED,
     "application.veto"),
    (CycleKind.PILOT, S.RECOMMENDED, "national", "accept", None, S.UNDER_REVIEW, "application.accept"),
    (CycleKind.STRONG_CITY, S.UNDER_REVIEW, "national", "shortlist", None, S.SHORTLISTED, "application.shortlist"),
    (CycleKind.STRONG_CITY, S.SHORTLISTED, "officer", "submit-formal", None, S.UNDER_REVIEW,
     "application.submit_formal"),
    (CycleKind.PILOT, S.SUBMITTED, "national", "disqualify", {"finding": "伪造证明"}, S.DISQUALIFIED,
     "application.criticism"),
    (CycleKind.PILOT, S.SUBMITTED, "national", "extend-deadline", {"stage": "province", "until": "2026-10-01",
                                                                  "reason": "灾害"},
     S.SUBMITTED, "application.extend_deadline"),
    (CycleKind.PILOT, S.SUBMITTED, "staff", "argumentation", {"held_on": "2026-05-20", "experts": "王五",
                                                             "conclusion": "可行"}, S.SUBMITTED,
     "application.argumentation"),
    (CycleKind.DEMONSTRATION, S.SUBMITTED, "staff", "measurement", {"measured_on": "2026-05-20", "score": "90.5"},
     S.SUBMITTED, "application.measurement"),
    (CycleKind.STRONG_CITY, S.UNDER_REVIEW, "national", "site-visit", {"visited_on": "2026-05-20",
                                                                      "experts": "专家组", "opinion": "同意"},
     S.UNDER_REVIEW, "application.site_visit"),
]


def submitted_review(application):
    from tests.evaluations.test_procedures import submitted_review as review

    return review(application)


def actor(world, who, kind):
    return world["officers"][kind] if who == "officer" else world[who]


@pytest.mark.parametrize(("kind", "state", "who", "name", "body", "after", "audited"), MOVES,
                         ids=[f"{m[3]}-{m[0]}" for m in MOVES])
def test_move(api, world, kind, state, who, name, body, after, audited):
    application = application_in(world, kind, state)
    if name == "submit-formal":
        for material in (MaterialKind.REVISED_PLAN, MaterialKind.FORMAL_LETTER):
            add_material(application, material)
    if name == "shortlist":
        SiteVisit.objects.get_or_create(application=application, defaults={
            "visited_on": dt.date(2026, 5, 1), "experts": "专家", "opinion": "同意", "recorded_by": world["national"]})
        submitted_review(application)  # S1 四(二)3–4: 入围 after the expert review
    response = api(actor(world, who, kind)).post(url(name, application), body, format="json")
    assert response.status_code == 200, response.data
    assert Application.objects.get(pk=application.pk).state == after
    assert last_action(application) == audited


def test_attestation(api, world):
    application = application_in(world, CycleKind.PILOT, S.SUBMITTED)
    item = application.cycle.checklist.first()
    evidence = application.materials.filter(kind=MaterialKind.PROOF).first()
    client = api(world["staff"])
    response = client.post(url("attestations", application), {"item": item.pk, "met": False, "note": "未满足",
                                                                "evidence": evidence.pk})
    assert response.status_code == 200, response.data
    assert response.data["met"] is False and response.data["evidence"] == evidence.pk
    assert Attestation.objects.get(application=application, item=item).note == "未满足"
    assert last_action(application) == "application.attest"
    other = application_in(world, CycleKind.DEMONSTRATION, S.SUBMITTED).cycle.checklist.first()
    body = assert_error(client.post(url("attestations", application), {"item": other.pk, "met": True}), 400,
                        "invalid")
    assert list(body["fields"]) == ["item"]


def test_refusals_of_moves(api, world):
    application = application_in(world, CycleKind.PILOT, S.SUBMITTED)
    officer = api(world["officers"][CycleKind.PILOT])
    staff = api(world["staff"])
    assert_error(officer.post(url("recommend", application), LETTER), 403, "permission_denied")
    assert_error(officer.post(url("return", application), {"reason": "x"}), 403)
    body = assert_error(staff.post(url("recommend", application), {**LETTER, "rank": 0, "materials_authentic": False}),
                        400, "invalid")
    assert sorted(body["fields"]) == ["materials_authentic", "rank"]
    assert_error(staff.post(url("return", application), {}), 400, "invalid")
    assert_error(api(world["national"]).post(url("accept", application)), 409, "transition_refused")
    demo = application_in(world, CycleKind.DEMONSTRATION, S.SUBMITTED)
    body = assert_error(staff.post(url("recommend", demo), LETTER), 400, "invalid")
    assert list(body["fields"]) == ["measured_score"]
    assert Application.objects.get(pk=application.pk).state == S.SUBMITTED
