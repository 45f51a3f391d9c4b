from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evaluations.enums import AnswerType


class IndicatorTemplate(models.Model):
    """A version of the basic-information table (基本情况表, S1 附件3)."""

    code = models.CharField(_("version"), max_length=20, unique=True,
                            error_messages={"unique": _("A version of the table with this name already exists.")})
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("basic-information table version")
        verbose_name_plural = _("basic-information table versions")

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"


class Indicator(models.Model):
    """One row of the table: 序号, 指标, sub-item, 单位, and how it is answered."""

    template = models.ForeignKey(IndicatorTemplate, on_delete=models.CASCADE, related_name="indicators",
                                 verbose_name=_("table version"))
    position = models.PositiveSmallIntegerField(_("position"))
    number = models.PositiveSmallIntegerField(_("number"))
    section = models.CharField(_("section"), max_length=60)
    name = models.CharField(_("indicator"), max_length=200)
    sub_item = models.CharField(_("sub-item"), max_length=60, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    answer_type = models.CharField(_("answer type"), max_length=8, choices=AnswerType.choices)
    max_chars = models.PositiveIntegerField(_("maximum characters"), null=True, blank=True)
    cumulative = models.BooleanField(_("cumulative value"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    evidence_required = models.BooleanField(_("proof required"), default=False)

    class Meta:
        ordering = ["template", "position"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="indicator_position_unique",
                                    violation_error_message=_("The table already has an indicator at this position.")),
            models.UniqueConstraint(fields=["template", "number", "sub_item"], name="indicator_number_unique",
                                    violation_error_message=_("The table already has an indicator with this number.")),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}" + (f"（{self.sub_item}）" if self.sub_item else "")

    @property
    def label(self) -> str:
        return f"{self.name}（{self.sub_item}）" if self.sub_item else self.name


class IndicatorValue(models.Model):
    """A city's value of one indicator for one year. "Not reported" is NULL."""

    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, related_name="indicator_values",
                             verbose_name=_("city"))
    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values",
                                  verbose_name=_("indicator"))
    number = models.DecimalField(_("value"), max_digits=20, decimal_places=4, null=True, blank=True)
    text = models.TextField(_("text answer"), blank=True)
    remark = models.CharField(_("remark"), max_length=500, blank=True)
    proofs = models.ManyToManyField("evaluations.Material", blank=True, related_name="indicator_values",
                                    verbose_name=_("proof documents"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
                                   verbose_name=_("updated by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["city", "year", "indicator__position"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(fields=["city", "year", "indicator"], name="indicator_value_unique",
                                    violation_error_message=_("This city already has a value of this indicator for "
                                                              "this year.")),
            models.CheckConstraint(condition=Q(number__isnull=True) | Q(text=""), name="indicator_value_one_kind",
                                   violation_error_message=_("An indicator value is either a number or a text, not "
                                                             "both.")),
        ]
        indexes = [models.Index(fields=["indicator", "year"], name="indicator_value_by_year")]

    def __str__(self) -> str:
        return f"{self.city} {self.year} {self.indicator}"

    @property
    def is_empty(self) -> bool:
        return self.number is None and not self.text.strip()
