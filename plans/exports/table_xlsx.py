"""Any table shown on a page, as an .xlsx workbook: one sheet, the headers in row 1, one row per table row.

Text is always written as text: a task that begins with "=" stays words and never becomes a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E7E6E6")
WRAP = Alignment(vertical="top", wrap_text=True)
MAX_WIDTH = 60
# Characters Excel refuses in a sheet name.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _display_width(text: str) -> int:
    """Columns a text needs: CJK characters are twice as wide."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _cell_value(value):
    if value is None or isinstance(value, (int, float, Decimal, dt.date, dt.datetime)):
        return value
    return str(value)


def table_workbook(title, headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (SHEET_NAME_FORBIDDEN.sub(" ", str(title)).strip() or "Sheet")[:31]
    workbook.properties.title = str(title)
    widths = [_display_width(str(header)) for header in headers]
    sheet.append([str(header) for header in headers])
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            value = _cell_value(value)
            cell = sheet.cell(row=row_number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula
                cell.alignment = WRAP
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            if column <= len(widths):
                text = value.isoformat() if isinstance(value, dt.date) else "" if value is None else str(value)
                widths[column - 1] = max(widths[column - 1], _display_width(text))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 6), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(sheet.max_row, 1)}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
