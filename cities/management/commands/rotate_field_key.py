"""Re-encrypt the personal data stored SM4-encrypted under the current FIELD_ENCRYPTION_KEY (cities/key_rotation.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cities.key_rotation import check_field_key, rotate_field_key
from ipcity import sm4


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value (telephone numbers, e-mail addresses) that is under one of "
        "FIELD_ENCRYPTION_OLD_KEYS or still in plain text, under FIELD_ENCRYPTION_KEY; with --check only count "
        "the rows that still need it (exit status 1 if any)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only count; change nothing.")
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")

    def handle(self, *args, check: bool, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        key_id = sm4.configured_keyring().current_id
        try:
            counts = check_field_key(batch_size=batch_size) if check else rotate_field_key(batch_size=batch_size)
        except sm4.FieldDecryptionError as exc:
            raise CommandError(str(exc)) from exc
        for count in counts:
            facts = {"model": count.model, "fields": ", ".join(count.fields), "rows": count.rows,
                     "stale": count.stale, "key": key_id}
            if check:
                self.stdout.write(_("%(model)s (%(fields)s): %(rows)d rows, %(stale)d not yet under key %(key)s.")
                                  % facts)
            else:
                self.stdout.write(_("%(model)s (%(fields)s): %(rows)d rows, %(stale)d re-encrypted under key "
                                    "%(key)s.") % facts)
        stale = sum(count.stale for count in counts)
        if check and stale:
            raise CommandError(_("%(stale)d rows still hold values in plain text or under an old key: run "
                                 "manage.py rotate_field_key.") % {"stale": stale})
        if check:
            self.stdout.write(_("Every encrypted value is under key %(key)s: the old keys can be removed.")
                              % {"key": key_id})
