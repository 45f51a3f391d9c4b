"""The basic-information table in the official layout (S1 附件3) as an .xlsx workbook.

The printed words of the form (基本情况表, 序号, 指标 …) are the government form itself, not interface text: they
stay in Chinese whatever the interface language, and the importer reads the same cells back. Rows are found again
by their 序号 and 指标 cells, never by hidden ids.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border
from openpyxl.utils import get_column_letter

from evaluations.basic_info import values_by_indicator
from evaluations.enums import AnswerType
from evaluations.models import Indicator, IndicatorTemplate
from ipcity.xlsx import CENTER, FORM_FOOTER, HEADER_FILL, LEFT, THIN, TITLE_FONT, fit_page, fit_row_heights, style

SHEET_TITLE = "基本情况表"
FORM_TITLE = "基本情况表"
ISSUER = "国家知识产权局编制"
CUMULATIVE_REMARK = "累计值"
# The five columns of every section; the importer reads the same ones.
NUMBER_COLUMN, LABEL_COLUMN, UNIT_COLUMN, VALUE_COLUMN, REMARK_COLUMN = 1, 2, 3, 4, 5
HEADINGS = ("序号", "指标", "单位", "{year}年度数据", "备注")
WIDTHS = (7, 40, 11, 34, 44)
# The cover fields in the order of the printed form; ``contact`` keys name them.
COVER_FIELDS = (
    ("city", "申报城市名称："),
    ("filling_unit", "填表单位（盖章）："),
    ("name", "联系人："),
    ("unit_and_title", "单位及职务："),
    ("landline", "固定电话："),
    ("mobile", "移动电话："),
    ("fax", "传真电话："),
)

UNDERLINE = Border(bottom=THIN)
ORIENTATION = "portrait"
MIN_ROW_HEIGHT = 30  # two lines


@dataclass(frozen=True)
class Layout:
    """Where everything goes: the row of each section title, header and indicator."""

    sections: list[tuple[str, int, int]]  # (title, title row, header row)
    rows: dict[int, int]  # indicator pk -> sheet row
    groups: list[tuple[int, int]]  # (first row, last row) of a number with several sub-items
    last_row: int


def cover_rows() -> int:
    """编号, the title, the seven cover fields, 国家知识产权局编制, a blank line."""
    return 2 + len(COVER_FIELDS) + 2


def layout(indicators: list[Indicator]) -> Layout:
    sections: list[tuple[str, int, int]] = []
    rows: dict[int, int] = {}
    by_number: dict[int, list[int]] = {}
    row = cover_rows()
    for indicator in indicators:
        if not sections or sections[-1][0] != indicator.section:
            row += 1 if sections else 0  # a blank line between sections
            sections.append((indicator.section, row + 1, row + 2))
            row += 2
        row += 1
        rows[indicator.pk] = row
        by_number.setdefault(indicator.number, []).append(row)
    groups = [(min(found), max(found)) for found in by_number.values() if len(found) > 1]
    return Layout(sections=sections, rows=rows, groups=groups, last_row=row)


def remark(indicator: Indicator) -> str:
    """What the printed 备注 column says: the guidance, the proof needed, or 累计值."""
    parts = [indicator.notes] if indicator.notes else []
    if indicator.cumulative:
        parts.append(CUMULATIVE_REMARK)
    return "\n".join(parts)


def cell_number(value: Decimal) -> int | Decimal:
    """A stored Decimal (4 places) as the number the city typed: 3000.0000 -> 3000, 12.5000 -> 12.5."""
    if value == value.to_integral_value():
        return int(value)
    return Decimal(format(value.normalize(), "f"))


def _write_cover(ws, city, contact: dict) -> None:
    ws.cell(1, 1, "编号：" + str(contact.get("number", "") or ""))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    style(ws.cell(1, 1), border=None)
    ws.cell(2, 1, FORM_TITLE)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=5)
    style(ws.cell(2, 1), alignment=CENTER, border=None, bold=True, size=20, font=TITLE_FONT)
    ws.row_dimensions[2].height = 40
    values = {**contact, "city": getattr(city, "full_name", "") or getattr(city, "name", "")}
    for offset, (key, label) in enumerate(COVER_FIELDS):
        row = 3 + offset
        ws.cell(row, 1, label)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        style(ws.cell(row, 1), alignment=Alignment(horizontal="right", vertical="center"), border=None, size=12)
        ws.cell(row, 3, str(values.get(key, "") or ""))
        ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=5)
        for column in (3, 4, 5):
            style(ws.cell(row, column), border=UNDERLINE, size=12)
        ws.row_dimensions[row].height = 22
    row = 3 + len(COVER_FIELDS)
    ws.cell(row, 1, ISSUER)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    style(ws.cell(row, 1), alignment=CENTER, border=None, size=12)


def _write_section_heads(ws, plan: Layout, year: int) -> None:
    for title, title_row, header_row in plan.sections:
        ws.cell(title_row, 1, title)
        ws.merge_cells(start_row=title_row, start_column=1, end_row=title_row, end_column=5)
        style(ws.cell(title_row, 1), border=None, bold=True, size=12, font=TITLE_FONT)
        ws.row_dimensions[title_row].height = 24
        for column, heading in enumerate(HEADINGS, start=1):
            cell = ws.cell(header_row, column, heading.format(year=year))
            style(cell, alignment=CENTER, bold=True, fill=HEADER_FILL)


def _write_indicator(ws, row: int, indicator: Indicator, value) -> None:
    ws.cell(row, NUMBER_COLUMN, indicator.number)
    ws.cell(row, LABEL_COLUMN, indicator.label)
    ws.cell(row, UNIT_COLUMN, indicator.unit)
    cell = ws.cell(row, VALUE_COLUMN)
    if value is not None and indicator.answer_type == AnswerType.NUMBER and value.number is not None:
        cell.value = cell_number(value.number)
    elif value is not None and value.text:
        cell.value = value.text
        cell.data_type = "s"  # a text starting with "=" stays text, never becomes a formula
    ws.cell(row, REMARK_COLUMN, remark(indicator))
    for column in range(1, 6):
        centred = column in (NUMBER_COLUMN, UNIT_COLUMN)
        style(ws.cell(row, column), alignment=CENTER if centred else LEFT)
    ws.row_dimensions[row].height = MIN_ROW_HEIGHT  # the printed form's rows; fit_row_heights grows longer ones


def _merge_groups(ws, plan: Layout) -> None:
    """A number with sub-items (14) shows its 序号 and 备注 once, merged down its rows."""
    for first, last in plan.groups:
        for column in (NUMBER_COLUMN, REMARK_COLUMN):
            ws.merge_cells(start_row=first, start_column=column, end_row=last, end_column=column)
            style(ws.cell(first, column), alignment=CENTER if column == NUMBER_COLUMN else LEFT)


def _print_setup(ws, plan: Layout) -> None:
    """The form is printed portrait, like the paper original, whatever its width."""
    fit_row_heights(ws)
    fit_page(ws, orientation=ORIENTATION, print_area=f"A1:E{plan.last_row}", footer=FORM_FOOTER)


def basic_info_workbook(city, year: int, template: IndicatorTemplate, *, contact: dict | None = None) -> bytes:
    """The official table of ``city`` for ``year``, filled with the stored values (blank when there are none)."""
    indicators = list(template.indicators.all())
    values = values_by_indicator(city, year, template) if getattr(city, "pk", None) else {}
    plan = layout(indicators)
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET_TITLE
    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    _write_cover(ws, city, contact or {})
    _write_section_heads(ws, plan, year)
    for indicator in indicators:
        _write_indicator(ws, plan.rows[indicator.pk], indicator, values.get(indicator.pk))
    _merge_groups(ws, plan)
    _print_setup(ws, plan)
    workbook.properties.title = f"{FORM_TITLE}（{year}）"
    workbook.properties.creator = "ipcity"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
