from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ipcity.dates import local_today
from reviews.enums import DecisionEffect, FileStatus, Outcome, ReportKind


class Decision(models.Model):
    """The national administration's decision on one application, with its rationale and the title it produced."""

    application = models.OneToOneField("evaluations.Application", on_delete=models.PROTECT, related_name="decision",
                                       verbose_name=_("application"),
                                       error_messages={"unique": _(
                                           "A decision is already recorded for this application.")})
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    effect = models.CharField(_("effect on the title"), max_length=16, choices=DecisionEffect.choices,
                              default=DecisionEffect.NONE)
    rationale = models.TextField(_("rationale"))
    document_number = models.CharField(_("document number of the decision"), max_length=80, blank=True)
    decided_on = models.DateField(_("date of the decision"), default=local_today)
    final_score = models.DecimalField(_("final score"), max_digits=7, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank in the cycle"), null=True, blank=True)
    designation = models.ForeignKey("cities.Designation", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("resulting designation"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.application} · {self.get_outcome_display()}"


def generated_upload_to(instance: GeneratedFile, filename: str) -> str:
    """A folder per key, hashed: keys hold colons that some file systems refuse."""
    return f"generated/{instance.kind}/{hashlib.sha256(instance.key.encode()).hexdigest()[:20]}/{filename}"


class GeneratedFile(models.Model):
    """A report or PDF made by a Celery task: the page polls its progress, then offers the download.

    ``key`` identifies what is generated (kind + object + version of the inputs) so running a task twice
    updates the same row instead of making a second file.
    """

    key = models.CharField(_("key"), max_length=120, unique=True,
                           error_messages={"unique": _("This file is already being generated.")})
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    object_id = models.PositiveBigIntegerField(_("object"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("requested by"))
    status = models.CharField(_("status"), max_length=8, choices=FileStatus.choices, default=FileStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to=generated_upload_to, max_length=300, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The lease of the task making the file: its id, how many times a task took the row, and when the
    # running task last said it was alive (it renews this every few seconds while it renders).
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("generated file")
        verbose_name_plural = _("generated files")
        indexes = [
            models.Index(fields=["kind", "object_id"], name="generated_kind_object"),
            # The sweeper's look for rows a dead worker left behind.
            models.Index(fields=["status", "updated_at"], name="generated_status_updated"),
        ]

    def __str__(self) -> str:
        return self.filename or self.key
