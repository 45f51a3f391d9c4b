"""Reset an account's second factor from the command line: the way back in when the only security administrator
has lost their phone and backup codes (audited, with the system as actor)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cities import twofactor
from cities.models import User


class Command(BaseCommand):
    help = ("Delete the authenticator and backup codes of an account (audit entry 2fa.reset, by the system). "
            "In the pages the security administrator does this; use the command when no other security "
            "administrator can.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account “{username}”")
        try:
            deleted = twofactor.reset_second_factor(user, by=None)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"{username}: {deleted} device(s) deleted")
