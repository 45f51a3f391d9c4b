"""One small world for the permission matrix: two provinces, a city in each, a person of each role,
and what each app adds (``tests/api/world_<app>.py`` define ``build(world)``, run in app order).

Paths in ``tests/matrix/*.yaml`` name objects of this world: ``{fushun_city.code}``, ``{fushun_app.pk}``.
"""

from __future__ import annotations

import importlib

from cities.enums import Role
from tests.factories import CityFactory, ProvinceFactory, user_with_role

APP_BUILDERS = ["tests.api.world_evaluations", "tests.api.world_reviews", "tests.api.world_plans"]

# role name in the matrix -> key of the world holding that user (None = anonymous)
ROLES = {
    "anonymous": None,
    "national": "national",
    "audit": "audit",
    "liaoning": "liaoning_staff",
    "guangdong": "guangdong_staff",
    "fushun": "fushun_officer",
    "yangjiang": "yangjiang_officer",
    "expert": "expert",
    "expert_other": "expert_other",
    "sysadmin": "sysadmin",
    "secadmin": "secadmin",
}


def build_world() -> dict:
    world: dict = {}
    world["liaoning"] = ProvinceFactory(code="210000", name="辽宁省", short_name="辽宁")
    world["guangdong"] = ProvinceFactory(code="440000", name="广东省", short_name="广东")
    world["fushun_city"] = CityFactory(code="210400", province=world["liaoning"], name="抚顺市", full_name="抚顺市")
    world["yangjiang_city"] = CityFactory(code="441700", province=world["guangdong"], name="阳江市",
                                          full_name="阳江市")
    world["national"] = user_with_role(Role.NATIONAL_ADMIN, username="m_cnipa")
    world["audit"] = user_with_role(Role.AUDIT_ADMIN, username="m_auditor")
    world["sysadmin"] = user_with_role(Role.SYSTEM_ADMIN, username="m_sysadmin")
    world["secadmin"] = user_with_role(Role.SECURITY_ADMIN, username="m_secadmin")
    world["liaoning_staff"] = user_with_role(Role.PROVINCE_STAFF, username="m_liaoning", province=world["liaoning"])
    world["guangdong_staff"] = user_with_role(Role.PROVINCE_STAFF, username="m_guangdong",
                                              province=world["guangdong"])
    world["fushun_officer"] = user_with_role(Role.CITY_OFFICER, username="m_fushun", city=world["fushun_city"])
    world["yangjiang_officer"] = user_with_role(Role.CITY_OFFICER, username="m_yangjiang",
                                                city=world["yangjiang_city"])
    world["expert"] = user_with_role(Role.REVIEWER, username="m_expert")
    world["expert_other"] = user_with_role(Role.REVIEWER, username="m_expert2")
    _build_cities(world)
    for module in APP_BUILDERS:
        try:
            builder = importlib.import_module(module)
        except ModuleNotFoundError:
            continue
        builder.build(world)
    return world


def _build_cities(world: dict) -> None:
    import datetime as dt

    from cities import services
    from cities.notifications import notify
    from cities.tokens import create_api_token

    world["fushun_designation"] = services.grant_designation(
        world["fushun_city"], tier="pilot", term_start=dt.date(2025, 1, 1), by=world["national"])
    world["yangjiang_designation"] = services.grant_designation(
        world["yangjiang_city"], tier="pilot", term_start=dt.date(2025, 1, 1), by=world["national"])
    world["fushun_notification"] = notify([world["fushun_officer"]], title="抚顺的通知")[0]
    world["yangjiang_notification"] = notify([world["yangjiang_officer"]], title="阳江的通知")[0]
    world["fushun_token"], _key = create_api_token(world["fushun_officer"], name="抚顺 OA", by=world["fushun_officer"])
    from cities.models import AuditEntry

    world["first_audit_entry"] = AuditEntry.objects.order_by("pk").first()
    world["yangjiang_token"], _key = create_api_token(world["yangjiang_officer"], name="阳江 OA",
                                                      by=world["yangjiang_officer"])
