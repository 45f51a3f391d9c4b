"""Annual assessment (年度考核) and patent-strength evaluation (专利实力状况评价) records (DESIGN.md §4).

National staff enter one record at a time or import an .xlsx with the columns
城市 | 行政区划代码 | 年度 | 类型（年度考核/专利实力状况评价） | 得分 | 等级（优秀/良好/一般/较差） | 排名.
The administrative code identifies the city (the name is checked against it). Every problem is reported
against its cell (``E4: should be a number, got “良”``) and a file with any problem imports nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cities import audit
from cities.models import City
from cities.services import require
from evaluations.enums import CycleKind
from evaluations.imports import cell_error, cell_text, open_sheet
from ipcity.dates import local_today
from reviews.enums import AssessmentKind, Grade
from reviews.models import AnnualAssessment

HEADERS = ("城市", "行政区划代码", "年度", "类型", "得分", "等级", "排名")
KIND_NAMES = {"年度考核": AssessmentKind.ANNUAL, "专利实力状况评价": AssessmentKind.PATENT_STRENGTH}
GRADE_NAMES = {"优秀": Grade.EXCELLENT, "良好": Grade.GOOD, "一般": Grade.FAIR, "较差": Grade.POOR}
FIRST_YEAR = 2000
MAX_SCORE = Decimal("9999.99")  # what the column holds; the scale itself is the evaluation's
MAX_ROWS = 5000
TERM_YEARS_BEFORE_CYCLE = 3


@dataclass
class AssessmentImport:
    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _require_national(by) -> None:
    if by is None:
        raise PermissionDenied(_("Only the national administration records assessments."))
    require(by, "evaluations.act_as_national")


def _check_values(*, year: int, kind: str, score: Decimal | None, grade: str, rank: int | None) -> list[str]:
    errors = []
    if not FIRST_YEAR <= year <= local_today().year:
        errors.append(_("The year must be between %(first)s and %(last)s.") % {"first": FIRST_YEAR,
                                                                             "last": local_today().year})
    if kind not in AssessmentKind.values:
        errors.append(_("Unknown kind of assessment: %(kind)s.") % {"kind": kind})
    if score is not None and not Decimal(0) <= score <= MAX_SCORE:
        errors.append(_("The score must be between 0 and %(max)s.") % {"max": MAX_SCORE})
    if grade and grade not in Grade.values:
        errors.append(_("Unknown grade: %(grade)s.") % {"grade": grade})
    if rank is not None and rank < 1:
        errors.append(_("The rank starts at 1."))
    if score is None and not grade and rank is None:
        errors.append(_("Give at least a score, a grade or a rank."))
    return errors


def _save(city: City, *, year: int, kind: str, score: Decimal | None, grade: str, rank: int | None,
          by) -> tuple[AnnualAssessment, bool]:
    record, created = AnnualAssessment.objects.select_for_update().get_or_create(
        city=city, year=year, kind=kind,
        defaults={"score": score, "grade": grade, "rank": rank, "recorded_by": by})
    if not created:
        record.score, record.grade, record.rank, record.recorded_by = score, grade, rank, by
    record.full_clean()
    record.save()
    return record, created


@transaction.atomic
def record_assessment(city: City, *, year: int, kind: str, score: Decimal | None, grade: str = "",
                      rank: int | None = None, by) -> AnnualAssessment:
    """Enter or correct one city's record of one year and kind (national administration)."""
    _require_national(by)
    grade = grade or ""
    errors = _check_values(year=year, kind=kind, score=score, grade=grade, rank=rank)
    if errors:
        raise ValidationError(errors)
    record, created = _save(city, year=year, kind=kind, score=score, grade=grade, rank=rank, by=by)
    audit.record(actor=by, action="assessment.record", obj=record, city=city,
                 data={"year": year, "kind": kind, "score": str(score) if score is not None else None,
                       "grade": grade, "rank": rank, "created": created})
    return record


# --- Excel import -------------------------------------------------------------------------------------


def _norm(value) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))


def _is_formula(cell) -> bool:
    return cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("="))


def _header_errors(ws) -> list[str]:
    errors = []
    for column, expected in enumerate(HEADERS, start=1):
        cell = ws.cell(1, column)
        # “类型（年度考核/专利实力状况评价）” and “等级（…）” carry their allowed values after the name.
        if not _norm(cell.value).startswith(expected):
            errors.append(cell_error(cell.coordinate, _("the header should be “%(expected)s”, found “%(value)s”")
                                     % {"expected": expected, "value": cell_text(cell.value)}))
    return errors


def _parse_row(cells, cities: dict[str, City]) -> tuple[dict | None, list[str]]:
    errors = []
    for cell in cells:
        if _is_formula(cell):
            errors.append(cell_error(cell.coordinate, _("formulas are not accepted, enter the value")))
    if errors:
        return None, errors
    name_cell, code_cell, year_cell, kind_cell, score_cell, grade_cell, rank_cell = cells
    values: dict = {}
    code = _norm(code_cell.value)
    city = cities.get(code)
    if city is None:
        errors.append(cell_error(code_cell.coordinate, _("no city has the administrative code “%(value)s”")
                                 % {"value": cell_text(code_cell.value)}))
    else:
        name = _norm(name_cell.value)
        if name and name not in {city.full_name, city.name, city.name_as_designated}:
            errors.append(cell_error(name_cell.coordinate, _("%(code)s is %(city)s, not “%(value)s”")
                                     % {"code": code, "city": city.full_name, "value": cell_text(name_cell.value)}))
        values["city"] = city
    year = _norm(year_cell.value).removesuffix("年")
    if not year.isdigit() or not FIRST_YEAR <= int(year) <= local_today().year:
        errors.append(cell_error(year_cell.coordinate, _("should be a year between %(first)s and %(last)s, got "
                                                         "“%(value)s”") % {"first": FIRST_YEAR,
                                                                           "last": local_today().year,
                                                                           "value": cell_text(year_cell.value)}))
    else:
        values["year"] = int(year)
    kind = KIND_NAMES.get(_norm(kind_cell.value))
    if kind is None:
        errors.append(cell_error(kind_cell.coordinate, _("should be 年度考核 or 专利实力状况评价, got “%(value)s”")
                                 % {"value": cell_text(kind_cell.value)}))
    values["kind"] = kind
    values["score"] = None
    score = _norm(score_cell.value)
    if score:
        try:
            number = Decimal(score)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not Decimal(0) <= number <= MAX_SCORE \
                or number != number.quantize(Decimal("0.01")):
            errors.append(cell_error(score_cell.coordinate,
                                     _("should be a number from 0 with at most two decimals, got “%(value)s”")
                                     % {"value": cell_text(score_cell.value)}))
        else:
            values["score"] = number
    grade_text = _norm(grade_cell.value)
    values["grade"] = GRADE_NAMES.get(grade_text, "")
    if grade_text and not values["grade"]:
        errors.append(cell_error(grade_cell.coordinate, _("should be 优秀, 良好, 一般 or 较差, got “%(value)s”")
                                 % {"value": cell_text(grade_cell.value)}))
    values["rank"] = None
    rank = _norm(rank_cell.value)
    if rank:
        if not rank.isdigit() or int(rank) < 1:
            errors.append(cell_error(rank_cell.coordinate, _("should be a whole number from 1, got “%(value)s”")
                                     % {"value": cell_text(rank_cell.value)}))
        else:
            values["rank"] = int(rank)
    if not errors and values["score"] is None and not values["grade"] and values["rank"] is None:
        errors.append(cell_error(score_cell.coordinate, _("give at least a score, a grade or a rank")))
    return (None if errors else values), errors


def read_assessments(ws) -> tuple[list[dict], list[str]]:
    """The rows of the sheet as values, and every problem, in sheet order."""
    errors = _header_errors(ws)
    if errors:
        return [], errors
    cities = {city.code: city for city in City.objects.all()}
    rows, seen = [], {}
    for cells in ws.iter_rows(min_row=2, max_row=min(ws.max_row, MAX_ROWS + 1), max_col=len(HEADERS)):
        if all(_norm(cell.value) == "" for cell in cells):
            continue
        values, row_errors = _parse_row(cells, cities)
        errors += row_errors
        if values is None:
            continue
        key = (values["city"].pk, values["year"], values["kind"])
        row = cells[0].row
        if key in seen:
            errors.append(cell_error(f"A{row}", _("the same city, year and kind as row %(row)s") % {"row": seen[key]}))
            continue
        seen[key] = row
        rows.append(values)
    if ws.max_row > MAX_ROWS + 1:
        errors.append(_("the sheet has more than %(rows)s rows") % {"rows": MAX_ROWS})
    if not rows and not errors:
        errors.append(_("the sheet holds no assessment below its header row"))
    return rows, errors


def import_assessments(file, *, by) -> AssessmentImport:
    """Import every row of an uploaded .xlsx, or none of them."""
    _require_national(by)
    ws, problem = open_sheet(file)
    if problem:
        return AssessmentImport(errors=[problem])
    rows, errors = read_assessments(ws)
    if errors:
        return AssessmentImport(errors=errors)
    result = AssessmentImport()
    with transaction.atomic():
        for values in rows:
            _record, created = _save(by=by, **values)
            if created:
                result.created += 1
            else:
                result.updated += 1
        audit.record(actor=by, action="assessment.import", obj=None,
                     data={"rows": len(rows), "created": result.created, "updated": result.updated})
    return result


# --- reading for the scoring page -------------------------------------------------------------------


def term_years(*, cycle_kind: str, cycle_year: int, term_start=None, term_end=None) -> range:
    """A re-review looks at the years of the term under re-review; other procedures (and a re-review without a
    designation) at the 3 years before the cycle."""
    if cycle_kind == CycleKind.RE_REVIEW and term_start is not None:
        return range(term_start.year, term_end.year + 1)
    return range(cycle_year - TERM_YEARS_BEFORE_CYCLE, cycle_year)


def assessment_years(application) -> range:
    designation = application.designation if application.cycle.kind == CycleKind.RE_REVIEW else None
    start, end = (designation.term_start, designation.term_end) if designation is not None else (None, None)
    return term_years(cycle_kind=application.cycle.kind, cycle_year=application.cycle.year, term_start=start,
                      term_end=end)


def assessments_for(application) -> list[AnnualAssessment]:
    years = assessment_years(application)
    return list(AnnualAssessment.objects.filter(city_id=application.city_id, year__gte=years.start,
                                                year__lt=years.stop).order_by("year", "kind"))
