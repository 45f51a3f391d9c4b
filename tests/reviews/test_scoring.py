"""Scoring: objective points from the submitted values, drafts, submission and locking, blindness, reopening,
scope and query counts (reviews/objective.py, reviews/services/scoring.py, reviews/views/scoring.py)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cities.enums import Role
from cities.models import AuditEntry, Notification
from evaluations.basic_info import load_template
from evaluations.enums import ApplicationState, CycleKind, MaterialKind, SnapshotKind
from evaluations.models import Application, IndicatorValue, MaterialFile, Measurement
from evaluations.services import cycles as cycle_services
from evaluations.snapshots import take_snapshot
from reviews.enums import AssessmentKind, AssignmentStatus, CriterionKind, Direction, Formula, Grade, Recommendation
from reviews.models import AnnualAssessment, Assignment, Criterion, Review, Rubric, Score
from reviews.objective import objective_rows, objective_scores, objective_totals, scored_snapshot
from reviews.services.rubrics import create_default_rubric
from reviews.services.scoring import open_review, reopen_review, save_scores, submit_review
from tests.evaluations.conftest import add_material
from tests.factories import CityFactory, DesignationFactory, user_with_role
from tests.utils import queries_for

D = Decimal
DUE = dt.date(2026, 7, 31)


def q2(value: Decimal) -> Decimal:
    """Points as reviews/formulas.py rounds them: 2 places, half up."""
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def q4(value: Decimal) -> Decimal:
    """A derived value as reviews/derivations.py rounds it: 4 places, half up."""
    return value.quantize(D("0.0001"), rounding=ROUND_HALF_UP)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _june_2026(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)


@pytest.fixture
def cycle(db, national_admin):
    load_template()
    made = cycle_services.create_cycle(kind=CycleKind.DEMONSTRATION, year=2026, by=national_admin)
    return cycle_services.open_cycle(made, by=national_admin)


def indicator(cycle, number, sub_item=""):
    return cycle.basic_info_template.indicators.get(number=number, sub_item=sub_item)


def criterion(rubric, position, code, name, max_points, kind, parent=None, **extra):
    return Criterion.objects.create(rubric=rubric, parent=parent, level=2 if parent else 1, position=position,
                                    code=code, name=name, max_points=D(max_points), kind=kind, **extra)


@pytest.fixture
def rubric(cycle):
    """Five objective criteria (one formula each, one never reported) and two subjective ones."""
    rubric = Rubric.objects.create(cycle=cycle, title="2026年度示范城市评审指标体系")
    strength = criterion(rubric, 1, "一", "客观实力", "12", CriterionKind.OBJECTIVE)
    criterion(rubric, 2, "1.1", "每万人口发明专利拥有量", "4", CriterionKind.OBJECTIVE, strength,
              indicator=indicator(cycle, 15), formula=Formula.LINEAR_TO_BENCHMARK, formula_params={"benchmark": 20})
    criterion(rubric, 3, "1.2", "实用新型不办登视为放弃率", "2", CriterionKind.OBJECTIVE, strength,
              direction=Direction.LOWER_IS_BETTER, source_key="utility_abandon_rate",
              formula=Formula.LINEAR_TO_BENCHMARK, formula_params={"benchmark": 5, "worst": 15})
    criterion(rubric, 4, "1.3", "专利权质押融资金额", "3", CriterionKind.OBJECTIVE, strength,
              indicator=indicator(cycle, 19), formula=Formula.RELATIVE_TO_BEST)
    criterion(rubric, 5, "1.4", "知识产权局编制人数", "2", CriterionKind.OBJECTIVE, strength,
              indicator=indicator(cycle, 14, "编制人数"), formula=Formula.THRESHOLD_BANDS,
              formula_params={"bands": [[5, 1], [10, 1.5], [20, 2]]})
    criterion(rubric, 6, "1.5", "PCT国际专利申请量", "1", CriterionKind.OBJECTIVE, strength,
              indicator=indicator(cycle, 16), formula=Formula.LINEAR_TO_BENCHMARK, formula_params={"benchmark": 100})
    work = criterion(rubric, 7, "二", "工作成效", "15", CriterionKind.SUBJECTIVE)
    criterion(rubric, 8, "2.1", "工作方案", "10", CriterionKind.SUBJECTIVE, work)
    criterion(rubric, 9, "2.2", "创新举措", "5", CriterionKind.SUBJECTIVE, work)
    return rubric


def application_of(cycle, code, name, *, values, measured=None, by):
    """An application under review whose submitted snapshot holds ``values`` (indicator key → number)."""
    city = CityFactory(code=code, name=name, full_name=name)
    application = Application.objects.create(cycle=cycle, city=city, state=ApplicationState.UNDER_REVIEW, round=1)
    proof = add_material(application, MaterialKind.PROOF, title=f"{name}质押登记证明", name="质押.pdf")
    for key, number in values.items():
        number_, _sep, sub_item = key.partition("-")
        row = IndicatorValue.objects.create(city=city, year=cycle.data_year, number=D(number), updated_by=by,
                                            indicator=indicator(cycle, int(number_), sub_item))
        if key == "19":
            row.proofs.add(proof)
    if measured is not None:
        Measurement.objects.create(application=application, measured_on=dt.date(2026, 5, 20), score=D("80"),
                                   values=measured, recorded_by=by)
    take_snapshot(application, kind=SnapshotKind.SUBMIT, by=by)
    return application


@pytest.fixture
def three(cycle, rubric, national_admin):
    """Three applicants: A, B (the best on 1.3) and C. Indicator 16 is reported by nobody."""
    a = application_of(cycle, "210400", "抚顺市", values={"15": "12.5", "19": "6", "14-编制人数": "12"},
                       measured={"utility_abandon_rate": "8"}, by=national_admin)
    b = application_of(cycle, "210200", "大连市", values={"15": "25", "19": "8", "14-编制人数": "30"},
                       measured={"utility_abandon_rate": 3}, by=national_admin)
    c = application_of(cycle, "210500", "本溪市", values={"15": "7", "19": "2.5", "14-编制人数": "3"},
                       measured={"utility_abandon_rate": "20", "note": "not a number"}, by=national_admin)
    return a, b, c


def points_of(rows):
    return [(row.criterion.code, row.value, row.points) for row in rows]


# --- objective criteria ---------------------------------------------------------------------


def test_objective_points_follow_each_formula_from_the_submitted_values(three):
    a, b, c = three
    # 1.1 linear: 4 × v ÷ 20, at most 4.   1.2 reverse linear: 2 at ≤ 5, 0 at ≥ 15, 2 × (15 − v) ÷ 10 between.
    # 1.3 relative: 3 × v ÷ 8 (B's 8 is the best).   1.4 bands ≥5: 1, ≥10: 1.5, ≥20: 2.   1.5 never reported.
    assert points_of(objective_scores(a)) == [
        ("1.1", D("12.5000"), D("2.50")), ("1.2", D("8"), D("1.40")), ("1.3", D("6.0000"), D("2.25")),
        ("1.4", D("12.0000"), D("1.50")), ("1.5", None, None)]
    assert points_of(objective_scores(b)) == [
        ("1.1", D("25.0000"), D("4.00")), ("1.2", D("3"), D("2.00")), ("1.3", D("8.0000"), D("3.00")),
        ("1.4", D("30.0000"), D("2.00")), ("1.5", None, None)]
    assert points_of(objective_scores(c)) == [
        ("1.1", D("7.0000"), D("1.40")), ("1.2", D("20"), D("0.00")), ("1.3", D("2.5000"), D("0.94")),
        ("1.4", D("3.0000"), D("0.00")), ("1.5", None, None)]
    assert objective_totals(a.cycle, [a, b, c]) == {a.pk: D("7.65"), b.pk: D("11.00"), c.pk: D("2.34")}


def test_objective_formula_is_explained_in_words(three):
    with translation.override("en"):
        explanations = [row.explanation for row in objective_scores(three[0])]
    assert explanations == [
        "4.00 × value ÷ 20, at most 4.00",
        "full 2.00 points at or below 5, 0 at or above 15, linear between",
        "3.00 × value ÷ highest value of the cycle",
        "bands ≥5：1；≥10：1.5；≥20：2",
        "1.00 × value ÷ 100, at most 1.00",
    ]


def test_relative_to_best_uses_the_given_best_or_the_applications_given(three):
    a, b, c = three
    relative = Criterion.objects.get(code="1.3")
    # Given a best of 12, A's 6 is worth 3 × 6 ÷ 12.
    assert [r.points for r in objective_scores(a, best={relative.pk: D("12")}) if r.criterion.code == "1.3"] == [
        D("1.50")]
    # Without B, C's 2.5 is compared with A's 6: 3 × 2.5 ÷ 6 = 1.25; A is the best.
    assert objective_totals(a.cycle, [a, c]) == {a.pk: D("2.50") + D("1.40") + D("3.00") + D("1.50"),
                                                 c.pk: D("1.40") + D("0.00") + D("1.25") + D("0.00")}


def test_objective_scores_use_the_snapshot_not_later_edits(three):
    a = three[0]
    IndicatorValue.objects.filter(city=a.city, indicator__number=15).update(number=D("40"))
    assert [r.points for r in objective_scores(a) if r.criterion.code == "1.1"] == [D("2.50")]
    assert scored_snapshot(a).kind == SnapshotKind.SUBMIT


def test_objective_totals_are_none_without_objective_criteria(cycle, national_admin):
    rubric = Rubric.objects.create(cycle=cycle, title="只有主观指标")
    criterion(rubric, 1, "一", "工作方案", "10", CriterionKind.SUBJECTIVE)
    a = application_of(cycle, "210400", "抚顺市", values={"15": "1"}, by=national_admin)
    assert objective_totals(cycle, [a]) == {a.pk: None}
    assert objective_scores(a) == []


def test_objective_totals_are_none_when_no_input_was_reported(cycle, rubric, national_admin):
    """Not scored is NULL, never 0 (STYLE.md Data; DESIGN.md §4): nothing reported, no objective total."""
    a = application_of(cycle, "210400", "抚顺市", values={}, by=national_admin)
    with translation.override("zh-hans"):
        rows = objective_scores(a)
    assert objective_totals(cycle, [a]) == {a.pk: None}
    assert [(row.criterion.code, row.points, row.missing) for row in rows] == [
        ("1.1", None, ("缺少基本情况表第15行「每万人口发明专利拥有量」",)),
        ("1.2", None, ("缺少省局测评数据「utility_abandon_rate」",)),
        ("1.3", None, ("缺少基本情况表第19行「专利权质押融资金额」",)),
        ("1.4", None, ("缺少基本情况表第14行「知识产权局基本情况（编制人数）」",)),
        ("1.5", None, ("缺少基本情况表第16行「PCT国际专利申请量」",)),
    ]


@pytest.fixture
def ratio_rubric(cycle):
    """（每亿元GDP）专利权质押融资金额, relative to the best: row 19 (亿元) ÷ row 4 GDP (亿元) × 10000 (S1 附件3)."""
    rubric = Rubric.objects.create(cycle=cycle, title="派生指标")
    group = criterion(rubric, 1, "一", "运用", "5", CriterionKind.OBJECTIVE)
    criterion(rubric, 2, "1.1", "每亿元GDP专利权质押融资金额", "5", CriterionKind.OBJECTIVE, group,
              derivation={"op": "ratio", "numerator": "table:19", "denominator": "table:4", "scale": 10000},
              formula=Formula.RELATIVE_TO_BEST)
    return rubric


def test_a_derived_ratio_is_scored_relative_to_the_best_ratio(cycle, ratio_rubric, national_admin):
    """DESIGN.md §4 objective criteria from the submitted table: the ratio of two rows, compared across the
    applicants; one without GDP is named as missing and scores NULL."""
    a = application_of(cycle, "210400", "抚顺市", values={"19": "3.2", "4": "872.5"}, by=national_admin)
    b = application_of(cycle, "210200", "大连市", values={"19": "12", "4": "2100"}, by=national_admin)
    c = application_of(cycle, "210500", "本溪市", values={"19": "1.5"}, by=national_admin)
    ratio_a = q4(D("3.2") / D("872.5") * 10000)  # 36.6762
    ratio_b = q4(D("12") / D("2100") * 10000)  # 57.1429, the best
    with translation.override("en"):
        rows = {pk: rows[0] for pk, rows in objective_rows(cycle, [a, b, c]).items()}
    assert (rows[a.pk].value, rows[a.pk].points) == (ratio_a, q2(D(5) * ratio_a / ratio_b))
    assert (rows[b.pk].value, rows[b.pk].points) == (ratio_b, D("5.00"))
    assert (rows[c.pk].value, rows[c.pk].points, rows[c.pk].missing) == (
        None, None, ("Missing: table row 4 “GDP总量”",))
    assert rows[a.pk].explanation == (
        "table row 19 “专利权质押融资金额” ÷ table row 4 “GDP总量” × 10000 = 3.2 ÷ 872.5 × 10000 = 36.6762; points: "
        "5.00 × value ÷ highest value of the cycle")
    assert objective_totals(cycle, [a, b, c]) == {a.pk: D("3.21"), b.pk: D("5.00"), c.pk: None}


def test_objective_totals_query_count_is_constant(cycle, rubric, national_admin):
    applications = [application_of(cycle, f"2104{i:02d}", f"测试市{i}", values={"15": str(i + 1), "19": str(i + 2)},
                                   measured={"utility_abandon_rate": str(i)}, by=national_admin) for i in range(6)]
    with CaptureQueriesContext(connection) as one:
        totals_one = objective_totals(cycle, applications[:1])
    with CaptureQueriesContext(connection) as six:
        totals_six = objective_totals(cycle, applications)
    # One alone is its own best on 1.3: 4×1÷20 + 2 + 3 + 0 = 5.20.
    assert totals_one == {applications[0].pk: D("5.20")}
    assert len(totals_six) == 6
    assert (len(one.captured_queries), len(six.captured_queries)) == (3, 3)


def test_objective_totals_with_derived_and_term_criteria_make_constant_queries(cycle, ratio_rubric, national_admin):
    """A derivation naming table rows reads the rows' names once; a term mean reads the terms and the assessments
    once (objective.py: constant queries)."""
    group = Criterion.objects.get(rubric=ratio_rubric, code="一")
    group.max_points = D("20")
    group.save()
    criterion(ratio_rubric, 3, "1.2", "年度考核结果", "15", CriterionKind.OBJECTIVE, group,
              derivation={"op": "term_mean", "assessment": AssessmentKind.ANNUAL},
              formula=Formula.LINEAR_TO_BENCHMARK, formula_params={"benchmark": 100})
    applications = [application_of(cycle, f"2104{i:02d}", f"测试市{i}", values={"19": str(i + 1), "4": "100"},
                                   by=national_admin) for i in range(6)]
    for i, application in enumerate(applications):  # a demonstration cycle looks at the 3 years before it
        for year in (2023, 2024, 2025):
            AnnualAssessment.objects.create(city=application.city, year=year, kind=AssessmentKind.ANNUAL,
                                            score=D(80 + i))
    with CaptureQueriesContext(connection) as one:
        totals_one = objective_totals(cycle, applications[:1])
    with CaptureQueriesContext(connection) as six:
        totals_six = objective_totals(cycle, applications)
    # Alone, the first is its own best (5) and its mean is 80: 15 × 80 ÷ 100 = 12.
    assert totals_one == {applications[0].pk: D("17.00")}
    # The sixth: 5 × 600 ÷ 600 + 15 × 85 ÷ 100 = 17.75; the first: 5 × 100 ÷ 600 + 12 = 12.83.
    assert (totals_six[applications[0].pk], totals_six[applications[5].pk]) == (D("12.83"), D("17.75"))
    assert (len(one.captured_queries), len(six.captured_queries)) == (6, 6)


# --- drafts, submission, locking ---------------------------------------------------------------


def assign(application, username):
    reviewer = user_with_role(Role.REVIEWER, username=username)
    return Assignment.objects.create(application=application, reviewer=reviewer, status=AssignmentStatus.OPENED,
                                     due_date=DUE)


@pytest.fixture
def scoring(three):
    """Reviewer 甲 assigned to A, no conflict declared; the subjective criteria 2.1 (10) and 2.2 (5)."""
    assignment = assign(three[0], "expert_jia")
    return assignment, Criterion.objects.get(code="2.1"), Criterion.objects.get(code="2.2")


def english_messages(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def test_open_review_binds_the_snapshot_with_empty_scores_and_is_idempotent(scoring):
    assignment, plan, measures = scoring
    review = open_review(assignment, by=assignment.reviewer)
    assert open_review(assignment, by=assignment.reviewer).pk == review.pk
    assert review.snapshot == scored_snapshot(assignment.application)
    assert list(Score.objects.filter(review=review).values_list("criterion__code", "points", "max_points")) == [
        ("2.1", None, D("10.00")), ("2.2", None, D("5.00"))]


def test_open_review_needs_the_declaration_and_the_reviewer(scoring, national_admin):
    assignment, *_ = scoring
    with pytest.raises(PermissionDenied):
        open_review(assignment, by=national_admin)
    Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.ASSIGNED)
    assignment.refresh_from_db()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        open_review(assignment, by=assignment.reviewer)
    assert english_messages(refused.value) == [
        "Declare that you have no conflict of interest before the application opens to you."]
    assert Review.objects.count() == 0


def test_draft_allows_empty_points_then_submit_locks(scoring):
    assignment, plan, measures = scoring
    reviewer = assignment.reviewer
    review = open_review(assignment, by=reviewer)
    save_scores(review, scores={plan.pk: (D("7.5"), "方案目标明确"), measures.pk: (None, "")}, opinion="",
                recommendation=Recommendation.UNDECIDED, by=reviewer)
    assert list(review.scores.values_list("criterion__code", "points", "comment")) == [
        ("2.1", D("7.50"), "方案目标明确"), ("2.2", None, "")]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        submit_review(review, by=reviewer)
    assert english_messages(refused.value) == [
        "“2.2 创新举措” is not scored.", "“2.2 创新举措” has no comment.", "Write an overall opinion.",
        "Recommend approval or rejection."]
    save_scores(review, scores={plan.pk: (D("7.5"), "方案目标明确"), measures.pk: (D("4"), "")},
                opinion="总体较好", recommendation=Recommendation.APPROVE, by=reviewer)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        submit_review(review, by=reviewer)
    assert english_messages(refused.value) == ["“2.2 创新举措” has no comment."]
    save_scores(review, scores={measures.pk: (D("4"), "举措有特色")}, opinion="总体较好",
                recommendation=Recommendation.APPROVE, by=reviewer)
    submit_review(review, by=reviewer)
    review.refresh_from_db()
    assignment.refresh_from_db()
    assert (review.is_submitted, assignment.status) == (True, AssignmentStatus.SUBMITTED)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        save_scores(review, scores={plan.pk: (D("1"), "改")}, opinion="改", recommendation=Recommendation.REJECT,
                    by=reviewer)
    assert english_messages(refused.value) == ["This review was submitted and is locked."]
    assert list(review.scores.values_list("points", "comment")) == [(D("7.50"), "方案目标明确"), (D("4.00"), "举措有特色")]
    # The activity log holds no points for a draft and only the total for the submission.
    entries = AuditEntry.objects.filter(object_id=str(review.pk), action__startswith="review.").order_by("id")
    assert [(e.action, e.data) for e in entries] == [
        ("review.open", {"snapshot": review.snapshot_id}),
        ("review.save", {"scored": 1, "commented": 1, "criteria": 2}),
        ("review.save", {"scored": 2, "commented": 1, "criteria": 2}),
        ("review.save", {"scored": 2, "commented": 2, "criteria": 2}),
        ("review.submit", {"total": "11.50"})]


def test_points_above_the_maximum_are_refused_naming_the_criterion(scoring):
    assignment, plan, measures = scoring
    review = open_review(assignment, by=assignment.reviewer)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        save_scores(review, scores={plan.pk: (D("10.01"), "好"), measures.pk: (D("-1"), "差")}, opinion="",
                    recommendation=Recommendation.UNDECIDED, by=assignment.reviewer)
    assert english_messages(refused.value) == ["“2.1 工作方案”: at most 10.00 points.",
                                                "“2.2 创新举措”: points cannot be negative."]
    assert list(review.scores.values_list("points", "comment")) == [(None, ""), (None, "")]
    # The database refuses too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(review=review, criterion=plan).update(points=D("10.50"))


def test_another_user_cannot_save_or_submit(scoring, national_admin):
    assignment, plan, _measures = scoring
    review = open_review(assignment, by=assignment.reviewer)
    other = user_with_role(Role.REVIEWER, username="expert_yi")
    for user in (other, national_admin):
        with pytest.raises(PermissionDenied):
            save_scores(review, scores={plan.pk: (D("1"), "x")}, opinion="", recommendation="undecided", by=user)
        with pytest.raises(PermissionDenied):
            submit_review(review, by=user)


# --- the page ----------------------------------------------------------------------------------


def page_url(assignment):
    return reverse("review_score", args=[assignment.pk])


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def complete_post(plan, measures, *, plan_points, measures_points, comment, opinion, action):
    return {f"points-{plan.pk}": plan_points, f"comment-{plan.pk}": f"{comment}（方案）",
            f"points-{measures.pk}": measures_points, f"comment-{measures.pk}": f"{comment}（举措）",
            "opinion": opinion, "recommendation": Recommendation.APPROVE, "action": action}


def test_page_shows_the_submitted_version_and_the_computed_criteria(client, scoring):
    assignment, plan, measures = scoring
    application = assignment.application
    client.force_login(assignment.reviewer)
    response = english(client).get(page_url(assignment))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r["criterion"].code, r["depth"], r["objective"].points if "objective" in r else "-") for r in rows] == [
        ("一", 0, "-"), ("1.1", 1, D("2.50")), ("1.2", 1, D("1.40")), ("1.3", 1, D("2.25")), ("1.4", 1, D("1.50")),
        ("1.5", 1, None), ("二", 0, "-"), ("2.1", 1, "-"), ("2.2", 1, "-")]
    html = response.content.decode()
    # 1.5 was never reported: the page names the row instead of a bare "not scored" (DESIGN.md §4).
    assert [r.get("missing") for r in rows if "objective" in r] == [(), (), (), (), (
        "Missing: table row 16 “PCT国际专利申请量”",)]
    assert '<div class="text-danger objective-missing">Missing: table row 16 “PCT国际专利申请量”</div>' in html
    proof = MaterialFile.objects.get(material__application=application)
    download = reverse("material_download", args=[proof.pk])
    assert f'<a href="{download}">抚顺市质押登记证明</a>' in html  # the proof of indicator 19
    assert f'<code class="text-break sha256">{proof.sha256}</code>' in html
    assert 'name="points-%d"' % plan.pk in html and 'max="10.00"' in html and 'step="0.01"' in html
    assert 'data-confirm="Submit the review? It is locked once submitted' in html
    assert client.get(download).status_code == 200


def test_page_asks_for_the_declaration_first(client, scoring):
    assignment, *_ = scoring
    Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.ASSIGNED)
    client.force_login(assignment.reviewer)
    response = english(client).get(page_url(assignment))
    assert response.context["problem"] == (
        "Declare that you have no conflict of interest before the application opens to you.")
    assert (response.context["rows"], Review.objects.count()) == ([], 0)
    assert "质押登记证明" not in response.content.decode()


def test_page_saves_a_draft_and_submits_then_refuses_changes(client, scoring):
    assignment, plan, measures = scoring
    client.force_login(assignment.reviewer)
    english(client)
    draft = {f"points-{plan.pk}": "8.25", f"comment-{plan.pk}": "目标明确", f"points-{measures.pk}": "",
             f"comment-{measures.pk}": "", "opinion": "", "recommendation": "undecided", "action": "save"}
    response = client.post(page_url(assignment), draft, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["The draft was saved."]
    review = Review.objects.get(assignment=assignment)
    assert list(review.scores.values_list("points", "comment")) == [(D("8.25"), "目标明确"), (None, "")]
    too_many = {**draft, f"points-{measures.pk}": "5.5"}
    response = client.post(page_url(assignment), too_many)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["“2.2 创新举措”: at most 5.00 points."]
    assert list(review.scores.values_list("points", flat=True)) == [D("8.25"), None]
    response = client.post(page_url(assignment), complete_post(
        plan, measures, plan_points="9", measures_points="4.5", comment="好", opinion="同意", action="submit"),
        follow=True)
    assert [str(m) for m in response.context["messages"]] == ["The review was submitted. It is now locked."]
    assert response.context["editable"] is False and 'id="review-form"' not in response.content.decode()
    response = client.post(page_url(assignment), complete_post(
        plan, measures, plan_points="1", measures_points="1", comment="改", opinion="改", action="save"))
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["This review was submitted and is locked."]
    review.refresh_from_db()
    assert (review.opinion, list(review.scores.values_list("points", "comment"))) == (
        "同意", [(D("9.00"), "好（方案）"), (D("4.50"), "好（举措）")])


def test_submit_from_the_page_keeps_the_draft_when_incomplete(client, scoring):
    assignment, plan, measures = scoring
    client.force_login(assignment.reviewer)
    post = complete_post(plan, measures, plan_points="6", measures_points="", comment="一般", opinion="尚可",
                         action="submit")
    response = english(client).post(page_url(assignment), post, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "The draft was saved, but the review cannot be submitted yet:", "“2.2 创新举措” is not scored."]
    review = Review.objects.get(assignment=assignment)
    assert (review.is_submitted, list(review.scores.values_list("points", flat=True))) == (False, [D("6.00"), None])


def test_reviewer_never_sees_another_reviewers_scores(client, scoring):
    assignment_a, plan, measures = scoring
    assignment_b = assign(assignment_a.application, "expert_yi")
    client.force_login(assignment_b.reviewer)
    client.post(page_url(assignment_b), complete_post(
        plan, measures, plan_points="9.87", measures_points="4.56", comment="乙专家-MARKER-7f3a",
        opinion="乙专家意见-MARKER-91c2", action="submit"))
    assert Review.objects.get(assignment=assignment_b).is_submitted
    client.force_login(assignment_a.reviewer)
    secrets = ("MARKER-7f3a", "MARKER-91c2", "9.87", "4.56", "14.43")
    before = client.get(page_url(assignment_a))
    assert before.context["review"].assignment_id == assignment_a.pk
    assert [s for s in secrets if s in before.content.decode()] == []
    client.post(page_url(assignment_a), complete_post(
        plan, measures, plan_points="6.25", measures_points="3.5", comment="甲专家", opinion="甲专家意见",
        action="submit"))
    after = client.get(page_url(assignment_a))
    html = after.content.decode()
    assert after.context["review"].is_submitted
    assert [s for s in secrets if s in html] == []
    assert '<span class="own-points">6.25</span>' in html and '<span class="own-points">3.50</span>' in html
    # B's page does not show A's either.
    client.force_login(assignment_b.reviewer)
    assert [s for s in ("甲专家", "6.25", "9.75") if s in client.get(page_url(assignment_b)).content.decode()] == []


def test_another_reviewers_assignment_is_404(client, scoring, national_admin, fushun_officer):
    assignment, plan, _measures = scoring
    for user in (user_with_role(Role.REVIEWER, username="expert_bing"), national_admin, fushun_officer):
        client.force_login(user)
        assert client.get(page_url(assignment)).status_code == 404
        assert client.post(page_url(assignment), {f"points-{plan.pk}": "1", "recommendation": "undecided"}
                           ).status_code == 404
    assert Review.objects.count() == 0
    client.logout()
    assert client.get(page_url(assignment)).status_code == 302


def test_re_review_page_shows_the_annual_assessments_of_the_term(client, national_admin):
    load_template()
    cycle = cycle_services.open_cycle(cycle_services.create_cycle(kind=CycleKind.RE_REVIEW, year=2026,
                                                                  by=national_admin), by=national_admin)
    rubric = Rubric.objects.create(cycle=cycle, title="复核指标")
    criterion(rubric, 1, "一", "任期工作成效", "100", CriterionKind.SUBJECTIVE)
    city = CityFactory(code="210200", name="大连市", full_name="大连市")
    term = DesignationFactory(city=city, term_start=dt.date(2023, 3, 1), term_end=dt.date(2026, 2, 28))
    application = Application.objects.create(cycle=cycle, city=city, state=ApplicationState.UNDER_REVIEW, round=1,
                                             designation=term)
    take_snapshot(application, kind=SnapshotKind.SUBMIT, by=national_admin)
    AnnualAssessment.objects.create(city=city, year=2024, kind=AssessmentKind.ANNUAL, score=D("88.50"),
                                    grade=Grade.GOOD, rank=7)
    AnnualAssessment.objects.create(city=city, year=2021, kind=AssessmentKind.ANNUAL, score=D("61.25"))
    assignment = assign(application, "expert_term")
    client.force_login(assignment.reviewer)
    response = client.get(page_url(assignment))
    assert [(a.year, a.score) for a in response.context["assessments"]] == [(2024, D("88.50"))]
    html = response.content.decode()
    assert 'id="assessment-table"' in html and "88.50" in html and "61.25" not in html


def test_re_review_term_criteria_score_the_terms_records_in_constant_queries(client, national_admin):
    """S1 三(二)3 with the seeded re-review system: 年度考核结果 (15) and 专利实力状况评价结果 (15) are 15 × the mean
    score over the term ÷ 100; the page's queries do not grow with the records of the term."""
    load_template()
    cycle = cycle_services.open_cycle(cycle_services.create_cycle(kind=CycleKind.RE_REVIEW, year=2026,
                                                                  by=national_admin), by=national_admin)
    create_default_rubric(cycle, by=national_admin)
    city = CityFactory(code="210200", name="大连市", full_name="大连市")
    term = DesignationFactory(city=city, term_start=dt.date(2022, 3, 1), term_end=dt.date(2025, 2, 28))
    application = Application.objects.create(cycle=cycle, city=city, state=ApplicationState.UNDER_REVIEW, round=1,
                                             designation=term)
    take_snapshot(application, kind=SnapshotKind.SUBMIT, by=national_admin)
    AnnualAssessment.objects.create(city=city, year=2022, kind=AssessmentKind.ANNUAL, score=D("81.50"))
    assignment = assign(application, "expert_term")
    client.force_login(assignment.reviewer)
    english(client).get(page_url(assignment))  # opens the review
    one, response = queries_for(client, page_url(assignment))
    rows = {r["criterion"].name: r for r in response.context["rows"] if "objective" in r}
    assert (rows["年度考核结果"]["objective"].points, rows["专利实力状况评价结果"]["missing"]) == (
        q2(D(15) * D("81.50") / 100),
        ("Missing: patent-strength evaluation scores of 2022–2025",))
    for year, annual, strength in ((2023, "84", "70.5"), (2024, "90", "75"), (2025, None, "79.5")):
        if annual:
            AnnualAssessment.objects.create(city=city, year=year, kind=AssessmentKind.ANNUAL, score=D(annual))
        AnnualAssessment.objects.create(city=city, year=year, kind=AssessmentKind.PATENT_STRENGTH,
                                        score=D(strength))
    more, response = queries_for(client, page_url(assignment))
    assert more == one
    assert len(response.context["assessments"]) == 6
    rows = {r["criterion"].name: r["objective"] for r in response.context["rows"] if "objective" in r}
    annual = q4((D("81.50") + D("84") + D("90")) / 3)  # 2025 has no annual score yet
    strength = q4((D("70.5") + D("75") + D("79.5")) / 3)
    assert [(r.value, r.points) for r in rows.values()] == [
        (annual, q2(D(15) * annual / 100)), (strength, q2(D(15) * strength / 100))]
    assert rows["年度考核结果"].explanation == (
        "mean annual assessment score 2022–2025 = (81.5 + 84 + 90) ÷ 3 = 85.1667; no score recorded for 2025; "
        "points: 15.00 × value ÷ 100, at most 15.00")


# --- reopening ---------------------------------------------------------------------------------


def submitted_review(assignment, plan, measures) -> Review:
    reviewer = assignment.reviewer
    review = open_review(assignment, by=reviewer)
    save_scores(review, scores={plan.pk: (D("8"), "好"), measures.pk: (D("4"), "好")}, opinion="同意",
                recommendation=Recommendation.APPROVE, by=reviewer)
    return submit_review(review, by=reviewer)


def test_national_admin_reopens_with_a_reason_and_the_reviewer_is_told(client, scoring, national_admin,
                                                                      django_capture_on_commit_callbacks):
    assignment, plan, measures = scoring
    review = submitted_review(assignment, plan, measures)
    client.force_login(national_admin)
    english(client)
    url = reverse("review_reopen", args=[assignment.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Give the reason for reopening the review."]
    review.refresh_from_db()
    assert review.is_submitted
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "第2.2项评分依据不足，请复核"})
    assert response.status_code == 302
    assert response["Location"] == reverse("application_detail", args=[assignment.application_id])
    review.refresh_from_db()
    assignment.refresh_from_db()
    assert (review.submitted_at, review.reopened_reason, assignment.status) == (
        None, "第2.2项评分依据不足，请复核", AssignmentStatus.OPENED)
    entry = AuditEntry.objects.get(action="review.reopen")
    assert (entry.actor, entry.reason, entry.from_state, entry.to_state) == (
        national_admin, "第2.2项评分依据不足，请复核", "submitted", "opened")
    notice = Notification.objects.get(recipient=assignment.reviewer)
    assert (notice.body, notice.url) == ("第2.2项评分依据不足，请复核", page_url(assignment))
    # The reviewer can change the review again.
    save_scores(review, scores={measures.pk: (D("3"), "依据补充后调整")}, opinion="同意",
                recommendation=Recommendation.APPROVE, by=assignment.reviewer)
    assert list(review.scores.values_list("points", flat=True)) == [D("8.00"), D("3.00")]


def test_reviewer_cannot_reopen(client, scoring):
    assignment, plan, measures = scoring
    review = submitted_review(assignment, plan, measures)
    client.force_login(assignment.reviewer)
    assert client.post(reverse("review_reopen", args=[assignment.pk]), {"reason": "想改"}).status_code == 403
    with pytest.raises(PermissionDenied):
        reopen_review(review, reason="想改", by=assignment.reviewer)
    review.refresh_from_db()
    assert review.is_submitted


# --- query counts --------------------------------------------------------------------------------


def add_criteria(rubric, cycle, start, n):
    """``n`` more criteria: alternately objective (relative to the best, on indicator 15) and subjective."""
    group = Criterion.objects.get(rubric=rubric, code="二")
    for i in range(start, start + n):
        if i % 2:
            criterion(rubric, 100 + i, f"3.{i}", f"客观指标{i}", "1", CriterionKind.OBJECTIVE, group,
                      indicator=indicator(cycle, 15), formula=Formula.RELATIVE_TO_BEST)
        else:
            criterion(rubric, 100 + i, f"3.{i}", f"主观指标{i}", "1", CriterionKind.SUBJECTIVE, group)


def test_page_query_count_is_the_same_for_5_and_25_criteria(client, cycle, national_admin):
    rubric = Rubric.objects.create(cycle=cycle, title="规模测试")
    criterion(rubric, 1, "二", "工作成效", "30", CriterionKind.SUBJECTIVE)
    add_criteria(rubric, cycle, 0, 4)
    application = application_of(cycle, "210400", "抚顺市", values={"15": "10"}, by=national_admin)
    assignment = assign(application, "expert_scale")
    client.force_login(assignment.reviewer)
    client.get(page_url(assignment))  # opens the review
    five, response = queries_for(client, page_url(assignment))
    assert len(response.context["rows"]) == 5
    add_criteria(rubric, cycle, 4, 20)
    client.get(page_url(assignment))  # adds the new criteria's empty scores to the draft
    twenty_five, response = queries_for(client, page_url(assignment))
    assert len(response.context["rows"]) == 25
    assert Score.objects.filter(review__assignment=assignment).count() == 12
    assert five == twenty_five
