"""Every list endpoint of the review API makes as many queries for 20 rows as for one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cities.enums import Role
from evaluations.enums import ApplicationState, CycleKind, CycleStatus
from evaluations.models import Application, Cycle
from reviews.enums import AssessmentKind, AssignmentStatus, CriterionKind, DecisionEffect, Outcome
from reviews.models import AnnualAssessment, Assignment, Criterion, Decision, Review, ReviewerProfile, Rubric, Score
from tests.api.utils import api_queries, token_client
from tests.factories import CityFactory, DesignationFactory, ProvinceFactory, user_with_role

DUE = dt.date(2099, 12, 31)


@pytest.fixture
def people(db):
    return {"national": user_with_role(Role.NATIONAL_ADMIN, username="q_national"),
            "reviewer": user_with_role(Role.REVIEWER, username="q_expert"),
            "province": ProvinceFactory(code="210000", name="辽宁省")}


def _cycle(n: int, **extra) -> Cycle:
    return Cycle.objects.create(kind=CycleKind.PILOT, year=2040 + n, title=f"第{n}批", data_year=2039 + n,
                                status=CycleStatus.OPEN, city_deadline=dt.date(2040, 3, 31),
                                province_deadline=dt.date(2040, 4, 30), **extra)


def _rubric(cycle: Cycle) -> Rubric:
    rubric = Rubric.objects.create(cycle=cycle, title="指标")
    Criterion.objects.bulk_create([Criterion(rubric=rubric, level=1, position=p, code=str(p), name=f"指标{p}",
                                             max_points=Decimal(50), kind=CriterionKind.SUBJECTIVE) for p in (1, 2)])
    return rubric


def _review(people, n: int) -> Review:
    """An application of a new city in a new cycle with a rubric, the reviewer's scored review of it."""
    cycle = _cycle(n)
    rubric = _rubric(cycle)
    city = CityFactory(code=f"21{n:04d}", province=people["province"])
    application = Application.objects.create(cycle=cycle, city=city, state=ApplicationState.UNDER_REVIEW, round=1)
    assignment = Assignment.objects.create(application=application, reviewer=people["reviewer"], due_date=DUE,
                                           status=AssignmentStatus.OPENED)
    review = Review.objects.create(assignment=assignment)
    Score.objects.bulk_create([Score(review=review, criterion=c, max_points=c.max_points, points=Decimal(40))
                               for c in rubric.criteria.all()])
    return review


def _decision(people, n: int) -> Decision:
    cycle = _cycle(n, results_published_at=timezone.now())
    city = CityFactory(code=f"21{n:04d}", province=people["province"])
    application = Application.objects.create(cycle=cycle, city=city, state=ApplicationState.APPROVED, round=1)
    return Decision.objects.create(application=application, outcome=Outcome.APPROVED, rationale="通过",
                                   effect=DecisionEffect.GRANTED, designation=DesignationFactory(city=city),
                                   decided_by=people["national"])


def _assessment(people, n: int) -> None:
    AnnualAssessment.objects.create(city=CityFactory(code=f"21{n:04d}", province=people["province"]), year=2020,
                                    kind=AssessmentKind.ANNUAL, score=Decimal(80), recorded_by=people["national"])


def _profile(people, n: int) -> None:
    user = user_with_role(Role.REVIEWER, username=f"q_expert{n}")
    if n % 2:
        ReviewerProfile.objects.create(user=user, expertise=["专利"], province=people["province"], employer="大学")


LISTS = [
    ("/api/v1/rubrics/", "national", lambda people, n: _rubric(_cycle(n))),
    ("/api/v1/rubrics/", "reviewer", _review),
    ("/api/v1/assignments/", "national", _review),
    ("/api/v1/assignments/", "reviewer", _review),
    ("/api/v1/reviews/", "national", _review),
    ("/api/v1/reviews/", "reviewer", _review),
    ("/api/v1/results/", "reviewer", _decision),
    ("/api/v1/decisions/", "national", _decision),
    ("/api/v1/assessments/", "national", _assessment),
    ("/api/v1/reviewer-profiles/", "national", _profile),
]


@pytest.mark.parametrize(("url", "role", "add"), LISTS, ids=[f"{url}-{role}" for url, role, _add in LISTS])
def test_list_query_count_does_not_grow(people, url, role, add):
    client = token_client(people[role])
    add(people, 1)
    one, response = api_queries(client, url)
    assert response.json()["count"] >= 1
    for n in range(2, 21):
        add(people, n)
    twenty, response = api_queries(client, url)
    assert response.json()["count"] >= 20
    assert twenty == one, (url, one, twenty)
