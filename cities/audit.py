"""The one way to write the activity log, and the labels its action keys show as."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cities.audit_chain import GENESIS, chain_hash
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
    # Written by cities.middleware, ipcity.downloads and cities.audit_export.
    "access.denied": _("Access refused"),
    "file.download": _("Downloaded a file"),
    "file.export": _("Exported a table"),
    "audit.export": _("Exported the audit log"),
    "audit.purge": _("Purged old audit entries"),
}


# The key of the PostgreSQL advisory lock that serialises appends to the chain ("ipcity" in ASCII, then 1).
CHAIN_LOCK = 0x6970636974790001

# Labels of state values, by subject: the first part of an audit action key ("application" of
# "application.submit") or a subject a page names ("tier"). Two enums spell some values the same (an application's
# and a cycle's "draft", a title's and a procedure's "demonstration"), so a value is looked up under its subject.
STATE_LABELS: dict[str, dict[str, Any]] = {}


def register_actions(labels: dict[str, Any]) -> None:
    ACTION_LABELS.update(labels)


def register_states(*choices, subjects: tuple[str, ...]) -> None:
    """Register the labels of ``choices`` (TextChoices enums) for each subject in ``subjects``."""
    for subject in subjects:
        labels = STATE_LABELS.setdefault(subject, {})
        for enum in choices:
            labels.update({member.value: member.label for member in enum})


def action_label(key: str):
    return ACTION_LABELS.get(key, key)


def state_label(value: str, subject: str):
    """The label of state ``value`` under ``subject``: a subject name or an audit action key (its first part is
    used); the value itself when nothing is registered for it."""
    return STATE_LABELS.get(subject.split(".", 1)[0], {}).get(value, value)


register_states(DesignationStatus, subjects=("designation",))
register_states(Role, subjects=("membership",))
register_states(Tier, subjects=("tier",))


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
    """Append one entry, chained to the last one (``cities.audit_chain``). ``actor=None`` means the system (a task
    or a command).

    Two writers must not chain onto the same predecessor, so reading the last hash and inserting happen under one
    lock held to the end of the transaction: on PostgreSQL a transaction-level advisory lock; on SQLite the
    database's write lock, which every transaction takes at its start (``transaction_mode`` IMMEDIATE in
    settings). Audit writes therefore run one at a time from here to the commit of the enclosing transaction:
    services record their entry last, after their other writes.
    """
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
        data=json.loads(json.dumps(data or {})),  # as the database gives it back, so the hash matches
        ip=current_ip(),
        city=city,
    )
    # No savepoint of its own: if the append fails, the enclosing transaction must not commit without it.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
        entry.prev_hash = AuditEntry.objects.order_by("-pk").values_list("entry_hash", flat=True).first() or GENESIS
        entry.created_at = timezone.now()
        entry.entry_hash = chain_hash(entry.prev_hash, entry)
        entry.save()
    return entry
