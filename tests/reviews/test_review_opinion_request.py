"""The "生成评审意见表" button: on the expert's own scoring page once the review is submitted and on national staff's
list of an application's reviews; it posts the assignment's id (the one in the scoring page's URL) and queues the
opinion form of that review."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cities.enums import Role
from evaluations.enums import ApplicationState, CycleKind, CycleStatus
from evaluations.models import Application, Cycle
from reviews.enums import AssignmentStatus, CriterionKind, FileStatus, Recommendation, ReportKind
from reviews.models import Assignment, Criterion, GeneratedFile, Review, Rubric, Score
from tests.factories import user_with_role

BUTTON = "生成评审意见表"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reviewed(fushun_city):
    """抚顺's application under review; 甲 has submitted, 乙 holds a draft. An earlier assignment without a review
    makes every review's id differ from its assignment's."""
    cycle = Cycle.objects.create(kind=CycleKind.DEMONSTRATION, year=2026, title="2026年度示范城市评定",
                                 status=CycleStatus.CLOSED, city_deadline=dt.date(2026, 8, 31),
                                 province_deadline=dt.date(2026, 9, 15), data_year=2025)
    rubric = Rubric.objects.create(cycle=cycle, title="评审指标")
    criterion = Criterion.objects.create(rubric=rubric, level=1, position=1, code="1", name="工作方案",
                                         max_points=Decimal(100), kind=CriterionKind.SUBJECTIVE)
    application = Application.objects.create(cycle=cycle, city=fushun_city, state=ApplicationState.UNDER_REVIEW)
    Assignment.objects.create(application=application, reviewer=user_with_role(Role.REVIEWER, username="opinion_c"),
                              status=AssignmentStatus.CONFLICT, due_date=dt.date(2026, 11, 30))
    reviews = {}
    for username, submitted in (("opinion_a", True), ("opinion_b", False)):
        expert = user_with_role(Role.REVIEWER, username=username)
        assignment = Assignment.objects.create(
            application=application, reviewer=expert, due_date=dt.date(2026, 11, 30),
            status=AssignmentStatus.SUBMITTED if submitted else AssignmentStatus.OPENED)
        review = Review.objects.create(assignment=assignment, opinion="总体较好", recommendation=Recommendation.APPROVE,
                                       submitted_at=dt.datetime(2026, 11, 18, 7, 0, tzinfo=dt.timezone.utc)
                                       if submitted else None)
        Score.objects.create(review=review, criterion=criterion, max_points=criterion.max_points, points=Decimal(80),
                             comment="方案可行")
        reviews[username] = review
    assert all(review.pk != review.assignment_id for review in reviews.values())
    return application, reviews["opinion_a"], reviews["opinion_b"]


def opinion_url(review: Review) -> str:
    return reverse("review_opinion_request", args=[review.assignment_id])


def buttons(response) -> list[str]:
    """The actions of the opinion-form buttons on the page."""
    html = response.content.decode()
    return [url for url in (opinion_url(r) for r in Review.objects.all()) if f'action="{url}"' in html]


def test_expert_sees_the_button_on_their_submitted_review_only(client, reviewed):
    _application, submitted, draft = reviewed

    client.force_login(submitted.assignment.reviewer)
    page = client.get(reverse("review_score", args=[submitted.assignment_id]))
    assert page.status_code == 200
    assert buttons(page) == [opinion_url(submitted)]
    assert BUTTON in page.content.decode()

    client.force_login(draft.assignment.reviewer)
    page = client.get(reverse("review_score", args=[draft.assignment_id]))
    assert page.status_code == 200
    assert buttons(page) == []
    assert BUTTON not in page.content.decode()


def test_national_staff_see_the_button_of_each_submitted_review_on_the_review_list(client, reviewed, national_admin):
    application, submitted, _draft = reviewed
    client.force_login(national_admin)

    page = client.get(reverse("review_list", args=[application.pk]))

    assert page.status_code == 200
    assert buttons(page) == [opinion_url(submitted)]


def test_expert_post_queues_the_form_of_the_review_in_the_url(client, reviewed, django_capture_on_commit_callbacks):
    _application, submitted, _draft = reviewed
    client.force_login(submitted.assignment.reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(opinion_url(submitted))

    generated = GeneratedFile.objects.get()
    assert (generated.kind, generated.object_id, generated.requested_by) == (
        ReportKind.REVIEW_PDF, submitted.pk, submitted.assignment.reviewer)
    assert response.status_code == 302
    assert response["Location"] == reverse("report_status", args=[generated.pk])
    generated.refresh_from_db()
    assert generated.status == FileStatus.READY  # made by the eager task
    assert generated.filename == f"专家评审意见表-抚顺市-{submitted.assignment.reviewer}.pdf"


def test_national_post_queues_any_review(client, reviewed, national_admin):
    _application, submitted, _draft = reviewed
    client.force_login(national_admin)

    response = client.post(opinion_url(submitted))

    generated = GeneratedFile.objects.get()
    assert (generated.kind, generated.object_id, generated.requested_by) == (
        ReportKind.REVIEW_PDF, submitted.pk, national_admin)
    assert response["Location"] == reverse("report_status", args=[generated.pk])


def test_a_draft_review_has_no_form_yet(client, reviewed):
    _application, _submitted, draft = reviewed
    client.force_login(draft.assignment.reviewer)

    response = client.post(opinion_url(draft), {"next": reverse("review_score", args=[draft.assignment_id])},
                           follow=True)

    assert [str(m) for m in response.context["messages"]] == ["评审意见提交后方可生成专家评审意见表。"]
    assert GeneratedFile.objects.count() == 0


@pytest.mark.parametrize("persona", ["other_expert", "fushun_officer", "liaoning_staff", "audit_admin"])
def test_others_get_404_and_nothing_is_queued(client, reviewed, persona, request):
    _application, submitted, _draft = reviewed
    user = (user_with_role(Role.REVIEWER, username="opinion_d") if persona == "other_expert"
            else request.getfixturevalue(persona))
    client.force_login(user)

    assert client.post(opinion_url(submitted)).status_code == 404
    assert client.get(opinion_url(submitted)).status_code == 405
    assert GeneratedFile.objects.count() == 0
