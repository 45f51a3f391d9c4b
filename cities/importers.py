"""Import of real designations from a CSV file (the layout of ``cities/data/designated_cities.csv``)."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cities.enums import Tier
from cities.models import City, Designation, User
from cities.services import grant_designation, require
from ipcity.dates import term_end_for

# A copy of ../shared/domain-data/designated_cities.csv, so the app needs nothing outside itself.
DESIGNATIONS_CSV = Path(__file__).resolve().parent / "data" / "designated_cities.csv"

COLUMNS = ("tier", "batch", "term", "name_as_designated", "adcode_current", "doc_no", "source")

# The wording of the decisions -> our tiers. The wording itself is kept in title_as_designated.
TIERS = {
    "示范城市": Tier.DEMONSTRATION,
    "试点城市": Tier.PILOT,
    "示范城市培育": Tier.DEMO_CULTIVATION,
    "强市建设示范城市": Tier.STRONG_CITY_CANDIDATE,
    "强市建设试点城市": Tier.STRONG_CITY_CANDIDATE,
}

MONTHS = re.compile(r"^(\d{4})-(\d{2})\.\.(\d{4})-(\d{2})$")  # 2013-09..2016-08
YEARS_FROM = re.compile(r"^(\d{4})-(\d{2})\.\.\((\d+)-yr\)$")  # 2012-04..(3-yr)
WHOLE_YEARS = re.compile(r"^(\d{4})\.\.(\d{4})$")  # 2021..2023


@dataclass
class ImportResult:
    created: list[Designation] = field(default_factory=list)
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    city: City
    tier: Tier
    title: str
    term_start: dt.date
    term_end: dt.date
    values: dict[str, str]


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_term(text: str) -> tuple[dt.date, dt.date]:
    """``2013-09..2016-08``, ``2012-04..(3-yr)`` or ``2021..2023`` -> (first day, last day).

    Raises ValueError when the text is none of these or the term ends before it starts.
    """
    text = text.strip()
    if match := MONTHS.match(text):
        y1, m1, y2, m2 = map(int, match.groups())
        start, end = dt.date(y1, m1, 1), _last_day(y2, m2)
    elif match := YEARS_FROM.match(text):
        year, month, years = map(int, match.groups())
        start = dt.date(year, month, 1)
        end = term_end_for(start, years)
    elif match := WHOLE_YEARS.match(text):
        y1, y2 = map(int, match.groups())
        start, end = dt.date(y1, 1, 1), dt.date(y2, 12, 31)
    else:
        raise ValueError(text)
    if end < start:
        raise ValueError(text)
    return start, end


def _read_text(path_or_file: str | Path | IO) -> str:
    if hasattr(path_or_file, "read"):
        content = path_or_file.read()
        return content.decode("utf-8-sig") if isinstance(content, bytes) else content.removeprefix("\ufeff")
    return Path(path_or_file).read_text(encoding="utf-8-sig")


def _parse(text: str, result: ImportResult) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        result.errors.append(
            _("Line 1: missing columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
        return []
    records = []
    for values in reader:
        records.append((reader.line_num, {k: (v or "").strip() for k, v in values.items() if k is not None}))
    cities = City.objects.in_bulk([values["adcode_current"] for _line, values in records], field_name="code")
    rows = []
    for line, values in records:
        city = cities.get(values["adcode_current"])
        if city is None:
            result.errors.append(
                _("Line %(line)s: unknown administrative code %(code)s in column adcode_current.")
                % {"line": line, "code": values["adcode_current"]}
            )
        tier = TIERS.get(values["tier"])
        if tier is None:
            result.errors.append(
                _("Line %(line)s: unknown title %(value)s in column tier.") % {"line": line, "value": values["tier"]}
            )
        try:
            term_start, term_end = parse_term(values["term"])
        except ValueError:
            result.errors.append(
                _("Line %(line)s: cannot read the term %(value)s in column term "
                  "(expected 2013-09..2016-08, 2012-04..(3-yr) or 2021..2023).")
                % {"line": line, "value": values["term"]}
            )
            continue
        if city is not None and tier is not None:
            rows.append(_Row(line, city, tier, values["tier"], term_start, term_end, values))
    return rows


def import_designations(path_or_file: str | Path | IO = DESIGNATIONS_CSV, *, by: User | None = None) -> ImportResult:
    """Grant the designations of a CSV file in order of term start, all or nothing.

    A row whose city already has a designation of the same tier starting the same day is
    skipped, so importing a file twice creates nothing new. If any row is wrong, nothing
    is imported and ``errors`` names each line and column.
    """
    require(by, "cities.manage_designations")
    result = ImportResult()
    rows = _parse(_read_text(path_or_file), result)
    if result.errors:
        return result
    rows.sort(key=lambda row: row.term_start)  # stable: file order within a day
    existing = set(Designation.objects.filter(city__in={row.city for row in rows}).values_list(
        "city_id", "tier", "term_start"))
    with transaction.atomic():
        for row in rows:
            if (row.city.pk, row.tier, row.term_start) in existing:
                result.skipped += 1
                continue
            try:
                designation = grant_designation(
                    row.city,
                    tier=row.tier,
                    term_start=row.term_start,
                    term_end=row.term_end,
                    document_number=row.values["doc_no"],
                    source_decision=row.values["source"][:200],
                    title_as_designated=row.title,
                    name_as_designated=row.values["name_as_designated"],
                    batch=row.values["batch"],
                    by=by,
                    audit_action="designation.import",
                )
            except ValidationError as error:
                result.errors.append(
                    _("Line %(line)s: %(error)s") % {"line": row.line, "error": " ".join(error.messages)}
                )
                continue
            existing.add((row.city.pk, row.tier, row.term_start))
            result.created.append(designation)
        if result.errors:
            transaction.set_rollback(True)
            result.created = []
            result.skipped = 0
    return result
