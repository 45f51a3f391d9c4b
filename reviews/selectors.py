"""Reads of the review, scoped to the user. A reviewer sees only their own assignments and, once they have
declared no conflict, the application; never another reviewer's scores before submitting their own and
before the review phase ends."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cities.enums import Role
from evaluations.enums import OUTCOME_STATES, ApplicationState
from evaluations.models import Application
from reviews.enums import AssignmentStatus
from reviews.models import AnnualAssessment, Assignment, Decision, Review, Rubric

OPENED_STATUSES = (AssignmentStatus.OPENED, AssignmentStatus.SUBMITTED)


def _is_national(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.has_role(Role.NATIONAL_ADMIN)


def assignments_of(user) -> QuerySet[Assignment]:
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.REVIEWER):
        return Assignment.objects.none()
    return Assignment.objects.filter(reviewer=user).select_related("application__cycle", "application__city__province")


def assignments_visible_to(user) -> QuerySet[Assignment]:
    """National staff see every assignment; a reviewer their own."""
    if _is_national(user):
        return Assignment.objects.select_related("application__cycle", "application__city__province")
    return assignments_of(user)


def rubrics_visible_to(user) -> QuerySet[Rubric]:
    """National staff see every rubric; a reviewer those of the cycles where an application opened to them."""
    rubrics = Rubric.objects.select_related("cycle")
    if _is_national(user):
        return rubrics
    opened = assignments_of(user).filter(status__in=OPENED_STATUSES)
    return rubrics.filter(cycle_id__in=opened.values("application__cycle_id"))


def decisions_visible_to(user) -> QuerySet[Decision]:
    """Decisions with their rationale: national staff only."""
    decisions = Decision.objects.select_related("application__cycle", "application__city__province", "designation",
                                                "decided_by")
    return decisions if _is_national(user) else decisions.none()


def assessments_visible_to(user) -> QuerySet[AnnualAssessment]:
    """Annual assessments are kept by national staff (reviewers see a city's on the scoring page)."""
    records = AnnualAssessment.objects.select_related("city__province", "recorded_by")
    return records if _is_national(user) else records.none()


def reviewer_application_scope(user) -> Q | None:
    """Applications a reviewer may open: assigned, no conflict declared (for evaluations.selectors.EXTRA_SCOPES)."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.REVIEWER):
        return None
    opened = Assignment.objects.filter(reviewer=user, status__in=OPENED_STATUSES)
    return Q(pk__in=opened.values("application_id"))


def reviews_visible_to(user) -> QuerySet[Review]:
    """National staff see every review; a reviewer their own."""
    reviews = Review.objects.select_related("assignment__reviewer", "assignment__application__city")
    if not getattr(user, "is_authenticated", False):
        return reviews.none()
    if _is_national(user):
        return reviews
    return reviews.filter(assignment__reviewer=user)


# Applications that take part in a cycle's ranking: accepted into review, shortlisted or decided.
RANKED_STATES = frozenset({ApplicationState.UNDER_REVIEW, ApplicationState.SHORTLISTED, *OUTCOME_STATES})


def ranked_applications(cycle) -> QuerySet[Application]:
    """For national staff's ranking, decisions and reports (callers check the permission)."""
    return (Application.objects.filter(cycle=cycle, state__in=RANKED_STATES)
            .select_related("cycle", "city__province", "decision__designation").order_by("city__code"))
