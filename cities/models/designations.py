from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cities.enums import CURRENT_DESIGNATION_STATUSES, DesignationStatus, Tier
from ipcity.dates import local_today


class Designation(models.Model):
    """A city's title over one term. History is never overwritten: a renewal is a new row."""

    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, related_name="designations", verbose_name=_("city"))
    tier = models.CharField(_("tier"), max_length=24, choices=Tier.choices)
    title_as_designated = models.CharField(
        _("title as designated"), max_length=40, blank=True, help_text=_("The title's wording in the decision.")
    )
    name_as_designated = models.CharField(_("name as designated"), max_length=80, blank=True)
    batch = models.CharField(_("batch"), max_length=40, blank=True)
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    document_number = models.CharField(_("document number"), max_length=80, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=DesignationStatus.choices, default=DesignationStatus.ACTIVE
    )
    rectification_deadline = models.DateField(_("rectification deadline"), null=True, blank=True)
    ban_until = models.DateField(
        _("banned from applying until"),
        null=True,
        blank=True,
        help_text=_("After revocation the city may not apply for a demonstration title before this date."),
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    source_decision = models.CharField(
        _("source decision"), max_length=200, blank=True, help_text=_("The decision or data source that created it.")
    )
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_term",
        verbose_name=_("previous term"),
        error_messages={"unique": _("This term already has a following term.")},
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["city", "term_start", "id"]
        verbose_name = _("designation")
        verbose_name_plural = _("designations")
        constraints = [
            models.CheckConstraint(condition=Q(term_end__gte=F("term_start")), name="designation_term_order",
                                   violation_error_message=_("The term cannot end before it starts.")),
            models.CheckConstraint(
                condition=~Q(status=DesignationStatus.RECTIFYING) | Q(rectification_deadline__isnull=False),
                name="designation_rectifying_has_deadline",
                violation_error_message=_("A title in rectification needs a rectification deadline."),
            ),
        ]
        indexes = [
            models.Index(fields=["city", "-term_start"], name="designation_city_recent"),
            models.Index(fields=["tier", "status"], name="designation_tier_status"),
            models.Index(fields=["term_end"], name="designation_term_end"),
        ]

    def __str__(self) -> str:
        return f"{self.city} · {self.get_tier_display()} ({self.term_start:%Y-%m}–{self.term_end:%Y-%m})"

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_DESIGNATION_STATUSES

    @property
    def is_active(self) -> bool:
        return self.status == DesignationStatus.ACTIVE

    @property
    def is_rectifying(self) -> bool:
        return self.status == DesignationStatus.RECTIFYING

    @property
    def re_review_due(self) -> bool:
        """A demonstration term that has ended without a re-review decision yet."""
        return self.is_active and self.tier == Tier.DEMONSTRATION and self.term_end < local_today()
