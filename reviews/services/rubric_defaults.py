"""The seeded indicator systems, one per procedure, as plain data.

Only part of 《评定示范城市指标体系》 is known (DESIGN.md §4): 一、客观实力评价指标 100 points, 创造 15 with its five
rows, and the name and total of 运用 (20). Those rows are ``confirmed``; every other row is an example for national
staff to replace, and the pages show it as one. Names and guidance are the official record, so they are written
in Chinese whatever the interface language.

Every procedure's system has objective criteria computed from submitted data (DESIGN.md §4), so a complete
basic-information table gives numbers: a row of the table (S1 附件3), a measured value of the province (S1 二(二)1),
a ratio of table rows (reviews/derivations.py: 每万人口… = row ÷ 第3行 常住人口（万人）; 每亿元GDP… = row ÷ 第4行
GDP总量（亿元）), or, for the re-review, the mean score of the term's annual assessments and patent-strength
evaluations (S1 三(二)3, S0 四(一)(二)). Benchmarks and points of those rows are examples (EXAMPLE_NOTE): the notice
gives none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evaluations.enums import CycleKind
from evaluations.services.cycles import narrative_templates
from reviews.derivations import RATIO, TERM_MEAN
from reviews.enums import AssessmentKind, CriterionKind, Direction, Formula

TITLES = {
    CycleKind.DEMONSTRATION: "《评定示范城市指标体系》（2018）",
    CycleKind.PILOT: "试点城市评定指标体系（示例）",
    CycleKind.RE_REVIEW: "示范城市复核指标体系（示例）",
    CycleKind.STRONG_CITY: "知识产权强市创建评审指标体系（示例）",
}

CONFIRMED_NOTE = "名称与分值已确认；计分方法及参数为示例，请国家知识产权局确认。"
EXAMPLE_NOTE = "示例指标，请国家知识产权局替换为正式指标。"


@dataclass(frozen=True)
class Row:
    """One criterion of a seeded rubric; ``indicator`` is a row of the basic-information table: (序号, sub-item);
    ``derivation`` a derived value (reviews/derivations.py)."""

    name: str
    points: int | str
    kind: str = CriterionKind.SUBJECTIVE
    children: tuple[Row, ...] = ()
    confirmed: bool = False
    direction: str = Direction.HIGHER_IS_BETTER
    indicator: tuple[int, str] | None = None
    source_key: str = ""
    derivation: dict = field(default_factory=dict)
    formula: str = ""
    params: dict = field(default_factory=dict)
    guidance: str = ""


def objective(name: str, points: int | str, *, formula: str = "", params: dict | None = None,
              table: int | None = None, key: str = "", derive: dict | None = None, confirmed: bool = False,
              direction: str = Direction.HIGHER_IS_BETTER, children: tuple[Row, ...] = (), guidance: str = "") -> Row:
    if not guidance and not children:
        guidance = CONFIRMED_NOTE if confirmed else EXAMPLE_NOTE
    return Row(name=name, points=points, kind=CriterionKind.OBJECTIVE, children=children, confirmed=confirmed,
               direction=direction, indicator=(table, "") if table else None, source_key=key,
               derivation=derive or {}, formula=formula, params=params or {}, guidance=guidance)


def subjective(name: str, points: int | str, guidance: str = "", *, children: tuple[Row, ...] = ()) -> Row:
    return Row(name=name, points=points, children=children, guidance=guidance)


def ratio(numerator: str, denominator: str, scale: float | None = None) -> dict:
    """numerator ÷ denominator (× scale): ``ratio("table:17", "table:3")`` is 有效注册商标量 per 10,000 residents."""
    return {"op": RATIO, "numerator": numerator, "denominator": denominator,
            **({"scale": scale} if scale is not None else {})}


def term_mean(kind: str) -> dict:
    return {"op": TERM_MEAN, "assessment": kind}


LINEAR, RELATIVE, BANDS = Formula.LINEAR_TO_BENCHMARK, Formula.RELATIVE_TO_BEST, Formula.THRESHOLD_BANDS
REVERSE = Direction.LOWER_IS_BETTER
# Rows of the basic-information table (S1 附件3) that ratios divide by.
RESIDENTS = "table:3"  # 常住人口（万人）: a ratio to it is "per 10,000 residents"
GDP = "table:4"  # GDP总量（亿元）: a ratio to it is "per 100 million yuan of GDP"
# 全社会研发投入（万元） ÷ GDP总量（亿元） × 0.01 is the share of GDP in percent (1亿元 = 10000万元).
RD_SHARE = ratio("table:7", GDP, 0.01)


def demonstration() -> list[Row]:
    create = objective("创造", 15, confirmed=True, children=(
        # Row 15 of the table is already per 10,000 residents (件/万人).
        objective("（万人）有效发明专利拥有量", 4, confirmed=True, table=15, formula=LINEAR, params={"benchmark": 20}),
        objective("（每亿元GDP）发明专利授权量", 3, confirmed=True, derive=ratio("measured:invention_grants", GDP),
                  formula=RELATIVE),
        objective("发明专利实审授权率", 4, confirmed=True, key="invention_grant_rate", formula=LINEAR,
                  params={"benchmark": 60}),
        objective("实用新型不办登视为放弃率（逆向）", 2, confirmed=True, direction=REVERSE,
                  key="utility_model_abandonment_rate", formula=LINEAR, params={"benchmark": 5, "worst": 30}),
        objective("外观设计不办登视为放弃率（逆向）", 2, confirmed=True, direction=REVERSE,
                  key="design_abandonment_rate", formula=LINEAR, params={"benchmark": 5, "worst": 30}),
    ))
    use = objective("运用", 20, confirmed=True, guidance="名称与分值已确认；下属指标为示例。", children=(
        objective("专利权质押融资金额", 8, table=19, formula=RELATIVE),
        objective("专利保险保额", 4, table=20, formula=RELATIVE),
        objective("专利转让、许可件数", 8, key="patent_transfers_and_licences", formula=BANDS,
                  params={"bands": [[50, 2], [200, 5], [500, 8]]}),
    ))
    protect = objective("保护", 25, guidance=EXAMPLE_NOTE, children=(
        objective("专利行政执法办案量", 10, key="patent_enforcement_cases", formula=RELATIVE),
        objective("专利行政执法工作绩效考核得分", 10, key="enforcement_score", formula=LINEAR, params={"benchmark": 90}),
        objective("知识产权保护中心、维权援助中心数量", 5, key="protection_centres", formula=BANDS,
                  params={"bands": [[1, 3], [2, 5]]}),
    ))
    manage = objective("管理", 20, guidance=EXAMPLE_NOTE, children=(
        objective("通过贯标认证企业数量", 8, table=23, formula=RELATIVE),
        objective("国家知识产权示范企业数量", 6, table=24, formula=BANDS, params={"bands": [[1, 2], [3, 4], [5, 6]]}),
        objective("国家知识产权优势企业数量", 6, table=25, formula=BANDS, params={"bands": [[5, 2], [10, 4], [20, 6]]}),
    ))
    serve = objective("服务", 20, guidance=EXAMPLE_NOTE, children=(
        objective("专利代理人数量", 8, table=32, formula=RELATIVE),
        objective("全国知识产权领军人才数量", 6, table=30, formula=BANDS, params={"bands": [[1, 3], [3, 6]]}),
        objective("百千万知识产权人才工程百名高层次人才数量", 6, table=31, formula=BANDS,
                  params={"bands": [[1, 3], [2, 6]]}),
    ))
    judged = subjective("二、主观评价指标", 100, EXAMPLE_NOTE, children=(
        subjective("工作方案目标与任务", 25, "示范城市工作方案目标明确、任务具体，与城市经济社会发展相适应。"),
        subjective("特色主题", 15, "城市知识产权工作特色鲜明，示范主题突出。"),
        subjective("管理体制与保障", 20, "知识产权管理体制机制健全，机构、人员、经费保障有力。"),
        subjective("工作成效", 25, "试点及示范培育期间工作成效显著（参照工作总结）。"),
        subjective("政府重视程度", 15, "市委市政府重视知识产权工作并纳入考核体系（参照基本情况表第13项）。"),
    ))
    measured = objective("一、客观实力评价指标", 100, confirmed=True, guidance="一级指标名称与分值已确认。",
                         children=(create, use, protect, manage, serve))
    return [measured, judged]


def pilot() -> list[Row]:
    basis = objective("知识产权工作基础（客观指标）", 20, guidance=EXAMPLE_NOTE + "由基本情况表计算。", children=(
        objective("每万人口发明专利拥有量", 6, table=15, formula=LINEAR, params={"benchmark": 10}),
        objective("每万人口有效注册商标量", 4, derive=ratio("table:17", RESIDENTS), formula=LINEAR,
                  params={"benchmark": 100}),
        objective("全社会研发投入占GDP比重（%）", 4, derive=RD_SHARE, formula=LINEAR, params={"benchmark": 2.5}),
        objective("每万人口专利代理人数量", 3, derive=ratio("table:32", RESIDENTS), formula=LINEAR,
                  params={"benchmark": 1}),
        objective("规模以上工业企业贯标认证比例（%）", 3, derive=ratio("table:23", "table:9", 100), formula=LINEAR,
                  params={"benchmark": 20}),
    ))
    judged = subjective("试点工作方案与保障（主观指标）", 80, EXAMPLE_NOTE, children=(
        subjective("试点主题", 20, "试点主题明确，符合城市发展需要，经省级专家论证。"),
        subjective("工作方案目标与任务", 25, "工作目标定性与定量相结合，重点任务明确、责任单位落实。"),
        subjective("保障措施", 20, "组织领导、经费投入、督导考核、培训与宣传等保障措施。"),
        subjective("政府重视程度", 15, "市委市政府重视知识产权工作，纳入政府工作和考核体系（参照基本情况表第13项）。"),
    ))
    return [basis, judged]


SUMMARY_POINTS = (15, 10, 8, 8, 8, 7, 5, 5, 4)  # the nine sections of the work summary: 70 points
TERM_NOTE = "示例：任期内各年度得分的平均值，按标杆值折算为本项分值；请国家知识产权局确认。"


def re_review() -> list[Row]:
    sections = narrative_templates()["work_summary_outline"]["sections"]
    summary = tuple(subjective(f"{section['no']}、{section['title']}", points, section.get("guidance", ""))
                    for section, points in zip(sections, SUMMARY_POINTS, strict=True))
    # S1 三(二)3: the term's annual assessments and patent-strength monitoring are scored quantitatively.
    term = (
        objective("年度考核结果", 15, derive=term_mean(AssessmentKind.ANNUAL), formula=LINEAR,
                  params={"benchmark": 100}, guidance=TERM_NOTE),
        objective("专利实力状况评价结果", 15, derive=term_mean(AssessmentKind.PATENT_STRENGTH), formula=LINEAR,
                  params={"benchmark": 100}, guidance=TERM_NOTE),
    )
    return [
        subjective("示范城市建设工作总结（主观指标）", 70, "按《示范城市建设工作总结提纲》九个部分评价。" + EXAMPLE_NOTE,
                   children=summary),
        objective("任期内年度考核与专利实力状况评价（客观指标）", 30,
                  guidance="复核依据任期内的年度考核和专利实力监测结果进行量化评分。" + EXAMPLE_NOTE, children=term),
    ]


def strong_city() -> list[Row]:
    requirements = narrative_templates()["strong_city_plan_template"]["review_requirements"]
    rows = []
    for requirement in requirements:  # "目标明确（分级描述的定性指标 + 可考核的定量指标）"
        name, _sep, rest = requirement.partition("（")
        rows.append(subjective(name, "17.5", rest.removesuffix("）")))
    # S1 四(二)3: the experts weigh the city's 基础条件、综合实力 and 发展潜力 besides the plan.
    strength = objective("基础条件与综合实力（客观指标）", 30, guidance=EXAMPLE_NOTE + "由基本情况表计算。", children=(
        objective("每万人口发明专利拥有量", 8, table=15, formula=LINEAR, params={"benchmark": 20}),
        objective("每亿元GDP专利权质押融资金额（万元）", 6, derive=ratio("table:19", GDP, 10000), formula=LINEAR,
                  params={"benchmark": 50}),
        objective("全社会研发投入占GDP比重（%）", 6, derive=RD_SHARE, formula=LINEAR, params={"benchmark": 3}),
        objective("每万人口有效注册商标量", 5, derive=ratio("table:17", RESIDENTS), formula=LINEAR,
                  params={"benchmark": 150}),
        objective("每万人口PCT国际专利申请量", 5, derive=ratio("table:16", RESIDENTS), formula=LINEAR,
                  params={"benchmark": 1}),
    ))
    return [strength, subjective("强市创建工作方案评审（主观指标）", 70, EXAMPLE_NOTE, children=tuple(rows))]


DEFAULTS = {
    CycleKind.DEMONSTRATION: demonstration,
    CycleKind.PILOT: pilot,
    CycleKind.RE_REVIEW: re_review,
    CycleKind.STRONG_CITY: strong_city,
}
