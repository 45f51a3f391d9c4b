from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from plans.enums import CityPlanKind, Comparison


class CityPlan(models.Model):
    """A city's 3-year plan (S2 抚顺, S3 西青区, S4 阳江)."""

    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, related_name="plans", verbose_name=_("city"))
    kind = models.CharField(_("kind"), max_length=14, choices=CityPlanKind.choices)
    title = models.CharField(_("title"), max_length=200)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    theme = models.CharField(_("featured theme"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["city", "-start_year"]
        verbose_name = _("city plan")
        verbose_name_plural = _("city plans")
        constraints = [models.CheckConstraint(condition=Q(end_year__gte=F("start_year")), name="city_plan_period",
                                              violation_error_message=_("The plan cannot end before it starts."))]

    def __str__(self) -> str:
        return self.title


class PlanTarget(models.Model):
    """A quantitative goal of a city plan; linked to an indicator of the basic-information table, its
    achievement is computed from the city's yearly values."""

    plan = models.ForeignKey(CityPlan, on_delete=models.CASCADE, related_name="targets", verbose_name=_("plan"))
    position = models.PositiveSmallIntegerField(_("position"))
    area = models.CharField(_("area"), max_length=60, blank=True)
    metric = models.CharField(_("metric"), max_length=200)
    comparison = models.CharField(_("type"), max_length=14, choices=Comparison.choices)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_value = models.DecimalField(_("baseline value"), max_digits=16, decimal_places=4, null=True,
                                         blank=True)
    target_value = models.DecimalField(_("target value"), max_digits=16, decimal_places=4, null=True, blank=True)
    minimum = models.DecimalField(_("minimum"), max_digits=16, decimal_places=4, null=True, blank=True)
    maximum = models.DecimalField(_("maximum"), max_digits=16, decimal_places=4, null=True, blank=True)
    text = models.CharField(_("target as written"), max_length=300, blank=True)
    indicator = models.ForeignKey("evaluations.Indicator", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("indicator of the basic-information table"))

    class Meta:
        ordering = ["plan", "position"]
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")

    def __str__(self) -> str:
        return f"{self.metric}: {self.text}"


class PlanTask(models.Model):
    plan = models.ForeignKey(CityPlan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("plan"))
    position = models.PositiveSmallIntegerField(_("position"))
    heading = models.CharField(_("heading"), max_length=200, blank=True)
    text = models.TextField(_("task"))
    lead_unit = models.CharField(_("lead unit"), max_length=100, blank=True)
    responsible_units = models.JSONField(_("responsible units"), default=list, blank=True)

    class Meta:
        ordering = ["plan", "position"]
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")


class LeadershipMember(models.Model):
    plan = models.ForeignKey(CityPlan, on_delete=models.CASCADE, related_name="leadership", verbose_name=_("plan"))
    position = models.PositiveSmallIntegerField(_("position"))
    role = models.CharField(_("role in the group"), max_length=20)
    name = models.CharField(_("name"), max_length=60, blank=True)
    post = models.CharField(_("post"), max_length=120)

    class Meta:
        ordering = ["plan", "position"]
        verbose_name = _("leadership group member")
        verbose_name_plural = _("leadership group members")
