"""One way to hand a stored private file to the user who may have it (pages and API alike)."""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from urllib.parse import quote

from django.http import FileResponse, Http404

logger = logging.getLogger("ipcity.downloads")


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
    response = FileResponse(handle, content_type=content_type)
    stored = PurePosixPath(field_file.name)
    stem = stored.stem.encode("ascii", "ignore").decode().strip(" -_.") or "file"
    ascii_name = f"{stem}{PurePosixPath(filename).suffix or stored.suffix}".replace('"', "")
    response["Content-Disposition"] = (
        f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(filename)}')
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response
