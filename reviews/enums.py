"""Kinds and states of the expert review (DESIGN.md §4)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CriterionKind(models.TextChoices):
    OBJECTIVE = "objective", _("Objective (computed from submitted data)")
    SUBJECTIVE = "subjective", _("Subjective (scored by reviewers)")


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher", _("Higher is better")
    LOWER_IS_BETTER = "lower", _("Lower is better (reverse indicator)")


class Formula(models.TextChoices):
    """How an objective criterion turns an indicator value into points (see reviews/formulas.py)."""

    LINEAR_TO_BENCHMARK = "linear", _("Linear up to a benchmark value")
    RELATIVE_TO_BEST = "relative", _("Relative to the best applicant of the cycle")
    THRESHOLD_BANDS = "bands", _("Threshold bands")


class Aggregate(models.TextChoices):
    MEAN = "mean", _("Mean")
    MEDIAN = "median", _("Median")
    TRIMMED_MEAN = "trimmed", _("Trimmed mean (highest and lowest dropped with 5 or more reviews)")


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    OPENED = "opened", _("No conflict declared")
    CONFLICT = "conflict", _("Conflict declared")
    SUBMITTED = "submitted", _("Submitted")


ACTIVE_ASSIGNMENT_STATUSES = frozenset({AssignmentStatus.ASSIGNED, AssignmentStatus.OPENED,
                                        AssignmentStatus.SUBMITTED})


class Recommendation(models.TextChoices):
    APPROVE = "approve", _("Recommend approval")
    REJECT = "reject", _("Recommend rejection")
    UNDECIDED = "undecided", _("No recommendation")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    # S1 三(二)1: a city that no longer meets 《办法》第十八条 loses its demonstration status.
    TITLE_CANCELLED = "title_cancelled", _("Demonstration status cancelled (Article 18)")
    # A city due for re-review that never submitted; recorded when the cycle's results are published.
    NOT_SUBMITTED = "not_submitted", _("Did not apply for re-review in time")


class DecisionEffect(models.TextChoices):
    """What a decision did to the city's title: the one fact every published label is derived from."""

    NONE = "none", _("No change to the title")
    GRANTED = "granted", _("Title granted")
    RENEWED = "renewed", _("New term")
    RECTIFICATION = "rectification", _("Rectification within one year")
    REVOKED = "revoked", _("Title revoked")
    CANCELLED = "cancelled", _("Demonstration status cancelled")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")


class AssessmentKind(models.TextChoices):
    ANNUAL = "annual", _("Annual assessment")
    PATENT_STRENGTH = "patent_strength", _("Patent-strength evaluation")


class FileStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being generated")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ReportKind(models.TextChoices):
    CYCLE_XLSX = "cycle_xlsx", _("Cycle scoring report (Excel)")
    CYCLE_PDF = "cycle_pdf", _("Cycle scoring summary (PDF)")
    REVIEW_PDF = "review_pdf", _("Expert review opinion form (PDF)")
    APPLICATION_SUMMARY_PDF = "summary_pdf", _("Summary of all reviews (PDF)")
    DOSSIER_ZIP = "dossier_zip", _("Application dossier (ZIP)")
