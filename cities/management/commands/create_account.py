"""Create an account with one role, from the command line (first accounts of a new installation)."""

from __future__ import annotations

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cities import services
from cities.enums import Role
from cities.models import City, Province


class Command(BaseCommand):
    help = "Create an account holding one role. Asks for the password unless --password-file is given."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--full-name", default="")
        parser.add_argument("--province", help="province code (province staff, reviewer affiliation)")
        parser.add_argument("--city", help="city code (city officer, reviewer affiliation)")
        parser.add_argument("--password-file", help="read the password from this file")

    def handle(self, *args, username, role, full_name, province, city, password_file, **options):
        try:
            province_obj = Province.objects.get(code=province) if province else None
            city_obj = City.objects.get(code=city) if city else None
        except (Province.DoesNotExist, City.DoesNotExist) as exc:
            raise CommandError(f"unknown place: {exc}") from exc
        if password_file:
            with open(password_file, encoding="utf-8") as fh:
                password = fh.read().strip()
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the passwords differ")
        try:
            user = services.create_user(username=username, password=password, full_name=full_name, by=None)
            services.grant_membership(user, role=role, province=province_obj, city=city_obj, by=None)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"created {username} ({Role(role).label})"))
