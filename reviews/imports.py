"""Reading a rubric back from the workbook of reviews/exports/rubric_xlsx.py.

Every problem is reported against its cell (``D7: should be a number, got “四分”``) with the messages and file
checks of the basic-information import; then the whole tree is checked as rubric_problems does. A file with any
problem imports nothing; a good one replaces the cycle's criteria (the rubric's settings stay).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cities import audit
from cities.services import require
from evaluations.imports import MAX_ROWS, _is_formula, cell_error, cell_text, open_sheet
from evaluations.models import Cycle, Indicator
from reviews.derivations import derivation_problems
from reviews.enums import Direction
from reviews.exports import rubric_xlsx as layout
from reviews.models import Criterion, Rubric
from reviews.rubric_checks import Node, formula_problems, number_rows, template_of, tree_problems
from reviews.services.rubric_defaults import TITLES
from reviews.services.rubrics import PERM, SOURCE_KEY, clear_for_replacement, save_tree

CODE = re.compile(r"^[1-9]\d*(?:\.[1-9]\d*){0,2}$")
TABLE_ROW = re.compile(rf"^{layout.TABLE_PREFIX}第?(\d+)项?(.*)$")
MAX_POINTS = Decimal("10000")
HEADER_SEARCH_ROWS = 10
MAX_TITLE = Rubric._meta.get_field("title").max_length


def _words(mapping: dict) -> dict[str, str]:
    """The sheet's words and the stored values, both accepted."""
    return {**{word: value for value, word in mapping.items()}, **{str(value): value for value in mapping}}


LEVELS = {**{word: level for level, word in layout.LEVEL_WORDS.items()}, **{str(level): level for level in (1, 2, 3)}}
KINDS = _words(layout.KIND_WORDS)
DIRECTIONS = {**_words(layout.DIRECTION_WORDS), "": Direction.HIGHER_IS_BETTER}
FORMULAS = {**_words(layout.FORMULA_WORDS), "": ""}
CONFIRMED = {layout.YES: True, layout.NO: False, "": False, "TRUE": True, "FALSE": False}


@dataclass
class RubricImport:
    errors: list[str] = field(default_factory=list)
    rubric: Rubric | None = None
    count: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _norm(value) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))


def _choice(cells, column: int, words: dict, errors: list[str]):
    raw = _norm(cells[column - 1].value)
    if raw in words:
        return words[raw]
    shown = "、".join(word for word in words if word and not word.isascii())
    errors.append(cell_error(cells[column - 1].coordinate, _("should be one of %(choices)s, got “%(value)s”")
                             % {"choices": shown, "value": cell_text(cells[column - 1].value).strip()}))
    return None


def _points(cell, errors: list[str]) -> Decimal | None:
    shown = cell_text(cell.value).strip()
    try:
        points = Decimal(unicodedata.normalize("NFKC", shown))
    except InvalidOperation:
        points = None
    if points is None or not points.is_finite() or isinstance(cell.value, bool):
        errors.append(cell_error(cell.coordinate, _("should be a number, got “%(value)s”") % {"value": shown}))
    elif points <= 0:
        errors.append(cell_error(cell.coordinate, _("should be greater than 0, got “%(value)s”") % {"value": shown}))
    elif points >= MAX_POINTS:
        errors.append(cell_error(cell.coordinate, _("is too large, got “%(value)s”") % {"value": shown}))
    elif points != points.quantize(Decimal("0.01")):
        errors.append(cell_error(cell.coordinate, _("should have at most %(places)s decimal places, got “%(value)s”")
                                 % {"places": 2, "value": shown}))
    else:
        return points
    return None


def _source(cell, indicators: list[Indicator], errors: list[str]) -> tuple[Indicator | None, str, dict]:
    """The source of a criterion: a table row, a measured value key, or a derived value written as JSON."""
    text = unicodedata.normalize("NFKC", cell_text(cell.value)).strip()
    if not text:
        return None, "", {}
    if text.startswith("{"):
        try:
            derivation = json.loads(text)
        except ValueError:
            derivation = None
        problems = derivation_problems(derivation, number_rows=number_rows(indicators))
        errors.extend(cell_error(cell.coordinate, problem) for problem in problems)
        return None, "", {} if problems else derivation
    match = TABLE_ROW.match(text.replace(" ", ""))
    if match:
        rest = match.group(2)
        rows = [i for i in indicators if i.number == int(match.group(1))]
        if len(rows) > 1:  # 14 has sub-items: the cell names one of them
            rows = [i for i in rows if f"({i.sub_item})" in rest or f"（{i.sub_item}）" in rest]
        if len(rows) == 1:
            return rows[0], "", {}
        errors.append(cell_error(cell.coordinate, _("“%(value)s” is not one row of the basic-information table")
                                 % {"value": text}))
    elif SOURCE_KEY.match(text):
        return None, text, {}
    else:
        errors.append(cell_error(cell.coordinate, _(
            "should be a row of the basic-information table (%(example)s) or a measured value key such as "
            "invention_grant_rate, got “%(value)s”") % {"example": f"{layout.TABLE_PREFIX}第15项", "value": text}))
    return None, "", {}


def _params(cell, errors: list[str]) -> dict | None:
    text = cell_text(cell.value).strip()
    if not text:
        return {}
    try:
        params = json.loads(unicodedata.normalize("NFKC", text))
    except ValueError:
        params = None
    if not isinstance(params, dict):
        errors.append(cell_error(cell.coordinate, _("should be parameters in JSON such as %(example)s, got "
                                                    "“%(value)s”") % {"example": '{"benchmark": 20}', "value": text}))
        return None
    return params


def _header_row(ws) -> int | None:
    for row in range(1, min(ws.max_row, HEADER_SEARCH_ROWS) + 1):
        if _norm(ws.cell(row, layout.CODE).value) == layout.HEADINGS[0]:
            return row
    return None


def read_row(cells, *, seen: dict[str, int], indicators: list[Indicator], errors: list[str]) -> Criterion | None:
    """One criterion from its row, or None with the errors of its cells appended."""
    before = len(errors)
    formulas = [cell for cell in cells if _is_formula(cell)]
    for cell in formulas:
        errors.append(cell_error(cell.coordinate, _("formulas are not accepted, enter the value")))
    if formulas:
        return None
    code_cell = cells[layout.CODE - 1]
    code = _norm(code_cell.value)
    if not CODE.match(code):
        errors.append(cell_error(code_cell.coordinate, _("the code should look like 1, 1.2 or 1.2.3, got “%(value)s”")
                                 % {"value": cell_text(code_cell.value).strip()}))
    elif code in seen:
        errors.append(cell_error(code_cell.coordinate, _("the code %(code)s is already used in row %(row)s")
                                 % {"code": code, "row": seen[code]}))
    elif "." in code and code.rsplit(".", 1)[0] not in seen:
        errors.append(cell_error(code_cell.coordinate, _("the criterion %(parent)s should come above this row")
                                 % {"parent": code.rsplit(".", 1)[0]}))
    level_cell = cells[layout.LEVEL - 1]
    level = LEVELS.get(_norm(level_cell.value)) if _norm(level_cell.value) else code.count(".") + 1
    if CODE.match(code) and level != code.count(".") + 1:
        errors.append(cell_error(level_cell.coordinate, _("should be %(level)s for the code %(code)s, got “%(value)s”")
                                 % {"level": layout.LEVEL_WORDS[code.count(".") + 1], "code": code,
                                    "value": cell_text(level_cell.value).strip()}))
    name_cell = cells[layout.NAME - 1]
    name = cell_text(name_cell.value).strip()
    if not name:
        errors.append(cell_error(name_cell.coordinate, _("the name is required")))
    elif len(name) > Criterion._meta.get_field("name").max_length:
        errors.append(cell_error(name_cell.coordinate, _("should be at most %(max)s characters, got %(count)s")
                                 % {"max": Criterion._meta.get_field("name").max_length, "count": len(name)}))
    points = _points(cells[layout.POINTS - 1], errors)
    kind = _choice(cells, layout.KIND, KINDS, errors)
    direction = _choice(cells, layout.DIRECTION, DIRECTIONS, errors)
    indicator, source_key, derivation = _source(cells[layout.SOURCE - 1], indicators, errors)
    formula = _choice(cells, layout.FORMULA, FORMULAS, errors)
    params = _params(cells[layout.PARAMS - 1], errors)
    confirmed = _choice(cells, layout.CONFIRMED, CONFIRMED, errors)
    params_cell = cells[layout.PARAMS - 1]
    if formula and params is not None and points is not None and direction is not None:
        errors.extend(cell_error(params_cell.coordinate, problem) for problem in
                      formula_problems(formula, params, max_points=points, direction=direction))
    elif formula == "" and params:
        errors.append(cell_error(params_cell.coordinate, _("choose a scoring formula for these parameters")))
    if CODE.match(code) and code not in seen:
        seen[code] = code_cell.row
    if len(errors) > before:
        return None
    return Criterion(code=code, level=level, name=name, max_points=points, kind=kind, direction=direction,
                     indicator=indicator, source_key=source_key, derivation=derivation, formula=formula,
                     formula_params=params, confirmed=confirmed,
                     guidance=cell_text(cells[layout.GUIDANCE - 1].value).strip())


def read_rubric(ws, indicators: list[Indicator]) -> tuple[str, list[Criterion], list[str]]:
    """The title, the criteria in sheet order, and every cell error in sheet order."""
    header = _header_row(ws)
    if header is None:
        return "", [], [_("the sheet has no header row starting with “%(heading)s”") % {"heading": layout.HEADINGS[0]}]
    errors = []
    for column, heading in enumerate(layout.HEADINGS, start=1):
        cell = ws.cell(header, column)
        if _norm(cell.value) != heading:
            errors.append(cell_error(cell.coordinate, _("expected the column “%(heading)s”, found “%(value)s”")
                                     % {"heading": heading, "value": cell_text(cell.value).strip()}))
    if errors:
        return "", [], errors
    title = cell_text(ws.cell(1, 1).value).strip() if header > 1 else ""
    if len(title) > MAX_TITLE:
        return "", [], [cell_error("A1", _("should be at most %(max)s characters, got %(count)s")
                                   % {"max": MAX_TITLE, "count": len(title)})]
    criteria, seen = [], {}
    last = min(ws.max_row, MAX_ROWS)
    for cells in ws.iter_rows(min_row=header + 1, max_row=last, max_col=len(layout.HEADINGS)):
        if all(cell_text(cell.value).strip() == "" for cell in cells):
            continue
        criterion = read_row(cells, seen=seen, indicators=indicators, errors=errors)
        if criterion is not None:
            criteria.append(criterion)
    if not errors and not criteria:
        errors.append(_("the file holds no criteria"))
    return title, criteria, errors


def tree_of(criteria: list[Criterion]) -> list[Node]:
    nodes = {criterion.code: Node(criterion) for criterion in criteria}
    roots = []
    for code, node in nodes.items():
        parent = nodes.get(code.rsplit(".", 1)[0]) if "." in code else None
        if parent is None:
            roots.append(node)
        else:
            node.parent = parent
            parent.children.append(node)
    return roots


@transaction.atomic
def import_rubric(file, *, cycle: Cycle, by) -> RubricImport:
    """Replace the cycle's unfrozen rubric with the file's tree, or change nothing and say why, cell by cell."""
    require(by, PERM)
    cycle = Cycle.objects.select_for_update(of=("self",)).select_related("basic_info_template").get(pk=cycle.pk)
    try:
        existing = clear_for_replacement(cycle)
    except ValidationError as exc:
        return RubricImport(errors=exc.messages)
    ws, problem = open_sheet(file)
    if problem:
        return RubricImport(errors=[problem])
    if layout.SHEET_TITLE in ws.parent.sheetnames:
        ws = ws.parent[layout.SHEET_TITLE]
    template = template_of(cycle)
    indicators = list(template.indicators.all()) if template else []
    title, criteria, errors = read_rubric(ws, indicators)
    if errors:
        return RubricImport(errors=errors)
    roots = tree_of(criteria)
    problems = tree_problems(roots, template_id=getattr(template, "pk", None))
    if problems:
        return RubricImport(errors=problems)
    if existing is None:
        rubric = Rubric.objects.create(cycle=cycle, title=title or TITLES[cycle.kind])
    else:
        rubric = existing
        rubric.criteria.all().delete()
        if title and title != rubric.title:
            rubric.title = title
            rubric.full_clean(exclude=["cycle", "copied_from"], validate_constraints=False)
            rubric.save(update_fields=["title"])
    count = save_tree(rubric, roots)
    audit.record(actor=by, action="rubric.import", obj=rubric,
                 data={"criteria": count, "replaced": existing is not None,
                       "file": str(getattr(file, "name", "") or "")[:200]})
    return RubricImport(rubric=rubric, count=count)

