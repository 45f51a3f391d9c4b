from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from evaluations.enums import CycleKind, CycleStatus, MissedReReview
from ipcity.dates import official_date


class Cycle(models.Model):
    """One year's procedure of one kind, opened by the national administration."""

    kind = models.CharField(_("procedure"), max_length=20, choices=CycleKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    document_number = models.CharField(_("document number"), max_length=80, blank=True,
                                       help_text=_("The document number (文号) of the notice that opens this cycle."))
    notice_title = models.CharField(
        _("notice"), max_length=200, blank=True,
        help_text=_("The full title of the notice this cycle carries out, without book-title marks; letters and "
                    "the published results cite it."))
    notice_date = models.DateField(_("date of the notice"), null=True, blank=True)
    missed_re_review = models.CharField(
        _("a due city that does not apply for re-review is treated"), max_length=8, choices=MissedReReview.choices,
        default=MissedReReview.FAIL,
        help_text=_("The notice does not say; the national administration decides (re-reviews only)."))
    status = models.CharField(_("status"), max_length=10, choices=CycleStatus.choices, default=CycleStatus.DRAFT)
    city_deadline = models.DateField(_("deadline for cities (to the province)"))
    province_deadline = models.DateField(_("deadline for provinces (to the national administration)"))
    measurement_request_deadline = models.DateField(
        _("deadline to request objective-indicator measurement"), null=True, blank=True
    )
    data_year = models.PositiveSmallIntegerField(_("year of the basic-information data"))
    default_quota = models.PositiveSmallIntegerField(
        _("recommendations per province"), null=True, blank=True,
        help_text=_("Leave empty for no limit; a province's own quota overrides it."),
    )
    required_materials = models.JSONField(_("required materials"), default=list, blank=True)
    basic_info_template = models.ForeignKey(
        "evaluations.IndicatorTemplate", on_delete=models.PROTECT, null=True, blank=True,
        verbose_name=_("basic-information table version"),
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    results_published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "kind"]
        verbose_name = _("evaluation cycle")
        verbose_name_plural = _("evaluation cycles")
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="cycle_kind_year_unique",
                                    violation_error_message=_("A cycle of this procedure already exists for this "
                                                              "year.")),
            models.CheckConstraint(condition=Q(province_deadline__gte=F("city_deadline")),
                                   name="cycle_province_after_city_deadline",
                                   violation_error_message=_("The provinces' deadline cannot be earlier than the "
                                                             "cities' deadline.")),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def citation(self) -> str:
        """How a letter or a publication cites the notice: 《title》（文号）, or the date when there is no 文号.
        Without a notice, the cycle is named as a piece of work, never as a document."""
        if not self.notice_title:
            return f"国家知识产权局{self.title}工作" + (f"（{self.document_number}）" if self.document_number else "")
        reference = self.document_number or (official_date(self.notice_date) if self.notice_date else "")
        return f"《{self.notice_title}》" + (f"（{reference}）" if reference else "")

    @property
    def is_draft(self) -> bool:
        return self.status == CycleStatus.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == CycleStatus.OPEN

    @property
    def results_published(self) -> bool:
        return self.results_published_at is not None


class ProvinceQuota(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("cycle"))
    province = models.ForeignKey("cities.Province", on_delete=models.PROTECT, verbose_name=_("province"))
    quota = models.PositiveSmallIntegerField(_("recommendations allowed"))

    class Meta:
        verbose_name = _("province quota")
        verbose_name_plural = _("province quotas")
        constraints = [models.UniqueConstraint(fields=["cycle", "province"], name="quota_cycle_province_unique",
                                               violation_error_message=_("This province already has a quota in this "
                                                                         "cycle."))]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.province}: {self.quota}"


class ChecklistItem(models.Model):
    """A condition the province attests with evidence (e.g. 《办法》第五条, whose text is not public here)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="checklist", verbose_name=_("cycle"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.CharField(_("code"), max_length=40)
    text = models.TextField(_("condition"))
    source = models.CharField(_("source"), max_length=120, blank=True)
    evidence_required = models.BooleanField(_("evidence required"), default=True)

    class Meta:
        ordering = ["cycle", "position", "id"]
        verbose_name = _("eligibility checklist item")
        verbose_name_plural = _("eligibility checklist items")
        constraints = [models.UniqueConstraint(fields=["cycle", "code"], name="checklist_cycle_code_unique",
                                               violation_error_message=_("This cycle already has a condition with "
                                                                         "this number."))]

    def __str__(self) -> str:
        return self.text[:60]
