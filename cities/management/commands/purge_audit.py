"""Archive and remove audit entries older than the retention period (cities/audit_retention.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cities.audit_retention import purge_audit_log


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("“%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": value}) from None


class Command(BaseCommand):
    help = (
        "Write the audit entries made before --before (a date, Asia/Shanghai) to the --export file (.csv or .xlsx), "
        "record the file's SM3 and SHA-256 in an audit.purge entry, and remove them. Refused for any date that "
        "would remove entries younger than AUDIT_RETENTION_DAYS. With two database roles, run it with the owner "
        "role's DATABASE_URL: the application's role may not delete audit entries."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--before", required=True, help="YYYY-MM-DD: entries written before this day go")
        parser.add_argument("--export", required=True, help="the archive to write: a new .csv or .xlsx file")

    def handle(self, *args, **options) -> None:
        before = _date(options["before"])
        try:
            purged = purge_audit_log(before=before, path=Path(options["export"]))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if purged is None:
            self.stdout.write(_("No audit entry was written before %(before)s: nothing was purged, no file was "
                                "written.") % {"before": before.isoformat()})
            return
        self.stdout.write(_(
            "Purged %(count)d audit entries (ID %(first)s to %(last)s) after archiving them to %(path)s "
            "(SM3 %(sm3)s, SHA-256 %(sha256)s). Recorded as entry %(entry)s; the chain now starts from %(anchor)s."
        ) % {"count": purged.count, "first": purged.first.pk, "last": purged.last.pk, "path": options["export"],
             "sm3": purged.written.sm3, "sha256": purged.written.sha256, "entry": purged.entry.pk,
             "anchor": purged.last.entry_hash})
