from __future__ import annotations

import builtins

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plans.enums import ItemStatus


class ResponsibilityList(models.Model):
    """责任清单: a city's annual list of tasks (S2 附件2)."""

    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, related_name="responsibility_lists",
                             verbose_name=_("city"))
    year = models.PositiveSmallIntegerField(_("year"))
    plan = models.ForeignKey("plans.CityPlan", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="lists", verbose_name=_("city plan"))
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        ordering = ["city", "-year"]
        verbose_name = _("responsibility list")
        verbose_name_plural = _("responsibility lists")
        constraints = [models.UniqueConstraint(fields=["city", "year"], name="responsibility_list_unique",
                                               violation_error_message=_("This city already has a responsibility list"
                                                                         " for this year."))]

    def __str__(self) -> str:
        return self.title


class ResponsibilityItem(models.Model):
    list = models.ForeignKey(ResponsibilityList, on_delete=models.CASCADE, related_name="items",
                             verbose_name=_("list"))
    number = models.PositiveSmallIntegerField(_("number"))
    work_area = models.CharField(_("work area"), max_length=200)
    task = models.TextField(_("task"))
    completion_standard = models.TextField(_("completion standard"), blank=True)
    lead_unit = models.CharField(_("lead unit"), max_length=100, blank=True)
    # ``list`` is the foreign key above inside this class body: name the built-in explicitly.
    responsible_units = models.JSONField(_("responsible units"), default=builtins.list, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    national_task = models.ForeignKey("plans.NationalTask", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="items", verbose_name=_("national task"))
    plan_target = models.ForeignKey("plans.PlanTarget", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="items", verbose_name=_("plan target"))
    status = models.CharField(_("status"), max_length=12, choices=ItemStatus.choices,
                              default=ItemStatus.NOT_STARTED)
    percent = models.PositiveSmallIntegerField(_("percent complete"), default=0)

    class Meta:
        ordering = ["list", "number"]
        verbose_name = _("responsibility item")
        verbose_name_plural = _("responsibility items")
        constraints = [
            models.UniqueConstraint(fields=["list", "number"], name="responsibility_item_number_unique",
                                    violation_error_message=_("This list already has an item with this number.")),
            models.CheckConstraint(condition=Q(percent__lte=100), name="responsibility_item_percent",
                                   violation_error_message=_("The percentage completed cannot be more than 100.")),
        ]
        indexes = [models.Index(fields=["due_date", "status"], name="item_due_status")]

    def __str__(self) -> str:
        return f"{self.number}. {self.task[:40]}"


class ProgressReport(models.Model):
    """One progress update by the city (kept; the item shows the latest), and the province's verdict on it."""

    item = models.ForeignKey(ResponsibilityItem, on_delete=models.CASCADE, related_name="reports",
                             verbose_name=_("item"))
    status = models.CharField(_("status"), max_length=12, choices=ItemStatus.choices)
    percent = models.PositiveSmallIntegerField(_("percent complete"))
    actual_value = models.DecimalField(_("actual value"), max_digits=16, decimal_places=4, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("reported by"))
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("verified by"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verdict = models.CharField(_("verdict"), max_length=12, choices=ItemStatus.choices, blank=True)
    verdict_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["item", "-reported_at", "-id"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="progress_percent",
                                              violation_error_message=_("The percentage completed cannot be more than"
                                                                        " 100."))]


def evidence_upload_to(instance: ProgressEvidence, filename: str) -> str:
    return f"progress/{instance.report.item_id}/{instance.report_id}-{instance.sha256[:16]}"


class ProgressEvidence(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="evidence",
                               verbose_name=_("progress report"))
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
