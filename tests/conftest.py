from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from django.conf import settings
from django.utils import translation

from cities.enums import Role
from tests.factories import CityFactory, ProvinceFactory, user_with_role


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language (Chinese), as a request without a language cookie does:
    a test that switched to English (or a request handled in it) must not leave its thread in English for the
    service messages of the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def liaoning(db):
    return ProvinceFactory(code="210000", name="辽宁省", short_name="辽宁")


@pytest.fixture
def guangdong(db):
    return ProvinceFactory(code="440000", name="广东省", short_name="广东")


@pytest.fixture
def fushun_city(liaoning):
    return CityFactory(code="210400", province=liaoning, name="抚顺市", full_name="抚顺市")


@pytest.fixture
def yangjiang_city(guangdong):
    return CityFactory(code="441700", province=guangdong, name="阳江市", full_name="阳江市")


def placeless_persona(role: str, username: str):
    """A fixture: a user holding ``role``, a role that names no province or city."""

    @pytest.fixture
    def persona(db):
        return user_with_role(role, username=username)

    return persona


national_admin = placeless_persona(Role.NATIONAL_ADMIN, "cnipa_t")
audit_admin = placeless_persona(Role.AUDIT_ADMIN, "auditor_t")
sysadmin = placeless_persona(Role.SYSTEM_ADMIN, "sysadmin_t")
secadmin = placeless_persona(Role.SECURITY_ADMIN, "secadmin_t")
reviewer = placeless_persona(Role.REVIEWER, "expert_t")


@pytest.fixture
def liaoning_staff(liaoning):
    return user_with_role(Role.PROVINCE_STAFF, username="liaoning_t", province=liaoning)


@pytest.fixture
def guangdong_staff(guangdong):
    return user_with_role(Role.PROVINCE_STAFF, username="guangdong_t", province=guangdong)


@pytest.fixture
def fushun_officer(fushun_city):
    return user_with_role(Role.CITY_OFFICER, username="fushun_t", city=fushun_city)


@pytest.fixture
def yangjiang_officer(yangjiang_city):
    return user_with_role(Role.CITY_OFFICER, username="yangjiang_t", city=yangjiang_city)


@pytest.fixture
def api():
    """``api(user)``: an API client authenticated by a real token of ``user``, one per user."""
    from tests.api.utils import token_client

    clients: dict = {}

    def client(user):
        if user.pk not in clients:
            clients[user.pk] = token_client(user)
        return clients[user.pk]

    return client


@pytest.fixture
def demo_loaded(settings, db, time_machine):
    """The demo data (``manage.py load_demo``, as ``make run`` loads it) on 2026-06-01 at 10:00 in Shanghai; the
    clock stays there for the test."""
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
