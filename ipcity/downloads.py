"""One way to hand a stored private file, or a workbook made for the request, to the user who may have it (pages
and API alike). Every download writes an audit entry: ``file.download`` for a stored file, ``file.export`` for a
generated table, naming the object, the file name, its size and SHA-256."""

from __future__ import annotations

import hashlib
import logging
from pathlib import PurePosixPath
from urllib.parse import quote

from django.http import FileResponse, Http404, HttpResponse

from cities import audit

logger = logging.getLogger("ipcity.downloads")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(response: HttpResponse, *, name: str, ascii_name: str) -> HttpResponse:
    """Mark ``response`` as a download named ``name``; ``ascii_name`` for old clients (RFC 6266)."""
    response["Content-Disposition"] = f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(name)}'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xlsx_response(content: bytes, *, name: str, ascii_name: str, by, obj=None, table: str = "") -> HttpResponse:
    """A workbook made for this request, as a download, audited as ``file.export`` of ``obj`` (or of ``table``,
    a name for a table that is no one object)."""
    audit.record(actor=by, action="file.export", obj=obj, data={
        "file": name, "table": table, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()})
    return attachment(HttpResponse(content, content_type=XLSX), name=name, ascii_name=ascii_name)


def private_file_response(field_file, *, filename: str, content_type: str, obj, sha256: str, by) -> FileResponse:
    """``field_file`` (a file of ``obj``, whose content has the hash ``sha256``) as an attachment named
    ``filename``; the caller has checked the user's scope. A file missing from storage is a 404 and an error in
    the log; every download is audited (``file.download``). The name is given twice: ASCII for old clients, the
    real one for the others (RFC 6266)."""
    what = f"{obj._meta.label} {obj.pk}"
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except FileNotFoundError:
        logger.error("%s is missing from storage (%s)", what, field_file.name)
        raise Http404 from None
    logger.info("%s downloaded by %s", what, by.get_username())
    audit.record(actor=by, action="file.download", obj=obj,
                 data={"file": filename, "size": handle.size, "sha256": sha256})
    stored = PurePosixPath(field_file.name)
    stem = stored.stem.encode("ascii", "ignore").decode().strip(" -_.") or "file"
    ascii_name = f"{stem}{PurePosixPath(filename).suffix or stored.suffix}".replace('"', "")
    response = attachment(FileResponse(handle, content_type=content_type), name=filename, ascii_name=ascii_name)
    response["Cache-Control"] = "private"
    return response
