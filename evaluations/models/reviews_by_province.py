"""What the province records about an application: argumentation, measurement, veto, recommendation letter."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Argumentation(models.Model):
    """论证: the experts' view of a pilot theme and plan, organised by the province (S1 一(二)2)."""

    application = models.OneToOneField("evaluations.Application", on_delete=models.CASCADE,
                                       related_name="argumentation", verbose_name=_("application"),
                                       error_messages={"unique": _(
                                           "The expert argumentation of this application is already recorded.")})
    held_on = models.DateField(_("date"))
    experts = models.TextField(_("experts"))
    conclusion = models.TextField(_("conclusion"))
    record = models.ForeignKey("evaluations.Material", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("record"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("expert argumentation")
        verbose_name_plural = _("expert argumentations")


class Measurement(models.Model):
    """The province's measurement of the objective indicators of a demonstration applicant (S1 二(二)1)."""

    application = models.OneToOneField("evaluations.Application", on_delete=models.CASCADE,
                                       related_name="measurement", verbose_name=_("application"),
                                       error_messages={"unique": _(
                                           "The objective measurement of this application is already recorded.")})
    measured_on = models.DateField(_("measured on"))
    score = models.DecimalField(_("measured score"), max_digits=6, decimal_places=2)
    values = models.JSONField(_("measured values"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("objective measurement")
        verbose_name_plural = _("objective measurements")
        constraints = [models.CheckConstraint(condition=Q(score__gte=0, score__lte=100),
                                              name="measurement_score_range",
                                              violation_error_message=_("The measurement score must be between 0 and "
                                                                        "100."))]


class Veto(models.Model):
    """一票否决: grounds found in the city's subsidy policy (S1 五(一))."""

    application = models.OneToOneField("evaluations.Application", on_delete=models.CASCADE, related_name="veto",
                                       verbose_name=_("application"),
                                       error_messages={"unique": _(
                                           "A one-vote veto is already recorded for this application.")})
    grounds = models.JSONField(_("grounds"))
    finding = models.TextField(_("finding"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("one-vote veto")
        verbose_name_plural = _("one-vote vetoes")


class RecommendationLetter(models.Model):
    """推荐函: filled in the browser by the province, rendered to the PDF attached to the application."""

    application = models.OneToOneField("evaluations.Application", on_delete=models.CASCADE,
                                       related_name="recommendation", verbose_name=_("application"),
                                       error_messages={"unique": _(
                                           "The province has already recommended this application.")})
    materials_authentic = models.BooleanField(_("materials verified as authentic"))
    authenticity_conclusion = models.TextField(_("authenticity review conclusion"))
    measured_score = models.DecimalField(_("measured score"), max_digits=6, decimal_places=2, null=True, blank=True)
    opinion = models.TextField(_("recommendation opinion"))
    rank = models.PositiveSmallIntegerField(_("rank within the province"))
    signatory = models.CharField(_("issued by"), max_length=120)
    letter_date = models.DateField(_("date of the letter"))
    pdf = models.ForeignKey("evaluations.Material", on_delete=models.PROTECT, null=True, blank=True,
                            related_name="+", verbose_name=_("letter PDF"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("written by"))
    written_at = models.DateTimeField(_("written at"), auto_now=True)

    class Meta:
        verbose_name = _("recommendation letter")
        verbose_name_plural = _("recommendation letters")
        constraints = [
            models.CheckConstraint(condition=Q(measured_score__isnull=True) | Q(measured_score__gte=0, measured_score__lte=100),
                                   name="letter_score_range",
                                   violation_error_message=_("The measured score must be between 0 and 100.")),
            models.CheckConstraint(condition=Q(rank__gte=1), name="letter_rank_positive",
                                   violation_error_message=_("The rank must be 1 or more.")),
        ]
