"""Import real designations from a CSV file."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cities.importers import DESIGNATIONS_CSV, import_designations


class Command(BaseCommand):
    help = (
        "Import designations (titles) from a CSV file with the columns tier, batch, term, name_as_designated, "
        "adcode_current, doc_no and source. All or nothing; rows already imported are skipped. "
        "The default file, cities/data/designated_cities.csv, is a copy of "
        "../shared/domain-data/designated_cities.csv: the 73 real designations with their sources. "
        "Run load_places first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?", default=str(DESIGNATIONS_CSV),
                            help="CSV file (default: %(default)s)")

    def handle(self, *args, path: str, **options) -> None:
        try:
            result = import_designations(path, by=None)
        except OSError as error:
            raise CommandError(str(error)) from error
        if not result.ok:
            raise CommandError("\n".join([_("Nothing was imported."), *result.errors]))
        self.stdout.write(self.style.SUCCESS(
            f"Designations: {len(result.created)} created, {result.skipped} already present."
        ))
