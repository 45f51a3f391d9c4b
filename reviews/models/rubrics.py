from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reviews.enums import Aggregate, CriterionKind, Direction, Formula


class Rubric(models.Model):
    """The indicator system of one cycle: a tree of criteria, frozen when the review starts."""

    cycle = models.OneToOneField("evaluations.Cycle", on_delete=models.CASCADE, related_name="rubric",
                                 verbose_name=_("cycle"),
                                 error_messages={"unique": _("This cycle already has an indicator system.")})
    title = models.CharField(_("title"), max_length=200)
    aggregate = models.CharField(_("subjective score that counts"), max_length=10, choices=Aggregate.choices,
                                 default=Aggregate.TRIMMED_MEAN)
    reject_below = models.DecimalField(_("suggest rejection below"), max_digits=6, decimal_places=2,
                                       default=Decimal("60"))
    approve_above = models.DecimalField(_("suggest approval above"), max_digits=6, decimal_places=2,
                                        default=Decimal("70"))
    reviewers_per_application = models.PositiveSmallIntegerField(_("reviewers per application"), default=5)
    outlier_threshold = models.DecimalField(_("outlier when further from the mean than (points)"), max_digits=6,
                                            decimal_places=2, default=Decimal("15"))
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    copied_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("copied from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        constraints = [models.CheckConstraint(condition=Q(approve_above__gte=models.F("reject_below")),
                                              name="rubric_thresholds_order",
                                              violation_error_message=_("The score above which approval is "
                                                                        "recommended cannot be lower than the score "
                                                                        "below which rejection is recommended."))]

    def __str__(self) -> str:
        return self.title

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class Criterion(models.Model):
    """One criterion (一级 / 二级 / 三级). Leaves carry the points; parents sum their children."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("rubric"))
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children",
                               verbose_name=_("parent criterion"))
    level = models.PositiveSmallIntegerField(_("level"))
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2)
    kind = models.CharField(_("kind"), max_length=12, choices=CriterionKind.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices,
                                 default=Direction.HIGHER_IS_BETTER)
    guidance = models.TextField(_("guidance"), blank=True)
    indicator = models.ForeignKey("evaluations.Indicator", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("source indicator"))
    source_key = models.CharField(
        _("source value"), max_length=60, blank=True,
        help_text=_("For objective criteria without a table indicator: the key of a measured value."))
    derivation = models.JSONField(
        _("derived value"), default=dict, blank=True,
        help_text=_("For objective criteria whose value is computed from several inputs (a ratio of two table rows, "
                    "a growth, the mean of the term's annual assessments): see reviews/derivations.py."))
    formula = models.CharField(_("formula"), max_length=10, choices=Formula.choices, blank=True)
    formula_params = models.JSONField(_("formula parameters"), default=dict, blank=True)
    confirmed = models.BooleanField(
        _("confirmed"), default=False,
        help_text=_("Confirmed from 《评定示范城市指标体系》; unconfirmed rows are examples to be replaced."))

    class Meta:
        ordering = ["rubric", "position"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="criterion_code_unique",
                                    violation_error_message=_("This rubric already has a criterion with this code.")),
            models.UniqueConstraint(fields=["rubric", "position"], name="criterion_position_unique",
                                    violation_error_message=_("This rubric already has a criterion at this "
                                                              "position.")),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="criterion_max_positive",
                                   violation_error_message=_("The maximum points must be more than 0.")),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="criterion_level_range",
                                   violation_error_message=_("The level must be 1, 2 or 3.")),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
