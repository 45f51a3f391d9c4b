"""The dossier of one application as a ZIP archive (DESIGN.md §4 Reports).

Contents, in this order:

- ``材料/<kind>/<original file name>``: the current version of every material (a second file of the same
  name in a folder becomes ``name (2).ext``);
- ``工作方案.pdf`` / ``工作总结.pdf``: the work plan or work summary the city wrote online in the application,
  section by section (only a document it wrote something in; one it uploaded instead is under 材料/);
- ``基本情况表.xlsx`` and ``基本情况表.pdf``: the city's basic-information table of the cycle's data year, in the
  official Excel layout and printed, when the city has reported any of it;
- ``推荐函.pdf``: the province's recommendation letter, rendered from the letter, when the application has a
  letter but no stored letter PDF (a stored one is already under 材料/);
- ``专家评审意见汇总表.pdf``: the summary of the submitted reviews, when there are any;
- ``审计记录.csv``: the audit timeline of the application, its materials, assignments, reviews and decision
  (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese);
- ``manifest.txt``: ``<sha256>  <path>`` per file, the format ``sha256sum -c`` reads; lines starting
  with ``#`` note a material whose stored content is missing or no longer matches its upload hash.

Deterministic: every entry has the same fixed date, permissions and flags, and the generated documents
are deterministic themselves, so the same inputs give identical bytes. Non-ASCII names are stored as
UTF-8 with flag bit 11 set (zipfile does so). Folder and file names are the official Chinese wording,
whatever the interface language.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone, translation

from cities.audit import action_label, state_label
from cities.models import AuditEntry
from evaluations.enums import MaterialKind
from evaluations.exports.application_pdfs import (
    DOCUMENT_TITLES,
    basic_info_of,
    basic_info_pdf,
    narrative_pdf,
    written_documents,
)
from evaluations.exports.basic_info_xlsx import basic_info_workbook
from evaluations.exports.letter_pdf import recommendation_letter_pdf
from evaluations.materials import materials_for
from evaluations.models import Application, IndicatorValue, Material, RecommendationLetter
from reviews.exports.review_pdf import application_summary_pdf, submitted_reviews
from reviews.models import Assignment, Decision, Review

FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest date a ZIP entry can carry
MATERIALS_FOLDER = "材料"
BASIC_INFO_NAME = "基本情况表"
LETTER_NAME = "推荐函.pdf"
SUMMARY_NAME = "专家评审意见汇总表.pdf"
TIMELINE_NAME = "审计记录.csv"
MANIFEST_NAME = "manifest.txt"
TIMELINE_HEADINGS = ("时间", "操作人", "操作", "原状态", "新状态", "原因")
SYSTEM_ACTOR = "系统"
CHUNK_SIZE = 256 * 1024


def _entry(path: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=FIXED_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever machine builds it
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    return info


def _folder_name(label: str) -> str:
    return str(label).replace("/", "／").replace("\\", "＼").strip() or "其他"


def _unique(path: str, taken: set[str]) -> str:
    candidate, number = path, 1
    while candidate in taken:
        number += 1
        pure = PurePosixPath(path)
        candidate = str(pure.with_name(f"{pure.stem} ({number}){pure.suffix}"))
    taken.add(candidate)
    return candidate


class _Dossier:
    """Writes entries and remembers their hashes for the manifest."""

    def __init__(self, buffer: io.BytesIO) -> None:
        self.archive = zipfile.ZipFile(buffer, "w")
        self.hashes: list[tuple[str, str]] = []
        self.notes: list[str] = []
        self.taken: set[str] = set()

    def add_bytes(self, path: str, content: bytes) -> None:
        path = _unique(path, self.taken)
        self.archive.writestr(_entry(path), content)
        self.hashes.append((hashlib.sha256(content).hexdigest(), path))

    def add_stored(self, path: str, material_file) -> None:
        """Copy a stored material in chunks, hashing it on the way."""
        path = _unique(path, self.taken)
        try:
            source = material_file.file.storage.open(material_file.file.name, "rb")
        except FileNotFoundError:
            self.notes.append(f"# 存储中缺少此文件，未收入：{path}（上传时 SHA-256 {material_file.sha256}）")
            return
        digest = hashlib.sha256()
        with source, self.archive.open(_entry(path), "w") as target:
            while chunk := source.read(CHUNK_SIZE):
                digest.update(chunk)
                target.write(chunk)
        self.hashes.append((digest.hexdigest(), path))
        if digest.hexdigest() != material_file.sha256:
            self.notes.append(f"# 文件内容与上传时记录的 SHA-256 不一致：{path}（上传时 {material_file.sha256}）")

    def close(self) -> None:
        lines = [f"{digest}  {path}" for digest, path in self.hashes] + self.notes
        self.archive.writestr(_entry(MANIFEST_NAME), ("\n".join(lines) + "\n").encode("utf-8"))
        self.archive.close()


CORE_PROPERTIES = "docProps/core.xml"
WORKBOOK_DATES = re.compile(r"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def steady_workbook(content: bytes, moment: dt.datetime | None) -> bytes:
    """A workbook openpyxl wrote, with the clock taken out: every part dated like the dossier's entries, and the
    created/modified properties set to ``moment`` (the application's submission), so the dossier stays the same
    bytes for the same inputs."""
    stamp = (moment or dt.datetime(*FIXED_DATE_TIME, tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == CORE_PROPERTIES:
                part = WORKBOOK_DATES.sub(rf"\g<1>{stamp:%Y-%m-%dT%H:%M:%SZ}\g<2>", part.decode()).encode()
            target.writestr(_entry(info.filename), part)
    return buffer.getvalue()


def timeline(application: Application, materials: list[Material]) -> list[AuditEntry]:
    """Audit entries of the application, its materials, assignments, reviews and decision, oldest first."""
    types = ContentType.objects.get_for_models(Application, Material, Assignment, Review, Decision)
    ids = {
        Application: [application.pk],
        Material: [m.pk for m in materials],
        Assignment: list(Assignment.objects.filter(application=application).values_list("pk", flat=True)),
        Review: list(Review.objects.filter(assignment__application=application).values_list("pk", flat=True)),
        Decision: list(Decision.objects.filter(application=application).values_list("pk", flat=True)),
    }
    scope = Q(pk__in=[])
    for model, pks in ids.items():
        if pks:
            scope |= Q(content_type=types[model], object_id__in=[str(pk) for pk in pks])
    return list(AuditEntry.objects.filter(scope).select_related("actor").order_by("created_at", "id"))


def timeline_csv(entries: list[AuditEntry]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TIMELINE_HEADINGS)
    for entry in entries:
        actor = str(entry.actor) if entry.actor is not None else (entry.actor_name or SYSTEM_ACTOR)
        writer.writerow([
            timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"), actor,
            str(action_label(entry.action)),
            str(state_label(entry.from_state, entry.action)) if entry.from_state else "",
            str(state_label(entry.to_state, entry.action)) if entry.to_state else "",
            entry.reason,
        ])
    return buffer.getvalue().encode("utf-8-sig")


def application_dossier_zip(application: Application) -> bytes:
    """The dossier of ``application`` (see the module's docstring). Reads only."""
    buffer = io.BytesIO()
    dossier = _Dossier(buffer)
    with translation.override(settings.LANGUAGE_CODE):
        materials = materials_for(application)
        for material in materials:
            if material.current_file is None:
                continue
            folder = _folder_name(MaterialKind(material.kind).label)
            dossier.add_stored(f"{MATERIALS_FOLDER}/{folder}/{material.current_file.original_name}",
                               material.current_file)
        for document, sections in written_documents(application).items():
            dossier.add_bytes(f"{DOCUMENT_TITLES[document]}.pdf", narrative_pdf(application, document, sections))
        year, template = basic_info_of(application)
        if template is not None and IndicatorValue.objects.filter(
                city=application.city, year=year, indicator__template=template).exists():
            dossier.add_bytes(f"{BASIC_INFO_NAME}.xlsx", steady_workbook(
                basic_info_workbook(application.city, year, template), application.submitted_at))
            dossier.add_bytes(f"{BASIC_INFO_NAME}.pdf", basic_info_pdf(application, template))
        letter = RecommendationLetter.objects.filter(application=application).first()
        has_stored_letter = any(m.kind == MaterialKind.RECOMMENDATION_LETTER and m.current_file is not None
                                for m in materials)
        if letter is not None and not has_stored_letter:
            dossier.add_bytes(LETTER_NAME, recommendation_letter_pdf(letter))
        if submitted_reviews(application):
            dossier.add_bytes(SUMMARY_NAME, application_summary_pdf(application))
        dossier.add_bytes(TIMELINE_NAME, timeline_csv(timeline(application, materials)))
    dossier.close()
    return buffer.getvalue()
