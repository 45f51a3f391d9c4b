"""Password rules as Django password validators (``AUTH_PASSWORD_VALIDATORS``, chosen by ``PASSWORD_POLICY`` in
``ipcity.password_policy``), and the one answer to "must this account change its password now?".
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.enums import PasswordChangeReason
from cities.models import PasswordHistory


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with an error message the Chinese catalog has (Django 5.2 changed its wording, and its own Chinese
    catalog still holds the old one: the refusal came out in English)."""

    def get_error_message(self) -> str:
        return _("This password is too short: it must contain at least %(min_length)d characters.")


def character_classes(password: str) -> int:
    """How many of the 4 kinds of characters ``password`` uses: upper-case letters, lower-case letters, digits,
    and symbols (any other character: punctuation, spaces, Chinese characters)."""
    kinds = set()
    for char in password:
        if char.isupper():
            kinds.add("upper")
        elif char.islower():
            kinds.add("lower")
        elif char.isdecimal():
            kinds.add("digit")
        else:
            kinds.add("symbol")
    return len(kinds)


class CharacterClassesValidator:
    """At least ``min_classes`` of the 4 kinds of characters (等保 2.0: 3)."""

    def __init__(self, min_classes: int = 3):
        if not 1 <= min_classes <= 4:
            raise ValueError("min_classes must be between 1 and 4")
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        found = character_classes(password)
        if found < self.min_classes:
            raise ValidationError(
                _("The password must contain characters of at least %(min_classes)d of these 4 kinds: upper-case "
                  "letters, lower-case letters, digits and symbols; this one has %(found)d.")
                % {"min_classes": self.min_classes, "found": found},
                code="password_too_few_character_classes",
            )

    def get_help_text(self) -> str:
        return _("Your password must contain characters of at least %(min_classes)d of these 4 kinds: upper-case "
                 "letters, lower-case letters, digits and symbols.") % {"min_classes": self.min_classes}


class PasswordHistoryValidator:
    """Not one of the account's last ``remember`` passwords, the current one included (等保 2.0: 5).

    Django calls ``password_changed`` once a new password is saved (``AbstractBaseUser.save``), on every path
    that sets one: services, the admin, management commands. It records the new hash and keeps the newest
    ``remember``. Only the account's owner meets this rule: an administrator's reset skips it
    (``validate_password_by_administrator``)."""

    def __init__(self, remember: int = 5):
        if remember < 1:
            raise ValueError("remember must be at least 1")
        self.remember = remember

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        if user.has_usable_password() and check_password(password, user.password):
            raise ValidationError(_("Choose a password different from the current one."), code="password_unchanged")
        if user.pk is None:
            return
        remembered = self._remembered(user).values_list("password", flat=True)[: self.remember]
        if any(check_password(password, encoded) for encoded in remembered if encoded != user.password):
            raise ValidationError(
                _("You used this password recently: choose one that is none of your last %(remember)d.")
                % {"remember": self.remember},
                code="password_reused",
            )

    def password_changed(self, password: str, user=None) -> None:
        if user is None or user.pk is None or not user.has_usable_password():
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        forgotten = self._remembered(user).values_list("pk", flat=True)[self.remember:]
        PasswordHistory.objects.filter(pk__in=list(forgotten)).delete()

    def _remembered(self, user):
        """The account's recorded passwords, newest first, as many as are remembered."""
        return PasswordHistory.objects.filter(user=user).order_by("-created_at", "-pk")

    def get_help_text(self) -> str:
        return _("Your password cannot be any of your last %(remember)d passwords.") % {"remember": self.remember}


def administrator_password_validators() -> list:
    """The policy's validators for a password an administrator gives an account (a reset), all but the history
    rule: its refusal would tell the administrator that the password typed is one the account has, or had. The
    owner must replace it at the next sign-in anyway, by one the history rule checks (it records the
    administrator's)."""
    return [v for v in password_validation.get_default_password_validators()
            if not isinstance(v, PasswordHistoryValidator)]


def validate_password_by_administrator(password: str, user) -> None:
    password_validation.validate_password(password, user, password_validators=administrator_password_validators())


def password_expired(user) -> bool:
    """The password is older than ``PASSWORD_MAX_AGE_DAYS`` (never, when that is 0 or no password was set)."""
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    changed = user.password_changed_at
    return bool(max_age) and changed is not None and timezone.now() - changed > dt.timedelta(days=max_age)


def password_change_reason(user) -> PasswordChangeReason | None:
    """Why the signed-in ``user`` must set a new password before anything else, or None. The pages
    (``ipcity.middleware.PasswordChangeRequiredMiddleware``) and the API (``ipcity.api_permissions``) both ask
    here."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.must_change_password:
        return PasswordChangeReason.SET_BY_ADMINISTRATOR
    if password_expired(user):
        return PasswordChangeReason.EXPIRED
    return None
