"""The one way to write the activity log, and the labels its action keys show as."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from cities.enums import DesignationStatus, Role, Tier
from cities.models import AuditEntry, City, User
from ipcity.audit_context import current_ip

# action key -> label; apps add their own keys with ``register_actions``.
ACTION_LABELS: dict[str, Any] = {
    "auth.login": _("Logged in"),
    "auth.logout": _("Logged out"),
    "auth.login_failed": _("Failed login"),
    "auth.password_change": _("Changed password"),
    "user.create": _("Created user"),
    "user.update": _("Updated user"),
    "user.password_reset": _("Reset password"),
    "membership.grant": _("Granted role"),
    "membership.revoke": _("Revoked role"),
    "designation.grant": _("Granted title"),
    "designation.renew": _("Renewed title"),
    "designation.rectify": _("Started rectification"),
    "designation.revoke": _("Revoked title"),
    "designation.expire": _("Term ended"),
    "designation.import": _("Imported title"),
    "place.update": _("Updated place"),
    "place.import": _("Loaded administrative divisions"),
    # Written by ipcity/backup.py, which only the backup and restore commands import: registered here so
    # that the log shows the labels in every process.
    "system.backup": _("Made a backup"),
    "system.restore": _("Restored a backup"),
}


# state value -> label, from every state enum registered with ``register_states``.
STATE_LABELS: dict[str, Any] = {}


def register_actions(labels: dict[str, Any]) -> None:
    ACTION_LABELS.update(labels)


def register_states(*choices) -> None:
    for enum in choices:
        STATE_LABELS.update({member.value: member.label for member in enum})


def action_label(key: str):
    return ACTION_LABELS.get(key, key)


def state_label(value: str):
    return STATE_LABELS.get(value, value)


register_states(DesignationStatus, Role, Tier)


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
    city: City | None = None,
) -> AuditEntry:
    """Append one entry. ``actor=None`` means the system (a task or a command)."""
    if city is None and isinstance(obj, City):
        city = obj
    elif city is None and obj is not None and isinstance(getattr(obj, "city", None), City):
        city = obj.city
    entry = AuditEntry(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(actor.get_username() if actor is not None else ""),
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        from_state=str(from_state or ""),
        to_state=str(to_state or ""),
        reason=reason or "",
        data=data or {},
        ip=current_ip(),
        city=city,
    )
    entry.save()
    return entry
