from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from plans.enums import ReminderKind


class Reminder(models.Model):
    """One reminder sent. ``key`` (kind, object, due date, offset, recipient) makes each one exactly once."""

    key = models.CharField(_("key"), max_length=200, unique=True,
                           error_messages={"unique": _("This reminder has already been sent.")})
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    object_id = models.PositiveBigIntegerField(_("object"))
    due_date = models.DateField(_("due date"))
    offset_days = models.SmallIntegerField(_("days before (+) or after (−) the due date"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders",
                                  verbose_name=_("recipient"))
    escalated = models.BooleanField(_("sent to the level above"), default=False)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    emailed = models.BooleanField(_("e-mailed"), default=False)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [models.Index(fields=["kind", "object_id"], name="reminder_object")]


class HolidayOverride(models.Model):
    """A public holiday or swapped workday (调休) the holiday package does not know (years it does not cover)."""

    date = models.DateField(_("date"), unique=True,
                            error_messages={"unique": _("This date already has an override.")})
    is_workday = models.BooleanField(_("is a working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or workday override")
        verbose_name_plural = _("holiday and workday overrides")

    def __str__(self) -> str:
        return f"{self.date}: {self.note}"


class NotificationPreference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference", verbose_name=_("user"),
                                error_messages={"unique": _("This user already has notification settings.")})
    email = models.BooleanField(_("also by e-mail"), default=True)
    reminders = models.BooleanField(_("deadline reminders"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
