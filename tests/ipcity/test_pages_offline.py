"""Every page renders with local assets only: users are on intranets with no internet."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from cities import services
from cities.enums import Role, Tier
from tests.factories import user_with_role
from tests.utils import external_references

STATIC_REF = re.compile(r"""(?:src|href)="/static/([^"?#]+)""")


@pytest.fixture
def world(national_admin, fushun_city, yangjiang_city):
    designation = services.grant_designation(fushun_city, tier=Tier.DEMO_CULTIVATION, term_start=dt.date(2021, 1, 1),
                                             by=national_admin)
    return {"designation": designation}


def _pages(user, world, fushun_city):
    d = world["designation"]
    common = [reverse("home"), reverse("password_change")]
    by_role = {
        Role.NATIONAL_ADMIN: [reverse("city_list"), reverse("city_detail", args=[fushun_city.code]),
                              reverse("designation_action", args=[d.pk, "revoke"]), reverse("admin:index"),
                              reverse("admin:cities_city_changelist"), reverse("admin:cities_designation_changelist")],
        Role.PROVINCE_STAFF: [reverse("city_list"), reverse("city_detail", args=[fushun_city.code])],
        Role.CITY_OFFICER: [reverse("city_detail", args=[fushun_city.code])],
        Role.AUDIT_ADMIN: [reverse("audit_log"), reverse("admin:cities_auditentry_changelist")],
        Role.SYSTEM_ADMIN: [reverse("admin:cities_user_changelist"), reverse("admin:cities_user_add")],
        Role.SECURITY_ADMIN: [reverse("admin:cities_membership_changelist"), reverse("admin:cities_membership_add")],
        Role.REVIEWER: [],
    }
    return common + [url for role in user.roles for url in by_role[role]]


@pytest.mark.parametrize("role", list(Role))
def test_pages_reference_no_other_host(client, world, fushun_city, liaoning, role):
    place = {"province": liaoning} if role == Role.PROVINCE_STAFF else {"city": fushun_city} if role == Role.CITY_OFFICER else {}
    user = user_with_role(role, username=f"p_{role}", **place)
    client.force_login(user)
    for url in _pages(user, world, fushun_city):
        response = client.get(url)
        assert response.status_code == 200, (role, url, response.status_code)
        html = response.content.decode()
        assert external_references(html) == [], (role, url)
        for path in STATIC_REF.findall(html):
            assert finders.find(path), f"{url} references missing static file {path}"


def test_login_page_references_no_other_host(client):
    html = client.get(reverse("login")).content.decode()
    assert external_references(html) == []
    assert 'src="/static/bootstrap/js/bootstrap.bundle.min.js"' in html


def test_detector_finds_external_references():
    html = '<link href="https://cdn.example.com/x.css"><script src="//cdn.example.com/y.js"></script>' \
           '<div style="background:url(http://x/y.png)"></div><a href="/local/">ok</a>'
    assert len(external_references(html)) == 3


def test_shipped_css_and_js_reference_no_other_host():
    for path in ("bootstrap/css/bootstrap.min.css", "bootstrap/js/bootstrap.bundle.min.js", "ipcity/app.css",
                 "ipcity/app.js", "django_htmx/htmx-2.min.js"):
        text = open(finders.find(path), encoding="utf-8").read()
        assert re.findall(r"""url\(\s*["']?https?://""", text) == [], path
        assert re.findall(r"""@import\s+["']?(?:url\()?\s*["']?https?://""", text) == [], path


def test_responses_forbid_foreign_assets_by_policy(client, fushun_officer):
    client.force_login(fushun_officer)
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
