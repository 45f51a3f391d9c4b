"""Two-factor sign-in (django-otp): who must enrol, who must verify, and the writes, each audited.

A second factor is a confirmed TOTP device (an authenticator app) with a set of one-time backup codes beside it
(a static device). After the password, a user who has one must enter a code before any page opens; a user who
must have one (``SECOND_FACTOR_REQUIRED_ROLES``, while ``TWO_FACTOR_ENFORCED`` is on) and has none reaches
only the enrolment page (``ipcity.middleware.SecondFactorMiddleware``). django-otp throttles guesses itself:
after each wrong code the device refuses every code for 1, 2, 4, 8 … seconds.

Verification writes to the device (its throttling counters, the last time step used) even when it fails, so
codes are checked outside any transaction that a refusal would roll back.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cities import audit
from cities.enums import SECOND_FACTOR_REQUIRED_ROLES
from cities.models import User
from cities.services import require

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"


class Step(enum.Enum):
    """What a signed-in but not yet verified user must do before any page opens."""

    VERIFY = "verify"
    ENROL = "enrol"


def second_factor_required(user: User) -> bool:
    """``user`` must enrol a second factor: a national administrator or one of the 三员, while enforced."""
    return bool(settings.TWO_FACTOR_ENFORCED and user.roles & SECOND_FACTOR_REQUIRED_ROLES)


def totp_device_of(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_step(user: User) -> Step | None:
    """What ``user`` (signed in with the password, not verified in this session) must do next, if anything.

    An enrolled user always verifies, whatever ``TWO_FACTOR_ENFORCED`` says; the setting only decides whether
    the required roles must enrol."""
    if has_second_factor(user):
        return Step.VERIFY
    if second_factor_required(user):
        return Step.ENROL
    return None


def grouped_secret(device: TOTPDevice) -> str:
    """The device's secret in base32, in groups of four, for typing into an authenticator app by hand."""
    secret = base64.b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _throttled_message(until: dt.datetime) -> str:
    seconds = max(1, int((until - timezone.now()).total_seconds() + 0.999))
    return _("Too many wrong codes: wait %(seconds)d seconds, then enter the current code.") % {"seconds": seconds}


def _check_code(device: TOTPDevice | StaticDevice, code: str) -> None:
    """Raise ValidationError unless ``device`` accepts ``code`` (django-otp's throttled check; a backup code is
    used up)."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        raise ValidationError(_throttled_message(details["locked_until"]), code="throttled")
    if not device.verify_token(code):
        if isinstance(device, StaticDevice):
            raise ValidationError(_("This is not a valid backup code, or it has been used already."),
                                  code="wrong_code")
        raise ValidationError(_("The code is not correct: enter the 6 digits your authenticator app shows now."),
                              code="wrong_code")


# --- Enrolment --------------------------------------------------------------------------------------------


def _require_self(user: User, by: User | None) -> None:
    if by is None or by.pk != user.pk:
        raise PermissionDenied(_("Only the account holder can set up their own second factor."))


def start_totp_enrolment(user: User, *, by: User) -> TOTPDevice:
    """The unconfirmed authenticator device ``user`` is enrolling (the same one until confirmed, so that the QR
    code does not change when the page is opened again)."""
    _require_self(user, by)
    if has_second_factor(user):
        raise ValidationError(_("You already have a second factor. To set up a new one, ask the security "
                                "administrator to reset it."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def confirm_totp_device(device: TOTPDevice, *, code: str, by: User) -> list[str]:
    """Confirm ``device`` with a code from the authenticator app; return the new backup codes (shown once)."""
    user = device.user
    _require_self(user, by)
    if device.confirmed or has_second_factor(user):
        raise ValidationError(_("You already have a second factor."))
    _check_code(device, _normalise(code))
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _new_backup_codes(user)
        audit.record(actor=by, action="2fa.enrol", obj=user, data={"backup_codes": len(codes)})
    return codes


def regenerate_backup_codes(user: User, *, by: User) -> list[str]:
    """A new set of backup codes for ``user``; the old ones stop working."""
    _require_self(user, by)
    if not has_second_factor(user):
        raise ValidationError(_("Set up an authenticator app first: backup codes come with it."))
    with transaction.atomic():
        codes = _new_backup_codes(user)
        audit.record(actor=by, action="2fa.backup_codes", obj=user, data={"backup_codes": len(codes)})
    return codes


# --- Sign-in ----------------------------------------------------------------------------------------------


def verify_second_factor(user: User, *, code: str) -> TOTPDevice | StaticDevice:
    """The device that accepts ``code`` (a current authenticator code, or one unused backup code, which is then
    used up); a refusal is audited and raises ValidationError."""
    code = _normalise(code)
    totp = totp_device_of(user)
    if totp is None:
        raise ValidationError(_("You have no second factor to verify."))
    try:
        if not code:
            raise ValidationError(_("Enter the code from your authenticator app or one of your backup codes."),
                                  code="empty")
        if code.isdigit() and len(code) == totp.digits:  # backup codes have 8 characters
            _check_code(totp, code)
            audit.record(actor=user, action="2fa.verified", obj=user, data={"with": "authenticator"})
            return totp
        backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
        if backup is None:
            raise ValidationError(_("This is not a valid backup code."), code="wrong_code")
        _check_code(backup, code)
        audit.record(actor=user, action="2fa.verified", obj=user,
                     data={"with": "backup_code", "backup_codes_left": backup.token_set.count()})
        return backup
    except ValidationError as exc:
        if exc.code != "empty":
            audit.record(actor=user, action="2fa.failed", obj=user, data={"reason": exc.code})
        raise


# --- The security administrator ------------------------------------------------------------------------------


def enrolled_devices():
    """Every confirmed authenticator device with its user, by username."""
    return TOTPDevice.objects.filter(confirmed=True).select_related("user").order_by("user__username")


def reset_second_factor(user: User, *, by: User | None) -> int:
    """Delete every device of ``user`` (the security administrator may, for another account): they must enrol
    again at their next sign-in if their role requires a second factor. Returns how many devices were deleted."""
    require(by, "cities.reset_second_factor")
    if by is not None and by.pk == user.pk:
        raise PermissionDenied(_("You cannot reset your own second factor: another security administrator must."))
    with transaction.atomic():
        totp = TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0)
        static = StaticDevice.objects.filter(user=user).delete()[1].get(StaticDevice._meta.label, 0)
        if not totp and not static:
            raise ValidationError(_("“%(username)s” has no second factor to reset.") % {"username": user.username})
        audit.record(actor=by, action="2fa.reset", obj=user,
                     data={"username": user.username, "devices": totp + static})
    return totp + static


audit.register_actions({
    "2fa.enrol": gettext_lazy("Set up two-factor sign-in"),
    "2fa.backup_codes": gettext_lazy("Generated new backup codes"),
    "2fa.reset": gettext_lazy("Reset second factor"),
    "2fa.failed": gettext_lazy("Wrong second-factor code"),
    "2fa.verified": gettext_lazy("Verified second factor"),
})
