from __future__ import annotations

import csv
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied

from cities.enums import CityLevel, ProvinceKind
from cities.importers import DESIGNATIONS_CSV
from cities.models import AuditEntry, City, Province
from cities.places import load_places, read_divisions
from tests.factories import CityFactory


def test_divisions_file_has_mainland_provinces_and_the_corps():
    provinces = read_divisions()["provinces"]
    assert len(provinces) == 32
    assert Counter(p["kind"] for p in provinces) == {"province": 22, "autonomous_region": 5, "municipality": 4,
                                                     "corps": 1}
    by_code = {p["code"]: p for p in provinces}
    assert by_code["660000"] == {"code": "660000", "name": "新疆生产建设兵团", "short_name": "兵团", "kind": "corps"}
    assert by_code["150000"] == {"code": "150000", "name": "内蒙古自治区", "short_name": "内蒙古",
                                 "kind": "autonomous_region"}
    assert by_code["210000"]["short_name"] == "辽宁"
    assert {"710000", "810000", "820000"} & by_code.keys() == set()


def test_divisions_file_has_every_prefecture_municipal_district_and_designated_code():
    cities = {c["code"]: c for c in read_divisions()["cities"]}
    assert Counter(c["level"] for c in cities.values()) == {
        "prefecture": 278,
        "autonomous_prefecture": 40,
        "sub_provincial": 10,
        "separately_planned": 5,
        "municipal_district": 74,
        "county_level": 7,
        "district": 2,
    }
    assert cities["500105"]["full_name"] == "重庆市江北区"
    assert cities["500112"]["full_name"] == "重庆市渝北区"
    assert "500157" not in cities  # 两江新区 is not an administrative division
    with DESIGNATIONS_CSV.open(encoding="utf-8-sig", newline="") as handle:
        codes = {row["adcode_current"] for row in csv.DictReader(handle)}
    assert len(codes) == 68
    assert codes - cities.keys() == set()


def test_load_places_twice_creates_nothing_the_second_time(db):
    assert load_places() == (448, 0)
    assert (Province.objects.count(), City.objects.count()) == (32, 416)
    assert list(AuditEntry.objects.values_list("action", "actor", "data")) == [
        ("place.import", None, {"provinces_created": 32, "provinces_updated": 0, "cities_created": 416,
                                "cities_updated": 0, "source": read_divisions()["source"]}),
    ]

    assert load_places() == (0, 0)
    assert (Province.objects.count(), City.objects.count()) == (32, 416)
    assert AuditEntry.objects.count() == 1


def test_load_places_updates_a_changed_city_in_place(liaoning):
    old = CityFactory(code="210400", province=liaoning, name="抚顺", full_name="抚顺", level=CityLevel.DISTRICT)
    assert load_places() == (446, 1)  # 辽宁省 already exists, unchanged
    city = City.objects.get(code="210400")
    assert (city.pk, city.name, city.full_name, city.level) == (old.pk, "抚顺市", "抚顺市", CityLevel.PREFECTURE)
    data = AuditEntry.objects.get().data
    assert (data["provinces_created"], data["provinces_updated"], data["cities_created"], data["cities_updated"]) == (
        31, 0, 415, 1)


def test_load_places_is_a_few_queries(db, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        load_places()


def test_loaded_places_have_levels_parents_and_names_as_designated(db):
    load_places()
    rows = {
        c.code: (c.province.code, c.parent.code if c.parent else None, c.level, c.name, c.full_name,
                 c.name_as_designated)
        for c in City.objects.filter(code__in=["120111", "210200", "210100", "370215", "320614", "320582",
                                               "652300", "441700"]).select_related("province", "parent")
    }
    assert rows == {
        "120111": ("120000", None, CityLevel.MUNICIPAL_DISTRICT, "西青区", "天津市西青区", ""),
        "210200": ("210000", None, CityLevel.SEPARATELY_PLANNED, "大连市", "大连市", ""),
        "210100": ("210000", None, CityLevel.SUB_PROVINCIAL, "沈阳市", "沈阳市", ""),
        "370215": ("370000", "370200", CityLevel.DISTRICT, "即墨区", "青岛市即墨区", "即墨市"),
        "320614": ("320000", "320600", CityLevel.DISTRICT, "海门区", "南通市海门区", "海门市"),
        "320582": ("320000", "320500", CityLevel.COUNTY_LEVEL, "张家港市", "张家港市", ""),
        "652300": ("650000", None, CityLevel.AUTONOMOUS_PREFECTURE, "昌吉回族自治州", "昌吉回族自治州", ""),
        "441700": ("440000", None, CityLevel.PREFECTURE, "阳江市", "阳江市", ""),
    }
    assert Province.objects.get(code="660000").kind == ProvinceKind.CORPS
    assert sorted(City.objects.filter(level=CityLevel.SEPARATELY_PLANNED).values_list("name", flat=True)) == sorted(
        ["大连市", "青岛市", "宁波市", "厦门市", "深圳市"])


def test_load_places_refused_without_permission(reviewer, national_admin):
    with pytest.raises(PermissionDenied):
        load_places(by=reviewer)
    assert City.objects.count() == 0
    load_places(by=national_admin)
    assert list(AuditEntry.objects.filter(action="place.import").values_list("actor__username", flat=True)) == [
        "cnipa_t"]
