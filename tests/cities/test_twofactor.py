"""Two-factor sign-in (django-otp): national administrators and the 三员 enrol, enrolled users verify after the
password, backup codes, and the security administrator's reset."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cities import twofactor
from cities.demo import DEMO_PASSWORD, DEMO_TOTP_SECRETS
from cities.models import AuditEntry
from tests.factories import PASSWORD
from tests.utils import totp_code

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def enforced(settings):
    settings.TWO_FACTOR_ENFORCED = True


@pytest.fixture(autouse=True)
def clock(time_machine):
    """Time stands still at START; tests move it on (a code is good for one 30-second step, and only once)."""
    time_machine.move_to(START, tick=False)
    return time_machine


code_of = totp_code


def wrong_code_of(device: TOTPDevice) -> str:
    return f"{(int(code_of(device)) + 1) % 1_000_000:06d}"


def enrolled(user, clock) -> tuple[TOTPDevice, list[str]]:
    """``user`` with a confirmed authenticator and backup codes, through the services; the clock then moves to
    the next 30-second step, whose code the user has not used yet."""
    device = twofactor.start_totp_enrolment(user, by=user)
    codes = twofactor.confirm_totp_device(device, code=code_of(device), by=user)
    device.refresh_from_db()
    clock.shift(30)
    return device, codes


def sign_in(client, user, path="/"):
    """The password step, on the real login form; returns where it leads."""
    return client.post(f"{reverse('login')}?next={path}", {"username": user.username, "password": PASSWORD,
                                                          "next": path})


def error_of(response) -> list[str]:
    return response.context["form"].errors["code"]


# --- A required user without a device ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/cities/", "/applications/", "/accounts/tokens/", "/accounts/password/",
                                  "/audit/", "/accounts/two-factor/", "/admin/", "/api/v1/docs/"])
def test_national_admin_without_a_device_is_sent_to_enrolment_from_every_page(client, national_admin, path):
    client.force_login(national_admin)
    response = client.get(path)
    assert (response.status_code, response["Location"]) == (
        302, f"{reverse('two_factor_enrol')}?next={path.replace('/', '%2F')}")


def test_national_admin_signing_in_lands_on_enrolment_with_next_kept(client, national_admin):
    response = sign_in(client, national_admin, "/cities/")
    assert response["Location"] == "/cities/"
    response = client.get("/cities/")
    assert response["Location"] == f"{reverse('two_factor_enrol')}?next=%2Fcities%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["next"] == "/cities/"
    assert "您的角色要求使用双因素认证" in page.content.decode()


def test_each_three_admin_role_must_enrol(client, sysadmin, secadmin, audit_admin):
    for user in (sysadmin, secadmin, audit_admin):
        client.force_login(user)
        assert client.get("/")["Location"] == f"{reverse('two_factor_enrol')}?next=%2F", user.username


def test_api_with_an_unverified_session_is_403_with_a_chinese_message(client, national_admin):
    client.force_login(national_admin)
    response = client.get("/api/v1/cities/")
    assert response.status_code == 403
    assert response.json() == {
        "code": "second_factor_required",
        "message": "请先完成双因素登录：在网页上输入身份验证器应用显示的验证码（尚未绑定的请先在网页上绑定）。"
                   "在此之前，使用本会话的接口请求一律拒绝。",
        "fields": {}}


def test_api_token_is_its_own_credential_without_a_second_factor(national_admin, api):
    response = api(national_admin).get("/api/v1/cities/")
    assert response.status_code == 200


def test_sign_out_language_switch_and_health_stay_open_before_enrolment(client, national_admin):
    client.force_login(national_admin)
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"})["Location"] == "/"
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_password_change_comes_before_enrolment(client, national_admin):
    national_admin.must_change_password = True
    national_admin.save(update_fields=["must_change_password"])
    client.force_login(national_admin)
    assert client.get("/")["Location"] == reverse("password_change")
    assert client.get(reverse("password_change")).status_code == 200
    assert client.get(reverse("two_factor_enrol"))["Location"] == reverse("password_change")


def test_an_enrolled_user_enters_the_code_before_changing_the_password(client, fushun_officer, clock):
    """The password alone never changes the password of an account with a second factor: the code comes first."""
    device, _codes = enrolled(fushun_officer, clock)
    fushun_officer.must_change_password = True
    fushun_officer.save(update_fields=["must_change_password"])
    client.force_login(fushun_officer)
    assert client.get("/")["Location"] == reverse("password_change")
    assert client.get(reverse("password_change"))["Location"] == (
        f"{reverse('two_factor_verify')}?next=%2Faccounts%2Fpassword%2F")
    assert client.get(reverse("two_factor_verify")).status_code == 200
    verified = client.post(reverse("two_factor_verify"), {"code": code_of(device), "next": "/accounts/password/"})
    assert verified["Location"] == "/accounts/password/"
    assert client.get(reverse("password_change")).status_code == 200
    assert client.get("/")["Location"] == reverse("password_change")


def test_a_user_who_must_enrol_changes_the_password_first(client, national_admin):
    national_admin.must_change_password = True
    national_admin.save(update_fields=["must_change_password"])
    client.force_login(national_admin)
    assert client.get("/")["Location"] == reverse("password_change")
    assert client.get(reverse("password_change")).status_code == 200
    assert client.get(reverse("two_factor_enrol"))["Location"] == reverse("password_change")
    national_admin.must_change_password = False
    national_admin.save(update_fields=["must_change_password"])
    assert client.get(reverse("password_change"))["Location"] == (
        f"{reverse('two_factor_enrol')}?next=%2Faccounts%2Fpassword%2F")


def test_the_rule_is_switched_off_by_the_setting(client, national_admin, settings):
    settings.TWO_FACTOR_ENFORCED = False
    client.force_login(national_admin)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/cities/").status_code == 200


# --- Enrolment -------------------------------------------------------------------------------------------


def test_enrolment_page_shows_an_app_drawn_qr_code_and_the_secret_in_groups_of_four(client, national_admin):
    client.force_login(national_admin)
    page = client.get(reverse("two_factor_enrol"))
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=national_admin)
    assert device.confirmed is False
    secret = base64.b32encode(device.bin_key).decode()
    assert page.context["secret"] == " ".join(secret[i:i + 4] for i in range(0, 32, 4))
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", page.context["secret"])
    svg = str(page.context["qr_svg"])
    assert svg.startswith('<svg width="245" height="245" class="two-factor-qr"') and svg.endswith("</svg>")
    assert svg in html
    assert "style=" not in svg and "<script" not in svg and "http" not in svg.replace("http://www.w3.org", "")
    assert "style=" not in html
    assert device.config_url == f"otpauth://totp/ipcity%3Acnipa_t?secret={secret}&algorithm=SHA1&digits=6&period=30" \
                                "&issuer=ipcity"
    # Opening the page again shows the same key: the app scanned it already.
    assert client.get(reverse("two_factor_enrol")).context["secret"] == page.context["secret"]
    assert TOTPDevice.objects.filter(user=national_admin).count() == 1


def test_enrolment_refuses_a_wrong_code_and_confirms_the_right_one(client, national_admin, clock):
    client.force_login(national_admin)
    client.get(reverse("two_factor_enrol"))
    device = TOTPDevice.objects.get(user=national_admin)
    refused = client.post(reverse("two_factor_enrol"), {"code": wrong_code_of(device), "next": "/cities/"})
    assert refused.status_code == 400
    assert error_of(refused) == ["验证码不正确：请输入身份验证器应用当前显示的 6 位数字。"]
    # django-otp's throttling: the right code at the same moment is refused too, saying how long to wait.
    throttled = client.post(reverse("two_factor_enrol"), {"code": code_of(device)})
    assert error_of(throttled) == ["错误次数过多：请等待 1 秒后输入当前的验证码。"]
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get("/")["Location"] == f"{reverse('two_factor_enrol')}?next=%2F"

    clock.shift(30)
    done = client.post(reverse("two_factor_enrol"), {"code": code_of(device), "next": "/cities/"})
    assert done.status_code == 200
    assert done["Cache-Control"] == "no-store"
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)
    assert done.context["next"] == "/cities/"
    assert 'href="/cities/"' in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed is True
    assert sorted(StaticToken.objects.filter(device__user=national_admin).values_list("token", flat=True)) == \
        sorted(codes)
    assert client.get("/cities/").status_code == 200  # verified in this session
    entry = AuditEntry.objects.get(action="2fa.enrol")
    assert (entry.actor, entry.object_id, entry.data) == (national_admin, str(national_admin.pk),
                                                          {"backup_codes": 10})


def test_optional_user_is_not_bothered_and_may_enrol(client, fushun_officer):
    client.force_login(fushun_officer)
    assert client.get("/").status_code == 200
    page = client.get(reverse("two_factor"))
    assert page.context["device"] is None
    assert reverse("two_factor_enrol") in page.content.decode()
    assert TOTPDevice.objects.count() == 0


def test_enrolment_of_someone_else_is_refused(national_admin, fushun_officer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        twofactor.start_totp_enrolment(fushun_officer, by=national_admin)
    assert TOTPDevice.objects.count() == 0


# --- Verification after the password -------------------------------------------------------------------


def test_enrolled_city_officer_must_verify_and_next_is_honoured(client, fushun_officer, settings, clock):
    settings.TWO_FACTOR_ENFORCED = False  # an enrolled user verifies whatever the setting says
    device, _codes = enrolled(fushun_officer, clock)
    assert sign_in(client, fushun_officer, "/cities/")["Location"] == "/cities/"
    sent = client.get("/cities/")
    assert sent["Location"] == f"{reverse('two_factor_verify')}?next=%2Fcities%2F"
    assert client.get("/api/v1/cities/").status_code == 403
    refused = client.post(reverse("two_factor_verify"), {"code": wrong_code_of(device), "next": "/cities/"})
    assert refused.status_code == 400
    assert error_of(refused) == ["验证码不正确：请输入身份验证器应用当前显示的 6 位数字。"]
    assert client.get("/cities/").status_code == 302
    clock.shift(30)
    accepted = client.post(reverse("two_factor_verify"), {"code": code_of(device), "next": "/cities/"})
    assert accepted["Location"] == "/cities/"
    assert client.get("/cities/").status_code == 200
    assert client.get("/api/v1/cities/").status_code == 200
    assert list(AuditEntry.objects.filter(action__in=["2fa.failed", "2fa.verified"]).order_by("pk")
                .values_list("action", "data")) == [("2fa.failed", {"reason": "wrong_code"}),
                                                    ("2fa.verified", {"with": "authenticator"})]


def test_verify_refuses_a_next_to_another_site(client, fushun_officer, clock):
    device, _codes = enrolled(fushun_officer, clock)
    client.force_login(fushun_officer)
    accepted = client.post(reverse("two_factor_verify"), {"code": code_of(device), "next": "https://evil.example/"})
    assert accepted["Location"] == "/"


def test_a_code_used_once_is_not_accepted_again(client, fushun_officer, clock):
    device, _codes = enrolled(fushun_officer, clock)
    client.force_login(fushun_officer)
    assert client.post(reverse("two_factor_verify"), {"code": code_of(device)})["Location"] == "/"
    other = type(client)()
    other.force_login(fushun_officer)
    replay = other.post(reverse("two_factor_verify"), {"code": code_of(device)})
    assert error_of(replay) == ["验证码不正确：请输入身份验证器应用当前显示的 6 位数字。"]


def test_backup_code_works_once(client, fushun_officer, clock):
    _device, codes = enrolled(fushun_officer, clock)
    client.force_login(fushun_officer)
    accepted = client.post(reverse("two_factor_verify"), {"code": codes[0].upper(), "next": "/cities/"}, follow=True)
    assert accepted.redirect_chain == [("/cities/", 302)]
    assert [str(m) for m in accepted.context["messages"]] == ["您使用备用验证码登录；还剩 9 个。"]
    client.logout()
    client.force_login(fushun_officer)
    refused = client.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert error_of(refused) == ["备用验证码无效，或已被使用。"]
    assert StaticToken.objects.filter(device__user=fushun_officer).count() == 9


def test_regenerating_backup_codes_invalidates_the_old_ones(client, fushun_officer, clock):
    device, old = enrolled(fushun_officer, clock)
    client.force_login(fushun_officer)
    client.post(reverse("two_factor_verify"), {"code": code_of(device)})
    response = client.post(reverse("two_factor_backup_codes"))
    new = response.context["codes"]
    assert sorted(StaticToken.objects.filter(device__user=fushun_officer).values_list("token", flat=True)) == \
        sorted(new)
    assert set(new).isdisjoint(old)
    assert client.get(reverse("two_factor")).context["backup_codes_left"] == 10
    assert AuditEntry.objects.filter(action="2fa.backup_codes").values_list("actor", "data").get() == (
        fushun_officer.pk, {"backup_codes": 10})


# --- The security administrator's reset ------------------------------------------------------------------


def test_security_admin_resets_a_second_factor_and_the_user_must_enrol_again(client, national_admin, secadmin,
                                                                              clock):
    enrolled(national_admin, clock)
    # The security administrator verifies with their own authenticator first.
    own, _ = enrolled(secadmin, clock)
    client.force_login(secadmin)
    client.post(reverse("two_factor_verify"), {"code": code_of(own)})
    page = client.get(reverse("second_factors"))
    assert [d.user.username for d in page.context["devices"]] == ["cnipa_t", "secadmin_t"]
    assert reverse("second_factors") in client.get("/").content.decode()
    response = client.post(reverse("second_factor_reset"), {"username": "cnipa_t"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "已重置“cnipa_t”的双因素认证：其身份验证器和备用验证码均已失效。"]
    assert TOTPDevice.objects.filter(user=national_admin).count() == 0
    assert StaticDevice.objects.filter(user=national_admin).count() == 0
    entry = AuditEntry.objects.get(action="2fa.reset")
    assert (entry.actor, entry.object_id, entry.data) == (secadmin, str(national_admin.pk),
                                                          {"username": "cnipa_t", "devices": 2})
    client.logout()
    client.force_login(national_admin)
    assert client.get("/")["Location"] == f"{reverse('two_factor_enrol')}?next=%2F"


def test_reset_of_an_account_without_a_second_factor_says_so(client, secadmin, fushun_officer, settings):
    settings.TWO_FACTOR_ENFORCED = False
    client.force_login(secadmin)
    response = client.post(reverse("second_factor_reset"), {"username": "fushun_t"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["“fushun_t”没有可重置的双因素认证。"]
    assert AuditEntry.objects.filter(action="2fa.reset").count() == 0


def test_security_admin_cannot_reset_their_own(secadmin, clock):
    from django.core.exceptions import PermissionDenied

    enrolled(secadmin, clock)
    with pytest.raises(PermissionDenied):
        twofactor.reset_second_factor(secadmin, by=secadmin)
    assert TOTPDevice.objects.filter(user=secadmin).count() == 1


@pytest.mark.parametrize("persona", ["national_admin", "sysadmin", "audit_admin", "fushun_officer"])
def test_nobody_else_can_list_or_reset_second_factors(client, request, persona, settings, clock):
    settings.TWO_FACTOR_ENFORCED = False
    user = request.getfixturevalue(persona)
    victim = request.getfixturevalue("liaoning_staff")
    enrolled(victim, clock)
    client.force_login(user)
    assert client.get(reverse("second_factors")).status_code == 404
    assert client.post(reverse("second_factor_reset"), {"username": victim.username}).status_code == 404
    assert TOTPDevice.objects.filter(user=victim).count() == 1
    assert f'href="{reverse("second_factors")}"' not in client.get("/").content.decode()


# --- Settings, check, demo ------------------------------------------------------------------------------------


def test_deploy_check_warns_when_enforcement_is_off_with_debug_off(settings):
    from cities.checks import two_factor_is_enforced

    settings.DEBUG = False
    assert two_factor_is_enforced(None) == []
    settings.TWO_FACTOR_ENFORCED = False
    assert [(m.id, m.msg) for m in two_factor_is_enforced(None)] == [(
        "cities.W010",
        "TWO_FACTOR_ENFORCED is off: national administrators and the 三员 can sign in without a second factor.")]
    settings.DEBUG = True
    assert two_factor_is_enforced(None) == []


def readme_secrets() -> dict[str, str]:
    """The secrets the README's demo accounts table prints, by account."""
    rows = re.findall(r"^\| `(\w+)` \|.*\| `([A-Z2-7]{32})` \|$", README.read_text(encoding="utf-8"), re.MULTILINE)
    return dict(rows)


def test_demo_loader_gives_the_readme_secrets_to_the_demo_admins_once(settings, db, client):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    assert readme_secrets() == DEMO_TOTP_SECRETS
    assert set(readme_secrets()) == {"cnipa", "sysadmin", "secadmin", "auditor"}
    devices = {d.user.username: base64.b32encode(d.bin_key).decode()
               for d in TOTPDevice.objects.select_related("user")}
    assert devices == readme_secrets()
    assert TOTPDevice.objects.filter(confirmed=True).count() == 4
    call_command("load_demo", stdout=io.StringIO())
    assert TOTPDevice.objects.count() == 4

    # The demo administrator signs in with the published password and the code `demo_totp` prints.
    response = client.post(reverse("login"), {"username": "cnipa", "password": DEMO_PASSWORD}, follow=True)
    assert response.redirect_chain == [("/", 302), (f"{reverse('two_factor_verify')}?next=%2F", 302)]
    out = io.StringIO()
    call_command("demo_totp", "cnipa", stdout=out)
    assert re.fullmatch(r"\d{6}\n", out.getvalue())
    accepted = client.post(reverse("two_factor_verify"), {"code": out.getvalue().strip(), "next": "/"},
                           follow=True)
    assert accepted.redirect_chain == [("/", 302)]
    assert "有效称号分类统计" in accepted.content.decode()


def test_demo_totp_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("demo_totp", "cnipa", stdout=io.StringIO())
    assert str(error.value) == "demo_totp runs only with DEBUG on: it is for the demo accounts."


def test_reset_command_is_the_way_back_for_the_only_security_admin(secadmin, clock):
    enrolled(secadmin, clock)
    out = io.StringIO()
    call_command("reset_second_factor", "secadmin_t", stdout=out)
    assert out.getvalue() == "secadmin_t: 2 device(s) deleted\n"
    assert TOTPDevice.objects.filter(user=secadmin).count() == 0
    entry = AuditEntry.objects.get(action="2fa.reset")
    assert (entry.actor, entry.data) == (None, {"username": "secadmin_t", "devices": 2})
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("reset_second_factor", "secadmin_t", stdout=io.StringIO())
    assert str(error.value) == "“secadmin_t” has no second factor to reset."


def _named_routes(resolver=None, namespace=""):
    """(``namespace:name``, dummy kwargs) of every named URL pattern of the URLconf."""
    from django.urls import URLPattern, get_resolver

    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLPattern):
            if entry.name:
                converters = getattr(entry.pattern, "converters", {})
                yield f"{namespace}{entry.name}", {
                    key: "1" if type(conv).__name__ == "IntConverter" else "x" for key, conv in converters.items()}
        else:
            prefix = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_routes(entry, prefix)


# Open to a national administrator without a second factor: the enrolment page itself, signing out (of the pages
# and of the admin), the language switch, the health check and Redoc's script (a static file that carries no data);
# the API's endpoints answer 403 themselves (the session is refused).
OPEN_BEFORE_ENROLMENT = {"two_factor_enrol", "logout", "admin:logout", "set_language", "healthz", "api:redoc-script"}


def test_no_page_of_the_urlconf_opens_before_enrolment(client, national_admin):
    from django.urls import NoReverseMatch

    client.force_login(national_admin)
    checked, leaks = 0, []
    for name, kwargs in _named_routes():
        try:
            path = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
        if name in OPEN_BEFORE_ENROLMENT:
            continue
        response = client.get(path)
        checked += 1
        location = response.get("Location", "") if response.status_code == 302 else ""
        if name.startswith("api:") and name not in ("api:docs", "api:redoc"):
            if response.status_code not in (403, 405):
                leaks.append((name, path, response.status_code))
        elif not location.startswith(reverse("two_factor_enrol")):
            leaks.append((name, path, response.status_code, location))
    assert leaks == []
    assert checked > 150
