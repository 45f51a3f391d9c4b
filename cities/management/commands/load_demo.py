"""Load the demo data of every app (DEBUG only)."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext as _

from cities.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Load demo data: calls load() of the module <app>.demo of every installed app that has one, in "
        "INSTALLED_APPS order (cities first: real places, the 73 real designations, demo accounts). "
        "Refuses to run unless DEBUG is on. Safe to run again."
    )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                _("load_demo runs only with DEBUG on: it creates accounts with a published password.")
            )
        try:
            with transaction.atomic():
                for app_config in apps.get_app_configs():
                    if not module_has_submodule(app_config.module, "demo"):
                        continue
                    summary = importlib.import_module(f"{app_config.name}.demo").load()
                    details = ", ".join(f"{key}: {value}" for key, value in (summary or {}).items())
                    self.stdout.write(f"{app_config.label}: {details or 'loaded'}")
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from error
        self.stdout.write("")
        self.stdout.write(f"{'username':<12}{'role':<44}place")
        for account in DEMO_ACCOUNTS:
            place = " ".join(filter(None, [account.place, account.employer]))
            self.stdout.write(f"{account.username:<12}{account.role_label:<44}{place}")
        self.stdout.write(self.style.SUCCESS(f"Password of every demo account: {DEMO_PASSWORD}"))
