"""Hostile uploads (issue 14): the twelve hostile files are refused on the page and through the API, each with its
own message, leaving no row, no file and one ``upload.refused`` entry; active content in PDFs, trailing data after
images and macros are found by parsing the file; the names users see are cleaned."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from cities.models import AuditEntry
from cities.tokens import create_api_token
from evaluations import file_checks
from evaluations import materials as m
from evaluations.enums import CycleKind, CycleStatus, MaterialKind
from evaluations.models import Application, Cycle, Material, MaterialFile
from ipcity.text import clean_display_name, clean_file_name
from tests import files
from tests.files import JPEG, PDF, PNG, PHP, Hostile, hostile_files, javascript_action, pdf_with

HOSTILE = hostile_files()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IPCITY = {**settings.IPCITY, "MAX_UPLOAD_MB": files.MAX_UPLOAD_MB,
                       "MATERIAL_MAX_UNPACKED_MB": files.MAX_UNPACKED_MB}
    return settings.MEDIA_ROOT


@pytest.fixture
def application(db, fushun_city):
    cycle = Cycle.objects.create(kind=CycleKind.PILOT, year=2026, title="2026年国家知识产权试点城市评定",
                                 status=CycleStatus.OPEN, city_deadline=dt.date(2099, 8, 15),
                                 province_deadline=dt.date(2099, 8, 31), data_year=2025)
    return Application.objects.create(cycle=cycle, city=fushun_city)


def everything_under(folder) -> list[str]:
    """Every file below ``folder`` (the test's temporary folder, which holds MEDIA_ROOT): a file written anywhere
    by an upload, inside MEDIA_ROOT or escaping it, shows here."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def page_upload(client, application, name: str, content: bytes, kind: str = MaterialKind.WORK_PLAN):
    body, content_type = files.multipart({"kind": kind, "title": ""}, file_field="file", name=name, content=content)
    return client.post(reverse("material_upload", kwargs={"pk": application.pk}), body, content_type=content_type)


def api_upload(client, application, name: str, content: bytes, kind: str = MaterialKind.WORK_PLAN):
    body, content_type = files.multipart({"kind": kind}, file_field="file", name=name, content=content)
    return client.post(reverse("api:application-materials", args=[application.pk]), body, content_type=content_type)


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def refusal_entry(officer, city, hostile: Hostile, code: str) -> dict:
    return {"actor": officer.pk, "city": city.pk, "data": {
        "name": clean_file_name(hostile.name), "kind": "work_plan", "size": len(hostile.content), "code": code,
        "reason": hostile.message}}


def refusals() -> list[dict]:
    return [{"actor": entry.actor_id, "city": entry.city_id, "data": entry.data}
            for entry in AuditEntry.objects.filter(action="upload.refused")]


CODES = {"renamed-executable": "file_type", "double-extension": "file_type", "pdf-javascript-openaction":
         "pdf_active_content", "svg-with-script": "file_type", "html": "file_type", "empty": "empty",
         "path-in-name": "file_type", "over-size": "size", "zip-bomb-xlsx": "unpacked_size",
         "non-workbook-xlsx": "file_type", "macro-workbook": "macros", "php-after-jpeg": "image_trailing_data"}


def test_there_are_twelve_hostile_files():
    assert [hostile.id for hostile in HOSTILE] == list(CODES)


# --- The twelve, on the page and through the API ------------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.id for h in HOSTILE])
def test_hostile_file_is_refused_on_the_page(client, application, fushun_officer, fushun_city, media, tmp_path,
                                             hostile):
    client.force_login(fushun_officer)
    before = everything_under(tmp_path)
    response = page_upload(client, application, hostile.name, hostile.content)
    assert (response.status_code, response["Location"]) == (302, reverse("application_detail",
                                                                         kwargs={"pk": application.pk}))
    assert flashed(response) == [hostile.message]
    assert (Material.objects.count(), MaterialFile.objects.count()) == (0, 0)
    assert everything_under(tmp_path) == before
    assert refusals() == [refusal_entry(fushun_officer, fushun_city, hostile, CODES[hostile.id])]


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.id for h in HOSTILE])
def test_hostile_file_is_refused_through_the_api(api, application, fushun_officer, fushun_city, media, tmp_path,
                                                 hostile):
    client = api(fushun_officer)
    before = everything_under(tmp_path)
    response = api_upload(client, application, hostile.name, hostile.content)
    assert (response.status_code, response.json()) == (400, {"code": "refused", "message": hostile.message,
                                                             "fields": {}})
    assert (Material.objects.count(), MaterialFile.objects.count()) == (0, 0)
    assert everything_under(tmp_path) == before
    assert refusals() == [refusal_entry(fushun_officer, fushun_city, hostile, CODES[hostile.id])]


def test_refused_upload_is_audited_in_the_log_label():
    assert str(m.audit.action_label("upload.refused")) == "上传被拒绝"


@pytest.mark.django_db(transaction=True)
def test_the_refusal_entry_is_committed_though_the_upload_is_refused(client, application, fushun_officer, media):
    client.force_login(fushun_officer)
    hostile = next(h for h in HOSTILE if h.id == "pdf-javascript-openaction")
    page_upload(client, application, hostile.name, hostile.content)
    # No test transaction here: what the database holds now was committed.
    assert list(AuditEntry.objects.filter(action="upload.refused").values_list("data__code", flat=True)) == [
        "pdf_active_content"]
    assert (Material.objects.count(), MaterialFile.objects.count()) == (0, 0)


def test_a_path_in_the_name_is_dropped_and_the_file_stored_under_a_server_name(client, application,
                                                                               fushun_officer, media, tmp_path):
    client.force_login(fushun_officer)
    page_upload(client, application, "../../etc/passwd.pdf", PDF)
    row = MaterialFile.objects.get()
    assert (row.original_name, row.file.name) == (
        "passwd.pdf", f"applications/{application.pk}/work_plan/{row.material_id}-v1-{row.sha256[:16]}")
    assert everything_under(tmp_path) == [f"media/{row.file.name}"]


# --- Clean files are accepted ---------------------------------------------------------------------------


def progressive_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(buffer, format="JPEG", progressive=True, quality=80)
    return buffer.getvalue()


CLEAN = [("申报函.pdf", PDF, m.PDF), ("证书.jpg", JPEG, m.JPEG), ("证书.png", PNG, m.PNG),
         ("渐进式.jpeg", progressive_jpeg(), m.JPEG), ("两张.jpg", JPEG + JPEG, m.JPEG)]


@pytest.mark.parametrize(("name", "content", "content_type"), CLEAN, ids=[c[0] for c in CLEAN])
def test_clean_file_is_accepted_on_the_page_and_through_the_api(client, api, application, fushun_officer, media,
                                                                 name, content, content_type):
    client.force_login(fushun_officer)
    page_upload(client, application, name, content)
    response = api_upload(api(fushun_officer), application, name, content)
    assert response.status_code == 201
    rows = [(f.version, f.original_name, f.content_type, (media / f.file.name).read_bytes())
            for f in MaterialFile.objects.order_by("version")]
    assert rows == [(1, name, content_type, content), (2, name, content_type, content)]
    assert AuditEntry.objects.filter(action="upload.refused").count() == 0


# --- PDF checks one by one ----------------------------------------------------------------------------


def rect() -> ArrayObject:
    return ArrayObject([NumberObject(0), NumberObject(0), NumberObject(10), NumberObject(10)])


def named_action(name: str = "/NextPage") -> dict:
    return {NameObject("/S"): NameObject("/Named"), NameObject("/N"): NameObject(name)}


def _d(entries: dict) -> DictionaryObject:
    return DictionaryObject({NameObject(k) if isinstance(k, str) else k: v for k, v in entries.items()})


ACTIVE_PDFS = [
    ("openaction-javascript", pdf_with(catalog={"/OpenAction": javascript_action()}),
     "/OpenAction, /JavaScript, /JS"),
    ("openaction-launch", pdf_with(catalog={"/OpenAction": _d({"/S": NameObject("/Launch"),
                                                               "/F": TextStringObject("cmd.exe")})}),
     "/OpenAction, /Launch"),
    ("openaction-next-javascript", pdf_with(catalog={"/OpenAction": _d({**named_action(),
                                                                         "/Next": javascript_action()})}),
     "/OpenAction, /JavaScript, /JS"),
    ("names-javascript", pdf_with(catalog={"/Names": _d({"/JavaScript": _d({"/Names": ArrayObject([
        TextStringObject("init"), javascript_action()])})})}), "/JavaScript, /JS"),
    ("rendition-js", pdf_with(annotation={"/A": _d({"/S": NameObject("/Rendition"),
                                                    "/JS": TextStringObject("app.alert(1)")})}), "/JS"),
    ("link-launch", pdf_with(annotation={"/A": _d({"/S": NameObject("/Launch"),
                                                   "/F": TextStringObject("calc.exe")})}), "/Launch"),
    ("embedded-files", pdf_with(embedded_file="names"), "/EmbeddedFiles, /EmbeddedFile"),
    ("file-attachment", pdf_with(embedded_file="attachment"), "/EmbeddedFile"),
    ("catalog-aa", pdf_with(catalog={"/AA": _d({"/WC": _d(named_action())})}), "/AA"),
    ("page-aa", pdf_with(page={"/AA": _d({"/O": _d(named_action())})}), "/AA"),
    ("annotation-aa", pdf_with(annotation={"/AA": _d({"/E": _d(named_action())})}), "/AA"),
    ("field-aa", pdf_with(acroform={"field:/AA": _d({"/K": _d(named_action())})}), "/AA"),
    ("rich-media", pdf_with(annotation={"/Subtype": NameObject("/RichMedia")}), "/RichMedia"),
    ("xfa", pdf_with(acroform={"/XFA": ArrayObject([TextStringObject("template"), TextStringObject("<x/>")])}),
     "/XFA"),
]


def check(name: str, content: bytes) -> m.CheckedFile:
    return m.check_file(SimpleUploadedFile(name, content))


@pytest.mark.parametrize(("case", "content", "found"), ACTIVE_PDFS, ids=[c[0] for c in ACTIVE_PDFS])
def test_pdf_with_active_content_is_refused_naming_it(case, content, found):
    with pytest.raises(ValidationError) as error:
        check("材料.pdf", content)
    assert error.value.messages == [
        f"“材料.pdf”含有活动内容（{found}），不予接收：含有脚本、自动执行或启动程序的动作、嵌入文件、富媒体或 XFA 表单的 PDF "
        "一律不予接收。请将其打印为新的 PDF 或重新导出（不含上述内容）后再上传。"]
    assert error.value.code == "pdf_active_content"


def test_pdf_with_a_hex_escaped_javascript_name_is_refused():
    content = pdf_with(catalog={"/OpenAction": javascript_action()}).replace(b"/JavaScript", b"/J#61vaScript")
    with pytest.raises(ValidationError) as error:
        check("材料.pdf", content)
    assert error.value.code == "pdf_active_content"


@pytest.mark.parametrize("content", [
    pdf_with(catalog={"/OpenAction": ArrayObject([NumberObject(0), NameObject("/Fit")])}),
    pdf_with(annotation={"/A": _d({"/S": NameObject("/URI"), "/URI": TextStringObject("https://www.cnipa.gov.cn/")})}),
    pdf_with(acroform={}),
], ids=["openaction-goto", "link-uri", "plain-form"])
def test_pdf_with_only_passive_actions_is_accepted(content):
    assert check("材料.pdf", content).content_type == m.PDF


def test_encrypted_pdf_is_refused():
    with pytest.raises(ValidationError) as error:
        check("加密.pdf", files.encrypted_pdf())
    assert error.value.messages == ["“加密.pdf”已加密或设有密码保护，无法检查其内容。请解除保护后重新上传。"]


@pytest.mark.parametrize("content", [b"%PDF-1.7\n<?php system($_GET['c']); ?>\n", PDF[: len(PDF) // 2]],
                         ids=["php-after-pdf-header", "truncated"])
def test_unparsable_pdf_is_refused_as_damaged(content):
    with pytest.raises(ValidationError) as error:
        check("损坏.pdf", content)
    assert error.value.messages == ["“损坏.pdf”已损坏，无法读取。"]


# --- Images ---------------------------------------------------------------------------------------------


def test_png_with_data_after_iend_is_refused():
    with pytest.raises(ValidationError) as error:
        check("图.png", PNG + PHP)
    assert error.value.messages == [
        f"“图.png”在图像结束之后还附带{len(PHP)}\u00a0字节的其他数据，不予接收。请用图像编辑软件重新保存后再上传。"]


@pytest.mark.parametrize(("name", "content"), [
    ("证书.jpg", b"\xff\xd8\xff\xe0" + PHP),  # a JPEG header and then PHP: no picture at all
    ("证书.jpg", JPEG[: len(JPEG) // 2]),
    ("证书.png", PNG[:-20]),
    ("证书.png", PNG.replace(b"IDAT", b"IDAX")),
], ids=["php-after-jpeg-header", "truncated-jpeg", "truncated-png", "bad-png-chunk"])
def test_image_that_does_not_decode_is_refused_as_damaged(name, content):
    with pytest.raises(ValidationError) as error:
        check(name, content)
    assert error.value.messages == [f"“{name}”已损坏，无法读取。"]


def test_image_above_the_pixel_limit_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2_000_000)
    with pytest.raises(ValidationError) as error:
        check("扫描.png", files.image_bytes("PNG", size=(2000, 1001)))
    assert error.value.messages == ["“扫描.png”的像素总数超过 2 百万，超出图像允许的上限。"]


def test_zero_padding_after_a_jpeg_is_accepted():
    assert check("扫描.jpg", JPEG + bytes(512)).content_type == m.JPEG


def test_jpeg_end_follows_segments_past_an_eoi_inside_a_comment():
    # An FFD9 inside a COM segment (as in an embedded thumbnail) is not the image's end.
    with_comment = JPEG[:2] + b"\xff\xfe\x00\x06\xff\xd9xx" + JPEG[2:]
    assert file_checks.jpeg_end(with_comment) == len(with_comment)
    assert check("注释.jpg", with_comment).content_type == m.JPEG


# --- Macros ---------------------------------------------------------------------------------------------


def macro_message(name: str, found: str) -> str:
    return f"“{name}”含有宏或 ActiveX 控件（{found}），不予接收。请另存为不含宏的普通文档（.docx、.xlsx、.pptx）后再上传。"


def docx(extra: dict[str, bytes], content_types: bytes = b"<Types/>") -> bytes:
    return files.zip_bytes({"[Content_Types].xml": content_types, "word/document.xml": b"<document/>", **extra})


@pytest.mark.parametrize(("name", "content", "found"), [
    ("方案.docx", docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), "word/vbaProject.bin"),
    ("方案.docx", docx({}, b'<Types><Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
                           b"</Types>"), "macroEnabled"),
    ("方案.docx", docx({"word/activeX/activeX1.bin": b"x"}), "word/activeX/activeX1.bin"),
    ("表.xlsx", files.with_members(files.xlsx_bytes(), {"xl/macrosheets/sheet1.xml": b"<xm/>"}),
     "xl/macrosheets/sheet1.xml"),
    ("方案.odt", files.zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<c/>",
                                  "Basic/Standard/Module1.xml": b"<script/>"}), "Basic/Standard/Module1.xml"),
    ("申报函.doc", files.ole2_bytes(storage="Macros"), "Macros"),
    ("统计表.xls", files.ole2_bytes(storage="_VBA_PROJECT_CUR"), "_VBA_PROJECT_CUR"),
    ("统计表.et", files.ole2_bytes(storage="_VBA_PROJECT_CUR"), "_VBA_PROJECT_CUR"),
], ids=["vba", "macro-enabled-type", "activex", "excel4-macro-sheet", "odf-basic", "doc-macros", "xls-vba", "et-vba"])
def test_office_file_with_macros_is_refused(name, content, found):
    with pytest.raises(ValidationError) as error:
        check(name, content)
    assert error.value.messages == [macro_message(name, found)]


def test_legacy_office_file_without_macros_is_accepted_and_a_broken_one_refused():
    assert check("申报函.doc", files.ole2_bytes()).content_type == m.DOC
    with pytest.raises(ValidationError) as error:
        check("申报函.doc", bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    assert error.value.messages == ["“申报函.doc”已损坏，无法读取。"]


# --- Names ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sent", "shown"), [
    ("申报函.pdf", "申报函.pdf"),
    ("发票\u202egpj.exe", "发票gpj.exe"),  # right-to-left override: would read as 发票exe.jpg
    ("\u2066报告\u2069\u200e\u200f\u061c.pdf", "报告.pdf"),
    ("a\u202a\u202b\u202c\u202d\u2067\u2068b.pdf", "ab.pdf"),
    ("工作\n方案\t(终稿)\x00.pdf", "工作方案(终稿).pdf"),
    ("零\u200b宽\ufeff.pdf", "零宽.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\市局\\方案.pdf", "方案.pdf"),
    (".htaccess", "htaccess"),
    ("...", "file"),
    ("\u202e", "file"),
    ("  多个   空格 .pdf ", "多个 空格 .pdf"),
    ("长" * 300 + ".pdf", "长" * 251 + ".pdf"),
])
def test_clean_file_name(sent, shown):
    assert clean_file_name(sent) == shown


def test_clean_display_name_keeps_slashes_and_caps_the_length():
    assert clean_display_name("OA/ERP\u202e 接口\u2028同步", max_length=8) == "OA/ERP 接"
    assert clean_display_name("\u202e\u202e\u202e") == ""


def test_token_name_of_bidi_characters_is_refused(fushun_officer):
    with pytest.raises(ValidationError) as error:
        create_api_token(fushun_officer, name="\u202e\u202e\u202e", by=fushun_officer)
    assert error.value.message_dict == {
        "name": ["名称中没有可见字符（控制字符和文字方向字符会被删除），请为令牌取一个可读的名称。"]}


def test_token_name_is_stored_clean(fushun_officer):
    token, _key = create_api_token(fushun_officer, name="统计\u202e系统\x07", by=fushun_officer)
    token.refresh_from_db()
    assert token.name == "统计系统"
    assert AuditEntry.objects.get(action="api_token.create").data["name"] == "统计系统"


def test_token_name_of_bidi_characters_is_refused_through_the_api(api, fushun_officer):
    response = api(fushun_officer).post("/api/v1/tokens/", {"name": "\u202e\u202e"}, format="json")
    assert (response.status_code, response.json()["fields"]) == (
        400, {"name": ["名称中没有可见字符（控制字符和文字方向字符会被删除），请为令牌取一个可读的名称。"]})
