"""Personal API tokens: create, revoke, and find the user a presented key belongs to.

The key is 40 random URL-safe characters after a fixed ``ipc_`` marker; only its SHA-256 is
stored, so a database dump reveals no usable key. Each write is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities import audit
from cities.models import ApiToken, User
from ipcity.text import clean_display_name

KEY_MARKER = "ipc_"
MAX_ACTIVE_TOKENS = 10
# ``last_used_at`` is refreshed at most this often: one write per token per interval, not per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def tokens_of(user: User):
    return ApiToken.objects.filter(user=user)


@transaction.atomic
def create_api_token(user: User, *, name: str, by: User) -> tuple[ApiToken, str]:
    """A new token for ``user`` (only the user themself may create one) and its key, shown once."""
    if by is None or by.pk != user.pk:
        raise PermissionDenied(_("Only the account holder can create an API token for it."))
    given = name or ""
    name = clean_display_name(given)  # no control, bidi-override or invisible characters
    if not name and given.strip():
        raise ValidationError({"name": _("The name has no visible characters (control and text-direction "
                                         "characters are removed); give the token a readable name.")})
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the system that will use it.")})
    if len(name) > 80:
        raise ValidationError({"name": _("The name can have at most 80 characters.")})
    active = tokens_of(user).filter(revoked_at__isnull=True)
    if active.filter(name=name).exists():
        raise ValidationError({"name": _("You already have an active token named “%(name)s”.") % {"name": name}})
    if active.count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(_("You can hold at most %(n)d active tokens; revoke one you no longer use first.")
                              % {"n": MAX_ACTIVE_TOKENS})
    key = KEY_MARKER + secrets.token_urlsafe(30)
    expires_at = timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS) if settings.API_TOKEN_DAYS else None
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=hash_key(key),
                                    expires_at=expires_at)
    audit.record(actor=by, action="api_token.create", obj=token, data={
        "name": name, "prefix": token.prefix, "expires_at": expires_at.isoformat() if expires_at else None})
    return token, key


@transaction.atomic
def revoke_api_token(token: ApiToken, *, by: User) -> ApiToken:
    """Revoke ``token``: its holder may, and so may the security administrator."""
    from cities.enums import Role

    if by is None or (by.pk != token.user_id and not by.has_role(Role.SECURITY_ADMIN)):
        raise PermissionDenied(_("You may only revoke your own API tokens."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationError(_("This token was already revoked on %(date)s.")
                              % {"date": timezone.localtime(token.revoked_at).strftime("%Y-%m-%d %H:%M")})
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=by, action="api_token.revoke", obj=token, data={"name": token.name, "prefix": token.prefix})
    return token


def user_for_key(key: str) -> tuple[User, ApiToken] | None:
    """The active user and token a presented key belongs to, or ``None`` (unknown, revoked or expired)."""
    if not key.startswith(KEY_MARKER):
        return None
    now = timezone.now()
    token = (ApiToken.objects.select_related("user")
             .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), key_hash=hash_key(key), revoked_at__isnull=True)
             .first())
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token


audit.register_actions({
    "api_token.create": gettext_lazy("Created API token"),
    "api_token.revoke": gettext_lazy("Revoked API token"),
})


def revoke_all_api_tokens(user: User) -> int:
    """Revoke every live token of ``user`` (the account was disabled, reset or lost a role); the number revoked.
    Called inside the service that decided it, which audits."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
