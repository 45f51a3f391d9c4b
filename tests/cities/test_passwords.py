"""The password policy (issue #14): the 等保 2.0 profile (3 of 4 kinds of characters, the last 5 not reusable,
90 days) and the ASVS one (12 characters, common passwords refused), chosen by PASSWORD_POLICY."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse
from django.utils import timezone

from cities import services
from cities.demo import DEMO_PASSWORD
from cities.models import PasswordHistory, User
from ipcity.password_policy import password_validators
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

THREE_OF_FOUR = "密码须包含大写字母、小写字母、数字、特殊字符四类中的至少3类，该密码只包含1类。"
SAME_AS_CURRENT = "新密码不能与当前密码相同。"
USED_RECENTLY = "该密码近期已使用过：新密码不能与最近5次使用过的密码相同。"
EXPIRED_PAGE = "您的密码已超过90天未修改，请先设置新密码再继续操作。"
EXPIRED_API = "您的密码已超过90天未修改：请登录网页修改密码。修改之前，接口拒绝所有请求。"
NEW_PASSWORD = "Own-choice-2026"


@pytest.fixture
def asvs(settings):
    settings.AUTH_PASSWORD_VALIDATORS = password_validators("asvs")
    settings.PASSWORD_MAX_AGE_DAYS = 0


def refusal(password: str, user: User | None = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


# --- The 等保 profile (the default) -----------------------------------------------------------


def test_dengbao_refuses_one_kind_of_character_naming_the_3_of_4_rule(fushun_officer):
    with pytest.raises(ValidationError) as error:
        services.change_own_password(fushun_officer, password="zxcvbnmasdf", by=fushun_officer)
    assert error.value.messages == [THREE_OF_FOUR]
    fushun_officer.refresh_from_db()
    assert fushun_officer.check_password(PASSWORD) is True


def test_dengbao_accepts_8_characters_of_3_kinds(fushun_officer):
    assert refusal("Lq7mzr2w", fushun_officer) == []
    assert refusal("Lq7mzr2", fushun_officer) == ["密码太短：至少须包含8个字符。"]
    assert refusal("lq7mzr2w", fushun_officer) == [
        "密码须包含大写字母、小写字母、数字、特殊字符四类中的至少3类，该密码只包含2类。"]


def test_the_demo_and_test_passwords_meet_the_dengbao_profile():
    assert refusal(DEMO_PASSWORD, User(username="cnipa", full_name="王明")) == []
    assert refusal(PASSWORD, User(username="fushun_t", full_name="高峰")) == []


def test_the_change_page_lists_the_rules(client, fushun_officer):
    client.force_login(fushun_officer)
    page = client.get(reverse("password_change")).content.decode()
    for rule in ("你的密码必须包含至少 8 个字符。", "密码须包含大写字母、小写字母、数字、特殊字符四类中的至少3类。",
                 "新密码不能与最近5次使用过的密码相同。"):
        assert rule in page


# --- The ASVS profile -------------------------------------------------------------------------


def test_asvs_wants_12_characters_and_no_composition(asvs, fushun_officer):
    assert refusal("Lq7#mzr2w-x", fushun_officer) == ["密码太短：至少须包含12个字符。"]
    assert refusal("quietharbour", fushun_officer) == []
    assert refusal("tea lamp river moss", fushun_officer) == []


def test_asvs_refuses_a_common_password(asvs, fushun_officer):
    assert refusal("1qaz2wsx3edc", fushun_officer) == ["这个密码太常见了。"]


def test_asvs_keeps_no_history_but_still_wants_a_new_password(asvs, fushun_officer):
    services.change_own_password(fushun_officer, password="quietharbour", by=fushun_officer)
    services.change_own_password(fushun_officer, password="tea lamp river moss", by=fushun_officer)
    services.change_own_password(fushun_officer, password="quietharbour", by=fushun_officer)
    with pytest.raises(ValidationError) as error:
        services.change_own_password(fushun_officer, password="quietharbour", by=fushun_officer)
    assert error.value.messages == [SAME_AS_CURRENT]


# --- History ----------------------------------------------------------------------------------


def test_each_of_the_last_5_passwords_is_refused_and_the_6th_oldest_accepted(fushun_officer):
    passwords = [f"History-{n}-pass" for n in range(1, 7)]
    for password in passwords:
        services.change_own_password(fushun_officer, password=password, by=fushun_officer)
    assert PasswordHistory.objects.filter(user=fushun_officer).count() == 5

    refused = {}
    for password in passwords[1:]:
        with pytest.raises(ValidationError) as error:
            services.change_own_password(fushun_officer, password=password, by=fushun_officer)
        refused[password] = error.value.messages
    assert refused == {
        "History-2-pass": [USED_RECENTLY], "History-3-pass": [USED_RECENTLY], "History-4-pass": [USED_RECENTLY],
        "History-5-pass": [USED_RECENTLY], "History-6-pass": [SAME_AS_CURRENT]}

    services.change_own_password(fushun_officer, password="History-1-pass", by=fushun_officer)
    fushun_officer.refresh_from_db()
    assert fushun_officer.check_password("History-1-pass") is True
    assert PasswordHistory.objects.filter(user=fushun_officer).count() == 5


def test_the_change_page_refuses_a_recent_password(client, fushun_officer):
    services.change_own_password(fushun_officer, password=NEW_PASSWORD, by=fushun_officer)
    client.force_login(fushun_officer)
    response = client.post(reverse("password_change"), {
        "old_password": NEW_PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].errors == {"new_password1": [USED_RECENTLY]}
    fushun_officer.refresh_from_db()
    assert fushun_officer.check_password(NEW_PASSWORD) is True


def test_after_a_reset_the_owner_cannot_keep_the_administrator_s_password(sysadmin, fushun_officer):
    services.reset_password(fushun_officer, password="Reset-pass-2026", by=sysadmin)
    with pytest.raises(ValidationError) as error:
        services.change_own_password(fushun_officer, password="Reset-pass-2026", by=fushun_officer)
    assert error.value.messages == [SAME_AS_CURRENT]
    services.change_own_password(fushun_officer, password=NEW_PASSWORD, by=fushun_officer)
    fushun_officer.refresh_from_db()
    assert (fushun_officer.must_change_password, fushun_officer.check_password(NEW_PASSWORD)) == (False, True)


def test_an_administrator_s_reset_does_not_reveal_the_account_s_passwords(sysadmin, fushun_officer):
    """Were the history rule applied to a reset, its refusal would confirm the administrator's guess of the
    account's password; the owner must replace the reset password anyway."""
    services.reset_password(fushun_officer, password=PASSWORD, by=sysadmin)
    fushun_officer.refresh_from_db()
    assert (fushun_officer.must_change_password, fushun_officer.check_password(PASSWORD)) == (True, True)


# --- Expiry -----------------------------------------------------------------------------------


def test_a_password_gets_its_date_when_set_and_none_when_unusable(time_machine):
    moment = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
    time_machine.move_to(moment, tick=False)
    with_password = services.create_user(username="dated_t", password=NEW_PASSWORD, by=None)
    without = services.create_user(username="undated_t", password=None, by=None)
    assert (User.objects.get(pk=with_password.pk).password_changed_at,
            User.objects.get(pk=without.pk).password_changed_at) == (moment, None)


def test_an_expired_password_sends_every_page_to_the_change_and_the_api_refuses(client, fushun_officer,
                                                                                 time_machine):
    time_machine.move_to(fushun_officer.password_changed_at + dt.timedelta(days=91), tick=False)
    client.force_login(fushun_officer)

    for name in ("home", "city_list", "inbox", "api_tokens"):
        response = client.get(reverse(name))
        assert (response.status_code, response["Location"]) == (302, reverse("password_change")), name
    page = client.get(reverse("password_change"))
    assert page.context["change_required"] == EXPIRED_PAGE
    assert f'id="password-change-required">{EXPIRED_PAGE}</div>' in page.content.decode()
    api = client.get("/api/v1/me/")
    assert (api.status_code, api.json()) == (403, {"code": "permission_denied", "message": EXPIRED_API, "fields": {}})

    changed = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert (changed.status_code, changed["Location"]) == (302, reverse("password_change_done"))
    fushun_officer.refresh_from_db()
    assert fushun_officer.password_changed_at == timezone.now()
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/me/").json()["username"] == fushun_officer.username


def test_a_password_of_89_days_is_not_expired(client, fushun_officer, time_machine):
    time_machine.move_to(fushun_officer.password_changed_at + dt.timedelta(days=89), tick=False)
    client.force_login(fushun_officer)
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_a_max_age_of_0_never_expires(client, fushun_officer, time_machine, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    time_machine.move_to(fushun_officer.password_changed_at + dt.timedelta(days=3650), tick=False)
    client.force_login(fushun_officer)
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


# --- The setting ------------------------------------------------------------------------------


def test_an_unknown_policy_is_an_error_naming_the_choices():
    with pytest.raises(ImproperlyConfigured) as error:
        password_validators("nist")
    assert str(error.value) == "PASSWORD_POLICY must be one of dengbao, asvs, got 'nist'"


def settings_in_a_new_process(**env) -> subprocess.CompletedProcess:
    code = ("import json, django; from django.conf import settings; django.setup(); "
            "print(json.dumps([settings.PASSWORD_POLICY, settings.PASSWORD_MAX_AGE_DAYS, "
            "[v['NAME'].rsplit('.', 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS]]))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=django_settings.BASE_DIR,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "ipcity.settings", "SECRET_KEY": "x", **env})


def test_the_policy_is_read_from_the_environment():
    default = settings_in_a_new_process()
    asvs = settings_in_a_new_process(PASSWORD_POLICY="asvs")
    invalid = settings_in_a_new_process(PASSWORD_POLICY="nist")
    assert json.loads(default.stdout) == ["dengbao", 90, [
        "UserAttributeSimilarityValidator", "MinimumLengthValidator", "CharacterClassesValidator",
        "CommonPasswordValidator", "PasswordHistoryValidator"]]
    assert json.loads(asvs.stdout) == ["asvs", 0, [
        "UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator"]]
    assert invalid.returncode == 1
    assert invalid.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: PASSWORD_POLICY must be one of dengbao, asvs, got 'nist'")


def test_the_administrator_s_reset_page_applies_the_rules_but_the_history(client, sysadmin, fushun_officer):
    client.force_login(sysadmin)
    url = reverse("admin:cities_user_password", args=[fushun_officer.pk])
    page = client.get(url).content.decode()
    assert ("密码须包含大写字母、小写字母、数字、特殊字符四类中的至少3类。" in page,
            "新密码不能与最近5次使用过的密码相同。" in page) == (True, False)
    refused = client.post(url, {"password1": "zxcvbnmasdf", "password2": "zxcvbnmasdf"})
    assert refused.context["form"].errors == {"password2": [THREE_OF_FOUR]}
    fushun_officer.refresh_from_db()
    assert (fushun_officer.check_password(PASSWORD), fushun_officer.must_change_password) == (True, False)
