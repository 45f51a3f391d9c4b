"""The expert review's API (reviews/api): every endpoint's happy path with its state change and audit entry,
filters, refusals in the one error shape, and blindness. The objects are the permission matrix's world
(tests/api/world_reviews.py)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from cities.enums import Role
from cities.models import AuditEntry
from evaluations.enums import ApplicationState
from reviews.enums import AssignmentStatus, Outcome
from reviews.models import AnnualAssessment, Assignment, Criterion, Decision, Review, ReviewerProfile, Rubric
from tests.api import world as world_module
from tests.api.utils import assert_error, token_client
from tests.factories import user_with_role

CJK = re.compile(r"[\u4e00-\u9fff]")
DUE = "2099-12-31"


@pytest.fixture
def world(db, monkeypatch):
    """The matrix's world with only what the review adds (other apps' builders would change the counts)."""
    monkeypatch.setattr(world_module, "APP_BUILDERS", ["tests.api.world_reviews"])
    return world_module.build_world()


@pytest.fixture
def national(world):
    return token_client(world["national"])


@pytest.fixture
def expert(world):
    return token_client(world["expert"])


@pytest.fixture
def other(world):
    return token_client(world["expert_other"])


def last_action(**filters) -> str:
    return AuditEntry.objects.filter(**filters).order_by("-id").values_list("action", flat=True).first()


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:300]
    return [row["id"] for row in response.json()["results"]]


# --- rubrics ----------------------------------------------------------------------------------------------


def test_reviewer_reads_the_rubric_of_their_cycle_with_its_tree(world, expert):
    rubric = world["review_rubric"]
    assert ids(expert.get("/api/v1/rubrics/")) == [rubric.pk]
    body = expert.get(f"/api/v1/rubrics/{rubric.pk}/").json()
    assert [(c["code"], c["name"], c["max_points"], c["kind"], c["parent"]) for c in body["criteria"]] == [
        ("1", "工作方案", "60.00", "subjective", None), ("2", "工作成效", "40.00", "subjective", None)]
    assert body["is_frozen"] is True
    assert ids(token_client(world["fushun_officer"]).get("/api/v1/rubrics/")) == []


def test_national_staff_build_a_rubric_through_the_services(world, national):
    draft, criterion = world["draft_rubric"], world["draft_criterion"]
    response = national.post("/api/v1/criteria/", {"rubric": draft.pk, "parent": criterion.pk, "name": "组织领导",
                                                   "max_points": "100", "kind": "subjective"}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["code"], response.json()["level"]) == ("1.1", 2)
    assert last_action() == "rubric.criterion_add"
    response = national.patch(f"/api/v1/criteria/{criterion.pk}/", {"guidance": "看方案"}, format="json")
    assert response.json()["guidance"] == "看方案"
    assert last_action() == "rubric.criterion_update"
    response = national.put(f"/api/v1/rubrics/{draft.pk}/settings/", {
        "aggregate": "median", "reject_below": "50", "approve_above": "80", "reviewers_per_application": 3,
        "outlier_threshold": "12"}, format="json")
    assert (response.json()["aggregate"], response.json()["reviewers_per_application"]) == ("median", 3)
    assert last_action() == "rubric.settings"
    added = Criterion.objects.get(rubric=draft, code="1.1")
    assert national.delete(f"/api/v1/criteria/{added.pk}/").status_code == 204
    assert last_action() == "rubric.criterion_delete"
    assert national.post(f"/api/v1/rubrics/{draft.pk}/freeze/").json()["is_frozen"] is True
    assert last_action() == "rubric.freeze"
    refused = assert_error(national.patch(f"/api/v1/criteria/{criterion.pk}/", {"name": "新名"}, format="json"), 400,
                           "refused")
    assert CJK.search(refused["message"]), refused


def test_a_criterion_takes_a_derived_value_through_the_api(world, national):
    """DESIGN.md §4 / S1 三(二)3: an objective criterion computed from the term's annual assessments."""
    draft = world["draft_rubric"]
    derivation = {"op": "term_mean", "assessment": "annual"}
    response = national.post("/api/v1/criteria/", {
        "rubric": draft.pk, "parent": None, "name": "年度考核结果", "max_points": "15", "kind": "objective",
        "derivation": derivation, "formula": "linear", "formula_params": {"benchmark": 100}}, format="json")
    assert response.status_code == 201, response.content
    added = Criterion.objects.get(pk=response.json()["id"])
    assert (response.json()["derivation"], added.derivation) == (derivation, derivation)
    refused = assert_error(national.patch(f"/api/v1/criteria/{added.pk}/", {"derivation": {"op": "sum"}},
                                          format="json"), 400, "refused")
    assert CJK.search(refused["message"]), refused
    assert Criterion.objects.get(pk=added.pk).derivation == derivation


def test_national_staff_create_and_copy_rubrics(world, national):
    target = world["published_cycle"]
    response = national.post("/api/v1/rubrics/", {"cycle": target.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["cycle"] == target.pk and response.json()["criteria"]
    assert last_action() == "rubric.create"
    response = national.post(f"/api/v1/rubrics/{world['review_rubric'].pk}/copy/", {"cycle": target.pk},
                             format="json")
    assert response.status_code == 201, response.content
    copied = Rubric.objects.get(cycle=target)
    assert (copied.copied_from_id, copied.criteria.count()) == (world["review_rubric"].pk, 2)
    assert last_action() == "rubric.copy"
    assert_error(national.post("/api/v1/rubrics/", {"cycle": target.pk}, format="json"), 400, "refused")


def test_criterion_input_errors_come_by_field(world, national):
    body = assert_error(national.post("/api/v1/criteria/", {"rubric": world["draft_rubric"].pk, "kind": "neither",
                                                            "max_points": "abc"}, format="json"), 400, "invalid")
    assert set(body["fields"]) == {"name", "kind", "max_points"}


# --- assignments --------------------------------------------------------------------------------------------


def test_assignments_are_scoped_and_filtered(world, national, expert):
    mine, other_new = world["expert_assignment"], world["other_new_assignment"]
    submitted = world["other_review"].assignment
    assert sorted(ids(national.get("/api/v1/assignments/"))) == sorted([mine.pk, submitted.pk, other_new.pk])
    assert ids(national.get("/api/v1/assignments/", {"status": "assigned"})) == [other_new.pk]
    assert sorted(ids(national.get("/api/v1/assignments/", {"reviewer": world["expert_other"].pk}))) == sorted(
        [submitted.pk, other_new.pk])
    assert sorted(ids(national.get("/api/v1/assignments/", {"application": world["fushun_review_app"].pk}))) == \
        sorted([mine.pk, other_new.pk])
    assert ids(national.get("/api/v1/assignments/", {"cycle": world["decided_cycle"].pk})) == []
    row = expert.get("/api/v1/assignments/").json()["results"]
    assert [(r["id"], r["status"], r["review"], r["city"]) for r in row] == [
        (mine.pk, "opened", world["expert_review"].pk, "210400")]
    assert_error(expert.get(f"/api/v1/assignments/{other_new.pk}/"), 404, "not_found")


def test_national_staff_assign_with_an_override_and_auto_assign(world, national):
    yangjiang = world["yangjiang_review_app"]
    local = user_with_role(Role.REVIEWER, username="gd_expert", province=world["guangdong"])
    body = {"application": yangjiang.pk, "reviewer": local.pk, "due_date": DUE}
    refused = assert_error(national.post("/api/v1/assignments/", body, format="json"), 400, "refused")
    assert CJK.search(refused["message"])
    response = national.post("/api/v1/assignments/", {**body, "override_reason": "领域唯一专家"}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["reviewer"], response.json()["override_reason"]) == (local.pk, "领域唯一专家")
    assert last_action() == "assignment.override"
    response = national.post("/api/v1/assignments/auto-assign/", {"cycle": world["review_cycle"].pk,
                                                                  "per_application": 3, "due_date": DUE},
                             format="json")
    assert response.status_code == 200, response.content
    result = response.json()
    created = {(row["application"], row["reviewer"]) for row in result["created"]}
    # 抚顺 has expert and expert_other, 阳江 expert_other and the local expert: one more each, the least
    # loaded first (the local expert, from 广东, is skipped for 阳江 and loaded more than expert_spare for 抚顺).
    assert created == {(world["fushun_review_app"].pk, world["expert_spare"].pk), (yangjiang.pk, world["expert"].pk)}
    assert last_action() == "assignment.auto"


def test_auto_assign_reports_the_reviewers_it_skips(world, national):
    user_with_role(Role.REVIEWER, username="ln_expert", province=world["liaoning"])
    result = national.post("/api/v1/assignments/auto-assign/", {"cycle": world["review_cycle"].pk,
                                                                "per_application": 3, "due_date": DUE},
                           format="json").json()
    skipped = [row for row in result["skipped"] if row["application"] == world["fushun_review_app"].pk]
    assert len(skipped) == 1 and "辽宁省" in skipped[0]["reason"] and skipped[0]["message"]


def test_national_staff_withdraw_and_reassign(world, national):
    slot = world["other_new_assignment"]
    response = national.post(f"/api/v1/assignments/{slot.pk}/reassign/",
                             {"reviewer": world["expert_spare"].pk, "reason": "时间冲突"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["reviewer"] == world["expert_spare"].pk
    assert not Assignment.objects.filter(pk=slot.pk).exists()
    assert last_action(action__startswith="assignment.reassign") == "assignment.reassign"
    new = response.json()["id"]
    assert national.post(f"/api/v1/assignments/{new}/unassign/", {"reason": "不再需要"},
                         format="json").status_code == 204
    assert not Assignment.objects.filter(pk=new).exists()
    assert last_action() == "assignment.unassign"
    submitted = world["other_review"].assignment
    assert_error(national.post(f"/api/v1/assignments/{submitted.pk}/unassign/", {"reason": "x"}, format="json"),
                 400, "refused")


def test_reviewer_declares_on_their_own_assignment(world, other):
    slot = world["other_new_assignment"]
    response = other.post(f"/api/v1/assignments/{slot.pk}/declare-no-conflict/")
    assert response.json()["status"] == "opened"
    assert last_action() == "assignment.declare_no_conflict"
    response = other.post(f"/api/v1/assignments/{slot.pk}/declare-conflict/", {"reason": "曾在该市任职"},
                          format="json")
    assert (response.json()["status"], response.json()["conflict_reason"]) == ("conflict", "曾在该市任职")
    assert last_action() == "assignment.declare_conflict"
    body = assert_error(other.post(f"/api/v1/assignments/{slot.pk}/declare-no-conflict/"), 400, "refused")
    assert CJK.search(body["message"])


# --- reviews ---------------------------------------------------------------------------------------------------


def test_reviewer_opens_a_review_after_declaring(world, other):
    slot = world["other_new_assignment"]
    assert_error(other.post("/api/v1/reviews/", {"assignment": slot.pk}, format="json"), 400, "refused")
    other.post(f"/api/v1/assignments/{slot.pk}/declare-no-conflict/")
    response = other.post("/api/v1/reviews/", {"assignment": slot.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["assignment"], body["is_submitted"], body["total"]) == (slot.pk, False, "0.00")
    assert [(s["code"], s["points"]) for s in body["scores"]] == [("1", None), ("2", None)]
    assert last_action() == "review.open"
    assert other.post("/api/v1/reviews/", {"assignment": slot.pk}, format="json").status_code == 200


def test_reviewer_saves_submits_and_is_then_locked_out(world, expert):
    review, first = world["expert_review"], world["review_criterion"]
    url = f"/api/v1/reviews/{review.pk}/"
    response = expert.put(url, {"scores": [{"criterion": first.pk, "points": "55.5", "comment": "方案具体"}],
                                "opinion": "建议通过", "recommendation": "approve"}, format="json")
    assert response.status_code == 200, response.content
    assert [(s["code"], s["points"], s["comment"]) for s in response.json()["scores"]] == [
        ("1", "55.50", "方案具体"), ("2", "30.00", "符合要求")]
    assert response.json()["total"] == "85.50"
    assert last_action() == "review.save"
    response = expert.patch(url, {"opinion": "修改后的意见"}, format="json")
    assert (response.json()["opinion"], response.json()["recommendation"]) == ("修改后的意见", "approve")
    response = expert.post(f"{url}submit/")
    assert response.json()["is_submitted"] is True
    assert Assignment.objects.get(pk=review.assignment_id).status == AssignmentStatus.SUBMITTED
    assert last_action() == "review.submit"
    body = assert_error(expert.patch(url, {"opinion": "再改"}, format="json"), 400, "refused")
    assert CJK.search(body["message"]), body
    assert Review.objects.get(pk=review.pk).opinion == "修改后的意见"


def test_score_errors_come_by_criterion(world, expert):
    review, first = world["expert_review"], world["review_criterion"]
    url = f"/api/v1/reviews/{review.pk}/"
    body = assert_error(expert.patch(url, {"scores": [{"criterion": first.pk, "points": "-1"},
                                                      {"criterion": first.pk, "points": "1.234"}]}, format="json"),
                        400, "invalid")
    assert set(body["fields"]) == {"scores.0.points", "scores.1.points"}
    body = assert_error(expert.patch(url, {"scores": [{"criterion": first.pk, "points": "61"},
                                                      {"criterion": 999999, "points": "1"}]}, format="json"),
                        400, "invalid")
    assert set(body["fields"]) == {"scores.0.points", "scores.1.criterion"}
    assert "60" in body["fields"]["scores.0.points"][0] and CJK.search(body["fields"]["scores.0.points"][0])


def test_submit_lists_what_is_missing(world, expert):
    review = world["expert_review"]
    expert.patch(f"/api/v1/reviews/{review.pk}/", {"scores": [{"criterion": world["review_criterion"].pk,
                                                               "points": None, "comment": ""}]}, format="json")
    body = assert_error(expert.post(f"/api/v1/reviews/{review.pk}/submit/"), 400, "refused")
    assert body["message"].count("“1 工作方案”") == 2


def test_national_staff_read_every_review_and_reopen(world, national, other):
    review = world["other_review"]
    assert sorted(ids(national.get("/api/v1/reviews/"))) == sorted([world["expert_review"].pk, review.pk])
    assert ids(national.get("/api/v1/reviews/", {"submitted": "true"})) == [review.pk]
    assert ids(national.get("/api/v1/reviews/", {"application": world["fushun_review_app"].pk})) == [
        world["expert_review"].pk]
    assert_error(other.post(f"/api/v1/reviews/{review.pk}/reopen/", {"reason": "x"}, format="json"), 403,
                 "permission_denied")
    response = national.post(f"/api/v1/reviews/{review.pk}/reopen/", {"reason": "分数与意见不符"}, format="json")
    assert (response.json()["is_submitted"], response.json()["reopened_reason"]) == (False, "分数与意见不符")
    assert last_action() == "review.reopen"
    assert other.patch(f"/api/v1/reviews/{review.pk}/", {"opinion": "已修改"}, format="json").status_code == 200


def test_reviews_are_blind(world, expert, other):
    secret = "阳江专家的评语"
    world["other_review"].scores.update(comment=secret)
    assert_error(expert.get(f"/api/v1/reviews/{world['other_review'].pk}/"), 404, "not_found")
    assert_error(other.get(f"/api/v1/reviews/{world['expert_review'].pk}/"), 404, "not_found")
    assert ids(expert.get("/api/v1/reviews/")) == [world["expert_review"].pk]
    assert ids(expert.get("/api/v1/reviews/", {"reviewer": world["expert_other"].pk})) == []
    for url in ("/api/v1/reviews/", "/api/v1/assignments/", "/api/v1/rubrics/",
                f"/api/v1/rubrics/{world['review_rubric'].pk}/", f"/api/v1/reviews/{world['expert_review'].pk}/"):
        response = expert.get(url)
        assert response.status_code == 200
        assert secret not in json.dumps(response.json(), ensure_ascii=False), url
        assert "m_expert2" not in json.dumps(response.json()), url
    assert_error(expert.get(f"/api/v1/rankings/{world['review_cycle'].pk}/"), 404)


# --- rankings, decisions, results ---------------------------------------------------------------------------


def test_ranking_of_a_cycle_for_national_staff(world, national):
    rows = national.get(f"/api/v1/rankings/{world['review_cycle'].pk}/").json()["rows"]
    assert [(r["city"], r["reviews"], r["mean"], r["final"], r["rank"], r["suggestion"]) for r in rows] == [
        ("441700", 1, "80.00", "80.00", 1, "approve"), ("210400", 0, None, None, None, "")]


def test_national_staff_decide_and_publish(world, national):
    application = world["yangjiang_review_app"]
    response = national.post("/api/v1/decisions/", {"application": application.pk, "outcome": "approved",
                                                    "rationale": "成效明显", "term_start": "2036-12-01"},
                             format="json")
    assert response.status_code == 201, response.content
    decision = Decision.objects.get(application=application)
    assert (decision.outcome, str(decision.final_score), decision.rank) == (Outcome.APPROVED, "80.00", 1)
    assert decision.designation.tier == "demonstration" and decision.designation.term_start == dt.date(2036, 12, 1)
    application.refresh_from_db()
    assert application.state == ApplicationState.APPROVED
    assert last_action(action="decision.record") == "decision.record"
    assert sorted(ids(national.get("/api/v1/decisions/"))) == sorted([world["decision"].pk, decision.pk,
                                                                      world["published_decision"].pk])
    assert ids(national.get("/api/v1/decisions/", {"cycle": world["review_cycle"].pk})) == [decision.pk]
    body = assert_error(national.post("/api/v1/decisions/", {"application": world["fushun_review_app"].pk,
                                                             "outcome": "passed", "rationale": "x"}, format="json"),
                        400, "refused")
    assert CJK.search(body["message"])


def test_decide_many_is_all_or_nothing(world, national):
    chosen = [world["yangjiang_review_app"].pk, world["fushun_review_app"].pk]
    assert_error(national.post("/api/v1/decisions/decide-many/", {"applications": chosen, "outcome": "approved",
                                                                  "rationale": "一并通过"}, format="json"), 400, "refused")
    assert not Decision.objects.filter(application_id__in=chosen).exists()
    response = national.post("/api/v1/decisions/decide-many/", {"applications": chosen[:1], "outcome": "rejected",
                                                                "rationale": "差距较大"}, format="json")
    assert [row["outcome"] for row in response.json()] == ["rejected"]
    assert_error(national.post("/api/v1/decisions/decide-many/", {"applications": [999999], "outcome": "approved",
                                                                  "rationale": "x"}, format="json"), 404)


def test_results_are_shown_once_published(world, national):
    officer = token_client(world["fushun_officer"])
    cycle = world["decided_cycle"]
    assert ids(officer.get("/api/v1/results/")) == [world["published_cycle"].pk]
    assert_error(officer.get(f"/api/v1/results/{cycle.pk}/"), 404)
    response = national.post("/api/v1/results/publish/", {"cycle": cycle.pk}, format="json")
    assert response.status_code == 200, response.content
    assert last_action() == "cycle.publish_results"
    body = officer.get(f"/api/v1/results/{cycle.pk}/").json()
    assert [(r["city"], r["outcome"], r["outcome_label"], r["designation"], r["change"]) for r in body["rows"]] == [
        ("210400", "approved", "已批准", world["fushun_designation"].pk, None)]
    assert ids(officer.get("/api/v1/results/", {"year": 2035})) == [cycle.pk]
    assert_error(national.post("/api/v1/results/publish/", {"cycle": cycle.pk}, format="json"), 400, "refused")


# --- assessments, reports, reviewer profiles ------------------------------------------------------------------


def test_assessments_are_listed_filtered_and_recorded(world, national):
    fushun = world["assessment"]
    AnnualAssessment.objects.create(city=world["yangjiang_city"], year=2023, kind="patent_strength", rank=4)
    assert ids(national.get("/api/v1/assessments/", {"city": "抚顺"})) == [fushun.pk]
    assert ids(national.get("/api/v1/assessments/", {"year": 2024, "kind": "annual"})) == [fushun.pk]
    response = national.post("/api/v1/assessments/", {"city": "210400", "year": 2024, "kind": "annual",
                                                      "grade": "excellent"}, format="json")
    assert response.status_code == 201, response.content
    fushun.refresh_from_db()
    assert (fushun.score, fushun.grade) == (None, "excellent")
    assert last_action() == "assessment.record"
    body = assert_error(national.post("/api/v1/assessments/", {"city": "210400", "year": 1990, "kind": "annual",
                                                               "score": "1"}, format="json"), 400, "refused")
    assert CJK.search(body["message"])
    assert ids(token_client(world["fushun_officer"]).get("/api/v1/assessments/")) == []


def test_report_is_requested_polled_and_downloaded(world, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    other = token_client(world["expert_other"])
    with django_capture_on_commit_callbacks(execute=True):
        response = other.post("/api/v1/reports/", {"kind": "review_pdf", "object_id": world["other_review"].pk},
                              format="json")
    assert response.status_code == 202, response.content
    assert last_action() == "report.request"
    status = other.get(f"/api/v1/reports/{response.json()['id']}/").json()
    assert (status["status"], status["progress"], status["available"]) == ("ready", 100, True)
    download = other.get(f"/api/v1/reports/{status['id']}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert_error(token_client(world["expert"]).get(f"/api/v1/reports/{status['id']}/download/"), 404)


def test_reviewer_profiles_for_national_staff(world, national):
    expert = world["expert"]
    assert ids(national.get("/api/v1/reviewer-profiles/")) == [expert.pk, world["expert_other"].pk,
                                                               world["expert_spare"].pk]
    response = national.put(f"/api/v1/reviewer-profiles/{expert.pk}/", {
        "expertise": ["示范城市评定", "专利"], "province": "440000", "employer": "中山大学", "available": False},
        format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["stored"], response.json()["province"], response.json()["available"]) == (
        True, "440000", False)
    assert ReviewerProfile.objects.get(user=expert).expertise == ["示范城市评定", "专利"]
    assert last_action() == "assignment.profile"
    expert.phone, expert.email = "13812345678", "expert@example.cn"
    expert.save(update_fields=["phone", "email"])
    listed = next(row for row in national.get("/api/v1/reviewer-profiles/").json()["results"] if row["id"] == expert.pk)
    assert (listed["phone"], listed["email"]) == ("138****5678", "e***@example.cn")
    assert ids(national.get("/api/v1/reviewer-profiles/", {"available": "false"})) == [expert.pk]
    assert ids(national.get("/api/v1/reviewer-profiles/", {"q": "中山"})) == [expert.pk]
    body = assert_error(national.put(f"/api/v1/reviewer-profiles/{expert.pk}/", {"city": "000000"}, format="json"),
                        400, "invalid")
    assert set(body["fields"]) == {"city"}
