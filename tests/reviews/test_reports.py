"""Reports of the expert review: the cycle's workbook and PDF, the opinion form, the review summary, the
dossier ZIP, the background generation (eager and with a real worker) and who may have what.

The cycle: 抚顺市 (地级, 辽宁) and 深圳市 (副省级, 广东), three experts each. Rubric (100 points):
1 工作基础 (1.1 组织领导 10 + 1.2 政策体系 20), 2 工作方案 50, both subjective; 3 客观实力 20, objective,
linear to a benchmark of 40 on the province's measured value.

Subjective totals (1.1 + 1.2 + 2), by hand:
    抚顺  张三 8 + 16 + 40 = 64    李四 7 + 15 + 38 = 60    王五 9 + 17.5 + 42 = 68.5
    深圳  张三 9 + 18 + 45 = 72    李四 10 + 19 + 46 = 75   王五 8 + 17 + 44 = 69
抚顺: mean 192.5 / 3 = 64.17, median 64, trimmed mean = mean (fewer than 5 reviews), population standard
      deviation √(36.1667 / 3) = 3.47, max − min 8.5; objective 20 × 30 / 40 = 15; final 15 + 64.17 = 79.17.
深圳: mean 72, median 72, deviation √(18 / 3) = 2.45, max − min 6; objective 80 ≥ 40 → 20; final 92.
Per criterion over the six reviews: 1.1 {8, 7, 9, 9, 10, 8} mean 8.5, min 7, max 10, deviation 0.96;
1.2 {16, 15, 17.5, 18, 19, 17} mean 17.08, deviation 1.30; 2 {40, 38, 42, 45, 46, 44} mean 42.5, 2.81.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import os
import zipfile
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from cities import audit
from cities.enums import CityLevel, Role
from cities.models import AuditEntry
from evaluations.enums import ApplicationState, CycleKind, CycleStatus, MaterialKind
from evaluations.models import Application, Cycle, Material, MaterialFile, Measurement, RecommendationLetter
from reviews.enums import AssignmentStatus, CriterionKind, FileStatus, Formula, Outcome, Recommendation, ReportKind
from reviews.exports.cycle_report import CRITERIA_HEADINGS, RANKING_HEADINGS, cycle_report_pdf, cycle_report_workbook
from reviews.exports.dossier import application_dossier_zip
from reviews.exports.review_pdf import application_summary_pdf, review_opinion_pdf
from reviews.models import Assignment, Criterion, Decision, GeneratedFile, Review, ReviewerProfile, Rubric, Score
from reviews.services.reports import expire_generated_files, folder_of, report_key, request_report
from reviews.tasks import generate_report
from tests.evaluations.test_letter_pdf import pdffonts, pdftotext
from tests.factories import CityFactory, user_with_role
from tests.processes import migrated_database, process_env, run_python, start_worker, stop

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)
SUBMITTED = dt.datetime(2026, 11, 18, 15, 0, tzinfo=SHANGHAI)
TITLE = "2026年度国家知识产权示范城市评定"
EXPERTS = ("张三", "李四", "王五")
EMPLOYERS = ("中国科学院大学", "北京大学法学院", "中国专利保护协会")
# (1.1, 1.2, 2) per expert, in the order of EXPERTS
POINTS = {"fushun": [("8", "16", "40"), ("7", "15", "38"), ("9", "17.5", "42")],
          "shenzhen": [("9", "18", "45"), ("10", "19", "46"), ("8", "17", "44")]}
MEASURED = {"fushun": 30, "shenzhen": 80}


@dataclass
class World:
    cycle: Cycle
    fushun: Application
    shenzhen: Application
    experts: list
    reviews: dict  # (city key, expert index) -> Review
    criteria: dict  # code -> Criterion


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def shenzhen_city(guangdong):
    return CityFactory(code="440300", province=guangdong, name="深圳市", full_name="深圳市",
                       level=CityLevel.SUB_PROVINCIAL)


def build_world(fushun_city, shenzhen_city, decided_by) -> World:
    cycle = Cycle.objects.create(kind=CycleKind.DEMONSTRATION, year=2026, title=TITLE, status=CycleStatus.CLOSED,
                                 document_number="国知办函运字〔2026〕88号", city_deadline=dt.date(2026, 8, 31),
                                 province_deadline=dt.date(2026, 9, 15), data_year=2025)
    rubric = Rubric.objects.create(cycle=cycle, title="评定示范城市指标体系（测试）")
    criteria = {}
    for position, (code, parent, name, points, kind) in enumerate([
        ("1", None, "工作基础", "30", CriterionKind.SUBJECTIVE),
        ("1.1", "1", "组织领导", "10", CriterionKind.SUBJECTIVE),
        ("1.2", "1", "政策体系", "20", CriterionKind.SUBJECTIVE),
        ("2", None, "工作方案", "50", CriterionKind.SUBJECTIVE),
        ("3", None, "客观实力", "20", CriterionKind.OBJECTIVE),
    ], start=1):
        extra = ({"source_key": "strength", "formula": Formula.LINEAR_TO_BENCHMARK,
                  "formula_params": {"benchmark": 40}} if kind == CriterionKind.OBJECTIVE else {})
        criteria[code] = Criterion.objects.create(
            rubric=rubric, parent=criteria.get(parent), level=code.count(".") + 1, position=position, code=code,
            name=name, max_points=Decimal(points), kind=kind, **extra)
    experts = []
    for index, (name, employer) in enumerate(zip(EXPERTS, EMPLOYERS)):
        expert = user_with_role(Role.REVIEWER, username=f"expert{index}")
        expert.full_name = name
        expert.save(update_fields=["full_name"])
        ReviewerProfile.objects.create(user=expert, employer=employer)
        experts.append(expert)
    applications, reviews = {}, {}
    for key, city, state in (("fushun", fushun_city, ApplicationState.UNDER_REVIEW),
                             ("shenzhen", shenzhen_city, ApplicationState.APPROVED)):
        application = Application.objects.create(cycle=cycle, city=city, state=state)
        Measurement.objects.create(application=application, measured_on=dt.date(2026, 9, 1), score=Decimal("80"),
                                   values={"strength": MEASURED[key]}, recorded_by=decided_by)
        applications[key] = application
        for index, (expert, points) in enumerate(zip(experts, POINTS[key])):
            assignment = Assignment.objects.create(application=application, reviewer=expert,
                                                   status=AssignmentStatus.SUBMITTED, due_date=dt.date(2026, 11, 30))
            review = Review.objects.create(
                assignment=assignment, submitted_at=SUBMITTED, recommendation=Recommendation.APPROVE,
                opinion=f"{city.full_name}知识产权工作基础扎实。\n{expert.full_name}同意推荐。")
            for code, value in zip(("1.1", "1.2", "2"), points):
                Score.objects.create(review=review, criterion=criteria[code], points=Decimal(value),
                                     max_points=criteria[code].max_points, comment=f"{code}评语")
            reviews[key, index] = review
    Decision.objects.create(application=applications["shenzhen"], outcome=Outcome.APPROVED, rationale="综合排名第一",
                            decided_by=decided_by)
    return World(cycle=cycle, fushun=applications["fushun"], shenzhen=applications["shenzhen"], experts=experts,
                 reviews=reviews, criteria=criteria)


@pytest.fixture
def world(fushun_city, shenzhen_city, national_admin) -> World:
    return build_world(fushun_city, shenzhen_city, national_admin)


def flowed(text: str) -> str:
    return "".join(text.split())


def page_sizes(pdf: bytes) -> list[tuple[int, int]]:
    return [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in PdfReader(io.BytesIO(pdf)).pages]


def assert_embedded_cjk_fonts(pdf: bytes) -> None:
    fonts = pdffonts(pdf)
    assert fonts and {emb for _, emb in fonts} == {"yes"}
    names = {name.split("+", 1)[-1] for name, _ in fonts}
    assert names and {name for name in names if "CJK" in name or "FangSong" in name} == names


# --- (a) the workbook ------------------------------------------------------------------------------------


def test_cycle_workbook_has_ranking_criteria_and_matrix(world):
    workbook = load_workbook(io.BytesIO(cycle_report_workbook(world.cycle)))

    assert workbook.sheetnames == ["排名", "指标统计", "评分矩阵"]
    ranking = list(workbook["排名"].iter_rows(values_only=True))
    assert ranking[0] == RANKING_HEADINGS
    assert ranking[1:] == [
        (1, 1, "深圳市", "广东省", "副省级", 20, 72, 72, 72, 72, 2.45, 6, 3, 92, "建议通过", "通过"),
        (2, 1, "抚顺市", "辽宁省", "地级", 15, 64.17, 64, 64.17, 64.17, 3.47, 8.5, 3, 79.17, "建议通过", None),
    ]
    assert list(workbook["指标统计"].iter_rows(values_only=True)) == [
        CRITERIA_HEADINGS,
        ("1.1", "组织领导", 10, 6, 8.5, 7, 10, 0.96),
        ("1.2", "政策体系", 20, 6, 17.08, 15, 19, 1.3),
        ("2", "工作方案", 50, 6, 42.5, 38, 46, 2.81),
    ]
    matrix = list(workbook["评分矩阵"].iter_rows(values_only=True))
    assert matrix == [("评审专家", "深圳市", "抚顺市"), ("张三", 72, 64), ("李四", 75, 60), ("王五", 69, 68.5)]


# --- (b) the PDFs ----------------------------------------------------------------------------------------


def test_cycle_pdf_has_title_ranking_cjk_fonts_on_a4_landscape(world):
    pdf = cycle_report_pdf(world.cycle)

    text = pdftotext(pdf)
    assert flowed(text).startswith(f"{TITLE}评审结果汇总表文号：国知办函运字〔2026〕88号。")
    assert "数据截至2026年11月20日。" in flowed(text)
    assert flowed(text).index("深圳市") < flowed(text).index("抚顺市")
    assert "1 1 深圳市 广东省 副省级 20.00 72.00 72.00 72.00 72.00 2.45 6.00 3 92.00 建议通过 通过" in text
    assert "2 1 抚顺市 辽宁省 地级 15.00 64.17 64.00 64.17 64.17 3.47 8.50 3 79.17 建议通过 —" in text
    assert text.strip().splitlines()[-1] == "— 1 —"
    assert_embedded_cjk_fonts(pdf)
    assert page_sizes(pdf) == [(842, 595)]
    assert PdfReader(io.BytesIO(pdf)).metadata["/CreationDate"] == "D:20261120"


def test_review_opinion_pdf_shows_the_experts_scores_opinion_and_signature(world):
    pdf = review_opinion_pdf(world.reviews["fushun", 0])

    text = flowed(pdftotext(pdf))
    assert text.startswith("专家评审意见表申报城市抚顺市（辽宁省）评审工作2026年度国家知识产权示范城市评定"
                           "（国知办函运字〔2026〕88号）评审专家张三工作单位中国科学院大学")
    assert "1工作基础30.00" in text
    assert "1.1组织领导10.008.001.1评语" in text
    assert "2工作方案50.0040.002评语" in text
    assert "3客观实力20.0015.00客观指标" in text
    assert "主观指标评分合计64.00注：客观指标得分由系统根据申报数据计算（明细见评审结果汇总表），不计入专家评分合计。" in text
    assert "总体评价意见：抚顺市知识产权工作基础扎实。张三同意推荐。推荐意见：建议通过" in text
    assert text.endswith("评审专家（签名）：＿＿＿＿＿＿2026年11月18日—1—")
    assert_embedded_cjk_fonts(pdf)
    assert page_sizes(pdf) == [(595, 842)]
    assert PdfReader(io.BytesIO(pdf)).metadata["/Title"] == "专家评审意见表（抚顺市）"


def test_application_summary_pdf_numbers_the_experts_and_shows_the_statistics(world):
    pdf = application_summary_pdf(world.fushun)

    text = flowed(pdftotext(pdf))
    assert text.startswith("专家评审意见汇总表申报城市抚顺市（辽宁省，地级）")
    assert ("专家164.00建议通过2026年11月18日专家260.00建议通过2026年11月18日专家368.50建议通过2026年11月18日"
            in text)
    assert ("有效评审数3主观平均分64.17主观中位数64.00主观去极值平均分64.17标准差3.47极差（最高分－最低分）8.50"
            "采用的主观分（去极值平均分）64.17客观分15.00最终得分（百分制）79.17建议结果建议通过") in text
    assert "专家2（建议通过）：抚顺市知识产权工作基础扎实。李四同意推荐。" in text
    assert "汇总日期：2026年11月18日" in text
    assert "中国科学院大学" not in text  # experts stay anonymous
    assert_embedded_cjk_fonts(pdf)
    assert page_sizes(pdf) == [(595, 842)] * len(page_sizes(pdf))


# --- (c) the dossier -------------------------------------------------------------------------------------


def add_material(application, kind, name: str, content: bytes, *, title: str = "") -> MaterialFile:
    material = Material.objects.create(application=application, kind=kind, title=title)
    row = MaterialFile(material=material, version=1, original_name=name, content_type="application/pdf",
                       size=len(content), sha256=hashlib.sha256(content).hexdigest())
    row.file.save(name, ContentFile(content), save=False)
    row.save()
    return row


@pytest.fixture
def dossier_world(world, liaoning_staff, national_admin):
    add_material(world.fushun, MaterialKind.GOVERNMENT_LETTER, "申报函.pdf", b"%PDF-1.4 letter\n")
    add_material(world.fushun, MaterialKind.PROOF, "证明.pdf", b"%PDF-1.4 proof one\n", title="专利质押")
    add_material(world.fushun, MaterialKind.PROOF, "证明.pdf", b"%PDF-1.4 proof two\n", title="维权援助")
    RecommendationLetter.objects.create(
        application=world.fushun, materials_authentic=True, authenticity_conclusion="经审核，申报材料真实。",
        opinion="同意推荐。", rank=1, signatory="辽宁省知识产权局", letter_date=dt.date(2026, 9, 10),
        written_by=liaoning_staff)
    audit.record(actor=national_admin, action="application.accept", obj=world.fushun,
                 from_state=ApplicationState.RECOMMENDED, to_state=ApplicationState.UNDER_REVIEW, reason="形式审查通过")
    return world


def test_dossier_zip_holds_materials_pdfs_timeline_and_a_true_manifest(dossier_world, national_admin):
    content = application_dossier_zip(dossier_world.fushun)

    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.namelist() == ["材料/市政府申报函/申报函.pdf", "材料/证明材料/证明.pdf", "材料/证明材料/证明 (2).pdf",
                                  "推荐函.pdf", "专家评审意见汇总表.pdf", "审计记录.csv", "manifest.txt"]
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert [info.filename for info in archive.infolist() if info.flag_bits & 0x800] == archive.namelist()[:-1]  # UTF-8
    assert archive.read("材料/证明材料/证明.pdf") == b"%PDF-1.4 proof one\n"
    assert archive.read("材料/证明材料/证明 (2).pdf") == b"%PDF-1.4 proof two\n"
    assert "关于推荐抚顺市国家知识产权示范城市的函" in flowed(pdftotext(archive.read("推荐函.pdf")))
    assert flowed(pdftotext(archive.read("专家评审意见汇总表.pdf"))).startswith("专家评审意见汇总表申报城市抚顺市")
    timeline = list(csv.reader(io.StringIO(archive.read("审计记录.csv").decode("utf-8-sig"))))
    assert timeline == [["时间", "操作人", "操作", "原状态", "新状态", "原因"],
                        ["2026-11-20 09:30:00", str(national_admin), "受理并进入评审", "已推荐", "评审中", "形式审查通过"]]
    manifest = archive.read("manifest.txt").decode().splitlines()
    assert [line.split("  ", 1)[1] for line in manifest] == archive.namelist()[:-1]
    for line in manifest:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert application_dossier_zip(Application.objects.get(pk=dossier_world.fushun.pk)) == content


def test_dossier_notes_a_material_missing_from_storage(dossier_world):
    missing = MaterialFile.objects.get(original_name="申报函.pdf")
    default_storage.delete(missing.file.name)

    archive = zipfile.ZipFile(io.BytesIO(application_dossier_zip(dossier_world.fushun)))

    assert "材料/市政府申报函/申报函.pdf" not in archive.namelist()
    assert archive.read("manifest.txt").decode().splitlines()[-1] == (
        f"# 存储中缺少此文件，未收入：材料/市政府申报函/申报函.pdf（上传时 SHA-256 {missing.sha256}）")


# --- (d) requests and the task, eager --------------------------------------------------------------------


def stored_files(generated: GeneratedFile) -> list[str]:
    try:
        return sorted(default_storage.listdir(folder_of(generated))[1])
    except FileNotFoundError:
        return []


def test_request_report_makes_a_ready_file_and_reuses_it_until_inputs_change(
        world, national_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        generated = request_report(ReportKind.CYCLE_XLSX, world.cycle, by=national_admin)
    assert len(queued) == 1
    generated.refresh_from_db()
    assert (generated.status, generated.progress, generated.error) == (FileStatus.READY, 100, "")
    assert generated.key == report_key(ReportKind.CYCLE_XLSX, world.cycle)
    folder = hashlib.sha256(generated.key.encode()).hexdigest()[:20]
    assert generated.file.name == f"generated/cycle_xlsx/{folder}/cycle_xlsx-{world.cycle.pk}.xlsx"
    assert generated.filename == f"评审结果汇总表-{TITLE}.xlsx"
    assert generated.expires_at == NOW + dt.timedelta(days=7)
    with generated.file.open("rb") as stored:
        content = stored.read()
    assert hashlib.sha256(content).hexdigest() == generated.sha256

    with django_capture_on_commit_callbacks(execute=True) as queued:
        again = request_report(ReportKind.CYCLE_XLSX, world.cycle, by=national_admin)
    assert (again.pk, queued) == (generated.pk, [])

    Score.objects.filter(review=world.reviews["fushun", 0], criterion=world.criteria["2"]).update(points=Decimal("41"))
    with django_capture_on_commit_callbacks(execute=True) as queued:
        changed = request_report(ReportKind.CYCLE_XLSX, world.cycle, by=national_admin)
    assert len(queued) == 1 and changed.pk != generated.pk
    changed.refresh_from_db()
    assert changed.status == FileStatus.READY
    with changed.file.open("rb") as stored:
        matrix = list(load_workbook(io.BytesIO(stored.read()))["评分矩阵"].iter_rows(values_only=True))
    assert matrix[1] == ("张三", 72, 65)
    assert sorted(GeneratedFile.objects.values_list("pk", flat=True)) == sorted([generated.pk, changed.pk])


def test_a_changed_review_makes_a_new_summary(world, national_admin, time_machine,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = request_report(ReportKind.APPLICATION_SUMMARY_PDF, world.fushun, by=national_admin)
    time_machine.move_to(NOW + dt.timedelta(minutes=5), tick=False)
    review = world.reviews["fushun", 2]
    review.opinion = "方案特色鲜明，建议通过。"
    review.save()

    with django_capture_on_commit_callbacks(execute=True) as queued:
        second = request_report(ReportKind.APPLICATION_SUMMARY_PDF, world.fushun, by=national_admin)

    assert (second.pk != first.pk, len(queued)) == (True, 1)
    second.refresh_from_db()
    with second.file.open("rb") as stored:
        assert "专家3（建议通过）：方案特色鲜明，建议通过。" in flowed(pdftotext(stored.read()))


def test_task_run_twice_or_after_a_crash_leaves_one_file(world, national_admin):
    review = world.reviews["fushun", 1]
    generated = GeneratedFile.objects.create(key=report_key(ReportKind.REVIEW_PDF, review), kind=ReportKind.REVIEW_PDF,
                                             object_id=review.pk, status=FileStatus.RUNNING, progress=50)
    # What a worker killed halfway leaves behind: a partial file in the row's folder.
    default_storage.save(f"{folder_of(generated)}/review_pdf-{review.pk}.pdf", ContentFile(b"%PDF-1.7\n% half"))

    assert generate_report(file_id=generated.pk) == FileStatus.READY
    assert generate_report(file_id=generated.pk) == FileStatus.READY

    generated.refresh_from_db()
    assert stored_files(generated) == [f"review_pdf-{review.pk}.pdf"]
    with generated.file.open("rb") as stored:
        content = stored.read()
    assert content == review_opinion_pdf(review)
    assert generated.sha256 == hashlib.sha256(content).hexdigest()


def test_task_for_a_deleted_row_stops(db, caplog):
    with caplog.at_level(logging.WARNING, logger="reviews.tasks"):
        assert generate_report(file_id=987654) is None
    assert [r.getMessage() for r in caplog.records if r.name == "reviews.tasks"] == [
        "generated file 987654 no longer exists: nothing to make"]


def test_task_for_a_vanished_object_fails_with_the_reason(world):
    generated = GeneratedFile.objects.create(key="review_pdf:987654:x", kind=ReportKind.REVIEW_PDF, object_id=987654)

    assert generate_report(file_id=generated.pk) == FileStatus.FAILED

    generated.refresh_from_db()
    assert (generated.status, generated.file.name, generated.error) == (
        FileStatus.FAILED, "", "LookupError: the object of review_pdf 987654 no longer exists")


def test_expired_files_are_deleted_and_made_again_on_request(world, national_admin, time_machine,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        generated = request_report(ReportKind.CYCLE_PDF, world.cycle, by=national_admin)
    generated.refresh_from_db()
    assert expire_generated_files() == 0
    time_machine.move_to(NOW + dt.timedelta(days=7, seconds=1), tick=False)

    assert expire_generated_files() == 1

    generated.refresh_from_db()
    assert (generated.status, generated.file.name, stored_files(generated)) == (FileStatus.READY, "", [])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        again = request_report(ReportKind.CYCLE_PDF, world.cycle, by=national_admin)
    assert (again.pk, len(queued)) == (generated.pk, 1)
    again.refresh_from_db()
    assert (again.status, stored_files(again)) == (FileStatus.READY, [f"cycle_pdf-{world.cycle.pk}.pdf"])
    assert again.expires_at == NOW + dt.timedelta(days=14, seconds=1)


# --- (e) a real worker -----------------------------------------------------------------------------------

SETUP = """
import datetime as dt, json
from decimal import Decimal
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from cities.enums import Role
from cities.models import City, Membership, Province, User
from evaluations.enums import ApplicationState, CycleKind
from evaluations.models import Application, Cycle
from reviews.enums import AssignmentStatus, CriterionKind, FileStatus, ReportKind
from reviews.models import Assignment, Criterion, GeneratedFile, Review, Rubric, Score
from reviews.services.reports import folder_of, report_key

province = Province.objects.create(code="210000", name="辽宁省", short_name="辽宁", kind="province")
city = City.objects.create(code="210400", province=province, level="prefecture", name="抚顺市", full_name="抚顺市")
cycle = Cycle.objects.create(kind=CycleKind.DEMONSTRATION, year=2026, title="2026年度国家知识产权示范城市评定",
                             city_deadline=dt.date(2026, 8, 31), province_deadline=dt.date(2026, 9, 15), data_year=2025)
rubric = Rubric.objects.create(cycle=cycle, title="指标体系")
criterion = Criterion.objects.create(rubric=rubric, level=1, position=1, code="1", name="工作方案",
                                     max_points=Decimal("100"), kind=CriterionKind.SUBJECTIVE)
expert = User.objects.create(username="expert", full_name="张三")
Membership.objects.create(user=expert, role=Role.REVIEWER)
application = Application.objects.create(cycle=cycle, city=city, state=ApplicationState.UNDER_REVIEW)
assignment = Assignment.objects.create(application=application, reviewer=expert, status=AssignmentStatus.SUBMITTED,
                                       due_date=dt.date(2026, 11, 30))
review = Review.objects.create(assignment=assignment, opinion="同意推荐。", recommendation="approve",
                               submitted_at=dt.datetime(2026, 11, 18, 7, 0, tzinfo=dt.timezone.utc))
Score.objects.create(review=review, criterion=criterion, points=Decimal("86.5"), max_points=Decimal("100"),
                     comment="方案可行")
generated = GeneratedFile.objects.create(key=report_key(ReportKind.REVIEW_PDF, review), kind=ReportKind.REVIEW_PDF,
                                         object_id=review.pk, status=FileStatus.RUNNING, progress=50)
# A run killed halfway: the row is left RUNNING with a partial file in its folder.
half = default_storage.save(f"{folder_of(generated)}/review_pdf-{review.pk}.pdf", ContentFile(b"%PDF-1.7 half"))
generated.file.name = half
generated.save(update_fields=["file"])
print(json.dumps({"file_id": generated.pk}))
"""

SEND_AND_WAIT = """
import hashlib, json, sys, time
import django
django.setup()
from django.core.files.storage import default_storage
from ipcity.celery import app
from reviews.models import GeneratedFile
from reviews.services.reports import folder_of

file_id, queue = int(sys.argv[1]), sys.argv[2]
sent = [app.send_task("reviews.generate_report", kwargs={"file_id": file_id}, queue=queue) for _ in range(2)]
results = [result.get(timeout=60) for result in sent]
deadline = time.monotonic() + 30
row = GeneratedFile.objects.get(pk=file_id)
while row.status != "ready" and time.monotonic() < deadline:
    time.sleep(0.2)
    row.refresh_from_db()
with default_storage.open(row.file.name, "rb") as stored:
    content = stored.read()
print(json.dumps({"results": results, "status": row.status, "progress": row.progress,
                  "files": sorted(default_storage.listdir(folder_of(row))[1]), "name": row.file.name,
                  "sha_ok": hashlib.sha256(content).hexdigest() == row.sha256, "head": content[:5].decode()}))
"""


def test_real_worker_rerun_after_a_crash_leaves_one_ready_file(tmp_path):
    migrated_database(tmp_path)
    env = process_env(tmp_path)
    queue = f"reports-test-{os.getpid()}"  # its own queue: a worker of another test never takes the task
    log = tmp_path / "worker.log"
    worker = start_worker(env, log, queue=queue, name=f"reports{os.getpid()}")
    try:
        file_id = json.loads(run_python(["-c", SETUP], env).splitlines()[-1])["file_id"]
        report = json.loads(run_python(["-c", SEND_AND_WAIT, str(file_id), queue], env).splitlines()[-1])
    finally:
        stop(worker)  # both tasks are acknowledged by now; a warm shutdown only waits for the broker
    name = report["name"].rsplit("/", 1)[-1]
    assert report == {"results": ["ready", "ready"], "status": "ready", "progress": 100, "files": [name],
                      "name": report["name"], "sha_ok": True, "head": "%PDF-"}, log.read_text()[-3000:]
    assert name.startswith("review_pdf-") and name.endswith(".pdf")
    assert log.read_text().count("Task reviews.generate_report[") >= 2


# --- (f) who may have what -------------------------------------------------------------------------------


def test_reviewer_gets_only_their_own_opinion_form(world, client, django_capture_on_commit_callbacks):
    zhang = world.experts[0]
    own, other = world.reviews["fushun", 0], world.reviews["fushun", 1]
    client.force_login(zhang)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report_request", args=[ReportKind.REVIEW_PDF, own.pk]))
    generated = GeneratedFile.objects.get(kind=ReportKind.REVIEW_PDF, object_id=own.pk)
    assert response.headers["Location"] == reverse("report_status", args=[generated.pk])
    download = client.get(reverse("report_download", args=[generated.pk]))
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="review_pdf-{own.pk}.pdf"; filename*=UTF-8\'\''
        "%E4%B8%93%E5%AE%B6%E8%AF%84%E5%AE%A1%E6%84%8F%E8%A7%81%E8%A1%A8-%E6%8A%9A%E9%A1%BA%E5%B8%82-"
        "%E5%BC%A0%E4%B8%89.pdf")  # 专家评审意见表-抚顺市-张三.pdf
    assert b"".join(download.streaming_content) == review_opinion_pdf(own)
    downloaded = AuditEntry.objects.get(action="file.download")
    assert (downloaded.actor, downloaded.object_id, downloaded.data) == (zhang, str(generated.pk), {
        "file": "专家评审意见表-抚顺市-张三.pdf", "size": generated.file.size, "sha256": generated.sha256})
    assert generated.sha256 == hashlib.sha256(review_opinion_pdf(own)).hexdigest()

    assert client.post(reverse("report_request", args=[ReportKind.REVIEW_PDF, other.pk])).status_code == 404
    theirs = GeneratedFile.objects.create(key="review_pdf:other", kind=ReportKind.REVIEW_PDF, object_id=other.pk)
    for name in ("report_status", "report_progress", "report_download"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse("report_request", args=[ReportKind.CYCLE_XLSX, world.cycle.pk])).status_code == 403


def test_summary_reaches_the_city_and_province_only_after_publication(
        world, client, fushun_officer, liaoning_staff, guangdong_staff, django_capture_on_commit_callbacks):
    url = reverse("report_request", args=[ReportKind.APPLICATION_SUMMARY_PDF, world.fushun.pk])
    client.force_login(fushun_officer)
    assert client.post(url).status_code == 403
    assert GeneratedFile.objects.count() == 0

    Cycle.objects.filter(pk=world.cycle.pk).update(results_published_at=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    generated = GeneratedFile.objects.get()
    assert response.headers["Location"] == reverse("report_status", args=[generated.pk])
    download = client.get(reverse("report_download", args=[generated.pk]))
    assert b"".join(download.streaming_content) == application_summary_pdf(world.fushun)

    client.force_login(liaoning_staff)
    assert client.post(url).headers["Location"] == reverse("report_status", args=[generated.pk])  # the same file
    assert client.get(reverse("report_download", args=[generated.pk])).status_code == 200
    client.force_login(guangdong_staff)
    assert client.post(url).status_code == 404
    assert client.get(reverse("report_status", args=[generated.pk])).status_code == 404
    client.force_login(fushun_officer)
    dossier = reverse("report_request", args=[ReportKind.DOSSIER_ZIP, world.fushun.pk])
    assert client.post(dossier).status_code == 403


def progress_queries(client, generated: GeneratedFile) -> tuple[int, str]:
    url = reverse("report_progress", args=[generated.pk])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_progress_partial_polls_until_ready_with_constant_queries(world, client, national_admin):
    client.force_login(national_admin)
    cycle_file = GeneratedFile.objects.create(key=report_key(ReportKind.CYCLE_XLSX, world.cycle),
                                              kind=ReportKind.CYCLE_XLSX, object_id=world.cycle.pk)
    summary_file = GeneratedFile.objects.create(key="summary", kind=ReportKind.APPLICATION_SUMMARY_PDF,
                                                object_id=world.fushun.pk, status=FileStatus.RUNNING, progress=50,
                                                task_id="t-1", attempts=1, heartbeat_at=NOW)

    pending_count, pending = progress_queries(client, cycle_file)
    summary_count, running = progress_queries(client, summary_file)
    generate_report(file_id=cycle_file.pk)
    ready_count, ready = progress_queries(client, cycle_file)

    # session and user (2), whether the account has a second factor to verify (1), the row, the user's
    # memberships, the report's object (3), the session's save (3: SESSION_SAVE_EVERY_REQUEST, inside the test's
    # savepoint); no context processor runs for the partial.
    assert (pending_count, summary_count, ready_count) == (9, 9, 9)
    trigger = f'hx-get="{reverse("report_progress", args=[cycle_file.pk])}" hx-trigger="every 1s" hx-swap="outerHTML"'
    assert trigger in pending
    assert 'class="progress-bar w-50 progress-bar-striped progress-bar-animated">50%</div>' in running
    assert "hx-trigger" not in ready
    assert f'href="{reverse("report_download", args=[cycle_file.pk])}"' in ready
    assert 'class="progress-bar w-100 bg-success">100%</div>' in ready
    assert "style=" not in pending + running + ready  # the CSP allows no inline style
    page = client.get(reverse("report_status", args=[cycle_file.pk])).content.decode()
    assert ready.strip() in page


def test_failed_file_offers_to_generate_again(world, client, national_admin):
    client.force_login(national_admin)
    failed = GeneratedFile.objects.create(key=report_key(ReportKind.CYCLE_PDF, world.cycle),
                                          kind=ReportKind.CYCLE_PDF, object_id=world.cycle.pk,
                                          status=FileStatus.FAILED, error="OSError: disk full")

    _count, html = progress_queries(client, failed)

    assert "hx-trigger" not in html
    assert f'action="{reverse("report_request", args=[ReportKind.CYCLE_PDF, world.cycle.pk])}"' in html
    assert "OSError: disk full" in html
    assert client.get(reverse("report_download", args=[failed.pk])).status_code == 404


def test_report_buttons_partial_offers_a_report_only_to_those_who_may_have_it(world, rf, national_admin,
                                                                              fushun_officer):
    def buttons(user, kind, obj) -> str:
        request = rf.get("/somewhere/?page=2")
        request.user = user
        with translation.override("en"):
            return render_to_string("reviews/_report_buttons.html", {"kind": kind, "obj": obj}, request=request)

    html = buttons(national_admin, ReportKind.DOSSIER_ZIP, world.fushun)
    assert f'action="{reverse("report_request", args=["dossier_zip", world.fushun.pk])}"' in html
    assert '<input type="hidden" name="next" value="/somewhere/?page=2">' in html
    assert ">Application dossier (ZIP)</button>" in html
    assert buttons(fushun_officer, ReportKind.DOSSIER_ZIP, world.fushun).strip() == ""
    assert buttons(fushun_officer, ReportKind.APPLICATION_SUMMARY_PDF, world.fushun).strip() == ""
    Cycle.objects.filter(pk=world.cycle.pk).update(results_published_at=NOW)
    published = Application.objects.select_related("cycle", "city").get(pk=world.fushun.pk)
    assert ">Summary of all reviews (PDF)</button>" in buttons(fushun_officer, ReportKind.APPLICATION_SUMMARY_PDF,
                                                               published)
