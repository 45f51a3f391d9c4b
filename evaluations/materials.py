"""Files of an application: content-checked uploads, versions, generated documents and scoped reads (DESIGN §6).

Every file is checked by its content against an allow-list (the name only has to agree), capped in size
(and, for zip-based formats, in unpacked size), refused when it carries active content, data after an image
or macros (``file_checks``), hashed with SHA-256 while streaming and stored under a server-generated name; its
original name is kept cleaned for display (``ipcity.text``). A refusal is audited. Old versions are kept.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Prefetch
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities import audit
from evaluations.enums import (
    EDITABLE_STATES,
    FORMAL_MATERIALS,
    MULTIPLE_MATERIAL_KINDS,
    NATIONAL_MATERIAL_KINDS,
    NATIONAL_STATES,
    PROVINCE_MATERIAL_KINDS,
    PROVINCE_STATES,
    ApplicationState,
    CycleKind,
    MaterialKind,
)
from evaluations.completeness import procedure_materials
from evaluations.file_checks import OLE2_MAGIC, ZIP_MAGIC, check_content, damaged
from evaluations.models import Application, Material, MaterialFile
from evaluations.selectors import applications_visible_to, shown_state
from ipcity.text import clean_display_name, clean_file_name

audit.register_actions({
    "material.upload": gettext_lazy("Uploaded a material"),
    "material.generate": gettext_lazy("Generated a document"),
    "upload.refused": gettext_lazy("Upload refused"),
})

# --- Accepted types ----------------------------------------------------------------------

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
WPS = "application/wps-office.wps"
ET = "application/wps-office.et"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
PNG = "image/png"
JPEG = "image/jpeg"
# Not accepted by itself: an OLE2 compound file whose name is not one of the legacy Office / WPS extensions.
OLE2 = "application/x-ole-storage"

# extension -> the type its content must have. Order is the order shown to users.
EXTENSION_TYPES = {
    ".pdf": PDF, ".doc": DOC, ".docx": DOCX, ".wps": WPS, ".xls": XLS, ".xlsx": XLSX, ".et": ET, ".ppt": PPT,
    ".pptx": PPTX, ".odt": ODT, ".ods": ODS, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG,
}
ACCEPTED_EXTENSIONS = ", ".join(EXTENSION_TYPES)
# The ``accept`` attribute of upload inputs (a hint for the browser; the server checks the content).
ACCEPT_ATTRIBUTE = ",".join(EXTENSION_TYPES)
TYPE_LABELS = {
    PDF: gettext_lazy("PDF (.pdf)"),
    DOC: gettext_lazy("Word 97–2003 (.doc)"),
    DOCX: gettext_lazy("Word (.docx)"),
    WPS: gettext_lazy("WPS Writer (.wps)"),
    XLS: gettext_lazy("Excel 97–2003 (.xls)"),
    XLSX: gettext_lazy("Excel (.xlsx)"),
    ET: gettext_lazy("WPS Spreadsheets (.et)"),
    PPT: gettext_lazy("PowerPoint 97–2003 (.ppt)"),
    PPTX: gettext_lazy("PowerPoint (.pptx)"),
    ODT: gettext_lazy("OpenDocument text (.odt)"),
    ODS: gettext_lazy("OpenDocument spreadsheet (.ods)"),
    PNG: gettext_lazy("PNG image (.png)"),
    JPEG: gettext_lazy("JPEG image (.jpg)"),
    OLE2: gettext_lazy("Office 97–2003 or WPS document (.doc, .xls, .ppt, .wps, .et)"),
}
OLE2_TYPES = frozenset({DOC, XLS, PPT, WPS, ET})
OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
ODF_TYPES = frozenset({ODT, ODS})

HEAD_SIZE = 2048
CHUNK_SIZE = 256 * 1024


def max_upload_bytes() -> int:
    return int(settings.IPCITY.get("MAX_UPLOAD_MB", 30)) * 1024 * 1024


def max_unpacked_bytes() -> int:
    """The cap on a zip-based document's declared unpacked size (settings: MATERIAL_MAX_UNPACKED_MB)."""
    return settings.IPCITY["MATERIAL_MAX_UNPACKED_MB"] * 1024 * 1024


def _not_accepted(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is not an accepted file type (judged by its content, not its name). Accepted types: "
          "%(types)s.") % {"name": name, "types": ACCEPTED_EXTENSIONS},
        code="file_type",
    )


def _open_zip(file: IO[bytes], name: str) -> zipfile.ZipFile:
    """Open a zip-based document, refusing it when its declared unpacked size is above the cap (zip bomb)."""
    try:
        archive = zipfile.ZipFile(file)
    except Exception:  # whatever the parser trips on, the file is unusable
        raise damaged(name) from None
    unpacked = sum(info.file_size for info in archive.infolist())
    limit = max_unpacked_bytes()
    if unpacked > limit:
        archive.close()
        raise ValidationError(
            _("“%(name)s” would unpack to %(size)s, more than the %(limit)s MB allowed.")
            % {"name": name, "size": filesizeformat(unpacked), "limit": limit // (1024 * 1024)},
            code="unpacked_size",
        )
    return archive


def _zip_type(file: IO[bytes], name: str) -> str | None:
    with _open_zip(file, name) as archive:
        names = archive.namelist()
        if "mimetype" in names:
            try:
                with archive.open("mimetype") as member:
                    declared = member.read(100).decode("ascii", "replace").strip()
            except Exception:  # e.g. a bad CRC or an unsupported compression method
                raise damaged(name) from None
            return declared if declared in ODF_TYPES else None
        if "[Content_Types].xml" not in names:
            return None
        found = {mime for prefix, mime in OOXML_PARTS if any(n.startswith(prefix) for n in names)}
        return found.pop() if len(found) == 1 else None


def detect_type(head: bytes, name: str, file: IO[bytes] | None = None) -> str:
    """The MIME type of an accepted file, from its content; the extension of ``name`` must agree.

    ``head`` is the start of the content. Zip-based formats need the whole file: pass it as ``file``
    (seekable, binary); without it ``head`` is taken to be the whole content.
    """
    extension = PurePosixPath(name.lower()).suffix
    named = EXTENSION_TYPES.get(extension)
    if named is None:
        raise _not_accepted(name)
    if head.startswith(b"%PDF-"):
        detected = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        detected = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        detected = JPEG
    elif head.startswith(OLE2_MAGIC):
        # Legacy Office and WPS files share the container; the name tells which application.
        detected = named if named in OLE2_TYPES else OLE2
    elif head.startswith(ZIP_MAGIC):
        detected = _zip_type(file if file is not None else io.BytesIO(head), name)
    else:
        detected = None
    if detected is None:
        raise _not_accepted(name)
    if detected != named:
        raise ValidationError(
            _("“%(name)s” is named as %(named)s but its content is %(detected)s. Upload the original file or give "
              "it the right extension.")
            % {"name": name, "named": TYPE_LABELS[named], "detected": TYPE_LABELS[detected]},
            code="file_type_mismatch",
        )
    return detected


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str


def check_file(file: File) -> CheckedFile:
    """Name, size caps, content type, content (``file_checks``) and SHA-256 of an uploaded file; raises
    ValidationError, writes nothing."""
    name = clean_file_name(file.name)
    size = file.size
    if not size:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    limit = max_upload_bytes()
    if size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(limit)s MB.")
            % {"name": name, "size": filesizeformat(size), "limit": limit // (1024 * 1024)},
            code="size",
        )
    raw = file.file if getattr(file, "file", None) is not None else file
    file.seek(0)
    head = file.read(HEAD_SIZE)
    content_type = detect_type(head, name, raw)
    check_content(raw, name, content_type)
    return CheckedFile(name=name, content_type=content_type, size=size, sha256=_sha256(file))


def check_upload(file: File, *, kind: str, by, city=None) -> CheckedFile:
    """``check_file``, leaving an ``upload.refused`` entry in the activity log when it refuses the file.

    Call it before the transaction that stores the file: the entry is written at once and stays when the
    refusal propagates (nothing else is written: no row, no file)."""
    try:
        return check_file(file)
    except ValidationError as error:
        audit.record(actor=by, action="upload.refused", city=city, data={
            "name": clean_display_name(file.name, max_length=255), "kind": kind, "size": file.size,
            "code": error.code, "reason": " ".join(error.messages)})
        raise


def _sha256(file: File) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks(CHUNK_SIZE):
        digest.update(chunk)
    return digest.hexdigest()


# --- Who uploads what, when --------------------------------------------------------------


@dataclass(frozen=True)
class UploadRule:
    perm: str
    kinds: frozenset
    states: frozenset


# Generated by the system from a form, never uploaded: kind -> the permission of the service that generates it.
GENERATED_KINDS = {MaterialKind.RECOMMENDATION_LETTER: "evaluations.act_as_province"}
CITY_MATERIAL_KINDS = frozenset(MaterialKind) - PROVINCE_MATERIAL_KINDS - NATIONAL_MATERIAL_KINDS

UPLOAD_RULES = (
    # The city prepares its materials while the application is editable …
    UploadRule("evaluations.edit_application", CITY_MATERIAL_KINDS - set(FORMAL_MATERIALS), EDITABLE_STATES),
    # … and a shortlisted strong-city applicant adds the revised plan and the formal letter (S1 四(二)4).
    UploadRule("evaluations.edit_application", frozenset(FORMAL_MATERIALS), frozenset({ApplicationState.SHORTLISTED})),
    # The province adds its documents while the application waits for it.
    UploadRule("evaluations.act_as_province", PROVINCE_MATERIAL_KINDS - set(GENERATED_KINDS), PROVINCE_STATES),
    # The national administration adds its records while the application is with it.
    UploadRule("evaluations.act_as_national", NATIONAL_MATERIAL_KINDS, NATIONAL_STATES),
)


def _has_perm(user, perm: str, application: Application) -> bool:
    return user is None or user.has_perm(perm, application)


def check_upload_allowed(application: Application, kind: str, by) -> None:
    """PermissionDenied for the wrong person, ValidationError for the wrong kind or state."""
    if kind not in MaterialKind.values:
        raise ValidationError(_("Unknown kind of material."), code="kind")
    kind = MaterialKind(kind)
    if kind in GENERATED_KINDS:
        raise ValidationError(_("“%(kind)s” is generated by the system and cannot be uploaded.") % {"kind": kind.label},
                              code="generated")
    rules = [rule for rule in UPLOAD_RULES if kind in rule.kinds and _has_perm(by, rule.perm, application)]
    if not rules:
        raise PermissionDenied(_("You may not upload “%(kind)s” for this application.") % {"kind": kind.label})
    taken = procedure_materials(application.cycle)
    if kind not in taken:
        mine = {k for rule in UPLOAD_RULES if _has_perm(by, rule.perm, application) for k in rule.kinds}
        yours = [str(k.label) for k in taken if k in mine]
        raise ValidationError(
            _("“%(kind)s” is not a material of the %(procedure)s; the materials you may give are: %(kinds)s.")
            % {"kind": kind.label, "procedure": CycleKind(application.cycle.kind).label, "kinds": "、".join(yours)},
            code="procedure")
    if not any(application.state in rule.states for rule in rules):
        # Name the state the person may see: an unpublished outcome stays hidden.
        state = application.state if by is None else shown_state(application, by)
        raise ValidationError(
            _("“%(kind)s” cannot be uploaded while the application is “%(state)s”.")
            % {"kind": kind.label, "state": ApplicationState(state).label},
            code="state",
        )


class UploadKinds(list):
    """The (value, label) pairs a user may upload now; also carries what the upload form shows: the procedure and
    which of the kinds offered it requires."""

    accept = ACCEPT_ATTRIBUTE
    accepted_types = ACCEPTED_EXTENSIONS
    procedure = ""
    required: list[str] = []

    @property
    def max_mb(self) -> int:
        return max_upload_bytes() // (1024 * 1024)


def uploadable_kinds(application: Application, user) -> UploadKinds:
    """The kinds ``user`` may upload to ``application`` in its current state, in the order of MaterialKind."""
    allowed = set()
    for rule in UPLOAD_RULES:
        if application.state in rule.states and _has_perm(user, rule.perm, application):
            allowed |= rule.kinds
    kinds = UploadKinds((kind.value, kind.label) for kind in procedure_materials(application.cycle) if kind in allowed)
    kinds.procedure = CycleKind(application.cycle.kind).label
    kinds.required = [label for value, label in kinds if value in application.cycle.required_materials]
    return kinds


# --- Writes ------------------------------------------------------------------------------


def upload_material(application: Application, *, kind: str, file: File, title: str = "",
                    material: Material | None = None, by) -> MaterialFile:
    """Add an uploaded file: a new version of the kind's material, or a new document of a kind with several."""
    check_upload_allowed(application, kind, by)
    kind = MaterialKind(kind)
    title = (title or "").strip()
    if material is not None and (material.application_id != application.pk or material.kind != kind):
        raise ValidationError(_("That document is not a “%(kind)s” of this application.") % {"kind": kind.label},
                              code="material")
    if kind in MULTIPLE_MATERIAL_KINDS and material is None and not title:
        raise ValidationError(_("Enter a title: an application may hold several documents of the kind “%(kind)s”.")
                              % {"kind": kind.label}, code="title")
    checked = check_upload(file, kind=kind.value, by=by, city=application.city)
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        check_upload_allowed(locked, kind, by)  # the state may have changed meanwhile
        return _add_version(locked, kind=kind, title=title, material=material, generated=False, file=file,
                            checked=checked, by=by, action="material.upload")


def attach_generated_file(application: Application, *, kind: str, filename: str, content: bytes, content_type: str,
                          by) -> MaterialFile:
    """Store a document the system produced (the recommendation letter PDF) as the next version of its material."""
    kind = MaterialKind(kind)
    if kind not in GENERATED_KINDS:
        raise ValueError(f"{kind} is not a generated kind of material")
    if by is not None and not by.has_perm(GENERATED_KINDS[kind], application):
        raise PermissionDenied(_("You do not have permission to do this."))
    name = clean_file_name(filename)
    upload = ContentFile(content, name=name)
    checked = CheckedFile(name=name, content_type=content_type, size=len(content),
                          sha256=hashlib.sha256(content).hexdigest())
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        return _add_version(locked, kind=kind, title="", material=None, generated=True, file=upload, checked=checked,
                            by=by, action="material.generate")


def _add_version(application: Application, *, kind: MaterialKind, title: str, material: Material | None,
                 generated: bool, file: File, checked: CheckedFile, by, action: str) -> MaterialFile:
    if material is None and kind not in MULTIPLE_MATERIAL_KINDS:
        material = Material.objects.filter(application=application, kind=kind).first()
    if material is None:
        material = Material(application=application, kind=kind, title=title, generated=generated)
        material.full_clean()
        material.save()
        version = 1
    else:
        changes = {}
        if title and material.title != title:
            changes["title"] = title
        if generated and not material.generated:
            changes["generated"] = True
        if changes:
            for name, value in changes.items():
                setattr(material, name, value)
            material.full_clean()
            material.save(update_fields=list(changes))
        version = (material.files.aggregate(last=Max("version"))["last"] or 0) + 1
    material_file = MaterialFile(material=material, version=version, original_name=checked.name,
                                 content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                                 uploaded_by=by)
    material_file.file.save(checked.name, file, save=False)  # the name comes from material_upload_to
    try:
        material_file.full_clean()
        material_file.save()
        audit.record(actor=by, action=action, obj=material, city=application.city,
                     data={"kind": kind.value, "version": version, "sha256": checked.sha256, "name": checked.name,
                           "size": checked.size})
    except BaseException:
        material_file.file.storage.delete(material_file.file.name)  # no row refers to it
        raise
    return material_file


# --- Reads -------------------------------------------------------------------------------


def materials_for(application: Application) -> list[Material]:
    """The application's materials in the order of MaterialKind, each with ``files`` prefetched newest first,
    ``current_file`` and ``older_files`` set. Two queries."""
    files = MaterialFile.objects.select_related("uploaded_by").order_by("-version")
    materials = list(application.materials.prefetch_related(Prefetch("files", queryset=files)))
    order = {kind.value: position for position, kind in enumerate(MaterialKind)}
    materials.sort(key=lambda m: (order.get(m.kind, len(order)), m.pk))
    for material in materials:
        versions = list(material.files.all())
        material.current_file = versions[0] if versions else None
        material.older_files = versions[1:]
    return materials


def get_visible_file_or_404(user, file_pk: int) -> MaterialFile:
    """A material file of an application the user may see; anything else is a 404."""
    files = MaterialFile.objects.select_related("material__application").filter(
        material__application__in=applications_visible_to(user))
    return get_object_or_404(files, pk=file_pk)
