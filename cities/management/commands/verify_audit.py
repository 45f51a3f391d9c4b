"""Check the audit log's SM3 hash chain (cities/audit_chain.py) and name the first entry that does not hold."""

from __future__ import annotations

from contextlib import closing

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.audit_chain import verify_chain
from cities.audit_retention import verification_start
from cities.models import AuditEntry


class Command(BaseCommand):
    help = (
        "Recompute the SM3 hash chain of the audit log in id order. Exits with status 1 at the first entry that "
        "was changed, or whose predecessor was deleted; otherwise prints how many entries hold and the last hash. "
        "After a purge (purge_audit) the chain starts from the anchor its audit.purge entry recorded."
    )

    def handle(self, *args, **options) -> None:
        # Closed here, while its server-side cursor (PostgreSQL) is still open, even when the walk stops early.
        start = verification_start()
        with closing(AuditEntry.objects.order_by("pk").iterator(chunk_size=2000)) as entries:
            result = verify_chain(entries, start=start.prev_hash)
        if result.broken is not None:
            entry = result.broken.entry
            facts = {"id": entry.pk, "time": timezone.localtime(entry.created_at).isoformat(timespec="seconds"),
                     "action": entry.action, "verified": result.verified}
            if result.broken.reason == "link":
                raise CommandError(_(
                    "The audit log is broken at entry %(id)s (%(time)s, %(action)s): its previous hash does not "
                    "match the entry before it, which was deleted or changed. %(verified)d entries before it hold."
                ) % facts)
            raise CommandError(_(
                "The audit log is broken at entry %(id)s (%(time)s, %(action)s): its content does not match its "
                "hash, so it was changed after it was written. %(verified)d entries before it hold."
            ) % facts)
        self.stdout.write(_("The audit log holds: %(count)d entries verified. Last hash (SM3): %(hash)s")
                          % {"count": result.verified, "hash": result.last_hash})
        if start.purge is not None:
            self.stdout.write(_(
                "It starts after the purge recorded in entry %(id)s (%(time)s): entries up to ID %(last_id)s were "
                "archived to %(file)s (SM3 %(sm3)s); the chain continues from their last hash %(anchor)s."
            ) % {"id": start.purge.pk, "time": timezone.localtime(start.purge.created_at).isoformat(timespec="seconds"),
                 "last_id": start.purge.data.get("last_id"), "file": start.purge.data.get("file"),
                 "sm3": start.purge.data.get("sm3"), "anchor": start.prev_hash})
