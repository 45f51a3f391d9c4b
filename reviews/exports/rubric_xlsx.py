"""A rubric as an .xlsx workbook national staff can edit and import back (reviews/imports.py).

The words of the sheet (编码, 级别, 客观, 逆向 …) are the form itself, not interface text: they stay in Chinese
whatever the interface language, like the official basic-information table. Rows are read back by their 编码,
which gives the tree; the positions are renumbered on import.
"""

from __future__ import annotations

import io
import json

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from evaluations.enums import MEASURED_VALUES
from evaluations.exports.basic_info_xlsx import cell_number
from ipcity.xlsx import BODY_FONT, BOX, CENTER, HEADER_FILL, fit_page, fit_row_heights
from reviews.enums import CriterionKind, Direction, Formula
from reviews.models import Criterion, Rubric

SHEET_TITLE = "指标体系"
HELP_SHEET_TITLE = "填写说明"
HEADINGS = ("编码", "级别", "指标名称", "分值", "类型", "方向", "数据来源", "计分方法", "参数", "已确认", "说明")
(CODE, LEVEL, NAME, POINTS, KIND, DIRECTION, SOURCE, FORMULA, PARAMS, CONFIRMED, GUIDANCE) = range(1, 12)
WIDTHS = (9, 7, 40, 7, 7, 7, 34, 13, 30, 8, 50)
TITLE_ROW, HEADER_ROW = 1, 2

LEVEL_WORDS = {1: "一级", 2: "二级", 3: "三级"}
KIND_WORDS = {CriterionKind.OBJECTIVE: "客观", CriterionKind.SUBJECTIVE: "主观"}
DIRECTION_WORDS = {Direction.HIGHER_IS_BETTER: "正向", Direction.LOWER_IS_BETTER: "逆向"}
FORMULA_WORDS = {Formula.LINEAR_TO_BENCHMARK: "线性至标杆值", Formula.RELATIVE_TO_BEST: "相对最优值",
                 Formula.THRESHOLD_BANDS: "分档计分"}
YES, NO = "是", "否"
TABLE_PREFIX = "基本情况表"

FORMULA_HELP = (
    ("线性至标杆值", '{"benchmark": 20}',
     "数值达到标杆值（benchmark）得满分，低于标杆值按比例得分：满分 × 数值 ÷ 标杆值。"
     '逆向指标还需“最差值”（worst），如 {"benchmark": 5, "worst": 30}：不高于标杆值得满分，不低于最差值得 0 分，其间按线性计分。'),
    ("相对最优值", "（留空）", "满分 × 数值 ÷ 本批次申报城市中的最高值；逆向指标为 满分 × 最低值 ÷ 数值。"),
    ("分档计分", '{"bands": [[50, 2], [200, 5], [500, 8]]}',
     "按门槛值从小到大排列的 [门槛值, 得分]：数值达到的最高一档的得分；逆向指标取数值不超过的最低一档的得分。"
     "每档得分不得超过该指标分值。"),
)
COLUMN_HELP = (
    ("编码", "按层级编号，如 1、1.2、1.2.3；下级指标的编码以上级指标的编码开头，且位于上级指标之下。"),
    ("级别", "一级、二级或三级，与编码的层数一致。"),
    ("分值", "大于 0 的数，最多两位小数；有下级指标的，分值应等于下级指标分值之和。"),
    ("类型", "客观（由申报数据按计分方法计算）或主观（由评审专家打分）。下级指标的类型与上级一致。"),
    ("方向", "正向或逆向（逆向指标：数值越低越好）。留空为正向。"),
    ("数据来源", f"客观指标必填：{TABLE_PREFIX}第N项（城市知识产权工作基本情况表的序号），"
                 "或省级测算数据的键名（小写字母、数字和下划线），"
                 '或由多项数据派生的数值（JSON）：比值 {"op": "ratio", "numerator": "table:17", "denominator": "table:3"}'
                 "（第17项 ÷ 第3项，可加 \"scale\": 100 等倍数）；增长率 "
                 '{"op": "growth", "current": "table:19", "previous": "measured:…"}；任期内考核平均得分 '
                 '{"op": "term_mean", "assessment": "annual"}（或 "patent_strength"）。'
                 "table:N 为基本情况表第N项（有分项的写 table:14-编制人数），measured:键名 为省级测算数据。"
                 "主观指标和有下级的指标留空。"),
    ("计分方法", "客观指标必填：线性至标杆值、相对最优值或分档计分。"),
    ("参数", "计分方法的参数，JSON 格式，见下表。"),
    ("已确认", "是：已由国家知识产权局确认；否：示例，待替换。"),
    ("说明", "评分说明，供评审专家参考。"),
)

EXAMPLE_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(vertical="center", wrap_text=True)


def params_text(params: dict) -> str:
    return json.dumps(params, ensure_ascii=False, sort_keys=True, separators=(", ", ": ")) if params else ""


def source_text(criterion: Criterion) -> str:
    """基本情况表第N项 …, a measured value key, or a derived value as JSON (read back by reviews/imports.py)."""
    if criterion.indicator is not None:
        return f"{TABLE_PREFIX}第{criterion.indicator.number}项 {criterion.indicator.label}"
    if criterion.derivation:
        return params_text(criterion.derivation)
    return criterion.source_key


def row_values(criterion: Criterion) -> tuple:
    return (
        criterion.code, LEVEL_WORDS.get(criterion.level, str(criterion.level)), criterion.name,
        cell_number(criterion.max_points), KIND_WORDS.get(criterion.kind, criterion.kind),
        DIRECTION_WORDS.get(criterion.direction, criterion.direction), source_text(criterion),
        FORMULA_WORDS.get(criterion.formula, criterion.formula), params_text(criterion.formula_params),
        YES if criterion.confirmed else NO, criterion.guidance,
    )


def _write_rubric_sheet(ws, rubric: Rubric, criteria: list[Criterion]) -> None:
    ws.title = SHEET_TITLE
    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.cell(TITLE_ROW, 1, rubric.title).font = Font(name=BODY_FONT, size=16, bold=True)
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=len(HEADINGS))
    ws.cell(TITLE_ROW, 1).alignment = CENTER
    ws.row_dimensions[TITLE_ROW].height = 32
    for column, heading in enumerate(HEADINGS, start=1):
        cell = ws.cell(HEADER_ROW, column, heading)
        cell.font, cell.alignment, cell.border, cell.fill = Font(name=BODY_FONT, bold=True), CENTER, BOX, HEADER_FILL
    ws.cell(HEADER_ROW, SOURCE).comment = Comment(
        f"{TABLE_PREFIX}第N项，或测算数据键名：" + "、".join(MEASURED_VALUES) + "，或派生值 JSON（见“填写说明”）",
        "ipcity")
    ws.cell(HEADER_ROW, FORMULA).comment = Comment("、".join(FORMULA_WORDS.values()) + "（见“填写说明”）", "ipcity")
    ws.cell(HEADER_ROW, PARAMS).comment = Comment('JSON，如 {"benchmark": 20}（见“填写说明”）', "ipcity")
    for row, criterion in enumerate(criteria, start=HEADER_ROW + 1):
        for column, value in enumerate(row_values(criterion), start=1):
            cell = ws.cell(row, column, value)
            if isinstance(value, str):
                cell.data_type = "s"  # a name or guidance starting with "=" stays text
            cell.font, cell.border = Font(name=BODY_FONT, bold=criterion.level == 1), BOX
            cell.alignment = CENTER if column in (CODE, LEVEL, POINTS, KIND, DIRECTION, CONFIRMED) else WRAP
            if not criterion.confirmed:
                cell.fill = EXAMPLE_FILL
        ws.cell(row, NAME).alignment = Alignment(vertical="center", wrap_text=True, indent=2 * (criterion.level - 1))
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    fit_row_heights(ws)
    fit_page(ws, header_rows=(HEADER_ROW, HEADER_ROW))


def _write_help_sheet(ws) -> None:
    ws.title = HELP_SHEET_TITLE
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width, ws.column_dimensions["C"].width = 14, 40, 90
    row = 1
    for heading, rows in ((("栏目", "填写要求", ""), COLUMN_HELP), (("计分方法", "参数示例", "计算方法"), FORMULA_HELP)):
        for column, text in enumerate(heading, start=1):
            cell = ws.cell(row, column, text)
            cell.font, cell.fill = Font(name=BODY_FONT, bold=True), HEADER_FILL
        for values in rows:
            row += 1
            for column, text in enumerate(values, start=1):
                cell = ws.cell(row, column, text)
                cell.font, cell.alignment, cell.data_type = Font(name=BODY_FONT), WRAP, "s"
        row += 2
    ws.cell(row, 1, "黄色底纹的行为示例指标（未确认），请替换为正式指标。").font = Font(name=BODY_FONT, bold=True)
    fit_row_heights(ws)
    fit_page(ws)


def rubric_workbook(rubric: Rubric) -> bytes:
    """The rubric's tree in rubric order, with a second sheet explaining the columns and the formulas."""
    criteria = list(rubric.criteria.select_related("indicator").order_by("position"))
    workbook = Workbook()
    _write_rubric_sheet(workbook.active, rubric, criteria)
    _write_help_sheet(workbook.create_sheet(HELP_SHEET_TITLE))
    workbook.properties.title = rubric.title
    workbook.properties.creator = "ipcity"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
