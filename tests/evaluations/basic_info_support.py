"""Fixtures and helpers of the basic-information table tests (imported by the test modules that use them)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings

from evaluations.basic_info import load_template
from evaluations.enums import ApplicationState, CycleKind, CycleStatus
from evaluations.exports.basic_info_xlsx import layout
from evaluations.models import Application, Cycle, IndicatorValue

DATA_YEAR = 2020

# What a Fushun official types into each row (number, sub-item): the raw text, and what must be stored.
TYPED = {
    (1, ""): ("11271", Decimal("11271")),
    (2, ""): ("210.7", Decimal("210.7")),
    (3, ""): ("185.3万人", Decimal("185.3")),
    (4, ""): ("８３６．１", Decimal("836.1")),
    (5, ""): ("652,300", Decimal("652300")),
    (6, ""): ("1，234，567万元", Decimal("1234567")),
    (7, ""): ("215000", Decimal("215000")),
    (8, ""): ("１２，３４５", Decimal("12345")),
    (9, ""): ("412家", Decimal("412")),
    (10, ""): ("6", Decimal("6")),
    (11, ""): ("抚顺是东北老工业基地，处于东北振兴战略的核心区域，近两年以石化、冶金和装备制造业转型升级为主要目标。",) * 2,
    (12, ""): ("全市有效发明专利主要集中在石油化工、精细化工和高端装备领域，与主导产业匹配度较高。",) * 2,
    (13, ""): ("1．2019年出台《抚顺市知识产权强市建设实施意见》。\n2．知识产权工作纳入市政府绩效考核。",) * 2,
    (14, "隶属关系"): ("市市场监督管理局",) * 2,
    (14, "行政级别"): ("正处级",) * 2,
    (14, "编制人数"): ("8人", Decimal("8")),
    (14, "专项经费"): ("350.5", Decimal("350.5")),
    (15, ""): ("3.12", Decimal("3.12")),
    (16, ""): ("１２", Decimal("12")),
    (17, ""): ("12,876", Decimal("12876")),
    (18, ""): ("3", Decimal("3")),
    (19, ""): ("2.35亿元", Decimal("2.35")),
    (20, ""): ("3000万元", Decimal("3000")),
    (21, ""): ("运营基金2支，总规模3.2亿元",) * 2,
    (22, ""): ("获中国专利优秀奖2项；市级配套奖励每项10万元",) * 2,
    (23, ""): ("48", Decimal("48")),
    (24, ""): ("2", Decimal("2")),
    (25, ""): ("11", Decimal("11")),
    (26, ""): ("1", Decimal("1")),
    (27, ""): ("0", Decimal("0")),
    (28, ""): ("1", Decimal("1")),
    (29, ""): ("0", Decimal("0")),
    (30, ""): ("1", Decimal("1")),
    (31, ""): ("2", Decimal("2")),
    (32, ""): ("57 人", Decimal("57")),
}


@pytest.fixture
def template(db):
    return load_template()


@pytest.fixture
def cycle(template):
    return Cycle.objects.create(
        kind=CycleKind.PILOT, year=2021, title="2021年国家知识产权试点城市评定", status=CycleStatus.OPEN,
        city_deadline=dt.date(2021, 8, 15), province_deadline=dt.date(2021, 8, 31), data_year=DATA_YEAR,
        basic_info_template=template, required_materials=["basic_info_table"],
    )


@pytest.fixture
def application(cycle, fushun_city):
    return Application.objects.create(cycle=cycle, city=fushun_city, state=ApplicationState.DRAFT)


@pytest.fixture
def submitted_application(application):
    Application.objects.filter(pk=application.pk).update(state=ApplicationState.SUBMITTED, round=1)
    application.refresh_from_db()
    return application


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def indicator(template, number: int, sub_item: str = ""):
    return template.indicators.get(number=number, sub_item=sub_item)


def sheet_row(template, number: int, sub_item: str = "") -> int:
    """The row of an indicator in the downloaded workbook."""
    return layout(list(template.indicators.all())).rows[indicator(template, number, sub_item).pk]


def table_snapshot() -> list[tuple]:
    """Every stored value, to compare before and after a refused change."""
    return list(IndicatorValue.objects.order_by("pk").values_list(
        "pk", "city_id", "year", "indicator_id", "number", "text", "updated_by_id", "updated_at"))


def store(city, template, entries: dict, *, year: int = DATA_YEAR) -> None:
    """Write values directly (number, sub_item) -> Decimal or text, as earlier saves would have."""
    for (number, sub_item), value in entries.items():
        target = indicator(template, number, sub_item)
        IndicatorValue.objects.create(
            city=city, year=year, indicator=target,
            number=value if isinstance(value, Decimal) else None, text="" if isinstance(value, Decimal) else value)


def stored(city, *, year: int = DATA_YEAR) -> dict:
    """(number, sub_item) -> the stored Decimal or text of every non-empty value."""
    result = {}
    for value in IndicatorValue.objects.filter(city=city, year=year).select_related("indicator"):
        if not value.is_empty:
            key = (value.indicator.number, value.indicator.sub_item)
            result[key] = value.number if value.number is not None else value.text
    return result


def load(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "基本情况表.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/vnd.openxmlformats-officedocument"
                                                         ".spreadsheetml.sheet")
