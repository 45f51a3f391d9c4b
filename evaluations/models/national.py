"""What the national administration records: strong-city site visits, fraud findings, criticisms."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evaluations.enums import CriticismTarget


class SiteVisit(models.Model):
    """Experts visit a strong-city applicant and give their opinion (S1 四(二)3)."""

    application = models.OneToOneField("evaluations.Application", on_delete=models.CASCADE,
                                       related_name="site_visit", verbose_name=_("application"),
                                       error_messages={"unique": _(
                                           "The site visit of this application is already recorded.")})
    visited_on = models.DateField(_("date"))
    experts = models.TextField(_("experts"))
    opinion = models.TextField(_("expert opinion"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("site visit")
        verbose_name_plural = _("site visits")


class FraudFinding(models.Model):
    """弄虚作假 found in an application's materials (S1 五(二))."""

    application = models.OneToOneField("evaluations.Application", on_delete=models.PROTECT,
                                       related_name="fraud_finding", verbose_name=_("application"),
                                       error_messages={"unique": _(
                                           "A fraud finding is already recorded for this application.")})
    finding = models.TextField(_("finding"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fraud finding")
        verbose_name_plural = _("fraud findings")


class Criticism(models.Model):
    """通报批评 against a city bureau or a provincial bureau."""

    finding = models.ForeignKey(FraudFinding, on_delete=models.PROTECT, related_name="criticisms",
                                verbose_name=_("finding"))
    target = models.CharField(_("target"), max_length=20, choices=CriticismTarget.choices)
    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("city"))
    province = models.ForeignKey("cities.Province", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("province"))
    text = models.TextField(_("text"))
    issued_on = models.DateField(_("issued on"))

    class Meta:
        ordering = ["-issued_on", "id"]
        verbose_name = _("public criticism")
        verbose_name_plural = _("public criticisms")
