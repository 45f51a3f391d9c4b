"""Retention of the audit log: entries younger than ``IPCITY["AUDIT_RETENTION_DAYS"]`` (180 by default) are never
removed; older ones only by ``manage.py purge_audit``, which first writes them to an archive file
(``cities.audit_export``) and records that file's SM3 and SHA-256 in an ``audit.purge`` entry.

The purge removes a *prefix* of the chain (everything before the first entry of the cut-off day or later, in id
order), so the entries that remain still form one chain. The ``audit.purge`` entry is appended before the
deletion, chained to the newest entry, and carries as its ``anchor`` the hash of the last entry removed:
``verify_audit`` starts from that anchor instead of the genesis (``verification_start``).

The database refuses DELETE on the audit table except through the narrow gate that migration
``0009_audit_purge_gate`` adds: ``SET LOCAL ipcity.audit_purge = on`` on PostgreSQL, the connection's
``ipcity_audit_purge()`` function on SQLite; both are opened here around the one DELETE and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from cities import audit, audit_export
from cities.audit_chain import GENESIS
from cities.models import AuditEntry, User
from ipcity.dates import local_today

PURGE_ACTION = "audit.purge"


def retention_days() -> int:
    return settings.IPCITY["AUDIT_RETENTION_DAYS"]


def latest_cutoff(today: dt.date | None = None) -> dt.date:
    """The latest ``--before`` date that removes no entry younger than the retention."""
    return (today or local_today()) - dt.timedelta(days=retention_days())


@dataclass(frozen=True)
class Purged:
    count: int
    first: AuditEntry
    last: AuditEntry
    written: audit_export.Written
    entry: AuditEntry  # the audit.purge entry


def _format_of(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in audit_export.WRITERS:
        raise ValidationError(_("The archive must be a .csv or an .xlsx file, not “%(name)s”.") % {"name": path.name})
    return fmt


def _check(before: dt.date, path: Path) -> str:
    if before > latest_cutoff():
        raise ValidationError(_(
            "Refused: purging before %(before)s would remove entries younger than the retention period of "
            "%(days)d days. The latest date allowed today is %(latest)s.") % {
            "before": before.isoformat(), "days": retention_days(), "latest": latest_cutoff().isoformat()})
    fmt = _format_of(path)
    if path.exists():
        raise ValidationError(_("Refused: the archive %(path)s already exists; give a new file name.")
                              % {"path": path})
    if not path.parent.is_dir():
        raise ValidationError(_("Refused: the folder %(folder)s does not exist.") % {"folder": path.parent})
    return fmt


@contextmanager
def _delete_gate_open():
    """Open the database's DELETE gate for the audit table, for this transaction's next statement only."""
    if connection.vendor == "postgresql":
        # A failure inside rolls the transaction back, and the setting with it.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL ipcity.audit_purge = on")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL ipcity.audit_purge = off")
    else:
        connection.ipcity_audit_purge = True
        try:
            yield
        finally:
            connection.ipcity_audit_purge = False


def purge_audit_log(*, before: dt.date, path: Path, by: User | None = None) -> Purged | None:
    """Archive to ``path`` (.csv or .xlsx) and remove the entries written before ``before`` (a date, Asia/Shanghai),
    or refuse with a ValidationError and change nothing. ``None`` when there is nothing to remove (no file is
    written). ``by`` is ``None`` for the command (the system)."""
    fmt = _check(before, Path(path))
    cutoff = timezone.make_aware(dt.datetime.combine(before, dt.time.min))
    created = False
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":  # no entry may be appended while the prefix is chosen
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [audit.CHAIN_LOCK])
            boundary = AuditEntry.objects.filter(created_at__gte=cutoff).order_by("pk").values_list(
                "pk", flat=True).first()
            prefix = AuditEntry.objects.filter(pk__lt=boundary) if boundary else AuditEntry.objects.all()
            ends = list(prefix.order_by("pk")[:1]) + list(prefix.order_by("-pk")[:1])
            if not ends:
                return None
            first, last = ends
            with open(path, "x+b") as out:
                created = True
                written = audit_export.write(prefix, fmt=fmt, out=out)
            entry = audit.record(actor=by, action=PURGE_ACTION, data={
                "rows": written.count, "before": before.isoformat(), "retention_days": retention_days(),
                "first_id": first.pk, "last_id": last.pk, "first_time": first.created_at.isoformat(),
                "last_time": last.created_at.isoformat(), "anchor": last.entry_hash, "file": Path(path).name,
                "format": fmt, "size": written.size, "sm3": written.sm3, "sha256": written.sha256})
            with _delete_gate_open(), connection.cursor() as cursor:
                cursor.execute("DELETE FROM cities_auditentry WHERE id <= %s", [last.pk])
                deleted = cursor.rowcount
            if deleted != written.count:  # an entry appeared or vanished under the lock: never half-done
                raise RuntimeError(f"archived {written.count} audit entries but deleted {deleted}")
    except BaseException:
        if created:
            os.unlink(path)
        raise
    return Purged(written.count, first, last, written, entry)


@dataclass(frozen=True)
class Start:
    prev_hash: str
    purge: AuditEntry | None  # the audit.purge entry whose anchor the chain starts from


def verification_start() -> Start:
    """Where ``verify_audit`` starts: the anchor of the newest purge, or the genesis if the log was never purged."""
    purge = AuditEntry.objects.filter(action=PURGE_ACTION).order_by("-pk").first()
    if purge is None:
        return Start(GENESIS, None)
    return Start(str(purge.data.get("anchor", "")), purge)


@receiver(connection_created)
def register_sqlite_gate(sender, connection, **kwargs) -> None:
    """The SQL function the SQLite DELETE trigger asks (migration 0009): open only inside ``_delete_gate_open``,
    or everywhere if the test settings allow the test runner's flush."""
    if connection.vendor != "sqlite":
        return

    def gate_open() -> int:
        return int(bool(getattr(connection, "ipcity_audit_purge", False)
                        or getattr(settings, "AUDIT_ALLOW_FLUSH", False)))

    connection.connection.create_function("ipcity_audit_purge", 0, gate_open)
