"""One export style for every workbook the system writes, as WPS, Excel and LibreOffice show and print it.

- **The look of the official forms** (基本情况表, 责任清单, 指标体系): 宋体 body, 黑体 titles, thin boxes, grey
  headings (``style`` and the constants below).
- **Data sheets** (the cycle report, the dashboards' tables, the reviewers, the audit log): ``finish_sheet`` gives
  them the header style, boxed and wrapped cells, numbers written without float noise in a format of the
  precision they have, a frozen header, row heights and the page setup. A streamed (write-only) sheet gets the
  same from ``StreamedTable``, with the grid printed instead of a box around every cell (cheaper to stream).
- **Printing** (``fit_page``): A4, portrait when the columns fit its width and landscape beyond, always scaled to
  the page width (``fitToWidth=1, fitToHeight=0``), the header rows repeated on every page, page numbers in the
  footer. Official forms take only this and the row heights, so their layout stays as printed.
- **Row heights** (``fit_row_heights``): openpyxl does not size rows, and LibreOffice and WPS keep the height a
  file gives a row, so a wrapped cell would be cut or run over the next row: the lines a text needs are counted
  from its display width (CJK characters two columns, Latin ones 1.1) against its column's width, and the row gets
  the height of its tallest cell.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from decimal import Decimal

from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ipcity.numbers import plain_decimal

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="E7E6E6")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
NUMBER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
WRAP = Alignment(wrap_text=True)  # at the bottom, like the unstyled cells beside it
HEADER_FONT = Font(name=BODY_FONT, size=11, bold=True)
DATA_FONT = Font(name=BODY_FONT, size=11)

# Geometry. A column width counts characters of the workbook's default font (Calibri 11: 7 px = 5.25 pt each,
# plus 5 px of padding a column); a row height is in points.
DEFAULT_WIDTH = 8.43  # a column whose width was never set
DEFAULT_SIZE = 11
POINTS_PER_CHARACTER = 5.25
POINTS_PER_COLUMN = 3.75
LINE_SPACING = 1.4  # a line of CJK text in 宋体 / Noto CJK takes about 1.4 × the font size
ROW_PADDING = 3.0  # points above and below the lines
# What a line holds, counting a CJK character two columns: a column loses one to the cell's padding, and the
# rest holds a little less than its width, since an 11 pt CJK character is 11 pt wide, 2.1 digits of Calibri 11;
# a Latin letter or digit of the CJK fonts the cells use (宋体 0.5 em, Noto CJK 0.55 em) counts 1.1.
WIDTH_SLACK = 1.0
FILL_RATIO = 0.94
NARROW = 1.1

# Pages (margins in inches).
MARGIN_SIDE, MARGIN_TOP, MARGIN_HEADER = 0.5, 0.6, 0.3
A4_WIDTH_IN, A4_HEIGHT_IN = 210 / 25.4, 297 / 25.4
PORTRAIT_POINTS = (A4_WIDTH_IN - 2 * MARGIN_SIDE) * 72
LANDSCAPE_POINTS = (A4_HEIGHT_IN - 2 * MARGIN_SIDE) * 72
FORM_FOOTER = "第 &P 页，共 &N 页"
TABLE_FOOTER = "&P / &N"

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def style(cell, *, alignment=LEFT, border=BOX, bold=False, size=11, font=BODY_FONT, fill=None) -> None:
    cell.font = Font(name=font, size=size, bold=bold)
    cell.alignment = alignment
    if border is not None:
        cell.border = border
    if fill is not None:
        cell.fill = fill


# --- Values --------------------------------------------------------------------------------------------------


def clean_number(value: float | Decimal) -> int | Decimal:
    """A number as a cell should store it: ``plain_decimal`` (at most four decimals, no float noise:
    3.2000000000000002 -> 3.2), an integral one as an int; a Decimal keeps the places it was given up to two
    (85.50 stays 85.50, points and money; a stored 3000.0000 -> 3000.00)."""
    if not Decimal(str(value)).is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    number = plain_decimal(value)
    if isinstance(value, Decimal):
        places = min(max(-value.as_tuple().exponent, 0), 2)
        if -number.as_tuple().exponent < places:
            number = number.quantize(Decimal(1).scaleb(-places))
    return int(number) if number.as_tuple().exponent >= 0 else number


def number_format(value) -> str | None:
    """The format that shows a stored value with the precision it has: 12 -> "0", 85.50 -> "0.00"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "0"
    if isinstance(value, Decimal):
        places = max(0, -value.as_tuple().exponent)
        return "0." + "0" * places if places else "0"
    if isinstance(value, dt.datetime):
        return DATETIME_FORMAT
    if isinstance(value, dt.date):
        return DATE_FORMAT
    return None


def cell_value(value):
    """What a cell stores for a value: numbers cleaned, aware times in Beijing time (a workbook has no time
    zones), anything else as its text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (float, Decimal)):
        return clean_number(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, dt.date):
        return value
    return str(value)


def write_cell(cell, value) -> None:
    """Store ``value`` in ``cell`` with its number format; a text is always text (one starting with "=" never
    becomes a formula)."""
    value = cell_value(value)
    cell.value = value
    if isinstance(value, str) and value:
        cell.data_type = "s"
    elif (fmt := number_format(value)) is not None:
        cell.number_format = fmt


# --- Text geometry -------------------------------------------------------------------------------------------

# A run of narrow characters with the spaces after it (a word), a run of spaces, or one character (CJK).
TOKENS = re.compile(r"[^\s\u2e80-\U0002ffff]+\s*|\s+|.", re.S)


@functools.lru_cache(maxsize=8192)
def char_width(char: str) -> int:
    """Columns a character takes: CJK (wide, full-width and ambiguous, like “” and ①) two, combining marks none,
    others one."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WFA" else 1


@functools.lru_cache(maxsize=8192)
def char_advance(char: str) -> float:
    """Columns a character takes as printed: ``char_width`` with a narrow character counted ``NARROW``."""
    width = char_width(char)
    return NARROW if width == 1 else width


def display_width(text: str) -> int:
    text = str(text)
    return len(text) if text.isascii() else sum(map(char_width, text))


def advance(text: str) -> float:
    return len(text) * NARROW if text.isascii() else sum(map(char_advance, text))


def _paragraph_lines(paragraph: str, capacity: float) -> int:
    if not any(char.isspace() for char in paragraph):  # no word to keep whole: filled character by character
        if paragraph.isascii():
            return max(1, math.ceil(len(paragraph) * NARROW / capacity))
        lines, used = 1, 0.0
        for need in map(char_advance, paragraph):
            if used + need > capacity:
                lines, used = lines + 1, need
            else:
                used += need
        return lines
    lines, used = 1, 0.0
    for token in TOKENS.findall(paragraph):
        word = token.rstrip()
        need = advance(word)
        if used and used + need > capacity:
            lines, used = lines + 1, 0.0
        while need > capacity:  # a word longer than a line runs over several
            need -= capacity
            lines += 1
        used += need + advance(token[len(word):])
    return lines


def line_count(text: str, width: float, *, size: float = DEFAULT_SIZE) -> int:
    """Lines a wrapped ``text`` takes in a column ``width`` characters wide at font ``size``: each paragraph laid
    out word by word (a CJK character is a word of its own; a word longer than a line is broken)."""
    capacity = max((width - WIDTH_SLACK) * FILL_RATIO * DEFAULT_SIZE / size, 1.0)
    text = str(text)
    if "\n" not in text and (len(text) * 2 <= capacity or advance(text) <= capacity):  # most cells: one line
        return 1
    return sum(_paragraph_lines(paragraph, capacity) for paragraph in text.split("\n"))


def line_height(size: float = DEFAULT_SIZE) -> float:
    return size * LINE_SPACING


def text_height(text: str, width: float, *, size: float = DEFAULT_SIZE, wrap: bool = True) -> float:
    """Points a text needs in a column ``width`` characters wide (unwrapped: one line per paragraph)."""
    lines = line_count(text, width, size=size) if wrap else str(text).count("\n") + 1
    return round(lines * line_height(size) + ROW_PADDING, 1)


ONE_LINE = text_height("", DEFAULT_WIDTH)  # a row no text makes taller keeps the default height


def column_width(ws, column: int) -> float:
    dimension = ws.column_dimensions.get(get_column_letter(column))
    if dimension is None or not dimension.customWidth or not dimension.width:
        return DEFAULT_WIDTH
    return dimension.width


def set_widths(ws, widths) -> None:
    """``widths``: a sequence from column A, or a mapping column number -> width."""
    for column, width in (widths.items() if isinstance(widths, dict) else enumerate(widths, start=1)):
        ws.column_dimensions[get_column_letter(column)].width = width


def shown_text(cell) -> str:
    """The text a cell shows: a number in its format's places, a date in ISO form."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (float, Decimal)):
        fmt = cell.number_format or ""
        return f"{value:.{len(fmt.split('.')[1]) if '.' in fmt else 0}f}"
    return str(value)


def _font_size(cell) -> float:
    return float(cell.font.sz) if cell.font is not None and cell.font.sz else DEFAULT_SIZE


def _merges(ws) -> tuple[dict, set]:
    """(top-left (row, column) -> (last row, last column), the cells hidden under a merge)."""
    spans, covered = {}, set()
    for merged in ws.merged_cells.ranges:
        spans[merged.min_row, merged.min_col] = (merged.max_row, merged.max_col)
        covered.update((r, c) for r in range(merged.min_row, merged.max_row + 1)
                       for c in range(merged.min_col, merged.max_col + 1))
        covered.discard((merged.min_row, merged.min_col))
    return spans, covered


def fit_row_heights(ws) -> None:
    """Give every row the height its tallest cell needs, never less than a height the sheet
    already set. A cell merged across columns is measured against their total width; one merged down several
    rows needs the sum of their heights (the last of them grows when they fall short)."""
    spans, covered = _merges(ws)
    widths = {column: column_width(ws, column) for column in range(1, ws.max_column + 1)}
    needed: dict[int, float] = {}
    tall: list[tuple[int, int, float]] = []  # (first row, last row, height) of cells merged down
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None or (cell.row, cell.column) in covered:
                continue
            last_row, last_column = spans.get((cell.row, cell.column), (cell.row, cell.column))
            width = sum(widths.get(c, DEFAULT_WIDTH) for c in range(cell.column, last_column + 1))
            wrap = bool(cell.alignment is not None and cell.alignment.wrap_text)
            height = text_height(shown_text(cell), width, size=_font_size(cell), wrap=wrap)
            if last_row > cell.row:
                tall.append((cell.row, last_row, height))
            else:
                needed[cell.row] = max(needed.get(cell.row, 0.0), height)
    for row, height in needed.items():
        current = ws.row_dimensions[row].height if row in ws.row_dimensions else None
        if height > max(current or 0, ONE_LINE):
            ws.row_dimensions[row].height = height
    for first, last, height in tall:
        have = sum(ws.row_dimensions[r].height or ONE_LINE for r in range(first, last + 1))
        if height > have:
            ws.row_dimensions[last].height = round((ws.row_dimensions[last].height or ONE_LINE) + height - have, 1)


# --- Pages -------------------------------------------------------------------------------------------------


def printed_width(widths) -> float:
    """Points the columns take on paper at 100 %."""
    return sum(width * POINTS_PER_CHARACTER + POINTS_PER_COLUMN for width in widths)


def orientation_for(widths) -> str:
    """Portrait when the columns fit the width of an A4 page, landscape beyond (and scaled to fit)."""
    return "portrait" if printed_width(widths) <= PORTRAIT_POINTS else "landscape"


def fit_page(ws, *, header_rows: tuple[int, int] | None = None, orientation: str | None = None,
             print_area: str | None = None, footer: str = TABLE_FOOTER, columns: int | None = None) -> None:
    """A4, every column across the page's width (as many pages down as needed), the ``header_rows`` (first, last)
    printed on every page, page numbers in the footer. The orientation follows the width of the first
    ``columns`` columns (all by default) unless given."""
    columns = columns or ws.max_column
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = orientation or orientation_for(column_width(ws, c) for c in range(1, columns + 1))
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = MARGIN_SIDE
    ws.page_margins.top = ws.page_margins.bottom = MARGIN_TOP
    ws.page_margins.header = ws.page_margins.footer = MARGIN_HEADER
    if header_rows is not None:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
    if print_area is not None:
        ws.print_area = print_area
    ws.oddFooter.center.text = footer


# --- Data sheets ---------------------------------------------------------------------------------------------


def style_header(cell) -> None:
    cell.font, cell.alignment, cell.border, cell.fill = HEADER_FONT, CENTER, BOX, HEADER_FILL


def style_data(cell) -> None:
    """Boxed and wrapped; text on the left, numbers and dates on the right as usual."""
    cell.font, cell.border = DATA_FONT, BOX
    cell.alignment = LEFT if cell.value is None or isinstance(cell.value, str) else NUMBER_ALIGNMENT


def finish_sheet(ws, *, header_rows: int = 1, widths=None, freeze: str | None = None,
                 orientation: str | None = None) -> None:
    """Everything a data sheet (``header_rows`` rows of headings, then one row per record) needs once its values
    are written: column ``widths``, the header style, boxed wrapped cells, numbers cleaned and formatted with
    their precision, the header frozen (``freeze``: the first cell that scrolls, by default the one below the
    header), row heights, and the page setup with the header printed on every page."""
    if widths is not None:
        set_widths(ws, widths)
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column):
        for cell in row:
            if cell.row <= header_rows:
                style_header(cell)
                continue
            if cell.data_type != "s" and cell.value is not None:
                write_cell(cell, cell.value)
            style_data(cell)
    ws.freeze_panes = freeze or f"A{header_rows + 1}"
    fit_row_heights(ws)
    fit_page(ws, header_rows=(1, header_rows), orientation=orientation)


class StreamedTable:
    """A data sheet of a write-only workbook (rows go to the file as they come, never held in memory: the audit
    log's export) in the export style at a lower cost per cell: the header styled and frozen, widths and page setup
    set before the first row, the grid printed instead of a box around each cell, only a text longer than its
    column wrapped, and each row as tall as its wrapped text. A plain value is written as it is; a styled cell
    costs openpyxl a good deal more, and an export streams up to 10,000 rows of 19 cells."""

    def __init__(self, workbook, title: str, headers, widths):
        self.sheet = workbook.create_sheet(title)
        self.widths = list(widths)
        self.rows = 0
        set_widths(self.sheet, self.widths)
        self.sheet.freeze_panes = "A2"
        self.sheet.print_options.gridLines = True
        fit_page(self.sheet, header_rows=(1, 1), orientation=orientation_for(self.widths), columns=len(self.widths))
        cells = []
        for header in headers:
            cell = WriteOnlyCell(self.sheet)
            write_cell(cell, str(header))
            style_header(cell)
            cells.append(cell)
        self._write(cells, max((text_height(cell.value, width) for cell, width in zip(cells, self.widths)),
                               default=ONE_LINE))

    def append(self, values) -> None:
        cells, height = [], ONE_LINE
        for column, value in enumerate(values, start=1):
            value = None if value == "" else cell_value(value)  # a workbook has no empty text: an empty cell
            width = self.widths[column - 1] if column <= len(self.widths) else DEFAULT_WIDTH
            wraps = isinstance(value, str) and (len(value) * 2 > (width - WIDTH_SLACK) * FILL_RATIO or "\n" in value)
            if wraps:
                needed = text_height(value, width)
                wraps, height = needed > ONE_LINE, max(height, needed)
            if wraps or isinstance(value, str) and value.startswith("=") or isinstance(value, Decimal):
                cell = WriteOnlyCell(self.sheet)
                write_cell(cell, value)  # text stays text, a number gets the format of its precision
                if wraps:
                    cell.alignment = WRAP
                value = cell
            cells.append(value)
        self._write(cells, height)

    def _write(self, cells, height: float) -> None:
        self.rows += 1
        if height > ONE_LINE:
            self.sheet.row_dimensions[self.rows].height = height
        self.sheet.append(cells)
