from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evaluations.enums import (
    EDITABLE_STATES,
    ApplicationState,
    NarrativeDocument,
    SnapshotKind,
)


class Application(models.Model):
    """A city's application in one cycle. Its state changes only through ``evaluations.workflow.transition``."""

    cycle = models.ForeignKey("evaluations.Cycle", on_delete=models.PROTECT, related_name="applications",
                              verbose_name=_("cycle"))
    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, related_name="applications",
                             verbose_name=_("city"))
    state = models.CharField(_("state"), max_length=20, choices=ApplicationState.choices,
                             default=ApplicationState.DRAFT)
    theme = models.CharField(_("featured theme"), max_length=200, blank=True,
                             help_text=_("特色主题 of the pilot (or chosen when applying for demonstration)."))
    designation = models.ForeignKey(
        "cities.Designation", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("designation under re-review"),
    )
    enforcement_score = models.DecimalField(
        _("previous year's patent enforcement performance score"), max_digits=5, decimal_places=2, null=True,
        blank=True,
    )
    resulting_designation = models.ForeignKey(
        "cities.Designation", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("designation produced by this application"),
    )
    city_deadline_extension = models.DateField(_("extended city deadline"), null=True, blank=True)
    province_deadline_extension = models.DateField(_("extended province deadline"), null=True, blank=True)
    round = models.PositiveSmallIntegerField(_("submission round"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-cycle__year", "cycle__kind", "city__code"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "city"], name="application_cycle_city_unique",
                                    violation_error_message=_("This city already has an application in this cycle.")),
            models.CheckConstraint(
                condition=Q(enforcement_score__isnull=True) | Q(enforcement_score__gte=0, enforcement_score__lte=100),
                name="application_enforcement_score_range",
                violation_error_message=_("The enforcement score must be between 0 and 100."),
            ),
        ]
        indexes = [
            models.Index(fields=["cycle", "state"], name="application_cycle_state"),
            models.Index(fields=["state"], name="application_state"),
        ]

    def __str__(self) -> str:
        return f"{self.city} · {self.cycle}"

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class NarrativeSection(models.Model):
    """One section of the work plan or work summary, filled in the browser (templates.json)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="sections",
                                    verbose_name=_("application"))
    document = models.CharField(_("document"), max_length=16, choices=NarrativeDocument.choices)
    position = models.PositiveSmallIntegerField(_("position"))
    number = models.CharField(_("number"), max_length=8)
    title = models.CharField(_("title"), max_length=200)
    guidance = models.TextField(_("guidance"), blank=True)
    body = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["application", "document", "position"]
        verbose_name = _("narrative section")
        verbose_name_plural = _("narrative sections")
        constraints = [models.UniqueConstraint(fields=["application", "document", "position"],
                                               name="section_unique_position",
                                               violation_error_message=_("This part of the document already has a "
                                                                         "section at this position."))]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Attestation(models.Model):
    """The province's attestation of one eligibility checklist item, with evidence."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attestations",
                                    verbose_name=_("application"))
    item = models.ForeignKey("evaluations.ChecklistItem", on_delete=models.PROTECT, verbose_name=_("condition"))
    met = models.BooleanField(_("condition met"))
    note = models.TextField(_("note"), blank=True)
    evidence = models.ForeignKey("evaluations.Material", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("evidence"))
    attested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("attested by"))
    attested_at = models.DateTimeField(_("attested at"), auto_now=True)

    class Meta:
        verbose_name = _("attestation")
        verbose_name_plural = _("attestations")
        constraints = [models.UniqueConstraint(fields=["application", "item"], name="attestation_unique",
                                               violation_error_message=_("This condition has already been attested "
                                                                         "for this application."))]


class Snapshot(models.Model):
    """What an application held when it was submitted or returned: values and file hashes. Never changed."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="snapshots",
                                    verbose_name=_("application"))
    round = models.PositiveSmallIntegerField(_("round"))
    kind = models.CharField(_("kind"), max_length=10, choices=SnapshotKind.choices)
    data = models.JSONField(_("content"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["application", "id"]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        indexes = [models.Index(fields=["application", "round"], name="snapshot_application_round")]

    def __str__(self) -> str:
        return f"{self.application} · {self.round} · {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("snapshots are immutable")
        super().save(*args, **kwargs)
