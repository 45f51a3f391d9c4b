"""Restore a backup archive into an empty database and media folder (see ipcity/backup.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ipcity import backup


class Command(BaseCommand):
    help = (
        "Check an archive made by `backup` against its manifest, then restore it into an empty database and "
        "an empty media folder and compare the row counts. Refuses, changing nothing, when anything is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--check", action="store_true", help="only verify the archive; change nothing")

    def handle(self, *args, archive, check, **options) -> None:
        try:
            manifest = backup.verify_archive(archive) if check else backup.restore_archive(archive)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("The archive made at %(created_at)s is intact: %(files)d files match the manifest.")
                          % {"created_at": manifest["created_at"], "files": len(manifest["files"])})
        if check:
            return
        self.stdout.write(_("Database restored: the rows of all %(tables)d tables (%(rows)d rows) match the "
                            "manifest.")
                          % {"tables": len(manifest["tables"]), "rows": sum(manifest["tables"].values())})
        self.stdout.write(_("Media restored: %(files)d files in %(folder)s.")
                          % {"files": len(manifest["files"]) - 1, "folder": settings.MEDIA_ROOT})
        if pending := backup.pending_migrations():
            self.stdout.write(self.style.WARNING(
                _("This version has %(count)d migrations the backup lacks: run manage.py migrate.")
                % {"count": pending}))
