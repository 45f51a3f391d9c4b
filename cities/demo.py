"""Demo data of the foundation: real places and designations, and one account per kind of user.

Called by ``manage.py load_demo`` (DEBUG only). Safe to run again: nothing is created twice.
"""

from __future__ import annotations

import base64
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from cities import services, twofactor
from cities.enums import Role
from cities.importers import DESIGNATIONS_CSV, import_designations
from cities.models import City, Province, User
from cities.places import load_places

DEMO_PASSWORD = "Demo-ipcity-2026"


class DemoAccount(NamedTuple):
    username: str
    full_name: str
    role: Role
    place: str = ""  # what the membership names, as people say it
    province: str = ""  # province code
    city: str = ""  # city code
    employer: str = ""

    @property
    def role_label(self) -> str:
        return str(self.role.label)


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("cnipa", "王明", Role.NATIONAL_ADMIN, "国家知识产权局"),
    DemoAccount("expert1", "陈立新", Role.REVIEWER, "江苏省南京市", "320000", "320100", "南京大学"),
    DemoAccount("expert2", "刘志刚", Role.REVIEWER, "辽宁省沈阳市", "210000", "210100", "东北大学"),
    DemoAccount("expert3", "张慧敏", Role.REVIEWER, "北京市", "110000", "", "中国科学院"),
    DemoAccount("expert4", "黄晓华", Role.REVIEWER, "广东省广州市", "440000", "440100", "中山大学"),
    DemoAccount("expert5", "周建平", Role.REVIEWER, "浙江省杭州市", "330000", "330100", "浙江大学"),
    DemoAccount("expert6", "李文博", Role.REVIEWER, "湖北省武汉市", "420000", "420100", "华中科技大学"),
    DemoAccount("liaoning", "孙丽", Role.PROVINCE_STAFF, "辽宁省", "210000"),
    DemoAccount("guangdong", "梁伟", Role.PROVINCE_STAFF, "广东省", "440000"),
    DemoAccount("tianjin", "马俊", Role.PROVINCE_STAFF, "天津市", "120000"),
    DemoAccount("jiangsu", "吴静", Role.PROVINCE_STAFF, "江苏省", "320000"),
    DemoAccount("fushun", "高峰", Role.CITY_OFFICER, "抚顺市", city="210400"),
    DemoAccount("yangjiang", "林海燕", Role.CITY_OFFICER, "阳江市", city="441700"),
    DemoAccount("xiqing", "杨帆", Role.CITY_OFFICER, "天津市西青区", city="120111"),
    DemoAccount("changzhou", "朱磊", Role.CITY_OFFICER, "常州市", city="320400"),
    DemoAccount("sysadmin", "郑凯", Role.SYSTEM_ADMIN),
    DemoAccount("secadmin", "何静", Role.SECURITY_ADMIN),
    DemoAccount("auditor", "许文", Role.AUDIT_ADMIN),
)


# The authenticator secrets (base32) of the demo accounts that must sign in with a second factor, printed in the
# README's demo table so that anyone trying the demo can add them to an authenticator app (or run
# ``manage.py demo_totp cnipa``). Demo data only: load_demo refuses to run with DEBUG off.
DEMO_TOTP_SECRETS = {
    "cnipa": "2WTWPUJFSTNWLK2DDSYUIHTOWZLKK67P",
    "sysadmin": "4XRBWY2SCKAO5AY5EE2NA7DSELUQEPPR",
    "secadmin": "LSA7HR574BWPDW4PWVRCPAG5GMHOKW7X",
    "auditor": "LWSSUJQSPXM2DX62SFNTAGD6IF36FCSF",
}


def create_demo_second_factors() -> int:
    """A confirmed authenticator device with its fixed secret for each account of ``DEMO_TOTP_SECRETS`` that has
    none yet; return how many were created."""
    enrolled = set(TOTPDevice.objects.filter(user__username__in=DEMO_TOTP_SECRETS).values_list(
        "user__username", flat=True))
    users = User.objects.in_bulk([u for u in DEMO_TOTP_SECRETS if u not in enrolled], field_name="username")
    for username, user in users.items():
        TOTPDevice.objects.create(user=user, name=twofactor.TOTP_DEVICE_NAME, confirmed=True,
                                  key=base64.b32decode(DEMO_TOTP_SECRETS[username]).hex())
    return len(users)


def create_demo_accounts() -> int:
    """Create the demo accounts that do not exist yet; return how many were created."""
    existing = set(User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).values_list(
        "username", flat=True))
    provinces = Province.objects.in_bulk([a.province for a in DEMO_ACCOUNTS if a.province], field_name="code")
    cities = City.objects.in_bulk([a.city for a in DEMO_ACCOUNTS if a.city], field_name="code")
    created = 0
    for account in DEMO_ACCOUNTS:
        if account.username in existing:
            continue
        user = services.create_user(username=account.username, password=DEMO_PASSWORD, full_name=account.full_name,
                                    by=None)
        services.grant_membership(
            user,
            role=account.role,
            province=provinces[account.province] if account.province else None,
            city=cities[account.city] if account.city else None,
            employer=account.employer,
            by=None,
        )
        created += 1
    return created


@transaction.atomic
def load() -> dict[str, int]:
    places_created, places_updated = load_places(by=None)
    result = import_designations(DESIGNATIONS_CSV, by=None)
    if not result.ok:
        raise ValidationError(result.errors)
    expired = services.expire_ended_designations(by=None)
    accounts = create_demo_accounts()
    second_factors = create_demo_second_factors()
    return {
        "places created": places_created,
        "places updated": places_updated,
        "designations created": len(result.created),
        "designations expired": expired,
        "accounts created": accounts,
        "authenticators created": second_factors,
    }
