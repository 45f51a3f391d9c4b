"""Write one backup archive: the database, the media folder and a manifest (see ipcity/backup.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ipcity import backup


class Command(BaseCommand):
    help = (
        "Write one archive (.zip) holding the database, the media folder and a manifest with the SHA-256 of "
        "every file and the rows of every table. Safe while the application runs."
    )

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--output", type=Path, help="the archive's path (never overwritten)")
        where.add_argument("--folder", type=Path,
                           help="folder for ipcity-backup-<time>.zip (default: IPCITY_VAR_DIR/backups)")
        parser.add_argument("--keep", type=int, help="then delete all but the N newest archives in that folder")

    def handle(self, *args, output, folder, keep, **options) -> None:
        if keep is not None and keep < 1:
            raise CommandError(_("--keep must be at least 1."))
        path = (output or backup.archive_path(folder or settings.VAR_DIR / "backups")).absolute()
        try:
            manifest = backup.create_archive(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
        self.stdout.write(_("Database (%(engine)s): %(tables)d tables, %(rows)d rows. Media: %(files)d files. "
                            "Archive: %(size)s.") % {
            "engine": manifest["database"]["engine"], "tables": len(manifest["tables"]),
            "rows": sum(manifest["tables"].values()), "files": len(manifest["files"]) - 1,
            "size": filesizeformat(path.stat().st_size)})
        for old in backup.prune_archives(path.parent, keep) if keep else []:
            self.stdout.write(_("Deleted the older archive %(path)s.") % {"path": old})
