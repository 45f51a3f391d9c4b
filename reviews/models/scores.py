from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from reviews.enums import Recommendation


class Review(models.Model):
    """One reviewer's scoring of one application. Locked once submitted, unless national staff reopen it."""

    assignment = models.OneToOneField("reviews.Assignment", on_delete=models.CASCADE, related_name="review",
                                      verbose_name=_("assignment"),
                                      error_messages={"unique": _("This assignment already has a review.")})
    snapshot = models.ForeignKey("evaluations.Snapshot", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("version scored"))
    opinion = models.TextField(_("overall opinion"), blank=True)
    recommendation = models.CharField(_("recommendation"), max_length=10, choices=Recommendation.choices,
                                      default=Recommendation.UNDECIDED)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reopened_reason = models.TextField(_("reason for reopening"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return str(self.assignment)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Score(models.Model):
    """Points for one subjective criterion. "Not scored" is NULL. The maximum is copied from the criterion so
    the database itself refuses points above it."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores", verbose_name=_("review"))
    criterion = models.ForeignKey("reviews.Criterion", on_delete=models.PROTECT, related_name="scores",
                                  verbose_name=_("criterion"))
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, null=True, blank=True)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["review", "criterion__position"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_unique",
                                    violation_error_message=_("This review already has a score for this criterion.")),
            models.CheckConstraint(condition=Q(points__isnull=True) | (Q(points__gte=0) & Q(points__lte=F("max_points"))),
                                   name="score_within_maximum",
                                   violation_error_message=_("The points must be between 0 and the criterion's "
                                                             "maximum.")),
        ]
