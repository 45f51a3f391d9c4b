"""Any table shown on a page, as an .xlsx workbook: one sheet, the headers in row 1, one row per table row, in the
export style of ``ipcity.xlsx`` (columns as wide as their content up to ``MAX_WIDTH``, longer text wrapped).

Text is always written as text: a task that begins with "=" stays words and never becomes a formula.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ipcity.xlsx import display_width, finish_sheet, shown_text, write_cell

MIN_WIDTH, MAX_WIDTH = 6, 60
# Characters Excel refuses in a sheet name.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def table_workbook(title, headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (SHEET_NAME_FORBIDDEN.sub(" ", str(title)).strip() or "Sheet")[:31]
    workbook.properties.title = str(title)
    workbook.properties.creator = "ipcity"
    for column, header in enumerate(headers, start=1):
        write_cell(sheet.cell(row=1, column=column), str(header))
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            write_cell(sheet.cell(row=row_number, column=column), value)
    widths = {}
    for column_cells in sheet.iter_cols(min_row=1, max_row=sheet.max_row):
        longest = max(max((display_width(line) for line in shown_text(cell).split("\n")), default=0)
                      for cell in column_cells)
        widths[column_cells[0].column] = min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)
    finish_sheet(sheet, widths=widths)
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(sheet.max_row, 1)}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
