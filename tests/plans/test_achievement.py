from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from evaluations.basic_info import load_template, save_indicator_values
from plans.achievement import achievements_for, average_annual_growth, target_achievement
from plans.enums import CityPlanKind, Comparison
from plans.services import plans as services
from tests.factories import CityFactory, ProvinceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Explanations are asserted in English (the source language); Chinese is the default."""
    with translation.override("en"):
        yield


@pytest.fixture
def template(db):
    return load_template()


@pytest.fixture
def rows(template):
    return {indicator.number: indicator for indicator in template.indicators.filter(sub_item="")}


@pytest.fixture
def plan(fushun_city, fushun_officer):
    return services.create_city_plan(fushun_city, kind=CityPlanKind.DEMO_CULTIVATION, title="抚顺市培育工作方案",
                                     start_year=2021, end_year=2023, by=fushun_officer)


@pytest.fixture
def values(fushun_city, fushun_officer, template, rows):
    def save(year: int, **by_row: str) -> None:
        save_indicator_values(fushun_city, year, template,
                              {rows[int(number[3:])].pk: raw for number, raw in by_row.items()}, by=fushun_officer)
    return save


def _target(plan, officer, **fields):
    return services.add_plan_target(plan, metric=fields.pop("metric", "指标"), by=officer, **fields)


def test_yoy_growth_achieved(plan, fushun_officer, rows, values):
    # 1000 → 1065: (1065 − 1000) / 1000 = 6.5 % ≥ 6 %
    values(2020, row17="1000")
    values(2021, row17="1065")
    target = _target(plan, fushun_officer, comparison=Comparison.YOY_GROWTH, target_value=Decimal(6),
                     indicator=rows[17])

    result = target_achievement(target, year=2021)

    assert (result.actual, result.required, result.achieved) == (Decimal("6.5"), Decimal(6), True)
    assert result.explanation == "6.5% growth from 1000 (2020) to 1065 (2021); required: 6%."


def test_yoy_growth_missed_and_rounded(plan, fushun_officer, rows, values):
    # 0.65 → 0.68: 0.03 / 0.65 = 4.615… % → 4.6 % < 20 %
    values(2020, row19="0.65")
    values(2021, row19="0.68")
    target = _target(plan, fushun_officer, comparison=Comparison.YOY_GROWTH, target_value=Decimal(20),
                     indicator=rows[19])

    result = target_achievement(target, year=2021)

    assert (result.actual, result.achieved) == (Decimal("4.6"), False)


def test_annual_growth_compound_over_three_years(plan, fushun_officer, rows, values):
    # 1000 (2020) → 1331 (2023): (1331 / 1000)^(1/3) − 1 = 1.1 − 1 = 10.0 % a year ≥ 10 %
    values(2020, row17="1000")
    values(2021, row17="1150")
    values(2023, row17="1331")
    target = _target(plan, fushun_officer, comparison=Comparison.ANNUAL_GROWTH, baseline_year=2020,
                     target_value=Decimal(10), indicator=rows[17])

    result = target_achievement(target, year=2023)

    assert (result.actual, result.achieved) == (Decimal("10.0"), True)
    assert result.explanation == ("10% a year on average from 1000 (2020) to 1331 (2023); "
                                  "required: 10% a year.")


def test_annual_growth_below_target_is_not_the_simple_average(plan, fushun_officer, rows, values):
    # 100 → 118 over 3 years: simple average 6 %, compound (1.18)^(1/3) − 1 = 5.67… % → 5.7 % < 6 %
    values(2020, row15="100")
    values(2023, row15="118")
    target = _target(plan, fushun_officer, comparison=Comparison.ANNUAL_GROWTH, baseline_year=2020,
                     target_value=Decimal(6), indicator=rows[15])

    result = target_achievement(target, year=2023)

    assert (result.actual, result.achieved) == (Decimal("5.7"), False)


def test_annual_growth_from_the_first_year_with_a_value(plan, fushun_officer, rows, values):
    # no baseline year: from 2021 (3.52) to 2022 (3.80): 0.28 / 3.52 = 7.95… % → 8.0 %
    values(2021, row15="3.52")
    values(2022, row15="3.80")
    target = _target(plan, fushun_officer, comparison=Comparison.ANNUAL_GROWTH, target_value=Decimal(6),
                     indicator=rows[15])

    result = target_achievement(target, year=2022)

    assert (result.actual, result.achieved) == (Decimal("8.0"), True)


def test_annual_growth_from_the_written_baseline_value(plan, fushun_officer, rows, values):
    # baseline 800 written in the plan for 2020; 2022: 968 → (968 / 800)^(1/2) − 1 = 1.1 − 1 = 10.0 %
    values(2022, row17="968")
    target = _target(plan, fushun_officer, comparison=Comparison.ANNUAL_GROWTH, baseline_year=2020,
                     baseline_value=Decimal(800), target_value=Decimal(10), indicator=rows[17])

    assert target_achievement(target, year=2022).actual == Decimal("10.0")


def test_average_annual_growth_formula():
    assert average_annual_growth(Decimal(1000), Decimal("1157.625"), 3) == Decimal("5.0")


def test_absolute_reached(plan, fushun_officer, rows, values):
    values(2023, row23="90")
    target = _target(plan, fushun_officer, comparison=Comparison.ABSOLUTE, target_value=Decimal(90),
                     indicator=rows[23])

    result = target_achievement(target, year=2023)

    assert (result.actual, result.required, result.achieved) == (Decimal(90), Decimal(90), True)
    assert result.explanation == "90 in 2023; required: 90个."


def test_absolute_not_reached(plan, fushun_officer, rows, values):
    values(2023, row23="89")
    target = _target(plan, fushun_officer, comparison=Comparison.ABSOLUTE, target_value=Decimal(90),
                     indicator=rows[23])

    assert target_achievement(target, year=2023).achieved is False


def test_count(plan, fushun_officer, rows, values):
    values(2021, row16="12")
    target = _target(plan, fushun_officer, comparison=Comparison.COUNT, target_value=Decimal(10), indicator=rows[16])

    result = target_achievement(target, year=2021)

    assert (result.actual, result.achieved) == (Decimal(12), True)


def test_range(plan, fushun_officer, rows, values):
    # PlanTarget has no minimum / maximum fields yet: the achievement reads them when present.
    values(2021, row26="2")
    values(2022, row26="3")
    target = _target(plan, fushun_officer, comparison=Comparison.RANGE, indicator=rows[26])
    target.minimum, target.maximum = Decimal(1), Decimal(2)

    assert target_achievement(target, year=2021).achieved is True
    assert target_achievement(target, year=2022).achieved is False


def test_missing_value_is_none(plan, fushun_officer, rows, values):
    values(2021, row17="1065")
    target = _target(plan, fushun_officer, comparison=Comparison.YOY_GROWTH, target_value=Decimal(6),
                     indicator=rows[17])

    result = target_achievement(target, year=2021)

    assert (result.actual, result.achieved) == (None, None)
    assert result.explanation == "No value of “有效注册商标量” for 2020."
    assert target_achievement(target, year=2022).achieved is None


def test_qualitative_and_unlinked_are_none(plan, fushun_officer, rows, values):
    values(2021, row16="3")
    qualitative = _target(plan, fushun_officer, comparison=Comparison.QUALITATIVE, text="实现新突破",
                          indicator=rows[16])
    unlinked = _target(plan, fushun_officer, comparison=Comparison.COUNT, target_value=Decimal(20))

    assert target_achievement(qualitative, year=2021).achieved is None
    assert target_achievement(unlinked, year=2021).achieved is None


def _targets(plan, officer, rows, count: int) -> None:
    numbers = [15, 16, 17, 19, 23]
    for n in range(count):
        _target(plan, officer, comparison=Comparison.YOY_GROWTH, target_value=Decimal(6),
                indicator=rows[numbers[n % len(numbers)]])


def test_achievements_for_query_count_is_constant(plan, fushun_officer, rows, values):
    values(2020, row15="3", row16="10", row17="1000", row19="1", row23="50")
    values(2021, row15="3.3", row16="11", row17="1065", row19="1.5", row23="55")
    _targets(plan, fushun_officer, rows, 1)
    with CaptureQueriesContext(connection) as one:
        first = achievements_for(plan, year=2021)
    _targets(plan, fushun_officer, rows, 9)
    with CaptureQueriesContext(connection) as ten:
        results = achievements_for(plan, year=2021)

    assert len(one.captured_queries) == len(ten.captured_queries) == 2
    assert [r.actual for r in first] == [Decimal("10.0")]
    # rows 15, then 15, 16, 17, 19, 23, 15, 16, 17, 19
    assert [r.actual for r in results] == [Decimal("10.0"), *[Decimal("10.0"), Decimal("10.0"), Decimal("6.5"),
                                                              Decimal("50.0"), Decimal("10.0")],
                                           Decimal("10.0"), Decimal("10.0"), Decimal("6.5"), Decimal("50.0")]


def test_achievements_for_the_loaded_fushun_plan(fushun_city, yangjiang_city, fushun_officer, national_admin,
                                                 template, values):
    CityFactory(code="120111", province=ProvinceFactory(code="120000", name="天津市"), full_name="天津市西青区")
    plans = {plan.city.code: plan for plan in services.load_city_plans(by=national_admin)}
    # demo-like values: 万人发明专利 3.52 → 3.79 (+7.7 %), 商标 17200 → 18650 (+8.4 %), 质押 0.65 → 0.80 亿元
    # (+23.1 %), 贯标 61 → 76 firms.
    values(2020, row15="3.52", row17="17200", row19="0.65", row23="61")
    values(2021, row15="3.79", row17="18650", row19="0.80", row23="76")

    results = {r.target.metric: r for r in achievements_for(plans["210400"], year=2021)}

    assert (results["万人高价值发明专利拥有量"].actual, results["万人高价值发明专利拥有量"].achieved) == (Decimal("7.7"), True)
    assert (results["国内注册商标"].actual, results["国内注册商标"].achieved) == (Decimal("8.4"), False)
    assert (results["知识产权质押融资额"].actual, results["知识产权质押融资额"].achieved) == (Decimal("23.1"), True)
    assert (results["通过《企业知识产权管理规范》贯标认证企业总数"].actual,
            results["通过《企业知识产权管理规范》贯标认证企业总数"].achieved) == (Decimal(76), False)
    assert results["PCT专利申请量"].achieved is None
