from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cities.enums import THREE_ADMIN_ROLES, Role
from ipcity.fieldcrypto import EncryptedCharField, EncryptedEmailField


class User(AbstractUser):
    """A person. What they may do comes from their memberships, never from flags."""

    full_name = models.CharField(pgettext_lazy("person", "full name"), max_length=60, blank=True)
    # Personal data, stored SM4-encrypted (ipcity/fieldcrypto.py): neither can be searched or filtered on.
    email = EncryptedEmailField(_("email address"), blank=True)
    phone = EncryptedCharField(_("telephone"), max_length=40, blank=True)
    must_change_password = models.BooleanField(
        _("must set a new password"),
        default=False,
        help_text=_("An administrator set the password (new account or reset): the user must choose their own at "
                    "the next sign-in before doing anything else."),
    )

    # When the password was last set (not when its hash was upgraded): a password older than
    # PASSWORD_MAX_AGE_DAYS must be changed (cities.passwords.password_change_reason). Empty: no password set yet.
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True, editable=False)

    # Raised to end every session of the account at once (disabled, password reset, a role revoked): the
    # session's auth hash covers it, so an old cookie never works again, even once the account is enabled.
    session_generation = models.PositiveIntegerField(_("session generation"), default=0, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        # ``_password`` holds a password given to set_password() until the save: a new password, never the
        # rehash Django does at sign-in when the hasher's parameters change (it clears ``_password`` first).
        if self._password is not None:
            self.password_changed_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "password" in update_fields:
                kwargs["update_fields"] = {*update_fields, "password_changed_at"}
        super().save(*args, **kwargs)

    def _get_session_auth_hash(self, secret=None) -> str:
        """Django's hash of the password, with the session generation in it."""
        return salted_hmac("ipcity.cities.User.session_auth_hash", f"{self.password}\n{self.session_generation}",
                           secret=secret, algorithm="sha256").hexdigest()

    @property
    def roles(self) -> frozenset[str]:
        """The roles of this user's active memberships (cached per instance)."""
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = frozenset(m.role for m in self.active_memberships)
            self._roles_cache = cached
        return cached

    @property
    def active_memberships(self) -> list[Membership]:
        cached = getattr(self, "_memberships_cache", None)
        if cached is None:
            if self.pk is None or not self.is_active:
                cached = []
            else:
                cached = list(
                    Membership.objects.filter(user=self, is_active=True).select_related("province", "city__province")
                )
            self._memberships_cache = cached
        return cached

    def forget_memberships(self) -> None:
        for attr in ("_roles_cache", "_memberships_cache"):
            self.__dict__.pop(attr, None)

    def has_role(self, role: str) -> bool:
        return role in self.roles


class Membership(models.Model):
    """One role a user holds, with the place it acts for.

    Province staff name their province, city officers their city; a reviewer may
    name the province and city of their affiliation (used for conflicts of interest).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    province = models.ForeignKey(
        "cities.Province", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("province")
    )
    city = models.ForeignKey("cities.City", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("city"))
    employer = models.CharField(_("employer"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        constraints = [
            # One membership per user, role and place (NULLs are distinct in SQL, hence three).
            models.UniqueConstraint(fields=["user", "role", "city"], condition=Q(city__isnull=False),
                                    name="membership_unique_city",
                                    violation_error_message=_("This account already holds this role for this city.")),
            models.UniqueConstraint(fields=["user", "role", "province"],
                                    condition=Q(city__isnull=True, province__isnull=False),
                                    name="membership_unique_province",
                                    violation_error_message=_("This account already holds this role for this "
                                                              "province.")),
            models.UniqueConstraint(fields=["user", "role"], condition=Q(city__isnull=True, province__isnull=True),
                                    name="membership_unique_placeless",
                                    violation_error_message=_("This account already holds this role.")),
            # 三员: at most one of system / security / audit admin per account.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role__in=sorted(THREE_ADMIN_ROLES)) & Q(is_active=True),
                name="membership_one_three_admin_role",
                violation_error_message=_("An account may hold only one of the system, security and audit "
                                          "administrator roles."),
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.PROVINCE_STAFF) | Q(province__isnull=False, city__isnull=True),
                name="membership_province_staff_has_province",
                violation_error_message=_("Provincial bureau staff must be given a province and no city."),
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.CITY_OFFICER) | Q(city__isnull=False),
                name="membership_city_officer_has_city",
                violation_error_message=_("City bureau officers must be given a city."),
            ),
        ]
        indexes = [models.Index(fields=["user", "is_active"], name="membership_user_active")]

    def __str__(self) -> str:
        place = self.city or self.province
        return f"{self.user} · {self.get_role_display()}" + (f" · {place}" if place else "")


class PasswordHistory(models.Model):
    """A password an account has had (its hash), newest last: the history rule refuses it again
    (``cities.passwords.PasswordHistoryValidator`` records and trims them)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history", verbose_name=_("user"))
    password = models.CharField(_("password"), max_length=128)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("former password")
        verbose_name_plural = _("former passwords")
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_user_newest")]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"
