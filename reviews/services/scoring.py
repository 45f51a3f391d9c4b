"""A reviewer's scoring of one application: open, save a draft, submit (which locks), and national staff's
reopening (DESIGN.md §4).

Blindness: nothing here reads another reviewer's review. The audit entries of a draft save carry no points
and that of a submission only the total, so the activity log tells nobody's scores criterion by criterion.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities import audit
from cities.notifications import notify
from cities.services import require
from evaluations.enums import ApplicationState
from reviews.enums import AssignmentStatus, CriterionKind, Recommendation
from reviews.models import Assignment, Criterion, Review, Score
from reviews.objective import scored_snapshot

CENT = Decimal("0.01")
# Recommendations a submitted review must make (UNDECIDED is the draft's default).
SUBMITTED_RECOMMENDATIONS = frozenset({Recommendation.APPROVE, Recommendation.REJECT})

audit.register_actions({
    "review.open": gettext_lazy("Opened a review"),
    "review.save": gettext_lazy("Saved a review draft"),
    "review.submit": gettext_lazy("Submitted a review"),
    "review.reopen": gettext_lazy("Reopened a review"),
})


def subjective_leaves(rubric_id: int) -> list[Criterion]:
    """The subjective criteria without children of a rubric, in rubric order. One query."""
    criteria = list(Criterion.objects.filter(rubric_id=rubric_id).order_by("position"))
    parents = {c.parent_id for c in criteria if c.parent_id is not None}
    return [c for c in criteria if c.kind == CriterionKind.SUBJECTIVE and c.pk not in parents]


def _require_reviewer(review_or_assignment, by) -> None:
    if by is None or not by.has_perm("reviews.score_review", review_or_assignment):
        raise PermissionDenied(_("Only the assigned reviewer may score this application."))


def _require_under_review(application) -> None:
    if application.state != ApplicationState.UNDER_REVIEW:
        raise ValidationError(_("The expert review of this application has ended or has not started."),
                              code="not_under_review")


def _lock(review: Review) -> Review:
    """The review row locked for this transaction, with its assignment and application."""
    return (Review.objects.select_for_update(of=("self",)).select_related("assignment__application__cycle")
            .get(pk=review.pk))


def _locked_check(review: Review) -> None:
    if review.is_submitted:
        raise ValidationError(_("This review was submitted and is locked."), code="locked")


def open_review(assignment: Assignment, *, by) -> Review:
    """The reviewer's review of ``assignment``, created on first opening: bound to the scored snapshot, with
    one empty score per subjective criterion. Opening again returns the same review (and adds the score of
    a criterion added to the rubric since, while the review is a draft)."""
    _require_reviewer(assignment, by)
    existing = Review.objects.filter(assignment=assignment).first()
    if existing is not None and existing.is_submitted:
        return existing  # locked: nothing to add
    with transaction.atomic():
        assignment = (Assignment.objects.select_for_update(of=("self",)).select_related("application__cycle__rubric")
                      .get(pk=assignment.pk))
        review = Review.objects.filter(assignment=assignment).first()
        if review is None:
            if assignment.status != AssignmentStatus.OPENED:
                raise ValidationError(_("Declare that you have no conflict of interest before the application "
                                        "opens to you."), code="not_declared")
            application = assignment.application
            _require_under_review(application)
            if not hasattr(application.cycle, "rubric"):
                raise ValidationError(_("The cycle has no rubric yet."), code="no_rubric")
            snapshot = scored_snapshot(application)
            if snapshot is None:
                raise ValidationError(_("The application has no submitted version to score."), code="no_snapshot")
            review = Review.objects.create(assignment=assignment, snapshot=snapshot)
            audit.record(actor=by, action="review.open", obj=review, data={"snapshot": snapshot.pk})
        if not review.is_submitted:
            rubric_id = assignment.application.cycle.rubric.pk
            have = set(review.scores.values_list("criterion_id", flat=True))
            Score.objects.bulk_create([Score(review=review, criterion=c, max_points=c.max_points)
                                       for c in subjective_leaves(rubric_id) if c.pk not in have])
    return review


def _points(raw, criterion: Criterion, maximum: Decimal, errors: list[str]) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        points = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        errors.append(_("“%(criterion)s”: enter a number.") % {"criterion": criterion})
        return None
    if not points.is_finite():
        errors.append(_("“%(criterion)s”: enter a number.") % {"criterion": criterion})
    elif points < 0:
        errors.append(_("“%(criterion)s”: points cannot be negative.") % {"criterion": criterion})
    elif points > maximum:
        errors.append(_("“%(criterion)s”: at most %(max)s points.") % {"criterion": criterion, "max": maximum})
    elif points != points.quantize(CENT):
        errors.append(_("“%(criterion)s”: at most two decimal places.") % {"criterion": criterion})
    else:
        return points.quantize(CENT)
    return None


def save_scores(review: Review, *, scores: dict[int, tuple[Decimal | None, str]], opinion: str,
                recommendation: str, by) -> Review:
    """Save a draft: ``scores`` maps criterion id → (points or None, comment). Refused once submitted."""
    _require_reviewer(review, by)
    with transaction.atomic():
        review = _lock(review)
        _locked_check(review)
        _require_under_review(review.assignment.application)
        rows = {s.criterion_id: s for s in review.scores.select_related("criterion")}
        errors = []
        unknown = sorted(set(scores) - set(rows))
        if unknown:
            errors.append(_("These criteria are not scored by reviewers: %(ids)s.")
                          % {"ids": ", ".join(str(pk) for pk in unknown)})
        if recommendation not in Recommendation.values:
            errors.append(_("Choose a recommendation."))
        changed = []
        for criterion_id, (raw, comment) in scores.items():
            row = rows.get(criterion_id)
            if row is None:
                continue
            row.points = _points(raw, row.criterion, row.max_points, errors)
            row.comment = (comment or "").strip()
            changed.append(row)
        if errors:
            raise ValidationError(errors)
        Score.objects.bulk_update(changed, ["points", "comment"])
        review.opinion = (opinion or "").strip()
        review.recommendation = recommendation
        review.save(update_fields=["opinion", "recommendation", "updated_at"])
        everything = list(rows.values())
        audit.record(actor=by, action="review.save", obj=review, data={
            "scored": sum(1 for s in everything if s.points is not None),
            "commented": sum(1 for s in everything if s.comment), "criteria": len(everything)})
    return review


def missing_for_submit(review: Review) -> list[str]:
    """What the reviewer must still do before submitting, one message each."""
    missing = []
    for score in review.scores.select_related("criterion").order_by("criterion__position"):
        if score.points is None:
            missing.append(_("“%(criterion)s” is not scored.") % {"criterion": score.criterion})
        if not score.comment.strip():
            missing.append(_("“%(criterion)s” has no comment.") % {"criterion": score.criterion})
    if not review.opinion.strip():
        missing.append(_("Write an overall opinion."))
    if review.recommendation not in SUBMITTED_RECOMMENDATIONS:
        missing.append(_("Recommend approval or rejection."))
    return missing


def submit_review(review: Review, *, by) -> Review:
    """Submit: every subjective criterion scored and commented, an opinion and a recommendation. Locks it."""
    _require_reviewer(review, by)
    with transaction.atomic():
        review = _lock(review)
        _locked_check(review)
        _require_under_review(review.assignment.application)
        missing = missing_for_submit(review)
        if missing:
            raise ValidationError(missing)
        total = sum((s.points for s in review.scores.all()), Decimal("0.00"))
        review.submitted_at = timezone.now()
        review.save(update_fields=["submitted_at", "updated_at"])
        assignment = review.assignment
        before = assignment.status
        assignment.status = AssignmentStatus.SUBMITTED
        assignment.save(update_fields=["status"])
        audit.record(actor=by, action="review.submit", obj=review, from_state=before, to_state=assignment.status,
                     data={"total": str(total)})
    return review


def reopen_review(review: Review, *, reason: str, by) -> Review:
    """National staff reopen a submitted review with a reason; the reviewer is told and may change it."""
    require(by, "reviews.reopen_review", review)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for reopening the review."), code="reason")
    with transaction.atomic():
        review = _lock(review)
        if not review.is_submitted:
            raise ValidationError(_("This review has not been submitted; there is nothing to reopen."),
                                  code="not_submitted")
        application = review.assignment.application
        _require_under_review(application)
        review.submitted_at = None
        review.reopened_reason = reason
        review.save(update_fields=["submitted_at", "reopened_reason", "updated_at"])
        assignment = review.assignment
        before = assignment.status
        assignment.status = AssignmentStatus.OPENED
        assignment.save(update_fields=["status"])
        audit.record(actor=by, action="review.reopen", obj=review, from_state=before, to_state=assignment.status,
                     reason=reason)
        reviewer = assignment.reviewer
        title = _("Your review of %(city)s · %(cycle)s was reopened") % {
            "city": application.city.full_name, "cycle": application.cycle.title}
        url = reverse("review_score", args=[assignment.pk])
        transaction.on_commit(lambda: notify([reviewer], title=title, body=reason, url=url))
    return review
