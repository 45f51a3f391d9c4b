"""Two-factor sign-in pages: the account's own page, enrolment with a QR code, verification after the password,
backup codes, and the security administrator's list of enrolled accounts with the reset action."""

from __future__ import annotations

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from cities import twofactor
from cities.models import User
from ipcity.forms import StyledForm


class CodeForm(StyledForm):
    code = forms.CharField(label=gettext_lazy("Verification code"), max_length=32, strip=True,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                                         "spellcheck": "false"}))


def _next_url(request) -> str:
    """The page the user was going to (``next``), if it is one of ours; else the home page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def qr_code_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG markup, drawn here (no image service, no style attributes)."""
    return segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff",
                                                 svgclass="two-factor-qr", lineclass=None, omitsize=False)


def _add_error(form: forms.Form, exc: ValidationError) -> None:
    form.add_error("code", exc.messages)


@login_required
def two_factor(request):
    """The account's two-factor page: enrolled or not, backup codes left, and the way to enrol."""
    device = twofactor.totp_device_of(request.user)
    return render(request, "cities/two_factor.html", {
        "device": device, "required": twofactor.second_factor_required(request.user),
        "backup_codes_left": twofactor.backup_codes_left(request.user) if device else 0})


@login_required
def two_factor_enrol(request):
    if twofactor.has_second_factor(request.user):
        messages.info(request, _("You already have a second factor."))
        return redirect("two_factor")
    device = twofactor.start_totp_enrolment(request.user, by=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.confirm_totp_device(device, code=form.cleaned_data["code"], by=request.user)
        except ValidationError as exc:
            _add_error(form, exc)
        else:
            otp_login(request, device)
            request.session.cycle_key()
            messages.success(request, _("Two-factor sign-in is set up. From now on you enter a code from your "
                                        "authenticator app after your password."))
            return _show_backup_codes(request, codes)
    return render(request, "cities/two_factor_enrol.html", {
        "form": form, "qr_svg": mark_safe(qr_code_svg(device.config_url)),  # markup from segno, no user text
        "secret": twofactor.grouped_secret(device), "required": twofactor.second_factor_required(request.user),
        "next": _next_url(request)}, status=400 if form.errors else 200)


def _show_backup_codes(request, codes: list[str]):
    """The backup codes, shown on this response only: the page cannot be opened again to see them."""
    response = render(request, "cities/two_factor_backup_codes.html", {"codes": codes, "next": _next_url(request)})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def two_factor_backup_codes(request):
    try:
        codes = twofactor.regenerate_backup_codes(request.user, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("two_factor")
    messages.success(request, _("New backup codes generated: the old ones no longer work."))
    return _show_backup_codes(request, codes)


@login_required
def two_factor_verify(request):
    """After the password: a code from the authenticator app, or one backup code."""
    if request.user.is_verified() or not twofactor.has_second_factor(request.user):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = twofactor.verify_second_factor(request.user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            _add_error(form, exc)
        else:
            otp_login(request, device)
            request.session.cycle_key()
            if isinstance(device, StaticDevice):
                messages.warning(request, _("You signed in with a backup code; %(n)d are left.")
                                 % {"n": twofactor.backup_codes_left(request.user)})
            return redirect(_next_url(request))
    return render(request, "cities/two_factor_verify.html", {"form": form, "next": _next_url(request)},
                  status=400 if form.errors else 200)


# --- The security administrator ------------------------------------------------------------------------------


@login_required
def second_factors(request):
    # Outside the security administrator's remit the page does not exist.
    if not request.user.has_perm("cities.reset_second_factor"):
        raise Http404
    return render(request, "cities/second_factors.html", {"devices": twofactor.enrolled_devices()})


@login_required
@require_POST
def second_factor_reset(request):
    if not request.user.has_perm("cities.reset_second_factor"):
        raise Http404
    user = get_object_or_404(User, username=request.POST.get("username", ""))
    try:
        twofactor.reset_second_factor(user, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("The second factor of “%(username)s” was reset: its authenticator and backup "
                                    "codes no longer work.") % {"username": user.username})
    return redirect("second_factors")
