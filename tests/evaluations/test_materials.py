"""Materials: content-checked uploads, size caps, versions, permissions and private downloads (DESIGN §6 Files)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cities.models import AuditEntry
from evaluations import materials as m
from evaluations.enums import ApplicationState, CycleKind, CycleStatus, MaterialKind
from evaluations.models import Application, Cycle, Material, MaterialFile
from tests.files import JPEG as JPEG_BYTES
from tests.files import PDF as PDF_BYTES
from tests.files import PNG as PNG_BYTES
from tests.files import ole2_bytes, xlsx_bytes

K = MaterialKind
S = ApplicationState
ACCEPTED = ".pdf, .doc, .docx, .wps, .xls, .xlsx, .et, .ppt, .pptx, .odt, .ods, .png, .jpg, .jpeg"


# --- Real minimal files --------------------------------------------------------------------

OLE2_BYTES = ole2_bytes()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def ooxml(main_part: str) -> bytes:
    return zip_bytes({"[Content_Types].xml": b'<?xml version="1.0"?><Types/>', "_rels/.rels": b"<Relationships/>",
                      main_part: b"<document/>"})


def odf(mimetype: str) -> bytes:
    return zip_bytes({"mimetype": mimetype.encode(), "content.xml": b"<office:document-content/>"})


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


ACCEPTED_FILES = [
    ("市政府申报函.pdf", PDF_BYTES, "application/pdf"),
    ("工作方案.docx", ooxml("word/document.xml"),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("基本情况表.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("汇报.pptx", ooxml("ppt/presentation.xml"),
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("申报函.doc", OLE2_BYTES, "application/msword"),
    ("统计表.xls", OLE2_BYTES, "application/vnd.ms-excel"),
    ("汇报.ppt", OLE2_BYTES, "application/vnd.ms-powerpoint"),
    ("工作方案.wps", OLE2_BYTES, "application/wps-office.wps"),
    ("统计表.et", OLE2_BYTES, "application/wps-office.et"),
    ("工作方案.odt", odf("application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text"),
    ("统计表.ods", odf("application/vnd.oasis.opendocument.spreadsheet"),
     "application/vnd.oasis.opendocument.spreadsheet"),
    ("证书扫描件.png", PNG_BYTES, "image/png"),
    ("证书扫描件.jpg", JPEG_BYTES, "image/jpeg"),
    ("证书扫描件.JPEG", JPEG_BYTES, "image/jpeg"),
]


# --- Fixtures ------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private-media"
    return settings.MEDIA_ROOT


@pytest.fixture
def cycle(db):
    return Cycle.objects.create(kind=CycleKind.PILOT, year=2026, title="2026年国家知识产权试点城市评定",
                                status=CycleStatus.OPEN, city_deadline=dt.date(2026, 8, 15),
                                province_deadline=dt.date(2026, 8, 31), data_year=2025)


@pytest.fixture
def application(cycle, fushun_city):
    return Application.objects.create(cycle=cycle, city=fushun_city)


def in_state(application: Application, state: str) -> Application:
    Application.objects.filter(pk=application.pk).update(state=state, round=0 if state == S.DRAFT else 1)
    application.refresh_from_db()
    return application


def stored_files(media) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()) if media.exists() else []


def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Accepted types ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "content_type"), ACCEPTED_FILES, ids=[f[0] for f in ACCEPTED_FILES])
def test_upload_accepts_each_allowed_type(application, fushun_officer, media, name, content, content_type):
    material_file = m.upload_material(application, kind=K.PROOF, title="证明材料", file=upload(name, content),
                                      by=fushun_officer)
    row = MaterialFile.objects.get()
    assert (row.pk, row.version, row.original_name, row.content_type, row.size, row.sha256, row.uploaded_by) == (
        material_file.pk, 1, name, content_type, len(content), hashlib.sha256(content).hexdigest(), fushun_officer)
    assert (media / row.file.name).read_bytes() == content
    assert row.file.name == (f"applications/{application.pk}/proof/{row.material_id}-v1-"
                             f"{hashlib.sha256(content).hexdigest()[:16]}")


def test_detect_type_reads_a_zip_from_the_whole_file_not_only_the_head():
    content = xlsx_bytes()
    assert m.detect_type(content[:64], "表.xlsx", io.BytesIO(content)) == m.XLSX


# --- Refused files -------------------------------------------------------------------------

REFUSED = [
    ("notes.pdf", b"just some text\n",
     f"“notes.pdf” is not an accepted file type (judged by its content, not its name). Accepted types: {ACCEPTED}."),
    ("plan.docx", PDF_BYTES,
     "“plan.docx” is named as Word (.docx) but its content is PDF (.pdf). Upload the original file or give it the "
     "right extension."),
    ("table.xlsx", ooxml("word/document.xml"),
     "“table.xlsx” is named as Excel (.xlsx) but its content is Word (.docx). Upload the original file or give it "
     "the right extension."),
    ("letter.pdf", OLE2_BYTES,
     "“letter.pdf” is named as PDF (.pdf) but its content is Office 97–2003 or WPS document (.doc, .xls, .ppt, .wps, "
     ".et). Upload the original file or give it the right extension."),
    ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(100),
     f"“setup.pdf” is not an accepted file type (judged by its content, not its name). Accepted types: {ACCEPTED}."),
    ("scan.pdf.exe", PDF_BYTES,
     f"“scan.pdf.exe” is not an accepted file type (judged by its content, not its name). Accepted types: "
     f"{ACCEPTED}."),
    ("archive.docx", zip_bytes({"readme.txt": b"hello"}),
     f"“archive.docx” is not an accepted file type (judged by its content, not its name). Accepted types: "
     f"{ACCEPTED}."),
    ("broken.docx", b"PK\x03\x04" + bytes(60), "“broken.docx” is damaged and cannot be read."),
    ("empty.pdf", b"", "“empty.pdf” is empty."),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_upload_refuses_files_and_stores_nothing(application, fushun_officer, media, name, content, message):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        m.upload_material(application, kind=K.WORK_PLAN, file=upload(name, content), by=fushun_officer)
    assert error.value.messages == [message]
    assert (Material.objects.count(), MaterialFile.objects.count(), stored_files(media)) == (0, 0, [])


def test_upload_refuses_a_file_above_the_size_cap(application, fushun_officer, media, settings):
    settings.IPCITY = {**settings.IPCITY, "MAX_UPLOAD_MB": 1}
    content = PDF_BYTES + bytes(1024 * 1024 + 512 * 1024 - len(PDF_BYTES))
    with translation.override("en"), pytest.raises(ValidationError) as error:
        m.upload_material(application, kind=K.WORK_PLAN, file=upload("big.pdf", content), by=fushun_officer)
    assert error.value.messages == ["“big.pdf” is 1.5\u00a0MB; files may be at most 1 MB."]
    assert (Material.objects.count(), MaterialFile.objects.count(), stored_files(media)) == (0, 0, [])


def test_default_caps_are_30_mb_per_file_and_200_mb_unpacked():
    assert (m.max_upload_bytes(), m.max_unpacked_bytes()) == (30 * 1024 * 1024, 200 * 1024 * 1024)


def bomb(unpacked_mb: int) -> bytes:
    """A .docx whose main part is ``unpacked_mb`` MB of zeros: a few KB packed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w") as member:
            for _ in range(unpacked_mb):
                member.write(bytes(1024 * 1024))
    return buffer.getvalue()


def test_upload_refuses_a_zip_bomb_at_the_default_limit(application, fushun_officer, media):
    content = bomb(201)
    assert len(content) < 300 * 1024
    with translation.override("en"), pytest.raises(ValidationError) as error:
        m.upload_material(application, kind=K.WORK_PLAN, file=upload("bomb.docx", content), by=fushun_officer)
    assert error.value.messages == ["“bomb.docx” would unpack to 201.0\u00a0MB, more than the 200 MB allowed."]
    assert (Material.objects.count(), MaterialFile.objects.count(), stored_files(media)) == (0, 0, [])


def test_upload_unpacked_limit_comes_from_the_settings(application, fushun_officer, media, settings):
    settings.IPCITY = {**settings.IPCITY, "MATERIAL_MAX_UNPACKED_MB": 1}
    with translation.override("en"), pytest.raises(ValidationError) as error:
        m.upload_material(application, kind=K.WORK_PLAN, file=upload("bomb.docx", bomb(2)), by=fushun_officer)
    assert error.value.messages == ["“bomb.docx” would unpack to 2.0\u00a0MB, more than the 1 MB allowed."]
    assert (Material.objects.count(), MaterialFile.objects.count(), stored_files(media)) == (0, 0, [])


def test_upload_keeps_only_the_base_name_without_control_characters(application, fushun_officer, media):
    m.upload_material(application, kind=K.WORK_PLAN, file=upload("C:\\Users\\市局\\工作\n方案.pdf", PDF_BYTES),
                      by=fushun_officer)
    assert MaterialFile.objects.get().original_name == "工作方案.pdf"


# --- Versions --------------------------------------------------------------------------------


def test_second_government_letter_is_version_2_of_the_same_material(application, fushun_officer, media):
    first, second = PDF_BYTES, PDF_BYTES + b"% signed copy\n"
    m.upload_material(application, kind=K.GOVERNMENT_LETTER, file=upload("申报函.pdf", first), by=fushun_officer)
    m.upload_material(application, kind=K.GOVERNMENT_LETTER, file=upload("申报函（盖章）.pdf", second),
                      by=fushun_officer)
    material = Material.objects.get()
    rows = [(f.version, f.original_name, f.sha256, (media / f.file.name).read_bytes()) for f in material.files.all()]
    assert (material.kind, material.title, material.generated) == (K.GOVERNMENT_LETTER, "", False)
    assert rows == [
        (2, "申报函（盖章）.pdf", hashlib.sha256(second).hexdigest(), second),
        (1, "申报函.pdf", hashlib.sha256(first).hexdigest(), first),
    ]
    assert rows[0][2] != rows[1][2]


def test_proof_documents_are_separate_materials_and_can_get_versions(application, fushun_officer, media):
    patents = m.upload_material(application, kind=K.PROOF, title="专利统计证明", file=upload("a.pdf", PDF_BYTES),
                                by=fushun_officer).material
    m.upload_material(application, kind=K.PROOF, title="财政资金证明", file=upload("b.pdf", PDF_BYTES),
                      by=fushun_officer)
    m.upload_material(application, kind=K.PROOF, material=patents, file=upload("a2.pdf", PDF_BYTES + b"%2\n"),
                      by=fushun_officer)
    assert [(x.title, [f.version for f in x.files.all()]) for x in Material.objects.order_by("id")] == [
        ("专利统计证明", [2, 1]), ("财政资金证明", [1])]


def test_proof_document_needs_a_title(application, fushun_officer, media):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        m.upload_material(application, kind=K.PROOF, file=upload("a.pdf", PDF_BYTES), by=fushun_officer)
    assert error.value.messages == [
        "Enter a title: an application may hold several documents of the kind “Proof document”."]
    assert (Material.objects.count(), stored_files(media)) == (0, [])


def test_new_version_of_another_applications_material_is_refused(application, fushun_officer, media, cycle,
                                                                 yangjiang_city):
    other = Application.objects.create(cycle=cycle, city=yangjiang_city)
    foreign = Material.objects.create(application=other, kind=K.PROOF, title="阳江证明")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        m.upload_material(application, kind=K.PROOF, material=foreign, file=upload("a.pdf", PDF_BYTES),
                          by=fushun_officer)
    assert error.value.messages == ["That document is not a “Proof document” of this application."]
    assert (MaterialFile.objects.count(), stored_files(media)) == (0, [])


def test_upload_writes_an_audit_entry(application, fushun_officer, media, fushun_city):
    material_file = m.upload_material(application, kind=K.WORK_PLAN, file=upload("方案.pdf", PDF_BYTES),
                                      by=fushun_officer)
    entry = AuditEntry.objects.get(action="material.upload")
    assert (entry.actor, entry.object_id, entry.city, entry.data) == (
        fushun_officer, str(material_file.material_id), fushun_city,
        {"kind": "work_plan", "version": 1, "sha256": hashlib.sha256(PDF_BYTES).hexdigest(), "name": "方案.pdf",
         "size": len(PDF_BYTES)})
    with translation.override("en"):
        assert str(m.audit.action_label("material.upload")) == "Uploaded a material"


def test_generated_letter_is_versioned_hashed_and_audited(application, liaoning_staff, media):
    application = in_state(application, S.SUBMITTED)
    for content in (PDF_BYTES, PDF_BYTES + b"%v2\n"):
        m.attach_generated_file(application, kind=K.RECOMMENDATION_LETTER, filename="推荐函.pdf", content=content,
                                content_type="application/pdf", by=liaoning_staff)
    material = Material.objects.get()
    assert (material.kind, material.generated) == (K.RECOMMENDATION_LETTER, True)
    assert [(f.version, f.sha256, f.content_type, f.uploaded_by) for f in material.files.all()] == [
        (2, hashlib.sha256(PDF_BYTES + b"%v2\n").hexdigest(), "application/pdf", liaoning_staff),
        (1, hashlib.sha256(PDF_BYTES).hexdigest(), "application/pdf", liaoning_staff)]
    assert list(AuditEntry.objects.filter(action="material.generate").values_list("data__version", flat=True)
                .order_by("id")) == [1, 2]


def test_generated_letter_cannot_be_attached_by_the_city(application, fushun_officer, media):
    with pytest.raises(PermissionDenied):
        m.attach_generated_file(application, kind=K.RECOMMENDATION_LETTER, filename="推荐函.pdf", content=PDF_BYTES,
                                content_type="application/pdf", by=fushun_officer)
    assert (Material.objects.count(), stored_files(media)) == (0, [])


# --- Who uploads what, when ------------------------------------------------------------------

C = CycleKind


@pytest.mark.parametrize(("kind", "persona", "state", "kinds"), [
    (C.PILOT, "fushun_officer", S.DRAFT, ["government_letter", "work_plan", "basic_info_table", "proof"]),
    (C.DEMONSTRATION, "fushun_officer", S.DRAFT, ["government_letter", "basic_info_table", "proof", "work_summary"]),
    (C.RE_REVIEW, "fushun_officer", S.DRAFT, ["work_summary", "re_review_letter", "other"]),
    (C.STRONG_CITY, "fushun_officer", S.DRAFT, ["work_plan", "basic_info_table", "proof", "other"]),
    (C.PILOT, "fushun_officer", S.SUBMITTED, []),
    (C.STRONG_CITY, "fushun_officer", S.SHORTLISTED, ["revised_plan", "formal_letter"]),
    (C.PILOT, "yangjiang_officer", S.DRAFT, []),
    (C.PILOT, "liaoning_staff", S.SUBMITTED, ["argumentation"]),
    (C.DEMONSTRATION, "liaoning_staff", S.SUBMITTED, ["score_sheet", "measurement_data"]),
    (C.RE_REVIEW, "liaoning_staff", S.SUBMITTED, []),
    (C.PILOT, "liaoning_staff", S.RECOMMENDED, []),
    (C.PILOT, "guangdong_staff", S.SUBMITTED, []),
    (C.STRONG_CITY, "national_admin", S.UNDER_REVIEW, ["site_visit"]),
    (C.PILOT, "national_admin", S.UNDER_REVIEW, []),
    (C.PILOT, "national_admin", S.SUBMITTED, []),
    (C.PILOT, "reviewer", S.UNDER_REVIEW, []),
])
def test_uploadable_kinds_are_the_procedures_for_the_person_and_state(application, request, kind, persona, state,
                                                                        kinds):
    Cycle.objects.filter(pk=application.cycle_id).update(kind=kind)
    application = in_state(application, state)
    assert [value for value, _label in m.uploadable_kinds(application, request.getfixturevalue(persona))] == kinds


def test_a_kind_the_cycle_requires_is_offered_too(application, fushun_officer):
    Cycle.objects.filter(pk=application.cycle_id).update(required_materials=["government_letter", "other"])
    application.refresh_from_db()
    kinds = m.uploadable_kinds(application, fushun_officer)
    assert [value for value, _label in kinds] == ["government_letter", "work_plan", "basic_info_table", "proof",
                                                  "other"]
    assert (kinds.procedure, kinds.required) == ("试点城市评定", ["市政府申报函", "其他"])


@pytest.fixture
def re_review(fushun_city):
    """抚顺市's draft re-review application: the notice asks for the request letter and the work summary."""
    cycle = Cycle.objects.create(kind=CycleKind.RE_REVIEW, year=2026, title="2026年度示范城市复核",
                                 status=CycleStatus.OPEN, city_deadline=dt.date(2099, 8, 15),
                                 province_deadline=dt.date(2099, 8, 31), data_year=2025,
                                 required_materials=["re_review_letter", "work_summary"])
    return Application.objects.create(cycle=cycle, city=fushun_city)


RE_REVIEW_REFUSAL = "“工作方案”不属于示范城市复核的材料，您可提交的材料为：工作总结、申请复核函、其他。"


def test_a_kind_outside_the_procedure_is_refused_naming_the_procedure(re_review, fushun_officer, media):
    with pytest.raises(ValidationError) as error:
        m.upload_material(re_review, kind=K.WORK_PLAN, file=upload("方案.pdf", PDF_BYTES), by=fushun_officer)
    assert error.value.messages == [RE_REVIEW_REFUSAL]
    with translation.override("en"), pytest.raises(ValidationError) as error:
        m.upload_material(re_review, kind=K.GOVERNMENT_LETTER, file=upload("函.pdf", PDF_BYTES), by=fushun_officer)
    assert error.value.messages == [
        "“Municipal government's application letter” is not a material of the Demonstration city re-review; the "
        "materials you may give are: Work summary、Re-review request letter、Other."]
    assert (Material.objects.count(), stored_files(media)) == (0, [])


def test_page_offers_only_the_procedures_kinds_and_names_the_required_ones(client, re_review, fushun_officer):
    client.force_login(fushun_officer)
    html = client.get(reverse("application_detail", args=[re_review.pk])).content.decode()
    select = re.search(r'<select name="kind" id="material-kind-\d+"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="([a-z_]+)">([^<]+)</option>', select) == [
        ("work_summary", "工作总结"), ("re_review_letter", "申请复核函"), ("other", "其他")]
    assert re.search(r'<div class="form-text" id="material-required">([^<]+)</div>', html).group(1) == (
        "示范城市复核须提交：工作总结、申请复核函。")


def test_page_upload_of_a_kind_outside_the_procedure_says_so(client, re_review, fushun_officer, media):
    client.force_login(fushun_officer)
    response = client.post(reverse("material_upload", kwargs={"pk": re_review.pk}),
                           {"kind": "work_plan", "title": "", "file": upload("方案.pdf", PDF_BYTES)})
    assert (response.status_code, flashed(response)) == (302, [RE_REVIEW_REFUSAL])
    assert (Material.objects.count(), stored_files(media)) == (0, [])


def test_api_upload_of_a_kind_outside_the_procedure_is_400(api, re_review, fushun_officer, media):
    response = api(fushun_officer).post(reverse("api:application-materials", args=[re_review.pk]),
                                        {"kind": "work_plan", "file": upload("方案.pdf", PDF_BYTES)},
                                        format="multipart")
    assert (response.status_code, response.json()["message"]) == (400, RE_REVIEW_REFUSAL)
    assert (Material.objects.count(), stored_files(media)) == (0, [])


def test_city_officer_cannot_upload_after_submission(application, fushun_officer, media):
    application = in_state(application, S.SUBMITTED)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        m.upload_material(application, kind=K.WORK_PLAN, file=upload("方案.pdf", PDF_BYTES), by=fushun_officer)
    assert error.value.messages == [
        "“Work plan” cannot be uploaded while the application is “Submitted to the province”."]
    assert (Material.objects.count(), stored_files(media)) == (0, [])


def test_refusal_does_not_reveal_an_unpublished_outcome(application, fushun_officer, media):
    application = in_state(application, S.APPROVED)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        m.upload_material(application, kind=K.WORK_PLAN, file=upload("方案.pdf", PDF_BYTES), by=fushun_officer)
    assert error.value.messages == ["“Work plan” cannot be uploaded while the application is “Under review”."]


@pytest.mark.parametrize(("persona", "kind"), [
    ("liaoning_staff", K.WORK_PLAN), ("yangjiang_officer", K.WORK_PLAN), ("fushun_officer", K.SCORE_SHEET),
    ("guangdong_staff", K.SCORE_SHEET), ("fushun_officer", K.SITE_VISIT),
])
def test_wrong_person_is_refused(application, request, media, persona, kind):
    application = in_state(application, S.SUBMITTED if persona.endswith("staff") else S.DRAFT)
    with translation.override("en"), pytest.raises(PermissionDenied) as error:
        m.upload_material(application, kind=kind, title="x", file=upload("a.pdf", PDF_BYTES),
                          by=request.getfixturevalue(persona))
    with translation.override("en"):
        assert str(error.value) == f"You may not upload “{kind.label}” for this application."
    assert (Material.objects.count(), stored_files(media)) == (0, [])


def test_recommendation_letter_is_never_uploaded(application, liaoning_staff, media):
    application = in_state(application, S.SUBMITTED)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        m.upload_material(application, kind=K.RECOMMENDATION_LETTER, file=upload("推荐函.pdf", PDF_BYTES),
                          by=liaoning_staff)
    assert error.value.messages == [
        "“Provincial recommendation letter” is generated by the system and cannot be uploaded."]


# --- Views ---------------------------------------------------------------------------------------


def post_upload(client, application, **data):
    return english(client).post(reverse("material_upload", kwargs={"pk": application.pk}), data)


def test_view_upload_by_province_staff_of_score_sheet(client, application, liaoning_staff, media):
    Cycle.objects.filter(pk=application.cycle_id).update(kind=CycleKind.DEMONSTRATION)  # S1 二(三)4
    application = in_state(application, S.SUBMITTED)
    client.force_login(liaoning_staff)
    response = post_upload(client, application, kind=K.SCORE_SHEET, title="",
                           file=upload("指标体系得分表.xlsx", xlsx_bytes()))
    row = MaterialFile.objects.get()
    assert (response.status_code, response["Location"]) == (302, reverse("application_detail",
                                                                         kwargs={"pk": application.pk}))
    assert flashed(response) == ["“指标体系得分表.xlsx” was saved as version 1 of “Indicator system score sheet”."]
    assert (row.material.kind, row.uploaded_by, row.content_type) == (K.SCORE_SHEET, liaoning_staff, m.XLSX)


def test_view_upload_of_a_large_docx_goes_through_a_temporary_file(client, application, fushun_officer, media):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/media/image1.png", bytes(range(256)) * (6 * 4096))  # 6 MB, above the memory limit
    content = buffer.getvalue()
    client.force_login(fushun_officer)
    response = post_upload(client, application, kind=K.WORK_PLAN, file=upload("工作方案.docx", content))
    row = MaterialFile.objects.get()
    assert (response.status_code, row.size, row.sha256, row.content_type) == (
        302, len(content), hashlib.sha256(content).hexdigest(), m.DOCX)
    assert len(content) > django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    assert (media / row.file.name).read_bytes() == content


def test_view_upload_of_a_city_kind_by_province_staff_is_403(client, application, liaoning_staff, media):
    application = in_state(application, S.SUBMITTED)
    client.force_login(liaoning_staff)
    response = post_upload(client, application, kind=K.WORK_PLAN, file=upload("方案.pdf", PDF_BYTES))
    assert (response.status_code, Material.objects.count(), stored_files(media)) == (403, 0, [])


def test_view_upload_refusal_is_shown_as_a_message(client, application, fushun_officer, media):
    application = in_state(application, S.SUBMITTED)
    client.force_login(fushun_officer)
    response = post_upload(client, application, kind=K.WORK_PLAN, file=upload("方案.pdf", PDF_BYTES))
    assert (response.status_code, response["Location"]) == (302, reverse("application_detail",
                                                                         kwargs={"pk": application.pk}))
    assert flashed(response) == [
        "“Work plan” cannot be uploaded while the application is “Submitted to the province”."]
    assert (Material.objects.count(), stored_files(media)) == (0, [])


def test_view_upload_by_officer_of_another_city_is_404(client, application, yangjiang_officer, media):
    client.force_login(yangjiang_officer)
    response = post_upload(client, application, kind=K.WORK_PLAN, file=upload("方案.pdf", PDF_BYTES))
    assert (response.status_code, Material.objects.count(), stored_files(media)) == (404, 0, [])


def test_view_upload_refuses_get(client, application, fushun_officer):
    client.force_login(fushun_officer)
    assert client.get(reverse("material_upload", kwargs={"pk": application.pk})).status_code == 405


@pytest.fixture
def uploaded(application, fushun_officer, media):
    content = PDF_BYTES + "% 抚顺市人民政府\n".encode()
    return m.upload_material(application, kind=K.GOVERNMENT_LETTER, file=upload("抚顺市申报函.pdf", content),
                             by=fushun_officer), content


def test_download_returns_exactly_the_uploaded_bytes(client, uploaded, fushun_officer):
    material_file, content = uploaded
    client.force_login(fushun_officer)
    response = client.get(reverse("material_download", kwargs={"pk": material_file.pk}))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert (response["Content-Type"], response["X-Content-Type-Options"], response["Cache-Control"]) == (
        "application/pdf", "nosniff", "private")
    # The real name for today's browsers, an ASCII one (the stored file's) for old clients.
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="') and disposition.isascii()
    assert disposition.endswith(".pdf\"; filename*=UTF-8''%E6%8A%9A%E9%A1%BA%E5%B8%82%E7%94%B3%E6%8A%A5%E5%87%BD.pdf")


@pytest.mark.parametrize(("persona", "state", "status"), [
    ("fushun_officer", S.DRAFT, 200),
    ("yangjiang_officer", S.DRAFT, 404),
    ("liaoning_staff", S.DRAFT, 404),
    ("liaoning_staff", S.SUBMITTED, 200),
    ("guangdong_staff", S.SUBMITTED, 404),
    ("national_admin", S.DRAFT, 404),  # never submitted: the city's alone (applications_visible_to)
    ("national_admin", S.SUBMITTED, 200),
    ("reviewer", S.UNDER_REVIEW, 404),
])
def test_download_scope(client, request, uploaded, application, persona, state, status):
    in_state(application, state)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("material_download", kwargs={"pk": uploaded[0].pk}))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == uploaded[1]


def test_download_by_anonymous_goes_to_login(client, uploaded):
    url = reverse("material_download", kwargs={"pk": uploaded[0].pk})
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next={url}")


def test_download_of_a_file_missing_from_storage_is_404(client, uploaded, fushun_officer, media):
    (media / uploaded[0].file.name).unlink()
    client.force_login(fushun_officer)
    assert client.get(reverse("material_download", kwargs={"pk": uploaded[0].pk})).status_code == 404


# --- The partial -------------------------------------------------------------------------------


def render_partial(application, user) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("evaluations/_materials.html", {
            "application": application, "materials": m.materials_for(application),
            "upload_kinds": m.uploadable_kinds(application, user)})
    return len(queries.captured_queries), html


def test_partial_query_count_does_not_grow_with_materials(application, fushun_officer, media):
    m.upload_material(application, kind=K.PROOF, title="证明 0", file=upload("p0.pdf", PDF_BYTES), by=fushun_officer)
    fushun_officer.forget_memberships()
    one, _html = render_partial(application, fushun_officer)
    for number in range(1, 20):
        material = m.upload_material(application, kind=K.PROOF, title=f"证明 {number}",
                                     file=upload(f"p{number}.pdf", PDF_BYTES), by=fushun_officer).material
        m.upload_material(application, kind=K.PROOF, material=material, file=upload(f"p{number}b.pdf", PDF_BYTES),
                          by=fushun_officer)
    fushun_officer.forget_memberships()
    twenty, html = render_partial(application, fushun_officer)
    assert Material.objects.count() == 20
    assert (one, twenty) == (2 + 1, 2 + 1)  # materials, files (with uploader), the user's memberships
    assert html.count('class="material-history"') == 19


def test_partial_shows_versions_hash_and_upload_form(application, fushun_officer, media):
    first = m.upload_material(application, kind=K.GOVERNMENT_LETTER, file=upload("申报函.pdf", PDF_BYTES),
                              by=fushun_officer)
    second = m.upload_material(application, kind=K.GOVERNMENT_LETTER, file=upload("申报函2.pdf", PDF_BYTES + b"%\n"),
                               by=fushun_officer)
    with translation.override("en"):
        _count, html = render_partial(application, fushun_officer)
    assert f'<code title="{second.sha256}">{second.sha256[:12]}…</code>' in html
    assert f'<code title="{first.sha256}">{first.sha256[:12]}…</code>' in html
    assert html.count(reverse("material_download", kwargs={"pk": first.pk})) == 1
    assert html.count(reverse("material_download", kwargs={"pk": second.pk})) == 1
    assert "1 earlier version</summary>" in html
    assert html.count(f'accept="{m.ACCEPT_ATTRIBUTE}"') == 2  # the new-version form and the upload form
    assert m.ACCEPT_ATTRIBUTE == ".pdf,.doc,.docx,.wps,.xls,.xlsx,.et,.ppt,.pptx,.odt,.ods,.png,.jpg,.jpeg"


def test_partial_has_no_upload_form_for_who_cannot_upload(application, fushun_officer, liaoning_staff, media):
    material_file = m.upload_material(application, kind=K.WORK_PLAN, file=upload("方案.pdf", PDF_BYTES),
                                      by=fushun_officer)
    application = in_state(application, S.RECOMMENDED)
    _count, html = render_partial(application, liaoning_staff)
    assert ("<form" in html, html.count(reverse("material_download", kwargs={"pk": material_file.pk}))) == (False, 1)
