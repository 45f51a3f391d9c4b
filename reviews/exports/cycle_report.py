"""The scoring report of a cycle: an .xlsx workbook (排名 / 指标统计 / 评分矩阵) and a PDF summary.

For national staff only: the matrix names every reviewer. The printed words (sheet names, headings, the
names of level groups, suggestions and decisions) are the wording of the official report and stay in
Chinese whatever the interface language, like the basic-information table (evaluations/exports/
basic_info_xlsx.py). Pure: reads the database, writes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Max
from django.utils import timezone, translation
from openpyxl import Workbook

from evaluations.models import Application
from ipcity.dates import official_date
from ipcity.pdf import render_pdf
from ipcity.xlsx import finish_sheet, write_cell
from reviews.aggregation import ApplicationStats, cycle_statistics
from reviews.enums import Aggregate, AssignmentStatus, CriterionKind, Outcome, Recommendation
from reviews.outcomes import outcome_of
from reviews.selectors import ranked_applications
from reviews.models import Assignment, Criterion, Review, Score

CENT = Decimal("0.01")

SHEET_RANKING, SHEET_CRITERIA, SHEET_MATRIX = "排名", "指标统计", "评分矩阵"
RANKING_HEADINGS = ("名次", "组内名次", "城市", "省份", "城市层级", "客观分", "主观平均分", "主观中位数",
                    "主观去极值平均分", "采用的主观分", "标准差", "极差", "评审数", "最终得分", "建议结果", "决定")
CRITERIA_HEADINGS = ("编号", "指标", "满分", "评分数", "平均分", "最低分", "最高分", "标准差")
MATRIX_CORNER = "评审专家"

# The names the official report gives to the values of reviews.aggregation and reviews.enums.
LEVEL_GROUP_NAMES = {"sub_provincial": "副省级", "prefecture": "地级", "county": "县级及直辖市所辖区"}
SUGGESTION_NAMES = {"approve": "建议通过", "discuss": "待议", "reject": "建议不通过"}
OUTCOME_NAMES = {Outcome.APPROVED: "通过", Outcome.REJECTED: "不通过", Outcome.PASSED: "复核通过",
                 Outcome.FAILED: "复核不通过", Outcome.TITLE_CANCELLED: "取消示范城市资格",
                 Outcome.NOT_SUBMITTED: "未按期申报复核"}
RECOMMENDATION_NAMES = {Recommendation.APPROVE: "建议通过", Recommendation.REJECT: "建议不通过",
                        Recommendation.UNDECIDED: "未明确"}
AGGREGATE_NAMES = {Aggregate.MEAN: "平均分", Aggregate.MEDIAN: "中位数", Aggregate.TRIMMED_MEAN: "去极值平均分"}

# Applications that take part in the ranking (the same set as the decision screen's).


# --- Reads shared by the exports -------------------------------------------------------------------


def objective_totals_for(cycle, applications) -> dict[int, Decimal | None]:
    """application id → objective points from the scoring module; empty while that module is not there."""
    try:
        from reviews.objective import objective_totals
    except ImportError:
        return {}
    return objective_totals(cycle, list(applications))


def objective_total_of(application) -> Decimal | None:
    """The objective points of one application as the cycle's ranking computes them: criteria scored
    relative to the best take the best among the cycle's ranked applications, not this one alone."""
    competitors = list(ranked_applications(application.cycle))
    if application.pk not in {a.pk for a in competitors}:
        competitors.append(application)
    return objective_totals_for(application.cycle, competitors).get(application.pk)



def decision_of(application):
    try:
        return application.decision
    except ObjectDoesNotExist:
        return None


def outcome_text(application) -> str | None:
    """The decision as the report states it: what the decision did to the title, and what holds now if a later
    event changed it (the public page's line, from ``reviews.outcomes``)."""
    decision = decision_of(application)
    if decision is None:
        return None
    with translation.override("zh-hans"):
        line = outcome_of(application)
        if line is None:
            return OUTCOME_NAMES.get(decision.outcome)
        return line.label + (f"（{line.change.on.isoformat()}变更为：{line.change.label}）" if line.change else "")


def local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def quantize(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class CriterionFigures:
    criterion: Criterion
    count: int
    mean: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    std_dev: Decimal | None


@dataclass
class CycleReport:
    cycle: object
    ranking: list[ApplicationStats]
    criteria: list[CriterionFigures]
    reviewers: list  # users with an assignment in the cycle, by name
    date: dt.date | None  # the latest review submission or decision: the date the report is "as of"


def subjective_leaf_criteria(rubric) -> list[Criterion]:
    criteria = list(Criterion.objects.filter(rubric=rubric).order_by("position"))
    parents = {c.parent_id for c in criteria if c.parent_id is not None}
    return [c for c in criteria if c.kind == CriterionKind.SUBJECTIVE and c.pk not in parents]


def criterion_figures(rubric, applications: list[Application]) -> list[CriterionFigures]:
    """Per subjective criterion, over the submitted reviews of ``applications``: two queries."""
    leaves = subjective_leaf_criteria(rubric)
    points: dict[int, list[Decimal]] = {c.pk: [] for c in leaves}
    rows = Score.objects.filter(review__submitted_at__isnull=False, criterion_id__in=list(points),
                                review__assignment__application__in=applications,
                                points__isnull=False).values_list("criterion_id", "points")
    for criterion_id, value in rows:
        points[criterion_id].append(value)
    figures = []
    for criterion in leaves:
        values = points[criterion.pk]
        figures.append(CriterionFigures(
            criterion=criterion, count=len(values),
            mean=quantize(sum(values) / len(values)) if values else None,
            minimum=min(values) if values else None, maximum=max(values) if values else None,
            std_dev=quantize(statistics.pstdev([float(v) for v in values])) if values else None))
    return figures


def collect(cycle) -> CycleReport:
    """Everything the workbook and the PDF show; a constant number of queries."""
    applications = list(ranked_applications(cycle))
    ranking = cycle_statistics(cycle, applications, objective=objective_totals_for(cycle, applications))
    assignments = (Assignment.objects.filter(application__in=applications)
                   .exclude(status=AssignmentStatus.CONFLICT).select_related("reviewer"))
    reviewers = sorted({a.reviewer for a in assignments}, key=lambda user: (str(user), user.pk))
    latest = [Review.objects.filter(assignment__application__in=applications)
              .aggregate(last=Max("submitted_at"))["last"]]
    latest += [d.decided_at for a in applications if (d := decision_of(a)) is not None]
    latest = [moment for moment in latest if moment is not None]
    return CycleReport(cycle=cycle, ranking=ranking, criteria=criterion_figures(cycle.rubric, applications),
                       reviewers=reviewers, date=local_date(max(latest)) if latest else None)


def cell_text(value) -> str:
    """A value as the PDF tables print it: two decimals for points, "—" for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def ranking_row(stats: ApplicationStats) -> list:
    application = stats.application
    return [stats.rank, stats.level_rank, application.city.full_name, application.city.province.name,
            LEVEL_GROUP_NAMES.get(stats.level_group), stats.objective, stats.mean, stats.median,
            stats.trimmed_mean, stats.counted, stats.std_dev, stats.spread, len(stats.totals), stats.final,
            SUGGESTION_NAMES.get(stats.suggestion), outcome_text(application)]


# --- The workbook ----------------------------------------------------------------------------------

# Column widths: numbers take 7–9 characters and their headings wrap on two lines, so the 16 columns of the
# ranking print on one landscape page.
RANKING_WIDTHS = (6, 6, 16, 10, 10, 8, 8, 8, 9, 8, 8, 7, 6, 8, 10, 18)
CRITERIA_WIDTHS = (8, 36, 7, 7, 8, 8, 8, 8)
MATRIX_WIDTHS = {1: 16}
MATRIX_COLUMN_WIDTH = 10


def _sheet(workbook: Workbook, title: str, headings, rows, *, widths, frozen: str):
    sheet = workbook.create_sheet(title)
    for row_number, values in enumerate([list(headings), *rows], start=1):
        for column, value in enumerate(values, start=1):
            write_cell(sheet.cell(row_number, column), value)
    finish_sheet(sheet, widths=widths, freeze=frozen)
    return sheet


def cycle_report_workbook(cycle) -> bytes:
    """Sheets 排名 (the ranking with every statistic), 指标统计 (per subjective criterion) and 评分矩阵
    (reviewer × application subjective totals; empty where a review is not submitted)."""
    report = collect(cycle)
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, SHEET_RANKING, RANKING_HEADINGS, [ranking_row(s) for s in report.ranking],
           widths=RANKING_WIDTHS, frozen="D2")
    _sheet(workbook, SHEET_CRITERIA, CRITERIA_HEADINGS,
           [[f.criterion.code, f.criterion.name, f.criterion.max_points, f.count, f.mean, f.minimum, f.maximum,
             f.std_dev] for f in report.criteria],
           widths=CRITERIA_WIDTHS, frozen="C2")
    _sheet(workbook, SHEET_MATRIX, [MATRIX_CORNER, *(s.application.city.full_name for s in report.ranking)],
           [[str(reviewer), *(s.totals.get(reviewer.pk) for s in report.ranking)] for reviewer in report.reviewers],
           widths={**{c: MATRIX_COLUMN_WIDTH for c in range(2, len(report.ranking) + 2)}, **MATRIX_WIDTHS},
           frozen="B2")
    workbook.properties.title = f"{cycle.title}评审结果汇总表"
    workbook.properties.creator = "ipcity"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- The PDF summary -------------------------------------------------------------------------------


def cycle_report_pdf(cycle) -> bytes:
    """The ranking table as an A4 landscape PDF titled "{cycle.title}评审结果汇总表"."""
    report = collect(cycle)
    return render_pdf("pdf/cycle_report.html", {
        "cycle": cycle,
        "rubric": cycle.rubric,
        "aggregate_name": AGGREGATE_NAMES.get(cycle.rubric.aggregate, ""),
        "headings": RANKING_HEADINGS,
        "rows": [[cell_text(value) for value in ranking_row(s)] for s in report.ranking],
        "report_date": official_date(report.date) if report.date else "",
        "metadata_date": report.date,
    })
