"""Page breaks of every PDF template, checked on the rendered files with poppler as an official reads them:
``pdfinfo`` for the page count, ``pdftotext -layout`` split on form feeds for what each page shows.

- the opinion form (专家评审意见表) of a normal review, on the seeded indicator systems, is one page;
- no page of any PDF begins with the signature/date block: each document is rendered with its text growing one
  paragraph at a time until it runs over a page, and a few steps beyond, so that the ending meets the page's foot;
- in the review summary, an expert's heading "专家1（建议通过）：" is followed on its page by that expert's text;
- the dossier ZIP holds the online work summary as a PDF and the basic-information table (Excel and PDF), each
  listed in its manifest with its SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import subprocess
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from cities.enums import Role
from evaluations.basic_info import load_template
from evaluations.enums import ApplicationState, CycleKind, CycleStatus, NarrativeDocument
from evaluations.exports.application_pdfs import basic_info_pdf, narrative_pdf, written_documents
from evaluations.exports.letter_pdf import recommendation_letter_pdf
from evaluations.models import Application, Cycle, IndicatorValue, RecommendationLetter
from evaluations.services.applications import new_application
from reviews.enums import AssignmentStatus, CriterionKind, Recommendation, ReportKind
from reviews.exports.cycle_report import cycle_report_pdf
from reviews.exports.dossier import application_dossier_zip
from reviews.exports.review_pdf import application_summary_pdf, review_opinion_pdf
from reviews.models import Assignment, Criterion, Review, ReviewerProfile, Score
from reviews.services.reports import report_key
from reviews.services.rubrics import create_default_rubric
from tests.factories import CityFactory, user_with_role

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
SUBMITTED = dt.datetime(2026, 11, 18, 15, 0, tzinfo=SHANGHAI)
PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")
EXPERT_HEADING = re.compile(r"专家\d+（[^）]*）：")
# One sentence of an expert's opinion or a city's summary, as long as such sentences are (about 40 characters).
SENTENCE = "该市知识产权工作体制机制健全，政策体系完善，专利质押融资和知识产权保护成效明显，示范带动作用突出。"
COMMENTS = ("目标明确，任务分解到位，责任单位落实。", "特色主题鲜明，与城市产业发展结合紧密。",
            "管理机构健全，人员和经费保障有力。", "工作成效显著，各项指标完成情况良好。",
            "市委市政府高度重视，已纳入年度考核。")
OPINION = (
    "该市知识产权工作基础扎实，示范培育期间各项任务全面完成，知识产权创造、运用、保护、管理和服务水平"
    "明显提升，专利质押融资和知识产权保护中心建设走在全省前列。\n"
    "工作方案目标明确、任务具体，特色主题与城市主导产业结合紧密，保障措施有力。\n"
    "建议进一步加强高价值专利培育，完善知识产权公共服务体系。"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- reading a PDF as poppler shows it --------------------------------------------------------------------


def page_count(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE).group(1))


def pages(pdf: bytes) -> list[list[str]]:
    """The non-empty lines of each page (``pdftotext -layout``, pages split on the form feed), without the page
    number."""
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    shown = text.split("\f")
    if shown and not shown[-1].strip():
        shown.pop()
    return [[line.strip() for line in page.splitlines() if line.strip() and not PAGE_NUMBER.fullmatch(line.strip())]
            for page in shown]


def assert_no_page_begins_with(pdf: bytes, signature: set[str]) -> None:
    """No page after the first opens with a line of the signature/date block."""
    for number, lines in enumerate(pages(pdf)[1:], start=2):
        assert lines, f"page {number} is empty"
        assert lines[0] not in signature, f"page {number} begins with the signature block: {lines[:3]}"


def around_the_page_foot(render, tmp_path, *, start: int = 0, limit: int = 80) -> list[bytes]:
    """``render(n)`` for growing ``n`` until the document runs over one more page than ``render(start)``, and
    three steps beyond: the text's end (and the ending after it) has met the foot of the page."""
    first = page_count(render(start), tmp_path)
    for n in range(start + 1, limit):
        pdf = render(n)
        if page_count(pdf, tmp_path) > first:
            return [pdf, *(render(m) for m in range(n + 1, n + 4))]
    raise AssertionError(f"the document never ran over page {first}")


# --- the review world ----------------------------------------------------------------------------------------


def make_cycle(kind: str, national_admin) -> Cycle:
    cycle = Cycle.objects.create(
        kind=kind, year=2026, title=f"2026年度{CycleKind(kind).label}", status=CycleStatus.CLOSED,
        notice_title=f"关于开展2026年度{CycleKind(kind).label}工作的通知", document_number="国知办函运字〔2026〕88号",
        city_deadline=dt.date(2026, 8, 31), province_deadline=dt.date(2026, 9, 15), data_year=2025)
    create_default_rubric(cycle, by=national_admin)
    return cycle


def make_review(application, number: int, *, opinion: str, comment: str = "") -> Review:
    expert = user_with_role(Role.REVIEWER, username=f"layout_expert{application.pk}_{number}")
    expert.full_name = f"专家{number}"
    expert.save(update_fields=["full_name"])
    ReviewerProfile.objects.create(user=expert, employer="中国科学院大学知识产权学院")
    assignment = Assignment.objects.create(application=application, reviewer=expert,
                                           status=AssignmentStatus.SUBMITTED, due_date=dt.date(2026, 11, 30))
    review = Review.objects.create(assignment=assignment, submitted_at=SUBMITTED,
                                   recommendation=Recommendation.APPROVE, opinion=opinion)
    leaves = Criterion.objects.filter(rubric__cycle=application.cycle, kind=CriterionKind.SUBJECTIVE,
                                      children__isnull=True).order_by("position")
    Score.objects.bulk_create([
        Score(review=review, criterion=criterion, max_points=criterion.max_points,
              points=(criterion.max_points * Decimal("0.85")).quantize(Decimal("0.5")),
              comment=comment or COMMENTS[index % len(COMMENTS)])
        for index, criterion in enumerate(leaves)])
    return review


@pytest.fixture
def demonstration(fushun_city, national_admin) -> Application:
    cycle = make_cycle(CycleKind.DEMONSTRATION, national_admin)
    return Application.objects.create(cycle=cycle, city=fushun_city, state=ApplicationState.UNDER_REVIEW)


# --- the opinion form ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [CycleKind.DEMONSTRATION, CycleKind.PILOT, CycleKind.RE_REVIEW,
                                  CycleKind.STRONG_CITY])
def test_opinion_form_of_a_normal_review_is_one_page(kind, fushun_city, national_admin, tmp_path):
    cycle = make_cycle(kind, national_admin)
    application = Application.objects.create(cycle=cycle, city=fushun_city, state=ApplicationState.UNDER_REVIEW)
    review = make_review(application, 1, opinion=OPINION)

    pdf = review_opinion_pdf(review)

    assert page_count(pdf, tmp_path) == 1
    lines = pages(pdf)[0]
    assert lines[0] == "专家评审意见表"
    assert lines[-2:] == ["评审专家（签名）：＿＿＿＿＿＿", "2026年11月18日"]


def test_opinion_form_signature_never_opens_a_page(demonstration, tmp_path):
    review = make_review(demonstration, 1, opinion=OPINION)

    def render(n: int) -> bytes:
        review.opinion = "\n".join([OPINION, *[SENTENCE] * n])
        return review_opinion_pdf(review)

    for pdf in around_the_page_foot(render, tmp_path):
        assert_no_page_begins_with(pdf, {"评审专家（签名）：＿＿＿＿＿＿", "2026年11月18日"})
        assert pages(pdf)[-1][-2:] == ["评审专家（签名）：＿＿＿＿＿＿", "2026年11月18日"]


# --- the review summary --------------------------------------------------------------------------------------


def assert_expert_headings_keep_their_text(pdf: bytes) -> None:
    for number, lines in enumerate(pages(pdf), start=1):
        for index, line in enumerate(lines):
            if EXPERT_HEADING.fullmatch(line):
                assert index + 1 < len(lines), f"{line} sits alone at the foot of page {number}"
                assert not EXPERT_HEADING.fullmatch(lines[index + 1]), f"{line} has no text on page {number}"


def test_summary_expert_headings_stay_with_their_opinion_and_the_date_with_text(demonstration, tmp_path):
    reviews = [make_review(demonstration, number, opinion=OPINION) for number in range(1, 6)]

    def render(n: int) -> bytes:
        # Every expert writes a little more: the headings and the ending move down the pages.
        for review in reviews:
            Review.objects.filter(pk=review.pk).update(opinion="\n".join([OPINION, *[SENTENCE] * n]))
        return application_summary_pdf(demonstration)

    rendered = around_the_page_foot(render, tmp_path)
    for pdf in rendered:
        assert_expert_headings_keep_their_text(pdf)
        assert_no_page_begins_with(pdf, {"汇总日期：2026年11月18日"})
    shown = [line for page in pages(rendered[-1]) for line in page]
    assert [line for line in shown if EXPERT_HEADING.fullmatch(line)] == [
        f"专家{number}（建议通过）：" for number in range(1, 6)]
    assert shown[-1] == "汇总日期：2026年11月18日"


# --- the cycle's report --------------------------------------------------------------------------------------


def test_cycle_report_repeats_its_head_on_every_page(demonstration, liaoning, tmp_path):
    for number in range(40):
        city = CityFactory(code=f"21{number:04d}", province=liaoning, name=f"测试市{number}")
        Application.objects.create(cycle=demonstration.cycle, city=city, state=ApplicationState.UNDER_REVIEW)

    pdf = cycle_report_pdf(demonstration.cycle)

    shown = pages(pdf)
    assert page_count(pdf, tmp_path) == len(shown) > 1
    assert shown[0][0] == "2026年度示范城市评定评审结果汇总表"
    for number, lines in enumerate(shown[1:], start=2):
        assert lines[0].split()[:2] == ["名次", "组内名次"], f"page {number} begins without the table's head"
    assert sum(1 for lines in shown for line in lines if "测试市" in line) == 40


# --- the recommendation letter -------------------------------------------------------------------------------


def test_letter_signature_never_opens_a_page(demonstration, liaoning_staff, tmp_path):
    letter = RecommendationLetter.objects.create(
        application=demonstration, materials_authentic=True, authenticity_conclusion="经审核，申报材料真实、准确、完整。",
        measured_score=Decimal("86.50"), opinion=OPINION, rank=1, signatory="辽宁省知识产权局",
        letter_date=dt.date(2026, 9, 10), written_by=liaoning_staff)

    def render(n: int) -> bytes:
        letter.opinion = "\n".join([OPINION, *[SENTENCE] * n])
        return recommendation_letter_pdf(letter)

    for pdf in around_the_page_foot(render, tmp_path):
        assert_no_page_begins_with(pdf, {"辽宁省知识产权局", "2026年9月10日"})
        assert pages(pdf)[-1][-3:] == ["特此函告。", "辽宁省知识产权局", "2026年9月10日"]


# --- the city's own documents and the dossier ----------------------------------------------------------------


@pytest.fixture
def written(fushun_city, fushun_officer, national_admin) -> Application:
    """A re-review application whose work summary was written online and whose table was filled in part."""
    cycle = Cycle.objects.create(
        kind=CycleKind.RE_REVIEW, year=2026, title="2026年度国家知识产权示范城市复核", status=CycleStatus.CLOSED,
        city_deadline=dt.date(2026, 8, 31), province_deadline=dt.date(2026, 9, 15), data_year=2025,
        basic_info_template=load_template("2018"))
    application = new_application(cycle, fushun_city, by=fushun_officer)
    for section in application.sections.all():
        section.body = f"{section.title}方面，{SENTENCE}\n{SENTENCE}"
        section.save(update_fields=["body"])
    indicators = list(cycle.basic_info_template.indicators.order_by("position"))
    IndicatorValue.objects.create(city=fushun_city, year=2025, indicator=indicators[0], **(
        {"number": Decimal("11271.0000")} if indicators[0].answer_type == "number" else {"text": "11271"}))
    Application.objects.filter(pk=application.pk).update(state=ApplicationState.UNDER_REVIEW, submitted_at=SUBMITTED)
    return Application.objects.select_related("cycle__basic_info_template", "city__province").get(pk=application.pk)


def test_work_summary_pdf_has_every_section_and_the_date_never_opens_a_page(written, tmp_path):
    sections = written_documents(written)[NarrativeDocument.WORK_SUMMARY]
    last = sections[-1]

    def render(n: int) -> bytes:
        last.body = "\n".join([SENTENCE] * (n + 1))
        return narrative_pdf(written, NarrativeDocument.WORK_SUMMARY, sections)

    for pdf in around_the_page_foot(render, tmp_path, start=0):
        assert_no_page_begins_with(pdf, {"抚顺市", "2026年11月18日"})
        shown = [line for page in pages(pdf) for line in page]
        assert shown[0] == "抚顺市工作总结"
        assert shown[-2:] == ["抚顺市", "2026年11月18日"]
        for section in sections:
            heading = f"{section.number}、{section.title}"
            assert heading in shown
    for lines in pages(pdf):
        assert not lines[-1].endswith(tuple(f"{s.number}、{s.title}" for s in sections)), "a heading at the foot"


def test_basic_info_pdf_shows_the_values_on_pages_that_open_with_text(written, tmp_path):
    pdf = basic_info_pdf(written, written.cycle.basic_info_template)

    shown = pages(pdf)
    assert page_count(pdf, tmp_path) == len(shown) > 1
    assert shown[0][:2] == ["基本情况表", "申报城市名称：抚顺市"]
    assert "11271" in " ".join(shown[0])
    assert shown[-1][-1] == "填报日期：2026年11月18日"
    assert_no_page_begins_with(pdf, {"填报日期：2026年11月18日"})


def test_dossier_holds_the_work_summary_and_the_basic_information_table_in_its_manifest(written, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI), tick=False)
    content = application_dossier_zip(written)

    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.namelist() == ["工作总结.pdf", "基本情况表.xlsx", "基本情况表.pdf", "审计记录.csv", "manifest.txt"]
    manifest = dict(reversed(line.split("  ", 1)) for line in archive.read("manifest.txt").decode().splitlines())
    assert list(manifest) == archive.namelist()[:-1]
    for name, digest in manifest.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    summary = [line for page in pages(archive.read("工作总结.pdf")) for line in page]
    assert summary[:2] == ["抚顺市工作总结", "（2026年度国家知识产权示范城市复核）"]
    first = written.sections.filter(document=NarrativeDocument.WORK_SUMMARY).order_by("position").first()
    assert f"{first.number}、{first.title}" in summary
    sheet = load_workbook(io.BytesIO(archive.read("基本情况表.xlsx"))).active
    assert 11271 in [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "申报城市名称：抚顺市" in pages(archive.read("基本情况表.pdf"))[0]
    # The same application later gives the same bytes: the workbook carries no clock.
    time_machine.move_to(dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False)
    assert application_dossier_zip(written) == content


def test_dossier_leaves_out_an_unwritten_summary_and_an_unreported_table(written):
    written.sections.update(body="")
    IndicatorValue.objects.all().delete()

    archive = zipfile.ZipFile(io.BytesIO(application_dossier_zip(written)))

    assert archive.namelist() == ["审计记录.csv", "manifest.txt"]


def test_a_new_dossier_is_made_after_the_summary_or_the_table_changed(written):
    before = report_key(ReportKind.DOSSIER_ZIP, written)
    section = written.sections.order_by("position").first()
    section.body += "\n补充说明。"
    section.save(update_fields=["body"])
    after_summary = report_key(ReportKind.DOSSIER_ZIP, written)
    IndicatorValue.objects.update(number=Decimal("11300"))
    after_table = report_key(ReportKind.DOSSIER_ZIP, written)

    assert len({before, after_summary, after_table}) == 3
