"""Every exported workbook as officials open it: in LibreOffice Calc (what government desktops run, with WPS),
printed to PDF, and read back with pdfinfo / pdftotext; plus what openpyxl sees of the export style
(``ipcity.xlsx``): page setup, print titles, frozen header, row heights, number formats, no float noise.

The workbooks are built from realistic data: 抚顺's 2021 responsibility list (with item 8's long list of units), the
filled basic-information table, the default rubric, the 16-column cycle report, the reviewers, a dashboard table
and the audit log, each with one cell of more than 200 Chinese characters. LibreOffice converts them all in one
call (a few seconds), with a private profile, so parallel test processes never share one.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import time
from decimal import Decimal
from xml.etree import ElementTree

import openpyxl
import pytest

from cities import audit
from cities.audit_export import XLSX, write
from cities.models import AuditEntry
from evaluations.enums import CycleKind
from evaluations.exports.basic_info_xlsx import basic_info_workbook
from evaluations.services.cycles import create_cycle
from ipcity import xlsx
from plans.exports.list_xlsx import responsibility_list_workbook
from plans.exports.table_xlsx import table_workbook
from plans.models import ResponsibilityItem
from plans.services.responsibility import load_list_json
from reviews.exports.cycle_report import RANKING_HEADINGS, cycle_report_workbook
from reviews.exports.rubric_xlsx import rubric_workbook
from reviews.services import rubrics as rubric_services
from reviews.services.reviewers import reviewers, reviewers_workbook, upsert_reviewer_profile
from tests.evaluations.basic_info_support import DATA_YEAR, TYPED, store
from tests.evaluations.basic_info_support import template as template  # noqa: F401 (fixture)
from tests.plans.test_responsibility import FUSHUN_JSON
from tests.reviews.test_reports import build_world, shenzhen_city  # noqa: F401 (fixture)

LONG = ("围绕全市主导产业和战略性新兴产业，建立健全高价值发明专利培育机制，支持重点企业、高校和科研院所联合开展"
        "关键核心技术攻关和专利布局，组织实施专利导航项目，推动知识产权服务机构深度参与企业研发全过程，"
        "完善知识产权质押融资风险补偿和保险机制，扩大知识产权证券化试点范围，加强知识产权行政执法与司法保护衔接，"
        "健全海外知识产权纠纷应对指导机制，落实知识产权工作目标责任考核，定期通报各县区和各部门工作进展情况，"
        "确保各项任务按期完成并取得实效。")
# What each workbook's one long cell holds (some cells have room for fewer characters).
LONG_UNITS = "、".join(("市知识产权局", "市发改委", "市科技局", "市工信局", "市财政局", "市金融发展局", "市国资委",
                       "市市场监管局", "市公安局", "市司法局", "抚顺银保监分局", "市中级人民法院", "各县区政府"))
EXPERTISE = ["专利运用", "知识产权保护", "知识产权金融", "专利导航", "地理标志", "商标品牌", "知识产权公共服务",
             "区域知识产权政策"]
NOISY = 3.2000000000000002  # what a float sum puts on a dashboard; the workbook must hold 3.2

# The workbooks, with what each must show: (sheet holding the long cell, its long text, the text of the last
# column's heading, the most pages LibreOffice may print).
EXPECTED = {
    "list": ("责任清单", LONG, "责任单位", 4),
    "basic_info": ("基本情况表", LONG, "备注", 4),
    "rubric": ("指标体系", LONG, "说明", 8),
    "cycle_report": ("排名", None, "决定", 3),
    "reviewers": ("评审专家", "、".join(EXPERTISE), "是否可用", 1),
    "dashboard": ("城市工作进展", LONG, "Overdue", 1),
    "audit": ("审计日志", LONG, "哈希值（SM3）", 3),
}


@pytest.fixture
def workbooks(fushun_city, fushun_officer, shenzhen_city, national_admin, template) -> dict[str, bytes]:  # noqa: F811
    """name -> the exported workbook, each from the builder the pages use."""
    with_audit_entry = audit.record(actor=national_admin, action="place.update", obj=fushun_city, reason=LONG,
                                    data={"score": NOISY})
    assert with_audit_entry.pk

    rlist = load_list_json(FUSHUN_JSON, city=fushun_city, year=2021, by=fushun_officer)
    ResponsibilityItem.objects.filter(list=rlist, number=3).update(task=LONG)
    ResponsibilityItem.objects.filter(list=rlist, number=8).update(responsible_units=LONG_UNITS.split("、"))

    store(fushun_city, template, {key: value for key, (_typed, value) in TYPED.items() if key != (11, "")}
          | {(11, ""): LONG})

    cycle = create_cycle(kind=CycleKind.DEMONSTRATION, year=2025, by=national_admin)
    rubric = rubric_services.create_default_rubric(cycle, by=national_admin)
    rubric.criteria.filter(pk=rubric.criteria.order_by("position")[1].pk).update(guidance=LONG)

    world = build_world(fushun_city, shenzhen_city, national_admin)
    upsert_reviewer_profile(world.experts[0], expertise=EXPERTISE, employer="中国科学院大学知识产权学院", title="教授",
                            by=national_admin)

    audit_file = io.BytesIO()
    write(AuditEntry.objects.all(), fmt=XLSX, out=audit_file)
    return {
        "list": responsibility_list_workbook(rlist),
        "basic_info": basic_info_workbook(fushun_city, DATA_YEAR, template, contact={"name": "王敏"}),
        "rubric": rubric_workbook(rubric),
        "cycle_report": cycle_report_workbook(world.cycle),
        "reviewers": reviewers_workbook(reviewers()),
        "dashboard": table_workbook("城市工作进展", ["City", "No.", "Task", "Due date", "Percent complete", "Overdue"], [
            ("抚顺市", 1, "万人高价值发明专利拥有量年均增长6%以上。", dt.date(2021, 12, 31), NOISY, "否"),
            ("抚顺市", 2, LONG, dt.date(2021, 6, 30), Decimal("87.50"), "是"),
            ("阳江市", 3, "=SUM(A1:A2)", None, 100, "否")]),
        "audit": audit_file.getvalue(),
    }


# --- What openpyxl sees --------------------------------------------------------------------------------------


def sheets_of(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).worksheets


def long_cell(ws, text: str):
    return next(cell for row in ws.iter_rows() for cell in row if cell.value == text)


def test_every_sheet_prints_on_a4_across_the_page_width(workbooks):
    for name, content in workbooks.items():
        for ws in sheets_of(content):
            setup = (ws.page_setup.paperSize, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight,
                     ws.sheet_properties.pageSetUpPr.fitToPage)
            assert setup == (9, 1, 0, True), (name, ws.title)
            assert ws.oddFooter.center.text in (xlsx.FORM_FOOTER, xlsx.TABLE_FOOTER), (name, ws.title)


def test_orientation_header_rows_and_frozen_panes_of_each_sheet(workbooks):
    found = {(name, ws.title): (ws.page_setup.orientation, ws.print_title_rows, ws.freeze_panes)
             for name, content in workbooks.items() for ws in sheets_of(content)}
    assert found == {
        ("list", "责任清单"): ("landscape", "$2:$2", "A3"),
        ("basic_info", "基本情况表"): ("portrait", None, None),  # the printed form: sections with their own headings
        ("rubric", "指标体系"): ("landscape", "$2:$2", "A3"),
        ("rubric", "填写说明"): ("landscape", None, None),
        ("cycle_report", "排名"): ("landscape", "$1:$1", "D2"),
        ("cycle_report", "指标统计"): ("portrait", "$1:$1", "C2"),
        ("cycle_report", "评分矩阵"): ("portrait", "$1:$1", "B2"),
        ("reviewers", "评审专家"): ("landscape", "$1:$1", "A2"),
        ("dashboard", "城市工作进展"): ("landscape", "$1:$1", "A2"),
        ("audit", "审计日志"): ("landscape", "$1:$1", "A2"),
    }


def test_rows_with_wrapped_text_are_as_tall_as_their_lines(workbooks):
    for name, (sheet, text, _last_heading, _pages) in EXPECTED.items():
        if text is None:
            continue
        ws = openpyxl.load_workbook(io.BytesIO(workbooks[name]))[sheet]
        cell = long_cell(ws, text)
        width = xlsx.column_width(ws, cell.column)
        lines = xlsx.line_count(text, width)
        assert cell.alignment.wrap_text is True, name
        assert lines >= 3, name
        assert ws.row_dimensions[cell.row].height >= lines * xlsx.line_height() > xlsx.ONE_LINE, name
    units = openpyxl.load_workbook(io.BytesIO(workbooks["list"])).active["E10"]
    assert units.value == LONG_UNITS
    assert units.parent.row_dimensions[10].height >= xlsx.line_count(LONG_UNITS, 26) * xlsx.line_height()


def test_numbers_have_formats_of_their_precision_and_no_float_noise(workbooks):
    for name, content in workbooks.items():
        for ws in sheets_of(content):
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, float):
                        assert round(cell.value, 4) == cell.value, (name, ws.title, cell.coordinate, cell.value)
    dashboard = sheets_of(workbooks["dashboard"])[0]
    assert [(c.value, c.number_format) for c in dashboard["E"][1:]] == [(3.2, "0.0"), (87.5, "0.00"), (100, "0")]
    assert [(c.value, c.number_format) for c in dashboard["D"][1:3]] == [
        (dt.datetime(2021, 12, 31), "yyyy-mm-dd"), (dt.datetime(2021, 6, 30), "yyyy-mm-dd")]
    assert (dashboard["C4"].value, dashboard["C4"].data_type) == ("=SUM(A1:A2)", "s")
    ranking = openpyxl.load_workbook(io.BytesIO(workbooks["cycle_report"]))["排名"]
    assert [ranking.cell(2, column).number_format for column in range(1, 17)] == [
        "0", "0", "General", "General", "General", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0",
        "0.00", "General", "General"]
    assert [ranking.cell(2, column).value for column in (6, 7, 11, 14)] == [20, 72, 2.45, 92]


def test_headers_are_styled_and_data_cells_boxed(workbooks):
    ranking = openpyxl.load_workbook(io.BytesIO(workbooks["cycle_report"]))["排名"]
    heading = ranking["I1"]
    assert (heading.value, heading.font.b, heading.fill.fgColor.rgb, heading.alignment.wrap_text) == (
        "主观去极值平均分", True, "00E7E6E6", True)
    assert ranking.row_dimensions[1].height == xlsx.text_height("主观去极值平均分", 9)
    assert (ranking["C2"].border.left.style, ranking["C2"].alignment.wrap_text) == ("thin", True)


# --- The helpers -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "stored", "fmt"), [
    (3.2000000000000002, Decimal("3.2"), "0.0"),
    (0.1 + 0.2, Decimal("0.3"), "0.0"),
    (2 / 3, Decimal("0.6667"), "0.0000"),
    (Decimal("85.50"), Decimal("85.50"), "0.00"),
    (Decimal("3000.0000"), Decimal("3000.00"), "0.00"),  # a stored Decimal(…, decimal_places=4)
    (Decimal("3.20000000000000"), Decimal("3.20"), "0.00"),
    (Decimal("0.66666666"), Decimal("0.6667"), "0.0000"),
    (Decimal("1E+3"), 1000, "0"),
    (12.0, 12, "0"),
    (7, 7, "0"),
])
def test_numbers_are_stored_without_noise(value, stored, fmt):
    cleaned = xlsx.cell_value(value)
    assert (cleaned, type(cleaned), xlsx.number_format(cleaned)) == (stored, type(stored), fmt)


def test_cjk_counts_double_and_lines_follow_the_column_width():
    assert xlsx.display_width("抚顺市ab“①”") == 14
    assert xlsx.line_count("", 10) == 1
    assert xlsx.line_count("抚顺" * 10, 45) == 1  # 40 columns
    assert xlsx.line_count("抚顺" * 10, 11) == 5  # 4 characters a line
    assert xlsx.line_count("甲\n乙\n丙", 40) == 3
    assert xlsx.line_count("a" * 100, 10) == 14  # one word longer than a line is broken; a letter is 1.1
    assert xlsx.line_count("word " * 10, 12) == 5  # words are not split
    assert xlsx.line_count("抚顺" * 10, 45, size=16) == 2  # a bigger font holds fewer characters


def test_orientation_follows_the_total_width():
    assert xlsx.orientation_for([10] * 9) == "portrait"
    assert xlsx.orientation_for([10] * 10) == "landscape"
    assert xlsx.orientation_for(xlsx_widths := [6, 6, 16, 10, 10, 8, 8, 8, 9, 8, 8, 7, 6, 8, 10, 18]) == "landscape"
    assert xlsx.printed_width(xlsx_widths) < xlsx.LANDSCAPE_POINTS * 1.1  # the ranking prints at 90 % or more


# --- What LibreOffice prints -----------------------------------------------------------------------------------


def soffice() -> str:
    executable = shutil.which("soffice") or shutil.which("libreoffice")
    if executable is None:
        pytest.fail("Debian's libreoffice-calc-nogui is not installed: `make test` installs it "
                    "(apt-get install libreoffice-calc-nogui).")
    return executable


# The fonts the workbooks name, as a Chinese desktop has them (WPS and LibreOffice on 统信 UOS or 麒麟 map them to
# CJK fonts): without this, fontconfig gives 宋体 to DejaVu Sans, whose Latin letters are a quarter wider.
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same"><family>宋体</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>SimSun</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
  <alias binding="same"><family>SimHei</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
</fontconfig>
"""


def convert_all(workbooks: dict[str, bytes], folder) -> tuple[dict, float]:
    """Each workbook printed to PDF by LibreOffice, all in one call with a profile of this test's own."""
    sources = folder / "xlsx"
    sources.mkdir()
    for name, content in workbooks.items():
        (sources / f"{name}.xlsx").write_bytes(content)
    (folder / "fonts.conf").write_text(FONTS_CONF, encoding="utf-8")
    started = time.monotonic()
    subprocess.run([soffice(), f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(folder / "pdf"),
                    *(str(sources / f"{name}.xlsx") for name in workbooks)],
                   check=True, capture_output=True, timeout=180,
                   env={**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf")})
    return {name: folder / "pdf" / f"{name}.pdf" for name in workbooks}, time.monotonic() - started


def pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def text_of(path, *, page: int | None = None) -> str:
    only = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", *only, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def flowed(text: str) -> str:
    return "".join(text.split())


def overlapping_lines(path) -> list[tuple[int, str, str]]:
    """(page, line, line) for every two printed lines that overlap: text run over from a row too short for it
    (what officials saw in the responsibility list). Lines of one cell only touch."""
    layout = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], check=True, capture_output=True,
                            text=True).stdout
    root = ElementTree.fromstring(re.sub(r' xmlns="[^"]+"', "", layout, count=1))
    found = []
    for number, page in enumerate(root.iter("page"), start=1):
        lines = [(tuple(float(line.get(key)) for key in ("xMin", "yMin", "xMax", "yMax")),
                  "".join(word.text or "" for word in line.iter("word"))) for line in page.iter("line")]
        for index, (a, text_a) in enumerate(lines):
            for b, text_b in lines[index + 1:]:
                across = min(a[2], b[2]) - max(a[0], b[0])
                down = min(a[3], b[3]) - max(a[1], b[1])
                if across > 1 and down > 0.3 * min(a[3] - a[1], b[3] - b[1]):
                    found.append((number, text_a, text_b))
    return found


@pytest.mark.libreoffice
def test_libreoffice_prints_every_workbook_whole(workbooks, tmp_path):
    pdfs, seconds = convert_all(workbooks, tmp_path)
    print(f"LibreOffice converted {len(pdfs)} workbooks in {seconds:.1f} s")
    for name, (_sheet, text, last_heading, most_pages) in EXPECTED.items():
        assert pdfs[name].exists(), f"{name}: LibreOffice made no PDF"
        assert 1 <= pages(pdfs[name]) <= most_pages, (name, pages(pdfs[name]))
        first_page = flowed(text_of(pdfs[name], page=1))
        assert flowed(last_heading) in first_page, f"{name}: the last column is not on page 1's width"
        if text is not None:
            assert flowed(text) in flowed(text_of(pdfs[name])), f"{name}: the long cell is cut"
        assert overlapping_lines(pdfs[name]) == [], name

    ranking = flowed(text_of(pdfs["cycle_report"], page=1))
    for heading in RANKING_HEADINGS:
        assert heading in ranking, heading
    assert "深圳市广东省副省级20.0072.00" in ranking
    assert pages(pdfs["cycle_report"]) == 3  # one page per sheet: the 16 columns of the ranking across one page
    assert flowed(LONG_UNITS) in flowed(text_of(pdfs["list"]))
