"""抚顺's 2021 responsibility list: loaded from JSON, exported in the 附件2 layout and imported back."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from cities.models import AuditEntry
from plans.enums import ItemStatus
from plans.exports.list_xlsx import responsibility_list_workbook
from plans.imports import import_list
from plans.models import ProgressReport, ResponsibilityItem
from plans.services.responsibility import load_list_json, report_progress
from tests.plans.test_responsibility import FUSHUN_JSON, WORK_AREAS


@pytest.fixture
def fushun_list(fushun_city, fushun_officer):
    return load_list_json(FUSHUN_JSON, city=fushun_city, year=2021, by=fushun_officer)


def snapshot(rlist) -> list[tuple]:
    return list(rlist.items.order_by("number").values_list(
        "pk", "number", "work_area", "task", "completion_standard", "lead_unit", "responsible_units", "due_date",
        "national_task_id", "plan_target_id", "status", "percent"))


def workbook_of(rlist) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(responsibility_list_workbook(rlist)))


def upload(workbook: openpyxl.Workbook, name: str = "清单.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def run_import(file, rlist, user):
    with translation.override("en"):
        return import_list(file, rlist=rlist, by=user)


def test_export_has_the_fushun_layout(fushun_list):
    ws = workbook_of(fushun_list).active
    assert ws.title == "责任清单"
    assert ws["A1"].value == "2021年工作计划责任清单"
    assert [ws.cell(2, c).value for c in range(1, 6)] == ["序号", "工作事项", "工作任务", "完成标准", "责任单位"]
    assert [ws.cell(r, 1).value for r in range(3, 21)] == list(range(1, 19))
    assert ws["C3"].value == "万人高价值发明专利拥有量年均增长6%以上。"
    assert ws["E10"].value == "市知识产权局、市发改委、市金融发展局、市国资委、抚顺银保监分局、各县区政府"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    assert ws["C3"].alignment.wrap_text is True
    assert ws["C3"].border.left.style == "thin"
    assert ws["B8"].border.bottom.style == "thin"
    assert ws.column_dimensions["C"].width == 44


def test_export_merges_the_work_area_down_each_run_of_items(fushun_list):
    ws = workbook_of(fushun_list).active
    work_area_merges = sorted(str(r) for r in ws.merged_cells.ranges if r.min_col == 2)
    # The groups of consecutive items: 1–6, 7–11, 12–15, 16–18 (rows 3–8, 9–13, 14–17, 18–20).
    groups, start = [], 1
    items = list(fushun_list.items.order_by("number"))
    for index, item in enumerate(items):
        if index + 1 == len(items) or items[index + 1].work_area != item.work_area:
            groups.append(f"B{start + 2}:B{item.number + 2}")
            start = item.number + 1
    assert work_area_merges == sorted(groups) == ["B14:B17", "B18:B20", "B3:B8", "B9:B13"]
    assert [ws[f"B{r}"].value for r in (3, 9, 14, 18)] == WORK_AREAS
    assert sorted(str(r) for r in ws.merged_cells.ranges if r.min_col != 2) == ["A1:E1"]


def test_round_trip_leaves_every_item_unchanged(fushun_list, fushun_officer):
    before = snapshot(fushun_list)
    entries = AuditEntry.objects.count()
    result = run_import(SimpleUploadedFile("清单.xlsx", responsibility_list_workbook(fushun_list)), fushun_list,
                        fushun_officer)
    assert result.errors == []
    assert (result.added, result.updated, result.deleted, result.unchanged) == (0, 0, 0, 18)
    assert snapshot(fushun_list) == before
    assert AuditEntry.objects.count() == entries + 1
    # And exporting again gives the same merged ranges and cells.
    again = workbook_of(fushun_list).active
    first = workbook_of(fushun_list).active
    assert [[c.value for c in row] for row in again.iter_rows()] == [[c.value for c in row] for row in first.iter_rows()]


def test_import_continues_a_work_area_over_blank_unmerged_cells(fushun_list, fushun_officer):
    before = snapshot(fushun_list)
    workbook = workbook_of(fushun_list)
    ws = workbook.active
    ws.unmerge_cells("B9:B13")  # rows 10–13 now blank cells under 促进知识产权高效益运用
    assert [ws[f"B{r}"].value for r in range(9, 14)] == ["促进知识产权高效益运用", None, None, None, None]
    result = run_import(upload(workbook), fushun_list, fushun_officer)
    assert result.errors == []
    assert snapshot(fushun_list) == before


def test_import_updates_texts_in_place_adds_and_removes_items(fushun_list, fushun_officer):
    first = fushun_list.items.get(number=1)
    workbook = workbook_of(fushun_list)
    ws = workbook.active
    ws["D3"] = "同比增长7%。"
    ws["E3"] = "市知识产权局、市科技局"
    ws.unmerge_cells("B18:B20")  # item 18 gets another work area and task; item 19 continues that area
    ws.merge_cells("B18:B19")
    for column, value in enumerate([18, "新增工作事项", "新任务。", "完成。", "市知识产权局"], start=1):
        ws.cell(20, column, value)
    for column, value in enumerate([19, None, "再一项任务。", None, None], start=1):
        ws.cell(21, column, value)
    result = run_import(upload(workbook), fushun_list, fushun_officer)
    assert result.errors == []
    assert (result.added, result.updated, result.deleted, result.unchanged) == (1, 2, 0, 16)
    first.refresh_from_db()
    assert (first.completion_standard, first.responsible_units, first.lead_unit) == (
        "同比增长7%。", ["市知识产权局", "市科技局"], "市知识产权局")
    tail = list(fushun_list.items.filter(number__gte=18).values_list("number", "work_area", "task", "due_date"))
    assert tail == [(18, "新增工作事项", "新任务。", dt.date(2021, 12, 31)),
                    (19, "新增工作事项", "再一项任务。", dt.date(2021, 12, 31))]


def _text_in_number(ws):
    ws["A5"] = "三"


def _missing_task(ws):
    ws["C7"] = None


def _gap(ws):
    ws["A10"] = 9


def _formula(ws):
    ws["D4"] = "=1+1"


def _other_year(ws):
    ws["A1"] = "2020年工作计划责任清单"


def _bad_heading(ws):
    ws["C2"] = "任务"


@pytest.mark.parametrize(("damage", "errors"), [
    (_text_in_number, ["A5: should be a whole number, got “三”"]),
    (_missing_task, ["C7: the task (工作任务) is required"]),
    (_gap, ["A10: expected number 8, found 9 (numbers run from 1 without gaps)"]),
    (_formula, ["D4: formulas are not accepted, enter the value"]),
    (_other_year, ["A1: the list should be for 2021, found “2020年工作计划责任清单”"]),
    (_bad_heading, ["C2: the heading should be “工作任务”, found “任务”"]),
])
def test_malformed_sheet_gives_per_cell_messages_and_changes_nothing(fushun_list, fushun_officer, damage, errors):
    before = snapshot(fushun_list)
    entries = AuditEntry.objects.count()
    workbook = workbook_of(fushun_list)
    damage(workbook.active)
    result = run_import(upload(workbook), fushun_list, fushun_officer)
    assert result.errors == errors
    assert snapshot(fushun_list) == before
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize(("content", "name", "error"), [
    (b"", "清单.xlsx", "the file is empty"),
    (b"%PDF-1.4\n%%EOF\n", "清单.xlsx",
     "the file is not an Excel workbook (.xlsx); save it as .xlsx and upload it again"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "清单.xls",
     "the file is not an Excel workbook (.xlsx); save it as .xlsx and upload it again"),
])
def test_unreadable_file_is_refused_and_changes_nothing(fushun_list, fushun_officer, content, name, error):
    before = snapshot(fushun_list)
    result = run_import(SimpleUploadedFile(name, content), fushun_list, fushun_officer)
    assert result.errors == [error]
    assert snapshot(fushun_list) == before


def test_sheet_without_items_is_refused(fushun_list, fushun_officer):
    workbook = workbook_of(fushun_list)
    workbook.active.delete_rows(3, 18)
    result = run_import(upload(workbook), fushun_list, fushun_officer)
    assert result.errors == ["the file holds no items under the header row"]
    assert fushun_list.items.count() == 18


def test_import_refuses_to_drop_or_retask_an_item_with_progress(fushun_list, fushun_officer):
    item = fushun_list.items.get(number=3)
    report_progress(item, status=ItemStatus.IN_PROGRESS, percent=40, note="起草中", by=fushun_officer)
    last = fushun_list.items.get(number=18)
    report_progress(last, status=ItemStatus.IN_PROGRESS, percent=10, by=fushun_officer)
    before = snapshot(fushun_list)
    workbook = workbook_of(fushun_list)
    ws = workbook.active
    ws["C5"] = "另一项任务。"
    ws.delete_rows(20)
    result = run_import(upload(workbook), fushun_list, fushun_officer)
    assert result.errors == [
        "C5: item 3 has progress reports for the task “强化知识产权高质量创造导向。”; keep that task or add a new item",
        "item 18 (“加强知识产权服务。”) has progress reports and is missing from the file",
    ]
    assert snapshot(fushun_list) == before
    assert ProgressReport.objects.count() == 2


def test_import_keeps_progress_of_items_whose_task_stays(fushun_list, fushun_officer):
    item = fushun_list.items.get(number=3)
    report = report_progress(item, status=ItemStatus.IN_PROGRESS, percent=40, by=fushun_officer)
    workbook = workbook_of(fushun_list)
    workbook.active["D5"] = "完成扶持政策稿并报市政府。"
    result = run_import(upload(workbook), fushun_list, fushun_officer)
    assert result.errors == []
    item.refresh_from_db()
    assert (item.completion_standard, item.status, item.percent) == ("完成扶持政策稿并报市政府。",
                                                                     ItemStatus.IN_PROGRESS, 40)
    assert list(item.reports.values_list("pk", flat=True)) == [report.pk]


def test_import_by_someone_else_is_refused(fushun_list, yangjiang_officer, liaoning_staff):
    from django.core.exceptions import PermissionDenied

    for user in (yangjiang_officer, liaoning_staff):
        with pytest.raises(PermissionDenied):
            import_list(SimpleUploadedFile("清单.xlsx", responsibility_list_workbook(fushun_list)),
                        rlist=fushun_list, by=user)
    assert ResponsibilityItem.objects.filter(list=fushun_list).count() == 18
