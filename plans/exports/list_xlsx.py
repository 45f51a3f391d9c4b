"""A responsibility list in the layout of 抚顺's 附件2 (责任清单) as an .xlsx workbook.

The printed words (责任清单, 序号, 工作事项 …) are the government form itself, not interface text: they stay in Chinese
whatever the interface language, and plans.imports reads the same cells back. The 工作事项 cell is merged down the
consecutive items of one work area, as in the original.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ipcity.xlsx import CENTER, FORM_FOOTER, HEADER_FILL, LEFT, TITLE_FONT, fit_page, fit_row_heights, style
from plans.models import ResponsibilityItem, ResponsibilityList

SHEET_TITLE = "责任清单"
TITLE = "{year}年工作计划责任清单"
HEADINGS = ("序号", "工作事项", "工作任务", "完成标准", "责任单位")
NUMBER_COLUMN, AREA_COLUMN, TASK_COLUMN, STANDARD_COLUMN, UNITS_COLUMN = 1, 2, 3, 4, 5
TITLE_ROW, HEADER_ROW, FIRST_ITEM_ROW = 1, 2, 3
WIDTHS = (7, 18, 44, 48, 26)
UNIT_JOINER = "、"
ORIENTATION = "landscape"  # the form is printed across the page


@dataclass(frozen=True)
class AreaGroup:
    work_area: str
    first_row: int
    last_row: int


def units_text(item: ResponsibilityItem) -> str:
    units = list(item.responsible_units or [])
    if not units and item.lead_unit:
        units = [item.lead_unit]
    return UNIT_JOINER.join(units)


def area_groups(items: list[ResponsibilityItem]) -> list[AreaGroup]:
    """Runs of consecutive items with the same work area, with the sheet rows they take."""
    groups: list[AreaGroup] = []
    for offset, item in enumerate(items):
        row = FIRST_ITEM_ROW + offset
        if groups and groups[-1].work_area == item.work_area and groups[-1].last_row == row - 1:
            groups[-1] = AreaGroup(item.work_area, groups[-1].first_row, row)
        else:
            groups.append(AreaGroup(item.work_area, row, row))
    return groups


def _text(cell, value: str) -> None:
    cell.value = value
    if value:
        cell.data_type = "s"  # a text starting with "=" stays text, never becomes a formula


def responsibility_list_workbook(rlist: ResponsibilityList) -> bytes:
    items = list(rlist.items.order_by("number"))
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET_TITLE
    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width

    ws.cell(TITLE_ROW, 1, TITLE.format(year=rlist.year))
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=len(HEADINGS))
    style(ws.cell(TITLE_ROW, 1), alignment=CENTER, bold=True, size=16, font=TITLE_FONT, border=None)
    ws.row_dimensions[TITLE_ROW].height = 36
    for column, heading in enumerate(HEADINGS, start=1):
        style(ws.cell(HEADER_ROW, column, heading), alignment=CENTER, bold=True, fill=HEADER_FILL)
    ws.row_dimensions[HEADER_ROW].height = 22

    for offset, item in enumerate(items):
        row = FIRST_ITEM_ROW + offset
        ws.cell(row, NUMBER_COLUMN, item.number)
        _text(ws.cell(row, AREA_COLUMN), item.work_area)
        _text(ws.cell(row, TASK_COLUMN), item.task)
        _text(ws.cell(row, STANDARD_COLUMN), item.completion_standard)
        _text(ws.cell(row, UNITS_COLUMN), units_text(item))
        for column in range(1, len(HEADINGS) + 1):
            style(ws.cell(row, column), alignment=CENTER if column in (NUMBER_COLUMN, AREA_COLUMN) else LEFT)

    for group in area_groups(items):
        if group.last_row > group.first_row:
            ws.merge_cells(start_row=group.first_row, start_column=AREA_COLUMN, end_row=group.last_row,
                           end_column=AREA_COLUMN)
        # Merging empties the lower cells: style them again so the border runs down the whole range.
        for row in range(group.first_row, group.last_row + 1):
            style(ws.cell(row, AREA_COLUMN), alignment=CENTER)

    last_row = max(HEADER_ROW, FIRST_ITEM_ROW + len(items) - 1)
    ws.freeze_panes = ws.cell(FIRST_ITEM_ROW, 1)
    fit_row_heights(ws)
    fit_page(ws, header_rows=(HEADER_ROW, HEADER_ROW), orientation=ORIENTATION, footer=FORM_FOOTER,
             print_area=f"A1:{get_column_letter(len(HEADINGS))}{last_row}")
    workbook.properties.title = rlist.title
    workbook.properties.creator = "ipcity"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
