"""Derived values of objective criteria: ratios of table rows, growth, the mean over the term
(reviews/derivations.py; DESIGN.md §4, S1 附件3, S1 三(二)3)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import translation

from reviews.derivations import Ref, TermScores, derivation_problems, derive, describe_derivation, parse_ref

D = Decimal
PLACES = D("0.0001")
LABELS = {"3": "常住人口", "4": "GDP总量", "17": "有效注册商标量", "14-编制人数": "知识产权局基本情况（编制人数）"}
NUMBER_ROWS = dict.fromkeys(["3", "4", "7", "17", "19", "14-编制人数"])


def reader(**numbers):
    """An input reader over ``table_<key>`` / ``measured_<key>`` keyword numbers (None when absent)."""
    return lambda ref: numbers.get(f"{ref.source}_{ref.key}".replace("-", "_"))


def no_term(kind):
    raise AssertionError("a ratio reads no assessment")


def test_refs_name_a_table_row_with_its_sub_item_or_a_measured_key():
    assert parse_ref("table:15") == Ref("table", "15")
    assert parse_ref("table:14-编制人数") == Ref("table", "14-编制人数")
    assert parse_ref("measured:invention_grants") == Ref("measured", "invention_grants")
    assert [parse_ref(text) for text in ("table:0", "table:x", "measured:Grants", "15", "", None, 15)] == [None] * 7


def test_ratio_divides_and_scales_rounded_to_four_places():
    """S1 附件3: 有效注册商标量 (row 17) per 10,000 residents is row 17 ÷ row 3 (常住人口, 万人)."""
    derivation = {"op": "ratio", "numerator": "table:17", "denominator": "table:3"}
    with translation.override("en"):
        result = derive(derivation, read=reader(table_17=D("19250"), table_3=D("185.6")), table_labels=LABELS,
                        term=no_term)
    expected = (D("19250") / D("185.6")).quantize(PLACES, rounding=ROUND_HALF_UP)
    assert (result.value, result.missing) == (expected, ())
    assert expected == D("103.7177")
    assert result.words == ("table row 17 “有效注册商标量” ÷ table row 3 “常住人口” = 19250 ÷ 185.6 = 103.7177")


def test_ratio_with_a_scale_says_the_scale():
    """全社会研发投入（万元） ÷ GDP（亿元） × 0.01 is the share of GDP in percent."""
    derivation = {"op": "ratio", "numerator": "table:7", "denominator": "table:4", "scale": 0.01}
    with translation.override("zh-hans"):
        result = derive(derivation, read=reader(table_7=D("176500"), table_4=D("872.5")),
                        table_labels={**LABELS, "7": "全社会研发投入"}, term=no_term)
    assert result.value == (D("176500") / D("872.5") * D("0.01")).quantize(PLACES, rounding=ROUND_HALF_UP)
    assert result.words == ("基本情况表第7行「全社会研发投入」 ÷ 基本情况表第4行「GDP总量」 × 0.01 = 176500 ÷ 872.5 × 0.01 = "
                            "2.0229")


def test_a_missing_input_is_named_and_the_value_stays_null():
    derivation = {"op": "ratio", "numerator": "measured:invention_grants", "denominator": "table:4"}
    with translation.override("zh-hans"):
        result = derive(derivation, read=reader(), table_labels=LABELS, term=no_term)
    assert (result.value, result.missing) == (None, ("缺少省局测评数据「发明专利授权量（件）」", "缺少基本情况表第4行「GDP总量」"))
    with translation.override("en"):
        result = derive(derivation, read=reader(table_4=D("872.5")), table_labels=LABELS, term=no_term)
    assert (result.value, result.missing) == (None, ("Missing: measured value “发明专利授权量（件）”",))


def test_a_zero_divisor_is_said_not_scored_as_zero():
    derivation = {"op": "ratio", "numerator": "table:17", "denominator": "table:3"}
    with translation.override("en"):
        result = derive(derivation, read=reader(table_17=D("5"), table_3=D("0")), table_labels=LABELS, term=no_term)
    assert (result.value, result.missing) == (None, ("table row 3 “常住人口” is 0: it cannot divide",))


def test_growth_is_in_percent_of_the_previous_value():
    derivation = {"op": "growth", "current": "table:19", "previous": "measured:pledge_financing_last_year"}
    result = derive(derivation, read=reader(table_19=D("3.2"), measured_pledge_financing_last_year=D("2.5")),
                    table_labels=LABELS, term=no_term)
    assert result.value == ((D("3.2") - D("2.5")) / D("2.5") * 100).quantize(PLACES, rounding=ROUND_HALF_UP)
    assert result.value == D("28.0000")


def test_term_mean_averages_the_scored_years_and_names_the_others():
    """S1 三(二)3: the re-review scores the annual assessments of the term."""
    term = TermScores(range(2016, 2020), {2016: D("86.50"), 2017: D("88.00"), 2018: None, 2019: D("91.25")})
    with translation.override("zh-hans"):
        result = derive({"op": "term_mean", "assessment": "annual"}, read=reader(), table_labels=LABELS,
                        term=lambda kind: term)
    assert result.value == ((D("86.50") + D("88.00") + D("91.25")) / 3).quantize(PLACES, rounding=ROUND_HALF_UP)
    assert result.missing == ()
    assert result.words == "2016–2019年年度考核平均得分 = (86.5 + 88 + 91.25) ÷ 3 = 88.5833；2018年无得分记录"


def test_term_mean_without_any_score_is_missing():
    term = TermScores(range(2016, 2020), {})
    with translation.override("zh-hans"):
        result = derive({"op": "term_mean", "assessment": "patent_strength"}, read=reader(), table_labels=LABELS,
                        term=lambda kind: term)
    assert (result.value, result.missing) == (None, ("缺少2016–2019年的专利实力状况评价得分",))


def test_a_malformed_derivation_says_so_instead_of_failing():
    with translation.override("en"):
        result = derive({"op": "ratio", "numerator": "table:17"}, read=reader(), table_labels=LABELS, term=no_term)
    assert (result.value, result.missing) == (None, ("The derived value of this criterion is incomplete.",))


def test_descriptions_have_no_numbers():
    with translation.override("en"):
        assert describe_derivation({"op": "ratio", "numerator": "table:14-编制人数", "denominator": "table:3",
                                    "scale": 10000}, LABELS) == (
            "table row 14 “知识产权局基本情况（编制人数）” ÷ table row 3 “常住人口” × 10000")
        assert describe_derivation({"op": "term_mean", "assessment": "annual"}, LABELS) == (
            "mean annual assessment score over the term")


@pytest.mark.parametrize("derivation, expected", [
    ({"op": "ratio", "numerator": "table:17", "denominator": "table:3"}, []),
    ({"op": "ratio", "numerator": "table:14-编制人数", "denominator": "measured:x_y", "scale": 100}, []),
    ({"op": "growth", "current": "table:19", "previous": "measured:pledge_last_year"}, []),
    ({"op": "term_mean", "assessment": "patent_strength"}, []),
    ([1, 2], ['the derived value should be an object such as {"op": "ratio", "numerator": "table:17", '
              '"denominator": "table:3"}']),
    ({"op": "sum"}, ["unknown derivation “sum”: use ratio, growth or term_mean"]),
    ({"op": "ratio", "numerator": "table:17"}, [
        "“denominator” should name an input such as table:15, table:14-编制人数 or measured:invention_grants, "
        "got “”"]),
    ({"op": "ratio", "numerator": "table:11", "denominator": "table:99"}, [
        "“numerator”: the basic-information table has no row 11 answered by a number",
        "“denominator”: the basic-information table has no row 99 answered by a number"]),
    ({"op": "ratio", "numerator": "table:17", "denominator": "table:3", "scale": 0}, [
        "“scale” should be a number greater than 0"]),
    ({"op": "ratio", "numerator": "table:17", "denominator": "table:3", "scale": "100"}, [
        "“scale” should be a number greater than 0"]),
    ({"op": "term_mean", "assessment": "yearly", "years": 3}, [
        "unexpected derivation field “years”", "“assessment” should be annual or patent_strength"]),
])
def test_derivation_problems_name_each_field(derivation, expected):
    with translation.override("en"):
        assert derivation_problems(derivation, number_rows=NUMBER_ROWS) == expected
