"""What an accepted type of file may not carry: active content in PDFs, anything but the picture in images,
macros in Office, WPS and OpenDocument files.

``evaluations.materials.check_file`` calls ``check_content`` once the type is known from the content, so every
upload path that checks files (materials on the page and the API, progress evidence) refuses the same things.
Each function raises ``ValidationError`` with a message naming the file and what was found, and writes nothing.
"""

from __future__ import annotations

import warnings
import zipfile
from typing import IO

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
import olefile
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG"}

# Dictionary keys that carry or point at active content, and the name each is reported as: scripts
# (document-level /JavaScript name tree, /JS of an action), launch actions, embedded files (/EmbeddedFiles name
# tree, /EF of a file specification), additional actions (/AA of the catalog, pages, annotations and form
# fields), rich media (Flash, video) and XFA forms (scripted).
ACTIVE_KEYS = {
    "/JavaScript": "/JavaScript", "/JS": "/JS", "/Launch": "/Launch", "/EmbeddedFiles": "/EmbeddedFiles",
    "/EmbeddedFile": "/EmbeddedFile", "/EF": "/EmbeddedFile", "/AA": "/AA", "/RichMediaContent": "/RichMedia",
    "/RichMediaSettings": "/RichMedia", "/XFA": "/XFA",
}
# Names that say what a dictionary is: an action's type (/S), an object's /Type or /Subtype.
ACTIVE_NAMES = {"/JavaScript": "/JavaScript", "/Launch": "/Launch", "/EmbeddedFile": "/EmbeddedFile",
                "/RichMedia": "/RichMedia"}
TYPE_KEYS = ("/S", "/Type", "/Subtype")
SCRIPT_ACTIONS = frozenset({"/JavaScript", "/Launch"})
# The order findings are named in.
FINDING_ORDER = ("/OpenAction", "/AA", "/JavaScript", "/JS", "/Launch", "/EmbeddedFiles", "/EmbeddedFile",
                 "/RichMedia", "/XFA")

# Parts of Office Open XML and OpenDocument packages that hold macros or ActiveX controls.
MACRO_FILE_NAMES = frozenset({"vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin"})
MACRO_FOLDERS = ("xl/macrosheets/", "basic/", "scripts/")
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
# Storages of an OLE2 compound file (.doc, .xls, .wps, .et) holding a VBA project: Word's "Macros", Excel's
# "_VBA_PROJECT_CUR", and the "VBA" storage inside either.
OLE2_MACRO_STORAGES = frozenset({"macros", "_vba_project_cur", "vba"})
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
ZIP_MAGIC = b"PK\x03\x04"


def damaged(name: str) -> ValidationError:
    return ValidationError(_("“%(name)s” is damaged and cannot be read.") % {"name": name}, code="damaged")


def check_content(file: IO[bytes], name: str, content_type: str) -> None:
    """Refuse what a file of ``content_type`` (already judged by its content) may not carry."""
    if content_type == PDF:
        check_pdf(file, name)
    elif content_type in PILLOW_FORMATS:
        check_image(file, name, content_type)
    else:
        file.seek(0)
        head = file.read(len(OLE2_MAGIC))
        if head == OLE2_MAGIC:
            check_ole2_macros(file, name)
        elif head.startswith(ZIP_MAGIC):
            check_macros(file, name)


# --- PDF -----------------------------------------------------------------------------------------


def check_pdf(file: IO[bytes], name: str) -> None:
    file.seek(0)
    try:
        reader = PdfReader(file, strict=False)
        encrypted = reader.is_encrypted
        found = [] if encrypted else pdf_active_content(reader)
    except Exception:  # whatever pypdf trips on (a RecursionError too): the document cannot be checked
        raise damaged(name) from None
    if encrypted:
        raise ValidationError(
            _("“%(name)s” is encrypted or password-protected, so its content cannot be checked. Remove the "
              "protection and upload it again.") % {"name": name},
            code="pdf_encrypted",
        )
    if found:
        raise ValidationError(
            _("“%(name)s” contains active content (%(found)s) and is refused: PDFs with scripts, automatic or "
              "launch actions, embedded files, rich media or XFA forms are not accepted. Print it to a new PDF "
              "or export it again without them, and upload that.") % {"name": name, "found": ", ".join(found)},
            code="pdf_active_content",
        )


def pdf_active_content(reader: PdfReader) -> list[str]:
    """The active content of a parsed PDF, named by its PDF key, in ``FINDING_ORDER``.

    Walks every object reachable from the document catalog: its /OpenAction and /AA, the /Names trees
    (/JavaScript, /EmbeddedFiles), the /AcroForm with its fields and /XFA, the page tree, each page's /AA and
    annotations (their /A, /AA, file attachments, rich media), outlines and anything else they refer to.
    """
    catalog = reader.trailer["/Root"].get_object()
    if not isinstance(catalog, DictionaryObject):
        raise ValueError("the trailer's /Root is not a dictionary")
    found = set()
    if _runs_script(catalog.get("/OpenAction")):
        found.add("/OpenAction")
    seen: set[tuple[int, int]] = set()
    stack: list = [catalog]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            reference = (obj.idnum, obj.generation)
            if reference in seen:
                continue
            seen.add(reference)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # streams too: their dictionary is walked, not their data
            for key, value in obj.items():
                if key in ACTIVE_KEYS:
                    found.add(ACTIVE_KEYS[key])
                if key in TYPE_KEYS:
                    kind = value.get_object() if isinstance(value, IndirectObject) else value
                    if isinstance(kind, NameObject) and kind in ACTIVE_NAMES:
                        found.add(ACTIVE_NAMES[kind])
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return [key for key in FINDING_ORDER if key in found]


def _runs_script(action) -> bool:
    """Whether an action, or one chained after it with /Next, is a JavaScript or launch action."""
    pending, steps = [action], 0
    while pending and steps < 1000:  # a chain of /Next that loops back ends here
        steps += 1
        current = pending.pop()
        current = current.get_object() if isinstance(current, IndirectObject) else current
        if isinstance(current, ArrayObject):
            pending.extend(current)
        elif isinstance(current, DictionaryObject):
            if current.get("/S") in SCRIPT_ACTIONS or "/JS" in current:
                return True
            if "/Next" in current:
                pending.append(current.raw_get("/Next"))
    return False


# --- Images --------------------------------------------------------------------------------------


def check_image(file: IO[bytes], name: str, content_type: str) -> None:
    """Decode the whole image with Pillow, and refuse bytes after the image's end (a script behind a picture)."""
    pillow_format = PILLOW_FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that: both are refused here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            file.seek(0)
            with Image.open(file, formats=[pillow_format]) as image:
                width, height = image.size
                image.verify()  # PNG: every chunk's checksum
            file.seek(0)
            with Image.open(file, formats=[pillow_format]) as image:
                if pillow_format == "JPEG":  # every scan is decoded, at an eighth of the size (memory)
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ValidationError(
            _("“%(name)s” has more than %(limit)s million pixels, the most an image may have.")
            % {"name": name, "limit": Image.MAX_IMAGE_PIXELS // 1_000_000},
            code="image_pixels",
        ) from None
    except Exception:  # Pillow's errors for truncated, corrupt or unidentified images
        raise damaged(name) from None
    file.seek(0)
    data = file.read()
    end = png_end(data) if pillow_format == "PNG" else jpeg_end(data)
    if end is None:
        raise damaged(name)
    if data[end:].strip(b"\x00"):  # zero bytes after the end are padding some scanners write
        raise ValidationError(
            _("“%(name)s” carries %(size)s of other data after the end of the image and is refused. Save the image "
              "again with an image editor and upload that.") % {"name": name, "size": filesizeformat(len(data) - end)},
            code="image_trailing_data",
        )


def png_end(data: bytes) -> int | None:
    """The offset just after a PNG's IEND chunk, or None when the chunks do not reach one."""
    position = 8
    while position + 12 <= len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        chunk_type = data[position + 4:position + 8]
        position += 12 + length
        if chunk_type == b"IEND":
            return position if position <= len(data) else None
    return None


def jpeg_end(data: bytes, start: int = 0) -> int | None:
    """The offset just after the EOI marker (FFD9) of the JPEG starting at ``start``, following its segments
    (so an EOI inside an embedded thumbnail does not count), then after any further whole JPEG streams stored
    behind it (the extra pictures of a multi-picture file); None when the segments do not reach an EOI."""
    end = _jpeg_stream_end(data, start)
    if end is None:
        return None
    while end < len(data):
        following = _jpeg_stream_end(data, end)
        if following is None:
            break
        end = following
    return end


def _jpeg_stream_end(data: bytes, start: int) -> int | None:
    if data[start:start + 2] != b"\xff\xd8":
        return None
    position, size = start + 2, len(data)
    while position < size:
        if data[position] != 0xFF:
            return None
        while position < size and data[position] == 0xFF:  # fill bytes before a marker
            position += 1
        if position >= size:
            return None
        marker = data[position]
        position += 1
        if marker == 0xD9:  # EOI
            return position
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            continue
        if position + 2 > size:
            return None
        length = int.from_bytes(data[position:position + 2], "big")
        if length < 2:
            return None
        position += length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker that is not RSTn or FF00
            while True:
                position = data.find(b"\xff", position)
                if position < 0 or position + 1 >= size:
                    return None
                following = data[position + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    position += 2
                elif following == 0xFF:
                    position += 1
                else:
                    break
    return None


# --- Macros --------------------------------------------------------------------------------------


def check_macros(file: IO[bytes], name: str) -> None:
    """Refuse an Office Open XML or OpenDocument package holding macros (VBA, Excel 4.0 macro sheets, Basic) or
    ActiveX controls, or declaring a macro-enabled type, whatever its extension."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            found = [member for member in names
                     if member.lower().rsplit("/", 1)[-1] in MACRO_FILE_NAMES
                     or member.lower().startswith(MACRO_FOLDERS) or "/activex/" in f"/{member.lower()}"]
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as member:
                    declared = member.read(MAX_CONTENT_TYPES_BYTES)
                if b"macroenabled" in declared.lower():
                    found.append("macroEnabled")
    except Exception:
        raise damaged(name) from None
    _refuse_macros(name, found)


def check_ole2_macros(file: IO[bytes], name: str) -> None:
    """Refuse a legacy Office or WPS document (OLE2 compound file) holding a VBA project. (PowerPoint 97–2003 keeps
    its VBA inside the presentation stream, which is not looked into.)"""
    file.seek(0)
    try:
        with olefile.OleFileIO(file) as compound:
            paths = compound.listdir(streams=True, storages=True)
    except Exception:  # whatever olefile trips on, the file is unusable
        raise damaged(name) from None
    found = set()
    for path in paths:
        for depth, part in enumerate(path):
            if part.lower() in OLE2_MACRO_STORAGES:
                found.add("/".join(path[: depth + 1]))
                break
    _refuse_macros(name, sorted(found))


def _refuse_macros(name: str, found: list[str]) -> None:
    if found:
        shown = ", ".join(found[:3]) + (", …" if len(found) > 3 else "")
        raise ValidationError(
            _("“%(name)s” contains macros or ActiveX controls (%(found)s) and is refused. Save it as an ordinary "
              "document without macros (.docx, .xlsx, .pptx) and upload that.") % {"name": name, "found": shown},
            code="macros",
        )

