"""Real files for upload tests: clean ones that must be accepted, and the twelve hostile ones that must be refused.

Every file is made here from scratch (pypdf, Pillow, openpyxl, zipfile), so what a test uploads is what it says.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from functools import cache

import openpyxl
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

ACCEPTED_ZH = ".pdf, .doc, .docx, .wps, .xls, .xlsx, .et, .ppt, .pptx, .odt, .ods, .png, .jpg, .jpeg"
# The caps the hostile-upload tests run with (small, so that the over-size file and the zip bomb stay small).
MAX_UPLOAD_MB = 2
MAX_UNPACKED_MB = 20


# --- Clean files ----------------------------------------------------------------------------------


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    """A one-page blank PDF with nothing active in it."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    return _written(writer)


PDF = pdf_bytes()


def image_bytes(format: str, size: tuple[int, int] = (32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=format)
    return buffer.getvalue()


JPEG = image_bytes("JPEG")
PNG = image_bytes("PNG")


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "有效发明专利拥有量"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def with_members(package: bytes, members: dict[str, bytes]) -> bytes:
    """``package`` (a zip) with ``members`` added."""
    buffer = io.BytesIO(package)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def ole2_bytes(*, storage: str = "") -> bytes:
    """A minimal real OLE2 compound file (the container of .doc, .xls, .ppt, .wps, .et): a root holding an empty
    ``WordDocument`` stream and, when given, an empty ``storage`` (Word keeps its VBA project in ``Macros``, Excel in
    ``_VBA_PROJECT_CUR``)."""
    free, end_of_chain, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF

    def u32(*values: int) -> bytes:
        return b"".join(value.to_bytes(4, "little") for value in values)

    header = (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + (0x3E).to_bytes(2, "little") + (3).to_bytes(2, "little")
              + bytes.fromhex("feff") + (9).to_bytes(2, "little") + (6).to_bytes(2, "little") + bytes(6)
              + u32(0, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0) + u32(0) + u32(*[free] * 108))
    fat = u32(fat_sector, end_of_chain) + u32(*[free] * 126)

    def entry(name: str, kind: int, *, left: int = no_stream, right: int = no_stream, child: int = no_stream) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + len(encoded).to_bytes(2, "little") + bytes([kind, 1])
                + u32(left, right, child) + bytes(16 + 4 + 8 + 8) + u32(end_of_chain, 0, 0))

    entries = [entry("Root Entry", 5, child=1), entry("WordDocument", 2, left=2 if storage else no_stream)]
    if storage:
        entries.append(entry(storage, 1))
    directory = b"".join(entries).ljust(512, b"\0")
    return header + fat + directory


# --- PDFs with active content ---------------------------------------------------------------------


def _name(value: str) -> NameObject:
    return NameObject(value)


def _dict(**entries) -> DictionaryObject:
    return DictionaryObject({_name(f"/{key}"): value for key, value in entries.items()})


def javascript_action(script: str = "app.alert('已中招');") -> DictionaryObject:
    return _dict(S=_name("/JavaScript"), JS=TextStringObject(script))


def _embedded_file_spec(writer: PdfWriter) -> DictionaryObject:
    stream = DecodedStreamObject()
    stream.set_data(b"MZ\x90\x00 payload")
    stream[_name("/Type")] = _name("/EmbeddedFile")
    return _dict(Type=_name("/Filespec"), F=TextStringObject("payload.exe"),
                 EF=_dict(F=writer._add_object(stream)))


def pdf_with(*, catalog: dict | None = None, page: dict | None = None, annotation: dict | None = None,
             acroform: dict | None = None, embedded_file: str = "") -> bytes:
    """A one-page PDF with the given entries added to its catalog, its page, one annotation on the page or its
    AcroForm (``embedded_file``: "names" adds an /EmbeddedFiles name tree, "attachment" a file attachment)."""
    writer = PdfWriter()
    page_object = writer.add_blank_page(595, 842)
    root = writer.root_object
    for key, value in (catalog or {}).items():
        root[_name(key)] = value
    for key, value in (page or {}).items():
        page_object[_name(key)] = value
    if annotation is not None or embedded_file == "attachment":
        entries = _dict(Type=_name("/Annot"), Subtype=_name("/Link"),
                        Rect=ArrayObject([NumberObject(0), NumberObject(0), NumberObject(50), NumberObject(50)]))
        for key, value in (annotation or {}).items():
            entries[_name(key)] = value
        if embedded_file == "attachment":
            entries[_name("/Subtype")] = _name("/FileAttachment")
            spec = _embedded_file_spec(writer)
            del spec["/Type"]
            entries[_name("/FS")] = spec
        page_object[_name("/Annots")] = ArrayObject([writer._add_object(entries)])
    if acroform is not None:
        field = _dict(FT=_name("/Tx"), T=TextStringObject("name"))
        form = _dict(Fields=ArrayObject([writer._add_object(field)]))
        for key, value in acroform.items():
            (field if key.startswith("field:") else form)[_name(key.removeprefix("field:"))] = value
        root[_name("/AcroForm")] = writer._add_object(form)
    if embedded_file == "names":
        root[_name("/Names")] = _dict(EmbeddedFiles=_dict(Names=ArrayObject([
            TextStringObject("payload.exe"), writer._add_object(_embedded_file_spec(writer))])))
    return _written(writer)


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("口令", algorithm="RC4-128")
    return _written(writer)


def multipart(fields: dict[str, str], *, file_field: str, name: str, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body sending ``name`` exactly as given (the test clients keep only a base name),
    and its content type."""
    boundary = "----ipcity-upload-test"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{name}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# --- The twelve hostile files ---------------------------------------------------------------------


@cache
def zip_bomb_xlsx() -> bytes:
    """A workbook whose one sheet unpacks to more than ``MAX_UNPACKED_MB``; a few tens of KB packed."""
    buffer = io.BytesIO(xlsx_bytes())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet2.xml", "w") as member:
            for _ in range(MAX_UNPACKED_MB + 1):
                member.write(bytes(1024 * 1024))
    return buffer.getvalue()


def not_accepted(name: str) -> str:
    return f"“{name}”的文件类型不在允许范围内（按文件内容而非文件名判断）。允许的类型：{ACCEPTED_ZH}。"


@dataclass(frozen=True)
class Hostile:
    id: str
    name: str
    content: bytes
    message: str


PHP = b"<?php system($_GET['cmd']); ?>\n"


def hostile_files() -> list[Hostile]:
    """The twelve hostile uploads and the exact (Chinese) message each is refused with, under the caps above."""
    oversize = PDF + b"%" + bytes(int(MAX_UPLOAD_MB * 1.5 * 1024 * 1024) - len(PDF) - 1)
    return [
        Hostile("renamed-executable", "报告.pdf", b"\x7fELF\x02\x01\x01\x00" + bytes(200), not_accepted("报告.pdf")),
        Hostile("double-extension", "扫描件.pdf.exe", PDF, not_accepted("扫描件.pdf.exe")),
        Hostile("pdf-javascript-openaction", "申报函.pdf", pdf_with(catalog={"/OpenAction": javascript_action()}),
                "“申报函.pdf”含有活动内容（/OpenAction, /JavaScript, /JS），不予接收：含有脚本、自动执行或启动程序的动作、"
                "嵌入文件、富媒体或 XFA 表单的 PDF 一律不予接收。请将其打印为新的 PDF 或重新导出（不含上述内容）后再上传。"),
        Hostile("svg-with-script", "图标.png",
                b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
                not_accepted("图标.png")),
        Hostile("html", "通知.html", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
                not_accepted("通知.html")),
        Hostile("empty", "空白.pdf", b"", "“空白.pdf”为空文件。"),
        # Django keeps only the base name of a sent file name; the content then decides.
        Hostile("path-in-name", "../../etc/passwd.pdf", b"root:x:0:0:root:/root:/bin/bash\n",
                not_accepted("passwd.pdf")),
        Hostile("over-size", "扫描件.pdf", oversize, f"“扫描件.pdf”大小为3.0\u00a0MB，单个文件不得超过{MAX_UPLOAD_MB} MB。"),
        Hostile("zip-bomb-xlsx", "统计表.xlsx", zip_bomb_xlsx(),
                f"“统计表.xlsx”解压后为{MAX_UNPACKED_MB + 1}.0\u00a0MB，超过{MAX_UNPACKED_MB} MB的上限。"),
        Hostile("non-workbook-xlsx", "指标表.xlsx", zip_bytes({"run.js": b"WScript.Echo(1)", "readme.txt": b"hi"}),
                not_accepted("指标表.xlsx")),
        Hostile("macro-workbook", "得分表.xlsx", with_members(xlsx_bytes(), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
                "“得分表.xlsx”含有宏或 ActiveX 控件（xl/vbaProject.bin），不予接收。请另存为不含宏的普通文档"
                "（.docx、.xlsx、.pptx）后再上传。"),
        Hostile("php-after-jpeg", "证书.jpg", JPEG + PHP,
                f"“证书.jpg”在图像结束之后还附带{len(PHP)}\u00a0字节的其他数据，不予接收。请用图像编辑软件重新保存后再上传。"),
    ]
