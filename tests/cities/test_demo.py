from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from django_otp.oath import TOTP

from cities.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_TOTP_SECRETS
from cities.enums import DesignationStatus, Role, Tier
from cities.models import AuditEntry, City, Designation, Membership, Province, User
from ipcity.dates import SHANGHAI

EXPECTED_ACCOUNTS = {
    # username: (role, province code, city code, employer)
    "cnipa": (Role.NATIONAL_ADMIN, None, None, ""),
    "expert1": (Role.REVIEWER, "320000", "320100", "南京大学"),
    "expert2": (Role.REVIEWER, "210000", "210100", "东北大学"),
    "expert3": (Role.REVIEWER, "110000", None, "中国科学院"),
    "expert4": (Role.REVIEWER, "440000", "440100", "中山大学"),
    "expert5": (Role.REVIEWER, "330000", "330100", "浙江大学"),
    "expert6": (Role.REVIEWER, "420000", "420100", "华中科技大学"),
    "liaoning": (Role.PROVINCE_STAFF, "210000", None, ""),
    "guangdong": (Role.PROVINCE_STAFF, "440000", None, ""),
    "tianjin": (Role.PROVINCE_STAFF, "120000", None, ""),
    "jiangsu": (Role.PROVINCE_STAFF, "320000", None, ""),
    "fushun": (Role.CITY_OFFICER, "210000", "210400", ""),
    "yangjiang": (Role.CITY_OFFICER, "440000", "441700", ""),
    "xiqing": (Role.CITY_OFFICER, "120000", "120111", ""),
    "changzhou": (Role.CITY_OFFICER, "320000", "320400", ""),
    "sysadmin": (Role.SYSTEM_ADMIN, None, None, ""),
    "secadmin": (Role.SECURITY_ADMIN, None, None, ""),
    "auditor": (Role.AUDIT_ADMIN, None, None, ""),
}


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Province, City, Designation, User, Membership, AuditEntry))


def test_load_demo_refused_when_debug_is_off(settings, db):
    settings.DEBUG = False
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("load_demo", stdout=io.StringIO())
    assert str(error.value) == "load_demo runs only with DEBUG on: it creates accounts with a published password."
    assert counts() == (0, 0, 0, 0, 0, 0)


def test_load_demo_creates_accounts_places_and_titles_once(settings, db, time_machine):
    settings.DEBUG = True
    time_machine.move_to(dt.datetime(2026, 1, 5, 9, tzinfo=SHANGHAI))
    out = io.StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=out)

    memberships = {
        m.user.username: (m.role, m.province.code if m.province else None, m.city.code if m.city else None, m.employer)
        for m in Membership.objects.select_related("user", "province", "city")
    }
    assert memberships == EXPECTED_ACCOUNTS
    assert [a.username for a in DEMO_ACCOUNTS] == list(EXPECTED_ACCOUNTS)
    users = User.objects.all()
    assert len(users) == 18
    assert all(user.check_password(DEMO_PASSWORD) for user in users)
    assert [user.username for user in users if user.must_change_password] == []  # the demo stays usable
    assert User.objects.get(username="xiqing").full_name == "杨帆"
    assert counts()[:3] == (32, 416, 73)
    # Pilot titles whose term has ended are expired; demonstration titles keep their status.
    yangjiang = Designation.objects.get(city__code="441700", tier=Tier.PILOT)
    assert (yangjiang.status, yangjiang.ended_on) == (DesignationStatus.EXPIRED, yangjiang.term_end)
    # 西青区 is put in rectification by the applications demo, so its re-review is due this year.
    xiqing = Designation.objects.get(city__code="120111")
    assert (xiqing.status, xiqing.rectification_deadline) == (DesignationStatus.RECTIFYING, dt.date(2026, 12, 31))

    # Ended: the pilot terms of 阳江 and 北京市延庆区 and the six strong-city terms of 2022-07..2025-06.
    assert Designation.objects.filter(status=DesignationStatus.EXPIRED).count() == 8
    assert [line.rstrip() for line in out.getvalue().splitlines()] == [
        "cities: places created: 448, places updated: 0, designations created: 73, designations expired: 8, "
        "accounts created: 18, authenticators created: 4",
        "evaluations: cycles created: 4, applications: 4",
        "reviews: reviewer profiles: 6, rubrics: 4, assignments: 5, assessments: 512",
        "plans: national plan tasks: 8, city plans created: 3, plan tasks added: 35, leadership members added: 19, "
        "indicator values added: 92, responsibility items: 18, items linked: 10, progress reports: 14",
        "",
        "username    role                                        place",
        "cnipa       National administrator (CNIPA)              国家知识产权局",
        "expert1     Expert reviewer                             江苏省南京市 南京大学",
        "expert2     Expert reviewer                             辽宁省沈阳市 东北大学",
        "expert3     Expert reviewer                             北京市 中国科学院",
        "expert4     Expert reviewer                             广东省广州市 中山大学",
        "expert5     Expert reviewer                             浙江省杭州市 浙江大学",
        "expert6     Expert reviewer                             湖北省武汉市 华中科技大学",
        "liaoning    Provincial bureau staff                     辽宁省",
        "guangdong   Provincial bureau staff                     广东省",
        "tianjin     Provincial bureau staff                     天津市",
        "jiangsu     Provincial bureau staff                     江苏省",
        "fushun      City bureau officer                         抚顺市",
        "yangjiang   City bureau officer                         阳江市",
        "xiqing      City bureau officer                         天津市西青区",
        "changzhou   City bureau officer                         常州市",
        "sysadmin    System administrator",
        "secadmin    Security administrator",
        "auditor     Audit administrator",
        "Password of every demo account: Demo-ipcity-2026",
    ]

    before = counts()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert counts() == before
    assert out.getvalue().splitlines()[0] == (
        "cities: places created: 0, places updated: 0, designations created: 0, designations expired: 0, "
        "accounts created: 0, authenticators created: 0")


# What each demo account's home page shows first, in Chinese (the default language).
HOME_MARKERS = {
    Role.NATIONAL_ADMIN: "有效称号分类统计",
    Role.REVIEWER: "我的评审任务",
    Role.PROVINCE_STAFF: "所辖城市",
    Role.CITY_OFFICER: "所属城市",
    Role.SYSTEM_ADMIN: "用户账号",
    Role.SECURITY_ADMIN: "角色授权",
    Role.AUDIT_ADMIN: "最新审计记录",
}


def test_every_demo_account_logs_in_and_sees_its_home_page_in_chinese(settings, db, client):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    for account in DEMO_ACCOUNTS:
        response = client.post("/accounts/login/", {"username": account.username, "password": DEMO_PASSWORD},
                               follow=True, HTTP_ACCEPT_LANGUAGE="en")
        if account.username in DEMO_TOTP_SECRETS:
            # The national administrator and the 三员 then enter their authenticator's code (README demo table).
            assert response.redirect_chain == [("/", 302), ("/accounts/two-factor/verify/?next=%2F", 302)]
            code = f"{TOTP(base64.b32decode(DEMO_TOTP_SECRETS[account.username])).token():06d}"
            response = client.post("/accounts/two-factor/verify/", {"code": code, "next": "/"}, follow=True)
        html = response.content.decode()
        assert response.redirect_chain == [("/", 302)], account.username
        assert HOME_MARKERS[account.role] in html, account.username
        assert account.full_name in html, account.username
        client.post("/accounts/logout/")
