"""Print the current authenticator code of a demo account (DEBUG only), for trying the demo without a phone."""

from __future__ import annotations

import base64

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_otp.oath import TOTP

from cities.demo import DEMO_TOTP_SECRETS


class Command(BaseCommand):
    help = ("Print the current 6-digit authenticator code of a demo account that signs in with a second factor "
            f"({', '.join(DEMO_TOTP_SECRETS)}), computed from its published secret. Refuses to run unless DEBUG is "
            "on.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", choices=sorted(DEMO_TOTP_SECRETS))

    def handle(self, *args, username: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(_("demo_totp runs only with DEBUG on: it is for the demo accounts."))
        totp = TOTP(base64.b32decode(DEMO_TOTP_SECRETS[username]))
        self.stdout.write(f"{totp.token():06d}")
