"""Aggregation of a cycle against numbers computed by hand (DESIGN.md §4).

Six applications of cities of three level groups, five reviewers each. The rubric has two subjective
criteria (60 + 40 points), so the subjective total is on a 100-point scale and the final score equals the
counted subjective figure. Every expected number below was computed by hand from the scores in SCORES.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cities.enums import CityLevel, Role
from evaluations.enums import ApplicationState, CycleKind
from evaluations.models import Application, Cycle
from evaluations.services import cycles as cycle_services
from reviews.aggregation import cycle_statistics
from reviews.enums import Aggregate, AssignmentStatus, CriterionKind
from reviews.models import Assignment, Criterion, Review, Rubric, Score
from tests.factories import CityFactory, ProvinceFactory, user_with_role

D = Decimal
DUE = dt.date(2026, 10, 31)

# city -> (level, points per reviewer as (工作方案 /60, 工作成效 /40)); None = the review is a draft.
SCORES = {
    "大连市": (CityLevel.SEPARATELY_PLANNED, [(50, 30), (45, 30), (55, 35), (35, 25), (50, 35)]),  # 80 75 90 60 85
    "沈阳市": (CityLevel.SUB_PROVINCIAL, [(42, 28), (43, 29), (40, 28), (42, 29), (41, 28)]),  # 70 72 68 71 69
    "抚顺市": (CityLevel.PREFECTURE, [(30, 20), (33, 22), (35, 23), (31, 21), (40, 25)]),  # 50 55 58 52 65
    "本溪市": (CityLevel.PREFECTURE, [(36, 24), (37, 25), (37, 24), (35, 24), (35, 23)]),  # 60 62 61 59 58
    "昆山市": (CityLevel.COUNTY_LEVEL, [(42, 28), (40, 30), (41, 29), (24, 16), (57, 38)]),  # 70 70 70 40 95
    # Four submitted reviews (62 64 66 76); the fifth reviewer's review is a draft and does not count.
    "天津市西青区": (CityLevel.MUNICIPAL_DISTRICT, [(37, 25), (38, 26), (40, 26), (46, 30), None]),
}
CODES = {"大连市": "210200", "沈阳市": "210100", "抚顺市": "210400", "本溪市": "210500", "昆山市": "320583",
         "天津市西青区": "120111"}


def score_review(assignment: Assignment, criteria: list[Criterion], points, *, submitted: bool) -> Review:
    review = Review.objects.create(assignment=assignment, submitted_at=(
        dt.datetime(2026, 10, 20, 9, 0, tzinfo=dt.UTC) if submitted else None))
    for criterion, value in zip(criteria, points, strict=True):
        Score.objects.create(review=review, criterion=criterion, points=D(value), max_points=criterion.max_points)
    return review


@pytest.fixture
def scored_cycle(db, national_admin):
    cycle = cycle_services.create_cycle(kind=CycleKind.PILOT, year=2026, by=national_admin)
    rubric = Rubric.objects.create(cycle=cycle, title="测试评分标准")  # trimmed mean counts; thresholds 60 / 70
    criteria = [
        Criterion.objects.create(rubric=rubric, level=1, position=1, code="1", name="工作方案", max_points=D(60),
                                 kind=CriterionKind.SUBJECTIVE),
        Criterion.objects.create(rubric=rubric, level=1, position=2, code="2", name="工作成效", max_points=D(40),
                                 kind=CriterionKind.SUBJECTIVE),
    ]
    reviewers = [user_with_role(Role.REVIEWER, username=f"expert{n}") for n in range(1, 6)]
    provinces = {"21": ProvinceFactory(code="210000", name="辽宁省"), "32": ProvinceFactory(code="320000", name="江苏省"),
                 "12": ProvinceFactory(code="120000", name="天津市")}
    applications = {}
    for name, (level, rows) in SCORES.items():
        city = CityFactory(code=CODES[name], name=name, full_name=name, level=level,
                           province=provinces[CODES[name][:2]])
        application = Application.objects.create(cycle=cycle, city=city, state=ApplicationState.UNDER_REVIEW, round=1)
        for reviewer, points in zip(reviewers, rows, strict=True):
            status = AssignmentStatus.SUBMITTED if points else AssignmentStatus.OPENED
            assignment = Assignment.objects.create(application=application, reviewer=reviewer, due_date=DUE,
                                                   status=status)
            score_review(assignment, criteria, points or (10, 10), submitted=points is not None)
        applications[name] = application
    return {"cycle": cycle, "rubric": rubric, "reviewers": reviewers, "applications": applications}


def by_city(stats) -> dict:
    return {s.application.city.full_name: s for s in stats}


def test_statistics_equal_hand_computed_values(scored_cycle):
    cycle, apps = scored_cycle["cycle"], scored_cycle["applications"]
    stats = by_city(cycle_statistics(cycle, list(apps.values()), objective={}))

    figures = {name: (s.mean, s.median, s.trimmed_mean, s.std_dev, s.spread, len(s.totals))
               for name, s in stats.items()}
    assert figures == {
        # sorted 60 75 80 85 90: mean 390/5; trimmed (75+80+85)/3; pstdev √(530/5) = √106 = 10.2956
        "大连市": (D("78.00"), D("80.00"), D("80.00"), D("10.30"), D("30.00"), 5),
        # sorted 68 69 70 71 72: pstdev √(10/5) = 1.4142
        "沈阳市": (D("70.00"), D("70.00"), D("70.00"), D("1.41"), D("4.00"), 5),
        # sorted 50 52 55 58 65: mean 280/5; trimmed 165/3; pstdev √(138/5) = √27.6 = 5.2536
        "抚顺市": (D("56.00"), D("55.00"), D("55.00"), D("5.25"), D("15.00"), 5),
        # sorted 58 59 60 61 62
        "本溪市": (D("60.00"), D("60.00"), D("60.00"), D("1.41"), D("4.00"), 5),
        # sorted 40 70 70 70 95: mean 345/5; trimmed 210/3; pstdev √(1520/5) = √304 = 17.4356
        "昆山市": (D("69.00"), D("70.00"), D("70.00"), D("17.44"), D("55.00"), 5),
        # four reviews 62 64 66 76: median (64+66)/2; nothing dropped, so trimmed = mean 268/4;
        # pstdev √(116/4) = √29 = 5.3852
        "天津市西青区": (D("67.00"), D("65.00"), D("67.00"), D("5.39"), D("14.00"), 4),
    }


def test_outliers_final_scores_ranks_and_suggestions(scored_cycle):
    cycle, apps = scored_cycle["cycle"], scored_cycle["applications"]
    r = [u.pk for u in scored_cycle["reviewers"]]
    stats = cycle_statistics(cycle, list(apps.values()), objective={})

    # In rank order (ties by city code). Outliers: further than 15 points from the mean —
    # 大连 60 vs 78 (18); 昆山 40 vs 69 (29) and 95 vs 69 (26). Suggestion: < 60 reject, > 70 approve.
    assert [(s.application.city.full_name, s.final, s.rank, s.level_group, s.level_rank, s.outliers, s.suggestion)
            for s in stats] == [
        ("大连市", D("80.00"), 1, "sub_provincial", 1, [r[3]], "approve"),
        ("沈阳市", D("70.00"), 2, "sub_provincial", 2, [], "discuss"),
        ("昆山市", D("70.00"), 2, "county", 1, sorted([r[3], r[4]]), "discuss"),
        ("天津市西青区", D("67.00"), 4, "county", 2, [], "discuss"),
        ("本溪市", D("60.00"), 5, "prefecture", 1, [], "discuss"),
        ("抚顺市", D("55.00"), 6, "prefecture", 2, [], "reject"),
    ]
    assert by_city(stats)["大连市"].totals == {r[0]: D(80), r[1]: D(75), r[2]: D(90), r[3]: D(60), r[4]: D(85)}
    assert by_city(stats)["天津市西青区"].totals == {r[0]: D(62), r[1]: D(64), r[2]: D(66), r[3]: D(76)}


def test_the_rubric_chooses_which_figure_counts(scored_cycle):
    cycle, apps = scored_cycle["cycle"], scored_cycle["applications"]
    Rubric.objects.filter(pk=scored_cycle["rubric"].pk).update(aggregate=Aggregate.MEAN)
    cycle = Cycle.objects.get(pk=cycle.pk)  # without the cached rubric
    stats = cycle_statistics(cycle, list(apps.values()), objective={})

    assert [(s.application.city.full_name, s.final, s.rank, s.suggestion) for s in stats] == [
        ("大连市", D("78.00"), 1, "approve"),
        ("沈阳市", D("70.00"), 2, "discuss"),
        ("昆山市", D("69.00"), 3, "discuss"),
        ("天津市西青区", D("67.00"), 4, "discuss"),
        ("本溪市", D("60.00"), 5, "discuss"),
        ("抚顺市", D("56.00"), 6, "reject"),
    ]


def objective_20_subjective_30(cycle) -> Criterion:
    """A rubric of one objective criterion (20) and one subjective (30); returns the subjective one."""
    rubric = Rubric.objects.create(cycle=cycle, title="客观 20 + 主观 30")
    Criterion.objects.create(rubric=rubric, level=1, position=1, code="1", name="客观实力", max_points=D(20),
                             kind=CriterionKind.OBJECTIVE)
    return Criterion.objects.create(rubric=rubric, level=1, position=2, code="2", name="工作成效",
                                    max_points=D(30), kind=CriterionKind.SUBJECTIVE)


def test_final_score_adds_the_objective_part_on_a_100_point_scale(db, national_admin):
    cycle = cycle_services.create_cycle(kind=CycleKind.DEMONSTRATION, year=2026, by=national_admin)
    subjective = objective_20_subjective_30(cycle)
    city = CityFactory(code="210400", name="抚顺市", full_name="抚顺市")
    application = Application.objects.create(cycle=cycle, city=city, state=ApplicationState.UNDER_REVIEW, round=1)
    for n, points in enumerate([20, 22, 24, 26, 28], start=1):
        assignment = Assignment.objects.create(application=application, due_date=DUE,
                                               reviewer=user_with_role(Role.REVIEWER, username=f"obj{n}"),
                                               status=AssignmentStatus.SUBMITTED)
        score_review(assignment, [subjective], [points], submitted=True)

    [stats] = cycle_statistics(cycle, [application], objective={application.pk: D("15.00")})

    # trimmed mean (22+24+26)/3 = 24; final (15 + 24) / 50 × 100 = 78
    assert (stats.objective, stats.trimmed_mean, stats.final, stats.rank, stats.suggestion) == (
        D("15.00"), D("24.00"), D("78.00"), 1, "approve")


def test_no_final_score_from_the_objective_part_alone_before_any_expert_has_scored(db, national_admin):
    """DESIGN.md §4 / S1 四(二)3: the suggested outcome follows the experts' scores; objective points alone (15 of
    50 here) would read as a verdict of 30/100 "reject" before anyone reviewed. An objective-only rubric still
    has its final score."""
    cycle = cycle_services.create_cycle(kind=CycleKind.STRONG_CITY, year=2026, by=national_admin)
    subjective = objective_20_subjective_30(cycle)
    application = Application.objects.create(cycle=cycle, city=CityFactory(code="320400"),
                                             state=ApplicationState.UNDER_REVIEW, round=1)

    [stats] = cycle_statistics(cycle, [application], objective={application.pk: D("15.00")})
    assert (stats.objective, stats.counted, stats.final, stats.rank, stats.suggestion) == (
        D("15.00"), None, None, None, "")

    subjective.delete()
    cycle.rubric.refresh_from_db()
    [stats] = cycle_statistics(cycle, [application], objective={application.pk: D("15.00")})
    assert (stats.final, stats.rank) == (D("75.00"), 1)
