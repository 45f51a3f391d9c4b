"""Each user's notification preferences; national staff also keep the holiday calendar's overrides here."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cities.enums import Role
from ipcity.dates import local_today
from ipcity.forms import DateInput, StyledForm
from plans import workdays
from plans.models import HolidayOverride
from plans.reminders import preference_for, set_notification_preferences


class PreferencesForm(StyledForm):
    reminders = forms.BooleanField(label=gettext_lazy("Send me deadline reminders"), required=False)
    email = forms.BooleanField(label=gettext_lazy("Also send my notifications by e-mail"), required=False)


class HolidayOverrideForm(StyledForm):
    date = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    is_workday = forms.TypedChoiceField(
        label=gettext_lazy("This day is"), coerce=lambda value: value == "1",
        choices=[("0", gettext_lazy("A public holiday (no work)")), ("1", gettext_lazy("A working day (调休)"))])
    note = forms.CharField(label=gettext_lazy("Note"), max_length=100, required=False,
                           help_text=gettext_lazy("e.g. National Day, or the State Council notice."))


def _is_national(user) -> bool:
    return user.has_role(Role.NATIONAL_ADMIN)


def _render(request, *, form=None, override_form=None, status=200):
    user = request.user
    preference = preference_for(user)
    context = {
        "form": form or PreferencesForm(initial={"reminders": preference.reminders, "email": preference.email}),
        "email_address": user.email,
        "is_national": _is_national(user),
    }
    if context["is_national"]:
        year = local_today().year
        context["coverage"] = [(y, workdays.coverage_warning(y)) for y in (year, year + 1)]
        context["override_form"] = override_form or HolidayOverrideForm()
        context["overrides"] = list(HolidayOverride.objects.filter(date__gte=dt.date(year, 1, 1)).order_by("date"))
    return render(request, "plans/preferences.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    if request.method == "GET":
        return _render(request)
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        return _render(request, form=form, status=400)
    set_notification_preferences(request.user, email=form.cleaned_data["email"],
                                 reminders=form.cleaned_data["reminders"])
    messages.success(request, _("Your notification preferences were saved."))
    return redirect("notification_preferences")


@login_required
@require_POST
def holiday_override_add(request):
    if not _is_national(request.user):
        raise PermissionDenied
    form = HolidayOverrideForm(request.POST)
    if not form.is_valid():
        return _render(request, override_form=form, status=400)
    data = form.cleaned_data
    try:
        workdays.set_holiday_override(day=data["date"], is_workday=data["is_workday"], note=data["note"],
                                      by=request.user)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _render(request, override_form=form, status=400)
    messages.success(request, _("%(date)s was saved: %(deadline)s.") % {
        "date": data["date"].isoformat(), "deadline": workdays.describe_deadline(data["date"])})
    return redirect("notification_preferences")


@login_required
@require_POST
def holiday_override_remove(request, pk: int):
    if not _is_national(request.user):
        raise PermissionDenied
    override = get_object_or_404(HolidayOverride, pk=pk)
    workdays.remove_holiday_override(override, by=request.user)
    messages.success(request, _("The override of %(date)s was removed.") % {"date": override.date.isoformat()})
    return redirect("notification_preferences")


urlpatterns = [
    path("account/notifications/", notification_preferences, name="notification_preferences"),
    path("account/notifications/holidays/", holiday_override_add, name="holiday_override_add"),
    path("account/notifications/holidays/<int:pk>/remove/", holiday_override_remove, name="holiday_override_remove"),
]
