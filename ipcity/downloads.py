"""One way to hand a stored private file to the user who may have it (pages and API alike)."""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from urllib.parse import quote

from django.http import FileResponse, Http404, HttpResponse

logger = logging.getLogger("ipcity.downloads")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(response: HttpResponse, *, name: str, ascii_name: str) -> HttpResponse:
    """Mark ``response`` as a download named ``name``; ``ascii_name`` for old clients (RFC 6266)."""
    response["Content-Disposition"] = f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(name)}'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xlsx_response(content: bytes, *, name: str, ascii_name: str) -> HttpResponse:
    """A workbook made for this request, as a download."""
    return attachment(HttpResponse(content, content_type=XLSX), name=name, ascii_name=ascii_name)


def private_file_response(field_file, *, filename: str, content_type: str, what: str, user) -> FileResponse:
    """``field_file`` as an attachment named ``filename`` (the caller has checked the user's scope). A file
    missing from storage is a 404 and an error in the log; every download is logged with ``what`` and who.
    The name is given twice: ASCII for old clients, the real one for the others (RFC 6266)."""
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except FileNotFoundError:
        logger.error("%s is missing from storage (%s)", what, field_file.name)
        raise Http404 from None
    logger.info("%s downloaded by %s", what, user.get_username())
    stored = PurePosixPath(field_file.name)
    stem = stored.stem.encode("ascii", "ignore").decode().strip(" -_.") or "file"
    ascii_name = f"{stem}{PurePosixPath(filename).suffix or stored.suffix}".replace('"', "")
    response = attachment(FileResponse(handle, content_type=content_type), name=filename, ascii_name=ascii_name)
    response["Cache-Control"] = "private"
    return response
