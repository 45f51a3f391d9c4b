from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reviews.enums import AssignmentStatus


class ReviewerProfile(models.Model):
    """An expert's expertise, affiliation and availability (conflicts of interest use the affiliation)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile",
                                verbose_name=_("reviewer"),
                                error_messages={"unique": _("This expert already has a reviewer profile.")})
    expertise = models.JSONField(_("expertise areas"), default=list, blank=True)
    province = models.ForeignKey("cities.Province", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("province of affiliation"))
    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("city of the employer"))
    employer = models.CharField(_("employer"), max_length=120, blank=True)
    title = models.CharField(_("professional title"), max_length=60, blank=True)
    available = models.BooleanField(_("available"), default=True)

    class Meta:
        verbose_name = _("reviewer profile")
        verbose_name_plural = _("reviewer profiles")

    def __str__(self) -> str:
        return str(self.user)


class Assignment(models.Model):
    """A reviewer asked to score one application."""

    application = models.ForeignKey("evaluations.Application", on_delete=models.CASCADE, related_name="assignments",
                                    verbose_name=_("application"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments",
                                 verbose_name=_("reviewer"))
    status = models.CharField(_("status"), max_length=10, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.ASSIGNED)
    due_date = models.DateField(_("due date"))
    declared_at = models.DateTimeField(_("no conflict declared at"), null=True, blank=True)
    conflict_reason = models.TextField(_("conflict declared"), blank=True)
    override_reason = models.TextField(
        _("reason for overriding a conflict rule"), blank=True,
        help_text=_("Required when an administrator assigns a reviewer from the applicant's province or city."))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("assigned by"))
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        ordering = ["application", "id"]
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], condition=~Q(status=AssignmentStatus.CONFLICT),
                                    name="assignment_one_active_per_reviewer",
                                    violation_error_message=_("This expert is already assigned to this application.")),
        ]
        indexes = [
            models.Index(fields=["reviewer", "status"], name="assignment_reviewer_status"),
            models.Index(fields=["due_date"], name="assignment_due"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} · {self.application}"
