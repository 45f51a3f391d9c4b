"""The cap on what an imported workbook may unpack to (IMPORT_MAX_UNPACKED_MB), shared by every import."""

from __future__ import annotations

import io
import zipfile

from evaluations import imports
from tests.files import xlsx_bytes


def padded_workbook(unpacked_mb: int) -> bytes:
    """A real workbook with an extra part of ``unpacked_mb`` MB of zeros (a few KB packed)."""
    buffer = io.BytesIO(xlsx_bytes())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("xl/media/padding.bin", "w") as member:
        for _ in range(unpacked_mb):
            member.write(bytes(1024 * 1024))
    return buffer.getvalue()


def test_default_import_cap_is_50_mb():
    assert imports.max_unpacked_bytes() == 50 * 1024 * 1024


def test_a_workbook_unpacking_beyond_the_setting_is_refused(settings):
    settings.IPCITY = {**settings.IPCITY, "IMPORT_MAX_UNPACKED_MB": 2}
    sheet, problem = imports.open_sheet(io.BytesIO(padded_workbook(3)))
    assert (sheet, problem) == (None, "工作簿解压后超过2 MB")


def test_a_workbook_within_the_setting_opens(settings):
    settings.IPCITY = {**settings.IPCITY, "IMPORT_MAX_UNPACKED_MB": 2}
    sheet, problem = imports.open_sheet(io.BytesIO(padded_workbook(1)))
    assert (sheet is not None, problem) == (True, None)
