"""Reading the basic-information table back from the official .xlsx layout.

Each indicator's row is found by its 序号 (column A) and 指标 (column B) cells; the 单位 cell must match the
catalog and the 年度数据 cell is parsed exactly as the browser form is. Every problem is reported against its
cell (``D17: should be a number, got “约三千”``) and an invalid file imports nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from evaluations.basic_info import (
    canonical_unit,
    clean_answer,
    require_table_editor,
    save_indicator_values,
)
from evaluations.exports.basic_info_xlsx import (
    LABEL_COLUMN,
    NUMBER_COLUMN,
    SHEET_TITLE,
    UNIT_COLUMN,
    VALUE_COLUMN,
)
from evaluations.models import Indicator, IndicatorTemplate, IndicatorValue

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 1000  # an .xlsx holds a few dozen parts
READ_CHUNK = 1024 * 1024
MAX_ROWS = 2000  # the table has fewer than 60; anything further down is not part of it


@dataclass
class ImportResult:
    errors: list[str] = field(default_factory=list)
    values: list[IndicatorValue] = field(default_factory=list)
    filled: int = 0  # answers in the file that are not empty

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class SheetRow:
    row: int
    claimed: object  # the 序号 this row shows (a merged cell's value, or its own)
    carried: object  # the last 序号 shown at or above this row (sub-item rows under a merged 序号)
    label: str
    cells: tuple


class CellError(str):
    """An import error about one cell of the file (the text shown), as opposed to one about the whole file."""

    cell: str


def cell_error(cell: str, message: str) -> CellError:
    error = CellError(_("%(cell)s: %(message)s") % {"cell": cell, "message": message})
    error.cell = cell
    return error


def errors_heading(errors) -> str:
    """What a failed import says above its errors: correct the cells, correct the file, or both."""
    cells = sum(isinstance(error, CellError) for error in errors)
    if cells == len(errors):
        return _("The file was not imported; nothing was changed. Correct these cells and upload it again:")
    if cells == 0:
        return _("The file was not imported; nothing was changed. Correct these problems and upload it again:")
    return _("The file was not imported; nothing was changed. Correct these cells and problems and upload it "
             "again:")


def _norm(value) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "" if value is None else str(value)))


def _as_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _norm(value)
    return int(text) if text.isdigit() else None


def _shown(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _is_formula(cell) -> bool:
    value = cell.value
    return (cell.data_type == "f" or isinstance(value, (ArrayFormula, DataTableFormula))
            or (isinstance(value, str) and value.startswith("=")))


def cell_text(value) -> str:
    """What a cell holds, as the text the browser form would receive."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel shows 15 significant digits; 0.30000000000000004 is the 0.3 the official typed.
        return format(Decimal(f"{value:.15g}"), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _read_bytes(file) -> tuple[bytes | None, str | None]:
    size = getattr(file, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        return None, _("the file is larger than %(size)s MB") % {"size": MAX_FILE_BYTES // (1024 * 1024)}
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_FILE_BYTES + 1) if hasattr(file, "read") else bytes(file)
    if len(data) > MAX_FILE_BYTES:
        return None, _("the file is larger than %(size)s MB") % {"size": MAX_FILE_BYTES // (1024 * 1024)}
    if not data:
        return None, _("the file is empty")
    return data, None


def max_unpacked_bytes() -> int:
    """The cap on an imported workbook's declared unpacked size (settings: IMPORT_MAX_UNPACKED_MB)."""
    return settings.IPCITY["IMPORT_MAX_UNPACKED_MB"] * 1024 * 1024


def repack(archive: zipfile.ZipFile) -> bytes:
    """The archive rebuilt, uncompressed, from what its entries hold up to their declared sizes.

    zipfile stops each entry at its declared size, but one unbounded read() may still inflate a whole
    compressed chunk first; reading in bounded pieces here, and giving openpyxl only the rebuilt archive,
    keeps a header that lies about its size from costing more memory than ``max_unpacked_bytes()``.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as target:
        for info in archive.infolist():
            if info.is_dir():
                continue
            with archive.open(info) as member:
                content = b"".join(iter(lambda: member.read(READ_CHUNK), b""))
            target.writestr(info.filename, content)
    return buffer.getvalue()


def open_sheet(file):
    """The table's worksheet, or a message saying why the file cannot be read."""
    data, problem = _read_bytes(file)
    if problem:
        return None, problem
    not_excel = _("the file is not an Excel workbook (.xlsx); save it as .xlsx and upload it again")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if len(archive.infolist()) > MAX_ENTRIES:
                return None, not_excel
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > max_unpacked_bytes():
                return None, _("the workbook unpacks to more than %(size)s MB") % {
                    "size": settings.IPCITY["IMPORT_MAX_UNPACKED_MB"]}
            data = repack(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, RuntimeError,
            NotImplementedError):
        return None, not_excel
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=False)
    except Exception:  # openpyxl raises many kinds (KeyError, XML errors, InvalidFileException …) for bad files
        logger.info("basic-information import: unreadable workbook", exc_info=True)
        return None, not_excel
    if SHEET_TITLE in workbook.sheetnames:
        return workbook[SHEET_TITLE], None
    if not workbook.worksheets:
        return None, not_excel
    return workbook.worksheets[0], None


def sheet_rows(ws) -> list[SheetRow]:
    anchors = {}
    for merged in ws.merged_cells.ranges:
        if merged.min_col <= NUMBER_COLUMN <= merged.max_col:
            top = ws.cell(merged.min_row, merged.min_col).value
            for row in range(merged.min_row + 1, merged.max_row + 1):
                anchors[row] = top
    rows, carried = [], None
    for cells in ws.iter_rows(min_row=1, max_row=min(ws.max_row, MAX_ROWS), max_col=VALUE_COLUMN):
        row = cells[0].row
        claimed = anchors.get(row, cells[NUMBER_COLUMN - 1].value)
        if _shown(claimed):
            carried = claimed
        rows.append(SheetRow(row=row, claimed=claimed, carried=carried,
                             label=_norm(cells[LABEL_COLUMN - 1].value), cells=cells))
    return rows


def _label_matches(row: SheetRow, indicator: Indicator) -> bool:
    if indicator.sub_item:
        return _norm(indicator.sub_item) in row.label
    return row.label == _norm(indicator.name)


def _number_matches(row: SheetRow, indicator: Indicator) -> bool:
    if _as_number(row.claimed) == indicator.number:
        return True
    return bool(indicator.sub_item) and not _shown(row.claimed) and _as_number(row.carried) == indicator.number


def locate_rows(rows: list[SheetRow], indicators: list[Indicator]) -> tuple[dict[int, SheetRow], dict[int, str]]:
    """Each indicator's row, or the error saying where it should have been."""
    found: dict[int, SheetRow] = {}
    errors: dict[int, str] = {}
    used: set[int] = set()

    def first(predicate):
        return next((row for row in rows if row.row not in used and predicate(row)), None)

    for indicator in indicators:  # 序号 and 指标 agree
        row = first(lambda r: _label_matches(r, indicator) and _number_matches(r, indicator))
        if row is not None:
            found[indicator.pk] = row
            used.add(row.row)
    for indicator in indicators:  # the 指标 is there, under another 序号: the rows have shifted
        if indicator.pk in found:
            continue
        row = first(lambda r: _label_matches(r, indicator))
        if row is not None:
            used.add(row.row)
            errors[indicator.pk] = cell_error(
                f"A{row.row}", _("expected number %(number)s for %(label)s, found “%(value)s”")
                % {"number": indicator.number, "label": indicator.label, "value": _shown(row.claimed)})
    for indicator in indicators:  # the 序号 is there, beside another 指标
        if indicator.pk in found or indicator.pk in errors:
            continue
        row = None if indicator.sub_item else first(lambda r: _as_number(r.claimed) == indicator.number)
        if row is not None:
            used.add(row.row)
            errors[indicator.pk] = cell_error(
                f"B{row.row}", _("expected the indicator “%(label)s”, found “%(value)s”")
                % {"label": indicator.label, "value": _shown(row.cells[LABEL_COLUMN - 1].value)})
        else:
            errors[indicator.pk] = _("the row for %(number)s %(label)s is missing") % {
                "number": indicator.number, "label": indicator.label}
    return found, errors


def _check_unit(row: SheetRow, indicator: Indicator) -> str | None:
    cell = row.cells[UNIT_COLUMN - 1]
    shown = _shown(cell.value)
    if canonical_unit(shown) == canonical_unit(indicator.unit):
        return None
    if not indicator.unit:
        message = _("should have no unit, got “%(value)s”") % {"value": shown}
    else:
        message = _("unit should be %(unit)s, got “%(value)s”") % {"unit": indicator.unit, "value": shown}
    return cell_error(cell.coordinate, message)


def _check_years(rows: list[SheetRow], year: int) -> list[str]:
    """Each header row's 年度数据 must name the year being filled (last year's file is a common mix-up)."""
    errors = []
    for row in rows:
        if _norm(row.claimed) == "序号":
            cell = row.cells[VALUE_COLUMN - 1]
            if str(year) not in _norm(cell.value):
                errors.append(cell_error(cell.coordinate, _("the data column should be for %(year)s, found “%(value)s”")
                                         % {"year": year, "value": _shown(cell.value)}))
    return errors


def read_answers(ws, indicators: list[Indicator], year: int) -> tuple[dict[int, str], list[str]]:
    """What the sheet says for each indicator (pk -> text), and every error, in table order."""
    rows = sheet_rows(ws)
    found, located = locate_rows(rows, indicators)
    answers, errors = {}, _check_years(rows, year)
    for indicator in indicators:
        if indicator.pk in located:
            errors.append(located[indicator.pk])
            continue
        row = found[indicator.pk]
        unit_problem = _check_unit(row, indicator)
        if unit_problem:
            errors.append(unit_problem)
        cell = row.cells[VALUE_COLUMN - 1]
        if _is_formula(cell):
            errors.append(cell_error(cell.coordinate, _("formulas are not accepted, enter the value")))
            continue
        raw = cell_text(cell.value)
        try:
            clean_answer(indicator, raw)
        except ValueError as exc:
            errors.append(cell_error(cell.coordinate, str(exc)))
            continue
        answers[indicator.pk] = raw
    return answers, errors


def import_basic_info(file, *, city, year: int, template: IndicatorTemplate, by) -> ImportResult:
    """Read an uploaded official table and save all of its values, or none of them.

    Permission is checked here; whether the application is still editable is the caller's check.
    """
    require_table_editor(by, city)
    ws, problem = open_sheet(file)
    if problem:
        return ImportResult(errors=[problem])
    indicators = list(template.indicators.all())
    answers, errors = read_answers(ws, indicators, year)
    if errors:
        return ImportResult(errors=errors)
    try:
        values = save_indicator_values(city, year, template, answers, by=by, source="excel")
    except ValidationError as exc:  # already checked above; kept so a future rule still reports per cell
        return ImportResult(errors=[message for messages in exc.message_dict.values() for message in messages])
    return ImportResult(values=values, filled=sum(1 for raw in answers.values() if raw.strip()))
