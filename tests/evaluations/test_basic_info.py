"""The catalog, the lenient number parser and the service that saves a city's values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from cities.audit import action_label
from cities.models import AuditEntry
from evaluations.basic_info import (
    TEMPLATE_SOURCE,
    TEMPLATE_TITLE,
    ensure_editable,
    load_template,
    parse_number,
    save_indicator_values,
    table_problems,
)
from evaluations.enums import ApplicationState, AnswerType
from evaluations.models import Indicator, IndicatorTemplate, IndicatorValue
from tests.evaluations.basic_info_support import (  # noqa: F401 (fixtures)
    DATA_YEAR,
    application,
    cycle,
    indicator,
    store,
    stored,
    table_snapshot,
    template,
)

# --- The catalog ---------------------------------------------------------------------------


def catalog(template):
    return [(i.number, i.sub_item, i.unit, i.answer_type, i.max_chars, i.cumulative, i.evidence_required)
            for i in template.indicators.all()]


def test_load_template_creates_the_2018_table(template):
    assert (template.code, template.title, template.source) == ("2018", TEMPLATE_TITLE, TEMPLATE_SOURCE)
    assert template.title == "城市知识产权工作基本情况表"
    assert template.source == "国家知识产权局办公室 2018-07-27 通知 附件3"
    N, T = AnswerType.NUMBER, AnswerType.TEXT
    assert catalog(template) == [
        (1, "", "平方公里", N, None, False, False), (2, "", "万人", N, None, False, False),
        (3, "", "万人", N, None, False, False), (4, "", "亿元", N, None, False, False),
        (5, "", "万元", N, None, False, False), (6, "", "万元", N, None, False, False),
        (7, "", "万元", N, None, False, False), (8, "", "人", N, None, False, False),
        (9, "", "家", N, None, False, False), (10, "", "家", N, None, False, False),
        (11, "", "", T, 500, False, False), (12, "", "", T, None, False, False), (13, "", "", T, None, False, False),
        (14, "隶属关系", "", T, None, False, True), (14, "行政级别", "", T, None, False, True),
        (14, "编制人数", "人", N, None, False, True), (14, "专项经费", "万元", N, None, False, True),
        (15, "", "件/万人", N, None, False, False), (16, "", "件", N, None, False, False),
        (17, "", "件", N, None, True, False), (18, "", "个", N, None, False, False),
        (19, "", "亿元", N, None, False, False), (20, "", "万元", N, None, False, False),
        (21, "", "亿元", T, None, False, False), (22, "", "", T, None, False, False),
        (23, "", "个", N, None, True, False), (24, "", "个", N, None, True, False),
        (25, "", "个", N, None, True, False), (26, "", "个", N, None, True, False),
        (27, "", "个", N, None, True, False), (28, "", "个", N, None, True, False),
        (29, "", "个", N, None, True, False), (30, "", "人", N, None, True, False),
        (31, "", "人", N, None, True, False), (32, "", "人", N, None, False, False),
    ]
    assert list(template.indicators.values_list("position", flat=True)) == list(range(1, 36))


def test_load_template_keeps_the_printed_notes_only(template):
    notes = {(i.number, i.sub_item): i.notes for i in template.indicators.all() if i.notes}
    assert sorted(notes) == [(11, ""), (12, ""), (13, ""), (14, "专项经费"), (14, "编制人数"), (14, "行政级别"),
                             (14, "隶属关系")]
    assert notes[(12, "")] == "字数不限，报告可另附。"
    assert notes[(14, "编制人数")] == "需提供相关证明材料"
    assert notes[(11, "")].startswith("主要阐述在西部开发、东北振兴")


def test_load_template_twice_returns_the_existing_version_unchanged(template):
    Indicator.objects.filter(template=template, number=32).update(notes="edited by an administrator")
    again = load_template()
    assert again.pk == template.pk
    assert IndicatorTemplate.objects.count() == 1
    assert Indicator.objects.count() == 35
    assert Indicator.objects.get(template=template, number=32).notes == "edited by an administrator"


# --- parse_number ----------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "unit", "expected"), [
    ("12345", "件", Decimal("12345")),
    ("１２３．５", "万人", Decimal("123.5")),
    ("１２，３４５", "人", Decimal("12345")),
    ("12,345.6", "万元", Decimal("12345.6")),
    ("12，345", "件", Decimal("12345")),
    ("1,234,567", "万元", Decimal("1234567")),
    ("  42 ", "家", Decimal("42")),
    ("\u300042\u3000", "家", Decimal("42")),
    ("3000万元", "万元", Decimal("3000")),
    ("3000 万元", "万元", Decimal("3000")),
    ("3000万元", "万元", Decimal("3000")),
    ("15人", "人", Decimal("15")),
    ("15名", "人", Decimal("15")),
    ("120 件", "件", Decimal("120")),
    ("3.2亿元", "亿元", Decimal("3.2")),
    ("3.12件/万人", "件/万人", Decimal("3.12")),
    ("11271平方公里", "平方公里", Decimal("11271")),
    ("0", "个", Decimal("0")),
    ("0.5", "亿元", Decimal("0.5")),
    (".5", "亿元", Decimal("0.5")),
    ("2.50000", "亿元", Decimal("2.5")),
    ("", "万元", None),
    ("   ", "万元", None),
    ("\u3000", "万元", None),
])
def test_parse_number_accepts_what_officials_type(raw, unit, expected):
    result = parse_number(raw, unit)
    assert result == expected
    assert result is None or isinstance(result, Decimal)


@pytest.mark.parametrize(("raw", "unit", "message"), [
    ("约三千", "万元", "should be a number, got “约三千”"),
    ("三千", "万元", "should be a number, got “三千”"),
    ("3000左右", "万元", "should be a number, got “3000左右”"),
    ("12,34", "件", "should be a number, got “12,34”"),
    ("1.2.3", "件", "should be a number, got “1.2.3”"),
    ("1e5", "件", "should be a number, got “1e5”"),
    ("N/A", "件", "should be a number, got “N/A”"),
    ("3000万", "万元", "should be a number, got “3000万”"),
    ("3亿元", "万元", "unit should be 万元, got “3亿元”"),
    (" 3.2 亿元 ", "万元", "unit should be 万元, got “3.2 亿元”"),
    ("15个", "人", "unit should be 人, got “15个”"),
    ("300万元", "亿元", "unit should be 亿元, got “300万元”"),
    ("-5", "件", "should not be negative, got “-5”"),
    ("－５", "件", "should not be negative, got “－５”"),
    ("1.23456", "亿元", "should have at most 4 decimal places, got “1.23456”"),
    ("10000000000000000", "万元", "is too large, got “10000000000000000”"),
])
def test_parse_number_refuses_with_a_message(raw, unit, message):
    with translation.override("en"), pytest.raises(ValueError) as caught:
        parse_number(raw, unit)
    assert str(caught.value) == message


# --- save_indicator_values ---------------------------------------------------------------------


def typed(template, entries: dict) -> dict[int, str]:
    return {indicator(template, number, sub_item).pk: raw for (number, sub_item), raw in entries.items()}


def test_save_stores_parsed_values_and_records_one_audit_entry(template, fushun_city, fushun_officer):
    saved = save_indicator_values(fushun_city, DATA_YEAR, template, typed(template, {
        (4, ""): "８３６．１", (20, ""): "3000万元", (14, "行政级别"): " 正处级 ", (12, ""): "",
    }), by=fushun_officer)
    assert [(v.indicator.number, v.indicator.sub_item, v.number, v.text) for v in saved] == [
        (4, "", Decimal("836.1"), ""), (14, "行政级别", None, "正处级"), (20, "", Decimal("3000"), "")]
    assert stored(fushun_city) == {(4, ""): Decimal("836.1"), (14, "行政级别"): "正处级", (20, ""): Decimal("3000")}
    assert set(IndicatorValue.objects.values_list("updated_by", flat=True)) == {fushun_officer.pk}
    entries = list(AuditEntry.objects.filter(action="basic_info.save"))
    assert [(e.actor_id, e.city_id, e.data) for e in entries] == [
        (fushun_officer.pk, fushun_city.pk, {"year": 2020, "changed": [4, 14, 20], "source": "browser"})]


def test_save_without_a_change_writes_nothing(template, fushun_city, fushun_officer):
    store(fushun_city, template, {(4, ""): Decimal("836.1")})
    before = table_snapshot()
    save_indicator_values(fushun_city, DATA_YEAR, template, typed(template, {(4, ""): "836.10", (5, ""): ""}),
                          by=fushun_officer)
    assert table_snapshot() == before
    assert AuditEntry.objects.filter(action="basic_info.save").count() == 0


def test_save_with_an_empty_answer_clears_the_value(template, fushun_city, national_admin):
    store(fushun_city, template, {(4, ""): Decimal("836.1"), (12, ""): "已匹配"})
    save_indicator_values(fushun_city, DATA_YEAR, template, typed(template, {(4, ""): "", (12, ""): "  "}),
                          by=national_admin, source="excel")
    assert list(IndicatorValue.objects.values_list("number", "text")) == [(None, ""), (None, "")]
    assert stored(fushun_city) == {}
    assert AuditEntry.objects.get(action="basic_info.save").data == {"year": 2020, "changed": [4, 12],
                                                                     "source": "excel"}


def test_save_with_one_invalid_answer_saves_nothing(template, fushun_city, fushun_officer):
    store(fushun_city, template, {(4, ""): Decimal("836.1")})
    before = table_snapshot()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        save_indicator_values(fushun_city, DATA_YEAR, template, typed(template, {
            (4, ""): "900", (5, ""): "约三千", (7, ""): "3亿元", (11, ""): "定" * 501, (20, ""): "12"}),
            by=fushun_officer)
    assert caught.value.message_dict == {
        indicator(template, 5).pk: ["should be a number, got “约三千”"],
        indicator(template, 7).pk: ["unit should be 万元, got “3亿元”"],
        indicator(template, 11).pk: ["should be at most 500 characters, got 501"],
    }
    assert table_snapshot() == before
    assert AuditEntry.objects.count() == 0


def test_save_accepts_a_text_of_exactly_the_limit(template, fushun_city, fushun_officer):
    save_indicator_values(fushun_city, DATA_YEAR, template, typed(template, {(11, ""): "定" * 500}), by=fushun_officer)
    assert stored(fushun_city) == {(11, ""): "定" * 500}


def test_save_refuses_an_officer_of_another_city(template, fushun_city, yangjiang_officer):
    with pytest.raises(PermissionDenied):
        save_indicator_values(fushun_city, DATA_YEAR, template, typed(template, {(4, ""): "1"}), by=yangjiang_officer)
    assert IndicatorValue.objects.count() == 0


@pytest.mark.parametrize("persona", ["liaoning_staff", "reviewer", "audit_admin"])
def test_save_refuses_who_is_not_city_officer_or_national_admin(request, template, fushun_city, persona):
    with pytest.raises(PermissionDenied):
        save_indicator_values(fushun_city, DATA_YEAR, template, typed(template, {(4, ""): "1"}),
                              by=request.getfixturevalue(persona))
    assert IndicatorValue.objects.count() == 0


def test_table_problems_after_save(template, fushun_city, fushun_officer):
    save_indicator_values(fushun_city, DATA_YEAR, template, typed(template, {(1, ""): "11271"}), by=fushun_officer)
    with translation.override("en"):
        problems = table_problems(fushun_city, DATA_YEAR, template)
    assert len(problems) == 34
    assert problems[0] == "row 2 户籍人口 has no value"
    assert problems[13] == "row 14 知识产权局基本情况（行政级别） has no value"


@pytest.mark.parametrize("state", list(ApplicationState))
def test_ensure_editable_only_in_draft(application, state):
    application.state = state
    if state == ApplicationState.DRAFT:
        assert ensure_editable(application) is None
        return
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            ensure_editable(application)
        assert caught.value.messages == [
            f"The application is {state.label}; its basic-information table can no longer be changed."]


def test_audit_labels_are_registered():
    with translation.override("en"):
        assert str(action_label("basic_info.save")) == "Saved basic-information table"
        assert str(action_label("basic_info.import")) == "Imported basic-information table"
