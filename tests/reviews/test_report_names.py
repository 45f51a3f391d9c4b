"""The name a generated report is saved under says the year once."""

from __future__ import annotations

from evaluations.enums import CycleKind
from evaluations.models import Cycle
from reviews.enums import ReportKind
from reviews.services.reports import download_name


def test_report_name_of_a_standard_title_says_the_year_once():
    cycle = Cycle(kind=CycleKind.DEMONSTRATION, year=2026, title="2026年度示范城市评定")
    assert (download_name(ReportKind.CYCLE_XLSX, cycle), download_name(ReportKind.CYCLE_PDF, cycle)) == (
        "评审结果汇总表-2026年度示范城市评定.xlsx", "评审结果汇总表-2026年度示范城市评定.pdf")


def test_report_name_of_a_title_without_year_adds_it():
    cycle = Cycle(kind=CycleKind.PILOT, year=2027, title="试点城市评定（补充批次）")
    assert download_name(ReportKind.CYCLE_XLSX, cycle) == "评审结果汇总表-2027-试点城市评定（补充批次）.xlsx"
