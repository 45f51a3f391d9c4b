"""The official Excel layout: export, import of good and malformed files, and the round trip through the pages."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
import zlib
from decimal import Decimal

import polib
import pytest
from django.urls import reverse
from django.utils import translation

from cities.models import AuditEntry
from evaluations.exports.basic_info_xlsx import basic_info_workbook
from evaluations.imports import import_basic_info
from evaluations.models import IndicatorValue
from tests.evaluations.basic_info_support import (  # noqa: F401 (fixtures)
    DATA_YEAR,
    TYPED,
    application,
    cycle,
    english,
    load,
    save,
    sheet_row,
    store,
    stored,
    table_snapshot,
    template,
    upload,
)

SECTION_TWO = [  # row, 序号, 指标, 单位, 备注 of the blank table's second section
    (30, 14, "知识产权局基本情况（隶属关系）", None, "需提供相关证明材料"),
    (31, None, "知识产权局基本情况（行政级别）", None, None),
    (32, None, "知识产权局基本情况（编制人数）", "人", None),
    (33, None, "知识产权局基本情况（专项经费）", "万元", None),
    (34, 15, "每万人口发明专利拥有量", "件/万人", None), (35, 16, "PCT国际专利申请量", "件", None),
    (36, 17, "有效注册商标量", "件", "累计值"), (37, 18, "拥有地理标志产品数量", "个", None),
    (38, 19, "专利权质押融资金额", "亿元", None), (39, 20, "专利保险保额", "万元", None),
    (40, 21, "知识产权运营基金数量及规模", "亿元", None), (41, 22, "中国专利奖获奖情况及城市配套奖励标准", None, None),
    (42, 23, "通过贯标认证企业数量", "个", "累计值"), (43, 24, "国家知识产权示范企业", "个", "累计值"),
    (44, 25, "国家知识产权优势企业", "个", "累计值"), (45, 26, "强县工程试点示范县", "个", "累计值"),
    (46, 27, "传统知识保护试点示范县", "个", "累计值"), (47, 28, "知识产权试点示范园区", "个", "累计值"),
    (48, 29, "专利导航产业发展实验区", "个", "累计值"), (49, 30, "全国知识产权领军人才数量", "人", "累计值"),
    (50, 31, "百千万知识产权人才工程百名高层次人才数量", "人", "累计值"), (51, 32, "专利代理人数量", "人", None),
]


def cells(ws, row: int) -> tuple:
    return tuple(ws.cell(row, column).value for column in range(1, 6))


# --- Export ------------------------------------------------------------------------------------


def test_blank_workbook_has_the_official_layout(template, fushun_city):
    ws = load(basic_info_workbook(fushun_city, 2020, template)).active
    assert ws.title == "基本情况表"
    assert [cells(ws, row)[0] for row in range(1, 11)] == [
        "编号：", "基本情况表", "申报城市名称：", "填表单位（盖章）：", "联系人：", "单位及职务：", "固定电话：",
        "移动电话：", "传真电话：", "国家知识产权局编制"]
    assert ws["C3"].value == "抚顺市"
    assert cells(ws, 12)[0] == "一、城市基本情况"
    assert cells(ws, 13) == ("序号", "指标", "单位", "2020年度数据", "备注")
    assert [cells(ws, row)[:4] for row in range(14, 24)] == [
        (1, "面积", "平方公里", None), (2, "户籍人口", "万人", None), (3, "常住人口", "万人", None),
        (4, "GDP总量", "亿元", None), (5, "年财政收入", "万元", None),
        (6, "市本级财政一般预算（公共财政）支出", "万元", None), (7, "全社会研发投入", "万元", None),
        (8, "研发人员数量", "人", None), (9, "规模以上工业企业数量", "家", None), (10, "上市企业数量", "家", None)]
    assert [cells(ws, row)[:4] for row in (24, 25, 26)] == [
        (11, "在国家和区域重大发展战略中的定位（500字以内）", None, None),
        (12, "专利拥有量与区域主导产业的匹配情况", None, None), (13, "政府重视知识产权工作有关情况", None, None)]
    assert ws["E25"].value == "字数不限，报告可另附。"
    assert cells(ws, 28)[0] == "二、城市知识产权工作基本情况"
    assert cells(ws, 29) == ("序号", "指标", "单位", "2020年度数据", "备注")
    assert [(row, *cells(ws, row)[:3], cells(ws, row)[4]) for row in range(30, 52)] == SECTION_TWO
    assert ws.max_row == 51
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A30:A33", "E30:E33", "A2:E2", "A12:E12", "A28:E28"} <= merged
    assert (ws.page_setup.paperSize, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (9, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws["D24"].alignment.wrap_text is True
    assert ws["B30"].border.left.style == "thin"


def test_workbook_carries_the_values_numbers_as_numbers(template, fushun_city):
    store(fushun_city, template, {(4, ""): Decimal("836.1"), (8, ""): Decimal("12345"), (14, "行政级别"): "正处级",
                                  (13, ""): "=不是公式", (27, ""): Decimal("0")})
    store(fushun_city, template, {(4, ""): Decimal("999")}, year=2019)
    ws = load(basic_info_workbook(fushun_city, 2020, template, contact={"name": "王敏", "mobile": "13800000000"})).active
    assert (ws["D17"].value, ws["D21"].value, ws["D31"].value, ws["D26"].value, ws["D46"].value) == (
        836.1, 12345, "正处级", "=不是公式", 0)
    assert (ws["D21"].data_type, ws["D26"].data_type) == ("n", "s")
    assert (ws["C5"].value, ws["C8"].value) == ("王敏", "13800000000")
    assert ws["D13"].value == "2020年度数据"


# --- Import of malformed files -------------------------------------------------------------------


def unmerge_and_shift_row_14(ws):
    """A merged-cell shift: the 序号 14 moved one row down, covering the row of 15."""
    ws.unmerge_cells("A30:A33")
    ws["A30"] = None
    ws["A31"] = 14
    ws.merge_cells("A31:A34")


SHEET_CASES = {
    "text in a number cell": (lambda ws: ws.__setitem__("D17", "约三千"),
                              ["D17: should be a number, got “约三千”"]),
    "missing row": (lambda ws: ws.delete_rows(36), ["the row for 17 有效注册商标量 is missing"]),
    "wrong unit": (lambda ws: ws.__setitem__("C39", "亿元"), ["C39: unit should be 万元, got “亿元”"]),
    "unit where none is due": (lambda ws: ws.__setitem__("C41", "项"), ["C41: should have no unit, got “项”"]),
    "merged-cell shift": (unmerge_and_shift_row_14, [
        "A30: expected number 14 for 知识产权局基本情况（隶属关系）, found “”",
        "A34: expected number 15 for 每万人口发明专利拥有量, found “14”"]),
    "indicator replaced": (lambda ws: ws.__setitem__("B35", "PCT申请量"),
                           ["B35: expected the indicator “PCT国际专利申请量”, found “PCT申请量”"]),
    "formula": (lambda ws: ws.__setitem__("D35", "=10+2"), ["D35: formulas are not accepted, enter the value"]),
    "text answer too long": (lambda ws: ws.__setitem__("D24", "定" * 501),
                             ["D24: should be at most 500 characters, got 501"]),
    "negative number": (lambda ws: ws.__setitem__("D14", -5), ["D14: should not be negative, got “-5”"]),
    "last year's file": (lambda ws: ws.__setitem__("D29", "2019年度数据"),
                         ["D29: the data column should be for 2020, found “2019年度数据”"]),
    "value in another unit": (lambda ws: ws.__setitem__("D39", "0.3亿元"),
                              ["D39: unit should be 万元, got “0.3亿元”"]),
}


@pytest.mark.parametrize("case", list(SHEET_CASES))
def test_import_refuses_a_malformed_sheet_and_changes_nothing(case, template, fushun_city, fushun_officer):
    change, expected = SHEET_CASES[case]
    store(fushun_city, template, {(4, ""): Decimal("836.1"), (12, ""): "已匹配"})
    workbook = load(basic_info_workbook(fushun_city, DATA_YEAR, template))
    ws = workbook.active
    ws["D14"], ws["D21"] = 11271, "１２，３４５"  # valid answers around the broken cell
    change(ws)
    before = table_snapshot()
    with translation.override("en"):
        result = import_basic_info(upload(save(workbook)), city=fushun_city, year=DATA_YEAR, template=template,
                                   by=fushun_officer)
    assert result.errors == expected
    assert (result.ok, result.values, result.filled) == (False, [], 0)
    assert table_snapshot() == before
    assert AuditEntry.objects.filter(action="basic_info.save").count() == 0


def test_import_reports_every_bad_cell_in_table_order(template, fushun_city, fushun_officer):
    workbook = load(basic_info_workbook(fushun_city, DATA_YEAR, template))
    ws = workbook.active
    ws["D35"], ws["D17"], ws["C39"], ws["D32"] = "=A1", "约三千", "元", "八人"
    with translation.override("en"):
        result = import_basic_info(upload(save(workbook)), city=fushun_city, year=DATA_YEAR, template=template,
                                   by=fushun_officer)
    assert result.errors == ["D17: should be a number, got “约三千”", "D32: should be a number, got “八人”",
                             "D35: formulas are not accepted, enter the value", "C39: unit should be 万元, got “元”"]
    assert IndicatorValue.objects.count() == 0


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


NOT_EXCEL = "the file is not an Excel workbook (.xlsx); save it as .xlsx and upload it again"
FILE_CASES = {
    "empty file": (lambda: b"", ["the file is empty"]),
    "CSV renamed .xlsx": (lambda: "序号,指标\n1,面积\n".encode(), [NOT_EXCEL]),
    "old .xls renamed": (lambda: bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504, [NOT_EXCEL]),
    "zip that is no workbook": (lambda: zip_of({"readme.txt": b"hello"}), [NOT_EXCEL]),
    "over 5 MB": (lambda: b"PK" + b"\0" * (5 * 1024 * 1024 - 1), ["the file is larger than 5 MB"]),
    "zip bomb": (lambda: zip_of({"xl/workbook.xml": b"\0" * (50 * 1024 * 1024 + 1)}),
                 ["the workbook unpacks to more than 50 MB"]),
}


@pytest.mark.parametrize("case", list(FILE_CASES))
@pytest.mark.parametrize("as_upload", [True, False], ids=["upload", "plain file"])
def test_import_refuses_a_file_that_is_no_table(case, as_upload, template, fushun_city, fushun_officer):
    content, expected = FILE_CASES[case]
    data = content()
    store(fushun_city, template, {(4, ""): Decimal("836.1")})
    before = table_snapshot()
    file = upload(data) if as_upload else io.BytesIO(data)
    with translation.override("en"):
        result = import_basic_info(file, city=fushun_city, year=DATA_YEAR, template=template, by=fushun_officer)
    assert result.errors == expected
    assert table_snapshot() == before


def lying_zip(name: str, declared: int, real_megabytes: int) -> bytes:
    """An archive whose entry declares ``declared`` bytes (with a matching CRC) but inflates to far more."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w") as member:
            for _ in range(real_megabytes):
                member.write(b"\0" * (1024 * 1024))
    data = bytearray(buffer.getvalue())
    crc = zlib.crc32(b"\0" * declared)
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 14, crc)
    struct.pack_into("<I", data, local + 22, declared)
    struct.pack_into("<I", data, central + 16, crc)
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def test_import_of_a_zip_lying_about_its_sizes_stays_small(template, fushun_city, fushun_officer):
    data = lying_zip("[Content_Types].xml", 1000, 200)
    assert len(data) < 1024 * 1024
    tracemalloc.start()
    try:
        with translation.override("en"):
            result = import_basic_info(io.BytesIO(data), city=fushun_city, year=DATA_YEAR, template=template,
                                       by=fushun_officer)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.errors == [NOT_EXCEL]
    assert peak < 20 * 1024 * 1024


def test_import_refuses_an_officer_of_another_city(template, fushun_city, yangjiang_officer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_basic_info(upload(b""), city=fushun_city, year=DATA_YEAR, template=template, by=yangjiang_officer)


# --- Import of good files -------------------------------------------------------------------------


def test_import_accepts_unmerged_sub_items_and_another_sheet_name(template, fushun_city, fushun_officer):
    workbook = load(basic_info_workbook(fushun_city, DATA_YEAR, template))
    ws = workbook.active
    ws.title = "Sheet1"
    ws.unmerge_cells("A30:A33")
    ws["D32"], ws["D33"], ws["B31"], ws["C32"] = "8人", "350.5", "行政级别", "名"
    result = import_basic_info(upload(save(workbook)), city=fushun_city, year=DATA_YEAR, template=template,
                               by=fushun_officer)
    assert (result.errors, result.filled) == ([], 2)
    assert stored(fushun_city) == {(14, "编制人数"): Decimal("8"), (14, "专项经费"): Decimal("350.5")}


def test_import_of_an_empty_cell_clears_the_value(template, fushun_city, fushun_officer):
    store(fushun_city, template, {(4, ""): Decimal("836.1"), (5, ""): Decimal("652300")})
    workbook = load(basic_info_workbook(fushun_city, DATA_YEAR, template))
    workbook.active["D17"] = None
    result = import_basic_info(upload(save(workbook)), city=fushun_city, year=DATA_YEAR, template=template,
                               by=fushun_officer)
    assert (result.errors, result.filled) == ([], 1)
    assert stored(fushun_city) == {(5, ""): Decimal("652300")}
    assert AuditEntry.objects.get(action="basic_info.save").data == {"year": 2020, "changed": [4], "source": "excel"}


def test_cell_errors_use_the_chinese_separator_once_translated(template, fushun_city, fushun_officer, tmp_path,
                                                               settings):
    """With the two catalog entries the lead will add, the message is exactly D17：应为数字，实际为“约三千”."""
    catalog = polib.POFile()
    catalog.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=1; plural=0;"}
    catalog.append(polib.POEntry(msgid="%(cell)s: %(message)s", msgstr="%(cell)s：%(message)s"))
    catalog.append(polib.POEntry(msgid="should be a number, got “%(value)s”", msgstr="应为数字，实际为“%(value)s”"))
    folder = tmp_path / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog.save_as_mofile(str(folder / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]
    workbook = load(basic_info_workbook(fushun_city, DATA_YEAR, template))
    workbook.active["D17"] = "约三千"
    with translation.override("zh-hans"):
        result = import_basic_info(upload(save(workbook)), city=fushun_city, year=DATA_YEAR, template=template,
                                   by=fushun_officer)
    assert result.errors == ["D17：应为数字，实际为“约三千”"]


# --- Round trip through the pages ------------------------------------------------------------------


def fill(ws, template) -> None:
    """Type every row as an official would: Excel keeps plain digits as numbers, the rest as text."""
    for (number, sub_item), (raw, _expected) in TYPED.items():
        cell = ws.cell(sheet_row(template, number, sub_item), 4)
        cell.value = raw
        if raw.isascii() and raw.replace(".", "", 1).isdigit():
            cell.value = float(raw) if "." in raw else int(raw)


def test_excel_round_trip_through_the_pages(english, template, application, fushun_city, fushun_officer):
    english.force_login(fushun_officer)
    response = english.get(reverse("application_basic_info_xlsx", args=[application.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"basic-info-210400-2020.xlsx\"; "
        "filename*=UTF-8''%E5%9F%BA%E6%9C%AC%E6%83%85%E5%86%B5%E8%A1%A8-%E6%8A%9A%E9%A1%BA%E5%B8%82-2020.xlsx")
    workbook = load(response.content)
    ws = workbook.active
    assert [ws.cell(sheet_row(template, *key), 4).value for key in TYPED] == [None] * 35
    fill(ws, template)
    assert (ws["D14"].value, ws["D15"].value, ws["D21"].value) == (11271, 210.7, "１２，３４５")

    response = english.post(reverse("application_basic_info_import", args=[application.pk]),
                            {"file": upload(save(workbook))}, follow=True)
    assert response.redirect_chain == [(reverse("application_basic_info", args=[application.pk]), 302)]
    assert [str(m) for m in response.context["messages"]] == ["Imported 35 values."]
    assert stored(fushun_city) == {key: expected for key, (_raw, expected) in TYPED.items()}
    assert AuditEntry.objects.get(action="basic_info.save").data == {
        "year": 2020, "changed": list(range(1, 33)), "source": "excel"}

    again = load(english.get(reverse("application_basic_info_xlsx", args=[application.pk])).content).active
    for (number, sub_item), (_raw, expected) in TYPED.items():
        value = again.cell(sheet_row(template, number, sub_item), 4).value
        if isinstance(expected, Decimal):
            assert isinstance(value, (int, float)), (number, sub_item, value)
            assert Decimal(str(value)) == expected, (number, sub_item)
        else:
            assert value == expected
    assert again["C5"].value == fushun_officer.full_name

    # The same file a second time changes nothing and writes no second audit entry.
    response = english.post(reverse("application_basic_info_import", args=[application.pk]),
                            {"file": upload(save(workbook))})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="basic_info.save").count() == 1


def test_import_page_lists_the_cell_errors_and_saves_nothing(english, template, application, fushun_city,
                                                            fushun_officer):
    store(fushun_city, template, {(4, ""): Decimal("836.1")})
    before = table_snapshot()
    workbook = load(basic_info_workbook(fushun_city, DATA_YEAR, template))
    workbook.active["D17"], workbook.active["D35"] = "约三千", "=1+1"
    english.force_login(fushun_officer)
    response = english.post(reverse("application_basic_info_import", args=[application.pk]),
                            {"file": upload(save(workbook))})
    assert response.status_code == 200
    assert response.context["import_errors"] == ["D17: should be a number, got “约三千”",
                                                 "D35: formulas are not accepted, enter the value"]
    html = response.content.decode()
    assert "<li>D17: should be a number, got “约三千”</li>" in html
    assert table_snapshot() == before
