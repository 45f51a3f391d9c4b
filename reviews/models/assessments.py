from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reviews.enums import AssessmentKind, Grade


class AnnualAssessment(models.Model):
    """年度考核 or 专利实力状况评价 of a demonstration city for one year (S0 四)."""

    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, related_name="assessments",
                             verbose_name=_("city"))
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=16, choices=AssessmentKind.choices)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        ordering = ["city", "-year", "kind"]
        verbose_name = _("annual assessment")
        verbose_name_plural = _("annual assessments")
        constraints = [models.UniqueConstraint(fields=["city", "year", "kind"], name="assessment_unique",
                                               violation_error_message=_("This city already has an assessment of this"
                                                                         " kind for this year."))]

    def __str__(self) -> str:
        return f"{self.city} {self.year} {self.get_kind_display()}"
