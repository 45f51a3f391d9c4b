"""The audit log as a file, for the audit administrator's export (the ``/audit/`` page) and for the archive that
``manage.py purge_audit`` writes before it removes old entries (``cities.audit_retention``).

Two formats with the same columns, rows in id order (the order of the hash chain):

- **CSV**: UTF-8 with a byte-order mark, so that WPS and Excel open the Chinese text correctly; a text cell
  starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` so that a spreadsheet
  never runs it as a formula (an entry's reason is typed by users).
- **xlsx**: openpyxl in write-only mode (rows are streamed to the file, never held in memory) in the export style
  of ``ipcity.xlsx`` (A4 landscape, header repeated and frozen, rows as tall as their wrapped text); every text
  cell is stored as text, so it is shown exactly and never evaluated.

Every column is there, including the ids and the UTC-exact time the chain hash covers, ``prev_hash`` and
``entry_hash``: an exported range can be checked against the chain (``cities.audit_chain``) without the database.
The file's SM3 and SHA-256 go into the ``audit.export`` / ``audit.purge`` entry that records it.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from cities import audit
from cities.audit_chain import _integral_floats_as_ints, sm3
from cities.models import AuditEntry, User
from cities.services import require
from ipcity.xlsx import StreamedTable

CSV = "csv"
XLSX = "xlsx"
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def _city(entry: AuditEntry) -> str:
    return (entry.city.full_name or entry.city.name) if entry.city_id else ""


@functools.lru_cache(maxsize=512)
def _label(language: str, key: str) -> str:
    return str(audit.action_label(key))


@functools.lru_cache(maxsize=512)
def _type_name(language: str, content_type_id: int) -> str:
    return str(ContentType.objects.get_for_id(content_type_id).name)


COLUMNS: list[tuple[Any, Callable[[AuditEntry], Any]]] = [
    (_("ID"), lambda entry: entry.pk),
    (_("Time"), lambda entry: timezone.localtime(entry.created_at).isoformat(timespec="microseconds")),
    (_("Actor ID"), lambda entry: entry.actor_id),
    (_("Actor"), lambda entry: entry.actor_name),
    (_("Action key"), lambda entry: entry.action),
    (_("Action"), lambda entry: _label(get_language(), entry.action)),
    (_("Object type ID"), lambda entry: entry.content_type_id),
    (_("Object type"), lambda entry: _type_name(get_language(), entry.content_type_id) if entry.content_type_id
     else ""),
    (_("Object ID"), lambda entry: entry.object_id),
    (_("Object"), lambda entry: entry.object_repr),
    (_("From state"), lambda entry: entry.from_state),
    (_("To state"), lambda entry: entry.to_state),
    (_("Reason"), lambda entry: entry.reason),
    (_("Data (JSON)"), lambda entry: json.dumps(_integral_floats_as_ints(entry.data), ensure_ascii=False,
                                                sort_keys=True, separators=(",", ":"))),
    (_("IP address"), lambda entry: entry.ip),
    (_("City ID"), lambda entry: entry.city_id),
    (_("City"), _city),
    (_("Previous hash (SM3)"), lambda entry: entry.prev_hash),
    (_("Hash (SM3)"), lambda entry: entry.entry_hash),
]


# The width of each column in the workbook (the hashes wrap on three lines, the time on two).
XLSX_WIDTHS = (7, 17, 7, 12, 16, 16, 7, 12, 8, 20, 10, 10, 24, 30, 14, 8, 12, 24, 24)


def headers() -> list[str]:
    return [str(header) for header, _value in COLUMNS]


def row(entry: AuditEntry) -> list[Any]:
    return [value(entry) for _header, value in COLUMNS]


def entries_in_chain_order(queryset) -> Iterable[AuditEntry]:
    return queryset.select_related("city").order_by("pk").iterator(chunk_size=CHUNK)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(entries: Iterable[AuditEntry], out: BinaryIO) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(headers())
    count = 0
    for entry in entries:
        writer.writerow([_csv_cell(value) for value in row(entry)])
        count += 1
    text.flush()
    text.detach()  # leave ``out`` open for the caller
    return count


def write_xlsx(entries: Iterable[AuditEntry], out: BinaryIO) -> int:
    workbook = Workbook(write_only=True)
    table = StreamedTable(workbook, str(_("Audit log")), headers(), XLSX_WIDTHS)
    count = 0
    for entry in entries:
        table.append(row(entry))
        count += 1
    workbook.save(out)
    return count


WRITERS = {CSV: write_csv, XLSX: write_xlsx}


@dataclass(frozen=True)
class Written:
    count: int
    sm3: str
    sha256: str
    size: int


def write(queryset, *, fmt: str, out: BinaryIO) -> Written:
    """Write the entries of ``queryset`` to ``out`` (a seekable binary file, written from its start) in ``fmt``
    and return how many, with the file's SM3 and SHA-256."""
    count = WRITERS[fmt](entries_in_chain_order(queryset), out)
    out.flush()
    out.seek(0)
    digest_sm3, digest_sha256, size = sm3(), hashlib.sha256(), 0
    while chunk := out.read(1 << 20):
        digest_sm3.update(chunk)
        digest_sha256.update(chunk)
        size += len(chunk)
    out.seek(0)
    return Written(count, digest_sm3.hexdigest(), digest_sha256.hexdigest(), size)


def export_audit_log(queryset, *, fmt: str, filters: dict[str, str], filename: str, out: BinaryIO,
                     by: User) -> Written:
    """The audit administrator's export of ``queryset`` (the page's filtered entries) to ``out``, audited as
    ``audit.export`` with the filter, the row count and the file's hashes. More rows than
    ``IPCITY["AUDIT_EXPORT_MAX_ROWS"]`` allows for the format: a ValidationError, and nothing is written."""
    require(by, "cities.export_audit_log")
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}")
    limit, count = settings.IPCITY["AUDIT_EXPORT_MAX_ROWS"][fmt], queryset.count()
    if count > limit:
        facts = {"count": count, "limit": limit}
        if fmt == CSV:
            raise ValidationError(_("These filters match %(count)s entries; an export holds at most %(limit)s. "
                                    "Narrow the dates or the action and export in parts.") % facts)
        raise ValidationError(_("These filters match %(count)s entries; an Excel export holds at most %(limit)s. "
                                "Narrow the dates or the action, or export to CSV, which holds more.") % facts)
    written = write(queryset, fmt=fmt, out=out)
    with transaction.atomic():
        audit.record(actor=by, action="audit.export", data={
            "format": fmt, "file": filename, "rows": written.count, "filter": filters, "size": written.size,
            "sm3": written.sm3, "sha256": written.sha256})
    return written
