"""The one definition of a valid title (有效称号): ``cities.selectors.in_force_on`` and the counts built on it."""

from __future__ import annotations

import datetime as dt

import pytest

from cities.enums import DesignationStatus, Tier
from cities.selectors import (
    TitleCount,
    cities_visible_to,
    title_counts,
    title_counts_by_province,
    title_counts_visible_to,
    valid_designations,
    with_current_designation,
)
from tests.factories import CityFactory, DesignationFactory

DAY = dt.date(2021, 7, 1)
ACTIVE, RECTIFYING, EXPIRED, REVOKED = (DesignationStatus.ACTIVE, DesignationStatus.RECTIFYING,
                                        DesignationStatus.EXPIRED, DesignationStatus.REVOKED)


def title(city, tier, start, end, status=ACTIVE, **extra):
    if status == RECTIFYING:
        extra.setdefault("rectification_deadline", dt.date(2021, 12, 31))
    return DesignationFactory(city=city, tier=tier, term_start=start, term_end=end, status=status, **extra)


@pytest.fixture
def titles(liaoning, guangdong):
    def city(code, province=liaoning):
        return CityFactory(code=code, province=province, name=code, full_name=code)

    return {
        # A demonstration title outlives its term until a re-review decides; also in rectification.
        "demo_past_term": title(city("210100"), Tier.DEMONSTRATION, dt.date(2016, 5, 1), dt.date(2019, 4, 30)),
        "demo_rectifying": title(city("210200"), Tier.DEMONSTRATION, dt.date(2015, 3, 1), dt.date(2018, 2, 28),
                                 RECTIFYING),
        # Pilot and strong-city titles lapse with their term, swept or not.
        "pilot_unswept": title(city("210300"), Tier.PILOT, dt.date(2017, 12, 1), dt.date(2020, 11, 30)),
        "pilot_running": title(city("440100", guangdong), Tier.PILOT, dt.date(2020, 1, 1), dt.date(2022, 12, 31)),
        # Ended today: an expired term's last day is ended_on; a revoked title ends the day it is revoked.
        "pilot_last_day": title(city("440200", guangdong), Tier.PILOT, dt.date(2018, 7, 2), DAY, EXPIRED,
                                ended_on=DAY),
        "demo_revoked_today": title(city("210700"), Tier.DEMONSTRATION, dt.date(2016, 5, 1), dt.date(2019, 4, 30),
                                    REVOKED, ended_on=DAY),
        "demo_not_started": title(city("210500"), Tier.DEMONSTRATION, DAY + dt.timedelta(days=1),
                                  dt.date(2024, 7, 1)),
        "cultivation_past_term": title(city("210600"), Tier.DEMO_CULTIVATION, dt.date(2019, 1, 1),
                                       dt.date(2020, 12, 31)),
    }


def test_valid_designations_follow_the_one_definition(titles):
    valid = set(valid_designations(on=DAY).values_list("pk", flat=True))
    assert {name for name, designation in titles.items() if designation.pk in valid} == {
        "demo_past_term", "demo_rectifying", "pilot_running", "pilot_last_day", "cultivation_past_term"}
    day_before = set(valid_designations(on=DAY - dt.timedelta(days=1)).values_list("pk", flat=True))
    assert titles["demo_revoked_today"].pk in day_before
    day_after = set(valid_designations(on=DAY + dt.timedelta(days=1)).values_list("pk", flat=True))
    assert titles["pilot_last_day"].pk not in day_after
    assert titles["demo_not_started"].pk in day_after


def test_a_demonstration_city_that_is_also_a_strong_city_candidate_counts_under_both(titles, django_assert_num_queries):
    city = titles["demo_past_term"].city
    title(city, Tier.STRONG_CITY_CANDIDATE, dt.date(2021, 1, 1), dt.date(2023, 12, 31))
    title(city, Tier.DEMONSTRATION, dt.date(2019, 5, 1), dt.date(2022, 4, 30))  # a renewal: still one city
    with django_assert_num_queries(1):
        counts = title_counts(on=DAY)
    assert counts == [
        TitleCount(Tier.PILOT, 2, 0),
        TitleCount(Tier.DEMO_CULTIVATION, 1, 0),
        TitleCount(Tier.DEMONSTRATION, 1, 1),
        TitleCount(Tier.STRONG_CITY_CANDIDATE, 1, 0),
    ]
    assert [count.valid for count in counts] == [2, 1, 2, 1]
    provinces = {province: dict(tiers) for province, tiers in title_counts_by_province(on=DAY).items()}
    liaoning, guangdong = city.province_id, titles["pilot_running"].city.province_id
    assert provinces == {liaoning: {Tier.DEMONSTRATION: 2, Tier.DEMO_CULTIVATION: 1, Tier.STRONG_CITY_CANDIDATE: 1},
                         guangdong: {Tier.PILOT: 2}}


def test_counts_are_scoped_to_the_user(titles, liaoning_staff, guangdong_staff, fushun_officer):
    assert [count.valid for count in title_counts_visible_to(liaoning_staff, on=DAY)] == [0, 1, 2, 0]
    assert [count.valid for count in title_counts_visible_to(guangdong_staff, on=DAY)] == [2, 0, 0, 0]
    assert [count.valid for count in title_counts_visible_to(fushun_officer, on=DAY)] == [0, 0, 0, 0]


def test_a_citys_current_title_is_its_highest_valid_one_else_its_latest(titles, national_admin):
    city = titles["demo_past_term"].city
    title(city, Tier.STRONG_CITY_CANDIDATE, dt.date(2018, 1, 1), dt.date(2020, 12, 31), EXPIRED,
          ended_on=dt.date(2020, 12, 31))
    shown = {c.code: (c.current_tier, c.current_status)
             for c in with_current_designation(cities_visible_to(national_admin), on=DAY)}
    assert shown["210100"] == (Tier.DEMONSTRATION, ACTIVE)  # not the later, ended strong-city term
    assert shown["210700"] == (Tier.DEMONSTRATION, REVOKED)  # nothing valid: the latest
    assert shown["210300"] == (Tier.PILOT, ACTIVE)
