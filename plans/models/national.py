from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from plans.enums import Comparison, Requirement


class NationalPlan(models.Model):
    """CNIPA's annual work plan for demonstration cities (e.g. 国知办函管字〔2018〕140号, S0)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True, error_messages={
        "unique": _("The national work plan of this year is already loaded.")})
    title = models.CharField(_("title"), max_length=200)
    document_number = models.CharField(_("document number"), max_length=80, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("national annual work plan")
        verbose_name_plural = _("national annual work plans")

    def __str__(self) -> str:
        return self.title


class NationalTask(models.Model):
    plan = models.ForeignKey(NationalPlan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("plan"))
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    area = models.CharField(_("area"), max_length=20, blank=True)
    requirement = models.CharField(_("requirement"), max_length=10, choices=Requirement.choices)
    executor = models.CharField(_("executed by"), max_length=100, blank=True)
    goal = models.TextField(_("goal"), blank=True)
    measures = models.JSONField(_("measures"), default=list, blank=True)
    support = models.JSONField(_("support offered"), default=list, blank=True)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("national task")
        verbose_name_plural = _("national tasks")
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="national_task_number_unique",
                                               violation_error_message=_("The national work plan already has a task "
                                                                         "with this number."))]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class NationalTarget(models.Model):
    """A quantitative target of a national task, for all demonstration cities or a group of them."""

    task = models.ForeignKey(NationalTask, on_delete=models.CASCADE, related_name="targets", verbose_name=_("task"))
    metric = models.CharField(_("metric"), max_length=200)
    applies_to = models.CharField(_("applies to"), max_length=200, blank=True,
                                  help_text=_("Empty: every demonstration city."))
    comparison = models.CharField(_("comparison"), max_length=14, choices=Comparison.choices)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    minimum = models.DecimalField(_("minimum"), max_digits=14, decimal_places=4, null=True, blank=True)
    maximum = models.DecimalField(_("maximum"), max_digits=14, decimal_places=4, null=True, blank=True)
    text = models.CharField(_("target as written"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("national target")
        verbose_name_plural = _("national targets")

    def __str__(self) -> str:
        return f"{self.metric}: {self.text}"
