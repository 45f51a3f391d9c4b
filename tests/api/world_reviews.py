"""What the expert review adds to the permission matrix's world (tests/api/world.py).

Its own cycles, so that it does not depend on what the evaluations builder leaves in review:

- ``review_cycle`` (demonstration): ``fushun_review_app`` and ``yangjiang_review_app`` under review, with
  the frozen ``review_rubric`` (two subjective criteria, 60 + 40). ``expert`` has opened the 抚顺 application
  and holds a complete draft ``expert_review`` (so it can be saved and submitted); ``expert_other`` has
  submitted ``other_review`` of 阳江 (so 阳江 can be decided and the review reopened) and has a new
  assignment ``other_new_assignment`` on 抚顺 (to declare on, withdraw or reassign to ``expert_spare``, whose
  account is locked after five failed sign-ins).
- ``decided_cycle`` (pilot): 抚顺 approved (``decision``), not published; it holds the unfrozen
  ``draft_rubric`` with ``draft_criterion``.
- ``published_cycle`` (pilot): 阳江 approved and published; no rubric (to create or copy one into).
- ``assessment`` of 抚顺, ``report`` (an opinion form of ``other_review`` being made) and ``ready_report`` (the
  same form, made and stored, ready to download).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from axes.models import AccessAttempt
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from cities.enums import Role
from evaluations.enums import ApplicationState, CycleKind, CycleStatus, SnapshotKind
from evaluations.models import Application, Cycle, Snapshot
from reviews.enums import (AssessmentKind, AssignmentStatus, CriterionKind, DecisionEffect, FileStatus, Outcome,
                           Recommendation, ReportKind)
from reviews.models import AnnualAssessment, Assignment, Criterion, Decision, GeneratedFile, Review, Rubric, Score
from tests.factories import user_with_role

DUE = dt.date(2099, 12, 31)
READY_REPORT = "reports/matrix/review.pdf"


def _cycle(kind: str, year: int, **extra) -> Cycle:
    return Cycle.objects.create(kind=kind, year=year, title=f"{year}年度{CycleKind(kind).label}", data_year=year - 1,
                                status=CycleStatus.OPEN, city_deadline=dt.date(year, 3, 31),
                                province_deadline=dt.date(year, 4, 30), **extra)


def _application(cycle: Cycle, city, state=ApplicationState.UNDER_REVIEW) -> Application:
    application = Application.objects.create(cycle=cycle, city=city, state=state, round=1)
    Snapshot.objects.create(application=application, round=1, kind=SnapshotKind.SUBMIT, data={}, created_by=None)
    return application


def _review(application, reviewer, criteria, *, submitted: bool) -> Review:
    status = AssignmentStatus.SUBMITTED if submitted else AssignmentStatus.OPENED
    assignment = Assignment.objects.create(application=application, reviewer=reviewer, status=status, due_date=DUE)
    review = Review.objects.create(assignment=assignment, snapshot=application.snapshots.first(), opinion="总体较好",
                                   recommendation=Recommendation.APPROVE,
                                   submitted_at=timezone.now() if submitted else None)
    Score.objects.bulk_create([Score(review=review, criterion=c, max_points=c.max_points, points=c.max_points - 10,
                                     comment="符合要求") for c in criteria])
    return review


def _decided(cycle: Cycle, city, designation, by, **extra) -> Decision:
    application = Application.objects.create(cycle=cycle, city=city, state=ApplicationState.APPROVED, round=1)
    return Decision.objects.create(application=application, outcome=Outcome.APPROVED, rationale="材料完整，成效明显",
                                   effect=DecisionEffect.GRANTED, designation=designation, decided_by=by, **extra)


def build(world: dict) -> None:
    national = world["national"]
    world["expert_spare"] = user_with_role(Role.REVIEWER, username="m_expert3")
    # Locked out by five wrong passwords (django-axes' row), for the security administrator to unlock.
    AccessAttempt.objects.create(username="m_expert3", ip_address="10.0.0.9", user_agent="matrix", http_accept="*/*",
                                 path_info="/accounts/login/", get_data="", post_data="", failures_since_start=5)
    cycle = world["review_cycle"] = _cycle(CycleKind.DEMONSTRATION, 2036)
    rubric = world["review_rubric"] = Rubric.objects.create(cycle=cycle, title="评审指标", frozen_at=timezone.now(),
                                                            reviewers_per_application=2)
    criteria = [Criterion.objects.create(rubric=rubric, level=1, position=n, code=str(n), name=name,
                                         max_points=Decimal(points), kind=CriterionKind.SUBJECTIVE)
                for n, (name, points) in enumerate([("工作方案", 60), ("工作成效", 40)], start=1)]
    world["review_criterion"] = criteria[0]
    fushun = world["fushun_review_app"] = _application(cycle, world["fushun_city"])
    yangjiang = world["yangjiang_review_app"] = _application(cycle, world["yangjiang_city"])
    world["expert_review"] = _review(fushun, world["expert"], criteria, submitted=False)
    world["expert_assignment"] = world["expert_review"].assignment
    world["other_review"] = _review(yangjiang, world["expert_other"], criteria, submitted=True)
    world["other_new_assignment"] = Assignment.objects.create(application=fushun, reviewer=world["expert_other"],
                                                              due_date=DUE)

    decided = world["decided_cycle"] = _cycle(CycleKind.PILOT, 2035)
    world["decision"] = _decided(decided, world["fushun_city"], world["fushun_designation"], national)
    draft = world["draft_rubric"] = Rubric.objects.create(cycle=decided, title="草拟指标")
    world["draft_criterion"] = Criterion.objects.create(rubric=draft, level=1, position=1, code="1", name="工作方案",
                                                        max_points=Decimal(100), kind=CriterionKind.SUBJECTIVE)
    published = world["published_cycle"] = _cycle(CycleKind.PILOT, 2034, results_published_at=timezone.now())
    world["published_decision"] = _decided(published, world["yangjiang_city"], world["yangjiang_designation"],
                                           national)

    world["assessment"] = AnnualAssessment.objects.create(city=world["fushun_city"], year=2024,
                                                          kind=AssessmentKind.ANNUAL, score=Decimal("88.5"),
                                                          recorded_by=national)
    world["report"] = GeneratedFile.objects.create(key=f"review_pdf:{world['other_review'].pk}:matrix",
                                                   kind=ReportKind.REVIEW_PDF, object_id=world["other_review"].pk,
                                                   requested_by=world["expert_other"])
    # One stored file under a fixed name, written once however many worlds are built.
    if not default_storage.exists(READY_REPORT):
        default_storage.save(READY_REPORT, ContentFile(b"%PDF-1.4\n%%EOF\n"))
    world["ready_report"] = GeneratedFile.objects.create(
        key=f"review_pdf:{world['other_review'].pk}:matrix-ready", kind=ReportKind.REVIEW_PDF,
        object_id=world["other_review"].pk, requested_by=world["expert_other"], status=FileStatus.READY, progress=100,
        file=READY_REPORT, filename="专家评审意见表.pdf", expires_at=timezone.now() + dt.timedelta(days=7))
