"""Sign-in pages, and the security administrator's list of locked accounts."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cities import lockout, services
from cities.enums import PasswordChangeReason
from cities.passwords import password_change_reason
from ipcity.forms import StyledFormMixin


class LoginForm(StyledFormMixin, auth_forms.AuthenticationForm):
    pass


class PasswordChangeForm(StyledFormMixin, auth_forms.PasswordChangeForm):
    def validate_password_for_user(self, user, password_field_name="new_password2"):
        """The policy is checked once, by ``services.change_own_password`` (the view shows its refusal under the
        new password): each check of the password history hashes the candidate again."""


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = lockout.login_throttle_wait(request)
        if wait is not None:
            form = LoginForm(request, initial={"username": request.POST.get("username", "")})
            response = render(request, "registration/login.html", {
                "form": form, "lockout_message": lockout.throttle_message(wait),
                "next": request.POST.get("next", "")}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


def locked_out(request, original_response=None, credentials=None):
    """The login page again, saying the account is locked and until when (django-axes' AXES_LOCKOUT_CALLABLE)."""
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))
    form = LoginForm(request, initial={"username": username})
    return render(request, "registration/login.html", {
        "form": form, "lockout_message": lockout.lockout_message(username),
        "next": request.POST.get("next", "")}, status=settings.AXES_HTTP_RESPONSE_CODE)


@login_required
def locked_accounts(request):
    # Outside the security administrator's remit the page does not exist.
    if not request.user.has_perm("cities.unlock_accounts"):
        raise Http404
    return render(request, "cities/locked_accounts.html", {
        "accounts": lockout.locked_accounts(), "failure_limit": settings.LOGIN_FAILURE_LIMIT,
        "lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES})


@login_required
@require_POST
def unlock_account(request):
    if not request.user.has_perm("cities.unlock_accounts"):
        raise Http404
    username = request.POST.get("username", "")
    if lockout.locked_until(username) is None:
        raise Http404
    lockout.unlock_account(username, by=request.user)
    messages.success(request, _("Account “%(username)s” unlocked: it can sign in again.") % {"username": username})
    return redirect("locked_accounts")


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    success_url = reverse_lazy("password_change_done")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reason = password_change_reason(self.request.user)
        if reason == PasswordChangeReason.SET_BY_ADMINISTRATOR:
            context["change_required"] = _(
                "Set a new password before you continue: the current one was given to you by an administrator (at "
                "your first sign-in or after a reset), and only you may know yours.")
        elif reason == PasswordChangeReason.EXPIRED:
            context["change_required"] = _(
                "Your password is older than %(days)d days: set a new one before you continue.") % {
                "days": settings.PASSWORD_MAX_AGE_DAYS}
        return context

    def form_valid(self, form):
        user = self.request.user
        try:
            services.change_own_password(user, password=form.cleaned_data["new_password1"], by=user)
        except ValidationError as exc:
            form.add_error("new_password1", exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        return HttpResponseRedirect(self.get_success_url())
