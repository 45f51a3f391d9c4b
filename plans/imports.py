"""Reading a responsibility list back from the layout of plans.exports.list_xlsx (抚顺's 附件2).

Rows are read under the header 序号 | 工作事项 | 工作任务 | 完成标准 | 责任单位. A merged 工作事项 cell applies to every
row it spans, and a blank 工作事项 under a work area continues it (people often unmerge and leave the lower cells
empty). Every problem is reported against its cell (``A7: should be a whole number, got “七”``) and a file with any
problem changes nothing.

Replacing the items: an item keeps its row (and so its status, due date, links and progress history) when the file
has the same 序号; its texts are updated. An item that has progress reports may not be dropped from the list nor
given another task by an import: the file is refused and says which item, so history is never lost silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cities import audit
from evaluations.imports import _as_number, _is_formula, _norm, _shown, cell_error, cell_text, open_sheet
from plans.exports.list_xlsx import (
    AREA_COLUMN,
    HEADINGS,
    NUMBER_COLUMN,
    SHEET_TITLE,
    STANDARD_COLUMN,
    TASK_COLUMN,
    UNITS_COLUMN,
)
from plans.models import ResponsibilityItem, ResponsibilityList
from plans.services.responsibility import _clean_item, default_due_date, require_list_editor, split_units

MAX_ROWS = 2000  # a list has a few dozen items
HEADER_SEARCH_ROWS = 10
YEAR_IN_TITLE = re.compile(r"(\d{4})\s*年")
AREA_MAX, UNIT_MAX = (ResponsibilityItem._meta.get_field("work_area").max_length,
                      ResponsibilityItem._meta.get_field("lead_unit").max_length)


@dataclass
class ParsedItem:
    row: int
    number: int
    work_area: str
    task: str
    completion_standard: str
    responsible_units: list[str]


@dataclass
class ListImportResult:
    errors: list[str] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(cell) -> str:
    return cell_text(cell.value).strip()


def _find_header(ws) -> int | None:
    for row in range(1, min(ws.max_row, HEADER_SEARCH_ROWS) + 1):
        if _norm(ws.cell(row, NUMBER_COLUMN).value) == HEADINGS[0]:
            return row
    return None


def _check_title(ws, header_row: int, year: int) -> list[str]:
    """A title naming another year is last year's file uploaded by mistake."""
    errors = []
    for row in range(1, header_row):
        cell = ws.cell(row, 1)
        match = YEAR_IN_TITLE.search(_norm(cell.value))
        if match and int(match.group(1)) != year:
            errors.append(cell_error(cell.coordinate, _("the list should be for %(year)s, found “%(value)s”")
                                     % {"year": year, "value": _shown(cell.value)}))
    return errors


def read_items(ws, year: int) -> tuple[list[ParsedItem], list[str]]:
    header_row = _find_header(ws)
    if header_row is None:
        return [], [_("the header row “%(header)s” was not found in the first %(rows)s rows") % {
            "header": " | ".join(HEADINGS), "rows": HEADER_SEARCH_ROWS}]
    errors = _check_title(ws, header_row, year)
    for column, heading in enumerate(HEADINGS, start=1):
        cell = ws.cell(header_row, column)
        if _norm(cell.value) != heading:
            errors.append(cell_error(cell.coordinate, _("the heading should be “%(expected)s”, found “%(value)s”")
                                     % {"expected": heading, "value": _shown(cell.value)}))
    merged_area: dict[int, object] = {}
    for merged in ws.merged_cells.ranges:
        if merged.min_col <= AREA_COLUMN <= merged.max_col and merged.max_row > header_row:
            top = ws.cell(merged.min_row, merged.min_col).value
            for row in range(max(merged.min_row, header_row + 1), merged.max_row + 1):
                merged_area[row] = top

    items: list[ParsedItem] = []
    area = ""
    last_row = min(ws.max_row, header_row + MAX_ROWS)
    for row in range(header_row + 1, last_row + 1):
        cells = {column: ws.cell(row, column) for column in range(1, len(HEADINGS) + 1)}
        own = {column: cells[column] for column in cells if column != AREA_COLUMN}
        formulas = {column for column, cell in cells.items() if _is_formula(cell)}
        for column in sorted(formulas):
            errors.append(cell_error(cells[column].coordinate, _("formulas are not accepted, enter the value")))
        shown_area = _text(cells[AREA_COLUMN]) if row not in merged_area else cell_text(merged_area[row]).strip()
        if shown_area:
            area = shown_area
        if not formulas and not any(_text(cell) for cell in own.values()):
            continue  # a blank line, or the lower part of a merged 工作事项 with nothing beside it
        expected = len(items) + 1
        number_cell = cells[NUMBER_COLUMN]
        number = _as_number(number_cell.value)
        if NUMBER_COLUMN in formulas:
            number = expected
        elif number is None:
            errors.append(cell_error(number_cell.coordinate, _("should be a whole number, got “%(value)s”")
                                     % {"value": _shown(number_cell.value)}))
            number = expected
        elif number != expected:
            errors.append(cell_error(number_cell.coordinate, _("expected number %(expected)s, found %(value)s "
                                                               "(numbers run from 1 without gaps)")
                                     % {"expected": expected, "value": number}))
        if not area:
            errors.append(cell_error(cells[AREA_COLUMN].coordinate, _("the work area (工作事项) is required")))
        elif len(area) > AREA_MAX:
            errors.append(cell_error(cells[AREA_COLUMN].coordinate, _("at most %(count)s characters, got %(length)s")
                                     % {"count": AREA_MAX, "length": len(area)}))
        task = _text(cells[TASK_COLUMN])
        if not task and TASK_COLUMN not in formulas:
            errors.append(cell_error(cells[TASK_COLUMN].coordinate, _("the task (工作任务) is required")))
        units = split_units(_text(cells[UNITS_COLUMN]))
        long_units = [unit for unit in units if len(unit) > UNIT_MAX]
        if long_units:
            errors.append(cell_error(cells[UNITS_COLUMN].coordinate,
                                     _("a unit may have at most %(count)s characters: “%(value)s”")
                                     % {"count": UNIT_MAX, "value": long_units[0]}))
        items.append(ParsedItem(row=row, number=number, work_area=area, task=task,
                                completion_standard=_text(cells[STANDARD_COLUMN]), responsible_units=units))
    if not items and not errors:
        errors.append(_("the file holds no items under the header row"))
    return items, errors


def _same(a: str, b: str) -> bool:
    return _norm(a) == _norm(b)


def _plan_changes(rlist: ResponsibilityList, parsed: list[ParsedItem]):
    """Which items are updated, created and deleted; errors for items whose history would be lost."""
    existing = {item.number: item for item in rlist.items.all()}
    with_reports = set(rlist.items.filter(reports__isnull=False).values_list("number", flat=True))
    errors, updates, creates = [], [], []
    numbers = {entry.number for entry in parsed}
    for entry in parsed:
        item = existing.get(entry.number)
        if item is None:
            creates.append(entry)
            continue
        if entry.number in with_reports and not _same(item.task, entry.task):
            errors.append(cell_error(f"C{entry.row}", _("item %(number)s has progress reports for the task "
                                                        "“%(task)s”; keep that task or add a new item")
                                     % {"number": entry.number, "task": item.task}))
        updates.append((item, entry))
    deletes = [item for number, item in sorted(existing.items()) if number not in numbers]
    for item in deletes:
        if item.number in with_reports:
            errors.append(_("item %(number)s (“%(task)s”) has progress reports and is missing from the file")
                          % {"number": item.number, "task": item.task})
    return updates, creates, deletes, errors


def import_list(file, *, rlist: ResponsibilityList, by) -> ListImportResult:
    """Replace the items of ``rlist`` with those of an uploaded workbook, or change nothing."""
    require_list_editor(by, rlist)
    ws, problem = open_sheet(file)
    if problem:
        return ListImportResult(errors=[problem])
    if SHEET_TITLE in ws.parent.sheetnames:
        ws = ws.parent[SHEET_TITLE]
    parsed, errors = read_items(ws, rlist.year)
    if errors:
        return ListImportResult(errors=errors)
    try:
        return _replace_items(rlist, parsed, by=by, name=getattr(file, "name", ""))
    except ValidationError as exc:  # already checked above; kept so a future model rule still reports
        return ListImportResult(errors=exc.messages)


def _replace_items(rlist: ResponsibilityList, parsed: list[ParsedItem], *, by, name: str) -> ListImportResult:
    result = ListImportResult()
    with transaction.atomic():
        rlist = ResponsibilityList.objects.select_for_update().select_related("city").get(pk=rlist.pk)
        updates, creates, deletes, errors = _plan_changes(rlist, parsed)
        if errors:
            return ListImportResult(errors=errors)
        for item in deletes:
            item.delete()
        result.deleted = len(deletes)
        for item, entry in updates:
            before = (item.work_area, item.task, item.completion_standard, list(item.responsible_units),
                      item.lead_unit)
            item.work_area, item.task = entry.work_area, entry.task
            item.completion_standard, item.responsible_units = entry.completion_standard, entry.responsible_units
            item.lead_unit = entry.responsible_units[0] if entry.responsible_units else ""
            _clean_item(rlist, item)
            after = (item.work_area, item.task, item.completion_standard, list(item.responsible_units),
                     item.lead_unit)
            if before == after:
                result.unchanged += 1
                continue
            item.save(update_fields=["work_area", "task", "completion_standard", "responsible_units", "lead_unit"])
            result.updated += 1
        for entry in creates:
            item = ResponsibilityItem(list=rlist, number=entry.number, work_area=entry.work_area, task=entry.task,
                                      completion_standard=entry.completion_standard,
                                      responsible_units=entry.responsible_units,
                                      due_date=default_due_date(rlist.year))
            _clean_item(rlist, item)
            item.save()
            result.added += 1
        audit.record(actor=by, action="list.import", obj=rlist, city=rlist.city,
                     data={"added": result.added, "updated": result.updated, "deleted": result.deleted,
                           "unchanged": result.unchanged, "name": name})
    return result
