"""Rubrics: the seeded indicator systems, the checks, edits and freezing, copying, Excel, and the pages."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cities.enums import Role
from cities.models import AuditEntry
from evaluations.basic_info import current_template
from evaluations.enums import CycleKind
from evaluations.services.cycles import create_cycle, open_cycle
from reviews.enums import Aggregate, CriterionKind, Direction, Formula
from reviews.exports.rubric_xlsx import HEADINGS, HELP_SHEET_TITLE, SHEET_TITLE, rubric_workbook
from reviews.imports import import_rubric
from reviews.models import Criterion, Rubric
from reviews.rubric_checks import formula_problems
from reviews.services import rubrics as services
from tests.factories import user_with_role
from tests.utils import queries_for

HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER
FROZEN = "The rubric is frozen because the review has started; it can no longer be changed."
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_EXCEL = "the file is not an Excel workbook (.xlsx); save it as .xlsx and upload it again"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def demo_cycle(national_admin):
    return create_cycle(kind=CycleKind.DEMONSTRATION, year=2026, by=national_admin)


@pytest.fixture
def rubric(demo_cycle, national_admin):
    return services.create_default_rubric(demo_cycle, by=national_admin)


def tree(rubric: Rubric) -> list[tuple]:
    """Everything a criterion holds, in rubric order, with the parent by code."""
    return [(c.code, c.level, c.position, c.parent.code if c.parent else None, c.name, c.max_points, c.kind,
             c.direction, c.guidance, c.indicator_id, c.source_key, c.derivation, c.formula, c.formula_params,
             c.confirmed)
            for c in rubric.criteria.select_related("parent").order_by("position")]


def criterion(rubric: Rubric, code: str) -> Criterion:
    return rubric.criteria.get(code=code)


def upload(content: bytes, name: str = "指标体系.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def load(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- The seeded rubrics ------------------------------------------------------------------------


def test_default_demonstration_rubric_holds_the_confirmed_rows(rubric, demo_cycle, national_admin):
    rows = [(c.code, c.name, c.max_points, c.direction, c.confirmed)
            for c in rubric.criteria.filter(code__startswith="1.1").order_by("position")]
    assert rows == [
        ("1.1", "创造", Decimal("15"), HIGHER, True),
        ("1.1.1", "（万人）有效发明专利拥有量", Decimal("4"), HIGHER, True),
        ("1.1.2", "（每亿元GDP）发明专利授权量", Decimal("3"), HIGHER, True),
        ("1.1.3", "发明专利实审授权率", Decimal("4"), HIGHER, True),
        ("1.1.4", "实用新型不办登视为放弃率（逆向）", Decimal("2"), LOWER, True),
        ("1.1.5", "外观设计不办登视为放弃率（逆向）", Decimal("2"), LOWER, True),
    ]
    assert rubric.title == "《评定示范城市指标体系》（2018）"
    assert [(c.code, c.name, c.max_points, c.kind, c.confirmed) for c in rubric.criteria.filter(level=1)] == [
        ("1", "一、客观实力评价指标", Decimal("100"), CriterionKind.OBJECTIVE, True),
        ("2", "二、主观评价指标", Decimal("100"), CriterionKind.SUBJECTIVE, False),
    ]
    assert [(c.code, c.name, c.max_points) for c in rubric.criteria.filter(level=2, parent__code="1")] == [
        ("1.1", "创造", Decimal("15")), ("1.2", "运用", Decimal("20")), ("1.3", "保护", Decimal("25")),
        ("1.4", "管理", Decimal("20")), ("1.5", "服务", Decimal("20"))]
    # Confirmed: the objective part, 创造 with its five rows, and 运用's name and total. All else is an example.
    assert sorted(rubric.criteria.filter(confirmed=True).values_list("code", flat=True)) == [
        "1", "1.1", "1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.2"]
    objective_leaves = [c for c in rubric.criteria.filter(kind=CriterionKind.OBJECTIVE) if not c.children.exists()]
    assert sum(c.max_points for c in objective_leaves) == Decimal("100")
    assert all(c.formula and (c.indicator_id or c.source_key or c.derivation) for c in objective_leaves)
    # （每亿元GDP）发明专利授权量: the measured grants ÷ row 4 of the table, GDP总量（亿元）.
    assert criterion(rubric, "1.1.2").derivation == {"op": "ratio", "numerator": "measured:invention_grants",
                                                     "denominator": "table:4"}
    first = criterion(rubric, "1.1.1")
    assert (first.indicator.number, first.indicator.name, first.indicator.template) == (
        15, "每万人口发明专利拥有量", current_template())
    assert (criterion(rubric, "1.1.4").formula, criterion(rubric, "1.1.4").formula_params) == (
        Formula.LINEAR_TO_BENCHMARK, {"benchmark": 5, "worst": 30})
    assert services.rubric_problems(rubric) == []
    entry = AuditEntry.objects.get(action="rubric.create")
    assert (entry.actor, entry.object_id, entry.data) == (national_admin, str(rubric.pk),
                                                          {"cycle": demo_cycle.pk, "criteria": 29})


RE_REVIEW_SECTIONS = [
    "一、示范城市建设方案所确定的目标和任务完成情况", "二、管理体制机制和能力建设情况", "三、强化知识产权创造工作情况",
    "四、强化知识产权保护工作情况", "五、强化知识产权运用工作情况", "六、产业、企业知识产权工作推进情况",
    "七、知识产权服务业发展情况", "八、知识产权文化、人才建设情况", "九、其他需要总结的情况"]


@pytest.mark.parametrize("kind, title, tops, objective, subjective", [
    (CycleKind.PILOT, "试点城市评定指标体系（示例）",
     [("1", "知识产权工作基础（客观指标）", Decimal("20"), CriterionKind.OBJECTIVE),
      ("2", "试点工作方案与保障（主观指标）", Decimal("80"), CriterionKind.SUBJECTIVE)],
     [("每万人口发明专利拥有量", 15, {}),
      ("每万人口有效注册商标量", None, {"op": "ratio", "numerator": "table:17", "denominator": "table:3"}),
      ("全社会研发投入占GDP比重（%）", None,
       {"op": "ratio", "numerator": "table:7", "denominator": "table:4", "scale": 0.01}),
      ("每万人口专利代理人数量", None, {"op": "ratio", "numerator": "table:32", "denominator": "table:3"}),
      ("规模以上工业企业贯标认证比例（%）", None,
       {"op": "ratio", "numerator": "table:23", "denominator": "table:9", "scale": 100})],
     ["试点主题", "工作方案目标与任务", "保障措施", "政府重视程度"]),
    (CycleKind.STRONG_CITY, "知识产权强市创建评审指标体系（示例）",
     [("1", "基础条件与综合实力（客观指标）", Decimal("30"), CriterionKind.OBJECTIVE),
      ("2", "强市创建工作方案评审（主观指标）", Decimal("70"), CriterionKind.SUBJECTIVE)],
     [("每万人口发明专利拥有量", 15, {}),
      ("每亿元GDP专利权质押融资金额（万元）", None,
       {"op": "ratio", "numerator": "table:19", "denominator": "table:4", "scale": 10000}),
      ("全社会研发投入占GDP比重（%）", None,
       {"op": "ratio", "numerator": "table:7", "denominator": "table:4", "scale": 0.01}),
      ("每万人口有效注册商标量", None, {"op": "ratio", "numerator": "table:17", "denominator": "table:3"}),
      ("每万人口PCT国际专利申请量", None, {"op": "ratio", "numerator": "table:16", "denominator": "table:3"})],
     ["目标明确", "措施具体", "特色突出", "保障有力"]),
    (CycleKind.RE_REVIEW, "示范城市复核指标体系（示例）",
     [("1", "示范城市建设工作总结（主观指标）", Decimal("70"), CriterionKind.SUBJECTIVE),
      ("2", "任期内年度考核与专利实力状况评价（客观指标）", Decimal("30"), CriterionKind.OBJECTIVE)],
     [("年度考核结果", None, {"op": "term_mean", "assessment": "annual"}),
      ("专利实力状况评价结果", None, {"op": "term_mean", "assessment": "patent_strength"})],
     RE_REVIEW_SECTIONS),
])
def test_default_rubrics_of_other_procedures_compute_objective_examples(kind, title, tops, objective, subjective,
                                                                        national_admin):
    """DESIGN.md §4: objective criteria are computed from the submitted data (here ratios of rows of the table,
    S1 附件3, or the term's assessments, S1 三(二)3); every row is an example (nothing of these systems is
    confirmed)."""
    cycle = create_cycle(kind=kind, year=2026, by=national_admin)
    rubric = services.create_default_rubric(cycle, by=national_admin)
    criteria = list(rubric.criteria.select_related("indicator"))
    leaves = [c for c in criteria if not any(o.parent_id == c.pk for o in criteria)]
    assert rubric.title == title
    assert [(c.code, c.name, c.max_points, c.kind) for c in criteria if c.level == 1] == tops
    assert [(c.name, c.indicator.number if c.indicator else None, c.derivation) for c in leaves
            if c.kind == CriterionKind.OBJECTIVE] == objective
    assert all(c.formula == Formula.LINEAR_TO_BENCHMARK for c in leaves if c.kind == CriterionKind.OBJECTIVE)
    assert [c.name for c in leaves if c.kind == CriterionKind.SUBJECTIVE] == subjective
    assert {c.confirmed for c in criteria} == {False}
    assert services.rubric_problems(rubric) == []


def test_strong_city_rubric_carries_the_review_requirements_as_guidance(national_admin):
    cycle = create_cycle(kind=CycleKind.STRONG_CITY, year=2026, by=national_admin)
    rubric = services.create_default_rubric(cycle, by=national_admin)
    assert (criterion(rubric, "2.1").name, criterion(rubric, "2.1").guidance) == (
        "目标明确", "分级描述的定性指标 + 可考核的定量指标")


def test_a_second_default_rubric_is_refused(rubric, demo_cycle, national_admin):
    with pytest.raises(ValidationError) as refused:
        services.create_default_rubric(demo_cycle, by=national_admin)
    assert refused.value.messages == ["This cycle already has a rubric."]
    assert Rubric.objects.count() == 1


# --- Checks ------------------------------------------------------------------------------------


def test_a_broken_total_is_reported_naming_the_criterion(rubric, national_admin):
    services.update_criterion(criterion(rubric, "1.1.1"), changes={"max_points": Decimal("5")}, by=national_admin)
    assert services.rubric_problems(rubric) == ["1.1 创造 has 15 points but its sub-criteria add up to 16."]
    services.update_criterion(criterion(rubric, "1.1"), changes={"max_points": Decimal("16")}, by=national_admin)
    assert services.rubric_problems(rubric) == [
        "1 一、客观实力评价指标 has 100 points but its sub-criteria add up to 101."]


def test_objective_leaves_need_a_formula_and_a_source(rubric, national_admin):
    services.update_criterion(criterion(rubric, "1.2.1"), changes={"formula": "", "formula_params": {}},
                              by=national_admin)
    services.update_criterion(criterion(rubric, "1.2.2"), changes={"indicator": None}, by=national_admin)
    added = services.add_criterion(rubric, parent=criterion(rubric, "2"), name="城市宣传", max_points=5,
                                   kind=CriterionKind.OBJECTIVE, by=national_admin)
    assert added.code == "2.6"
    assert services.rubric_problems(rubric) == [
        "1.2.1 专利权质押融资金额 is objective but has no scoring formula.",
        "1.2.2 专利保险保额 is objective but has no data source (a row of the basic-information table, a measured "
        "value or a derived value).",
        "2 二、主观评价指标 has 100 points but its sub-criteria add up to 105.",
        "2.6 城市宣传 is Objective (computed from submitted data) but belongs to 2 二、主观评价指标, which is "
        "Subjective (scored by reviewers).",
        "2.6 城市宣传 is objective but has no scoring formula.",
        "2.6 城市宣传 is objective but has no data source (a row of the basic-information table, a measured value or "
        "a derived value).",
    ]


@pytest.mark.parametrize("formula, params, direction, expected", [
    (Formula.LINEAR_TO_BENCHMARK, {"benchmark": 20}, HIGHER, []),
    (Formula.LINEAR_TO_BENCHMARK, {"benchmark": 5, "worst": 30}, LOWER, []),
    (Formula.LINEAR_TO_BENCHMARK, {}, HIGHER, ["the linear formula needs a number “benchmark” (full points at or "
                                               "beyond it)"]),
    (Formula.LINEAR_TO_BENCHMARK, {"benchmark": "20"}, HIGHER, ["the linear formula needs a number “benchmark” "
                                                                "(full points at or beyond it)"]),
    (Formula.LINEAR_TO_BENCHMARK, {"benchmark": 0}, HIGHER, ["“benchmark” should be greater than 0"]),
    (Formula.LINEAR_TO_BENCHMARK, {"benchmark": 5, "worst": 30}, HIGHER, ["unexpected formula parameter “worst”"]),
    (Formula.LINEAR_TO_BENCHMARK, {"benchmark": 5}, LOWER, [
        "a reverse indicator's linear formula also needs a number “worst” (no points at or above it)"]),
    (Formula.LINEAR_TO_BENCHMARK, {"benchmark": 5, "worst": 5}, LOWER, ["“worst” should be greater than “benchmark”"]),
    (Formula.RELATIVE_TO_BEST, {}, LOWER, []),
    (Formula.RELATIVE_TO_BEST, {"benchmark": 1}, HIGHER, ["unexpected formula parameter “benchmark”"]),
    (Formula.THRESHOLD_BANDS, {"bands": [[1, 2], [3, 4.5]]}, HIGHER, []),
    (Formula.THRESHOLD_BANDS, {"bands": []}, HIGHER, [
        "the bands formula needs “bands”: a list of [threshold, points] pairs"]),
    (Formula.THRESHOLD_BANDS, {"bands": [[3, 2], [1, 6], [5]]}, HIGHER, [
        "the band thresholds should increase: 3 then 1",
        "band 2 gives 6 points, outside 0 to 5",
        "band 3 should be a pair of numbers [threshold, points]"]),
    (Formula.THRESHOLD_BANDS, {"bands": [[1, -1]]}, HIGHER, ["band 1 gives -1 points, outside 0 to 5"]),
    ("log", {}, HIGHER, ["unknown scoring formula “log”"]),
    (Formula.RELATIVE_TO_BEST, [], HIGHER, ["the formula parameters should be an object such as {\"benchmark\": 10}"]),
])
def test_formula_parameter_shapes(formula, params, direction, expected):
    assert formula_problems(formula, params, max_points=Decimal("5"), direction=direction) == expected


def test_a_bad_formula_is_refused_when_saved(rubric, national_admin):
    before = tree(rubric)
    with pytest.raises(ValidationError) as refused:
        services.update_criterion(criterion(rubric, "1.4.2"), changes={"formula_params": {"bands": [[3, 7]]}},
                                  by=national_admin)
    assert refused.value.messages == ["band 1 gives 7 points, outside 0 to 6"]
    with pytest.raises(ValidationError) as refused:
        services.update_criterion(criterion(rubric, "2.1"), changes={"source_key": "invention_grant_rate"},
                                  by=national_admin)
    assert refused.value.messages == [
        "A subjective criterion is scored by the reviewers: leave its formula and data source empty."]
    with pytest.raises(ValidationError) as refused:
        services.add_criterion(rubric, parent=criterion(rubric, "1.1.1"), name="第四级", max_points=1,
                               kind=CriterionKind.OBJECTIVE, by=national_admin)
    assert refused.value.messages == ["Criteria go at most three levels deep (一级 / 二级 / 三级)."]
    with pytest.raises(ValidationError) as refused:  # row 11 is answered in words
        services.update_criterion(criterion(rubric, "1.1.2"), changes={"derivation": {
            "op": "ratio", "numerator": "table:11", "denominator": "table:4"}}, by=national_admin)
    assert refused.value.messages == ["“numerator”: the basic-information table has no row 11 answered by a number"]
    with pytest.raises(ValidationError) as refused:
        services.update_criterion(criterion(rubric, "2.1"), changes={"derivation": {
            "op": "term_mean", "assessment": "annual"}}, by=national_admin)
    assert refused.value.messages == [
        "A subjective criterion is scored by the reviewers: leave its formula and data source empty."]
    assert tree(rubric) == before


def test_a_derived_value_is_one_source_among_the_others(rubric, national_admin):
    """An objective leaf reads one source (reviews/rubric_checks.py): a derived value plus a table row is a problem."""
    services.update_criterion(criterion(rubric, "1.1.2"), changes={"source_key": "invention_grants_per_100m_gdp"},
                              by=national_admin)
    assert services.rubric_problems(rubric) == [
        "1.1.2 （每亿元GDP）发明专利授权量 has a derived value and another source; keep one."]
    services.update_criterion(criterion(rubric, "1.1.2"), changes={"derivation": {}}, by=national_admin)
    assert services.rubric_problems(rubric) == []


# --- Edits and freezing --------------------------------------------------------------------------


def test_edits_renumber_the_tree_depth_first(rubric, national_admin):
    added = services.add_criterion(
        rubric, parent=criterion(rubric, "1.1"), name="PCT国际专利申请量", max_points=Decimal("1.5"),
        kind=CriterionKind.OBJECTIVE, indicator=current_template().indicators.get(number=16),
        formula=Formula.RELATIVE_TO_BEST, by=national_admin)
    assert (added.code, added.level, added.position, added.confirmed) == ("1.1.6", 3, 8, True)
    assert criterion(rubric, "1.2").position == 9
    services.delete_criterion(criterion(rubric, "1.2"), by=national_admin)
    assert [(c.code, c.name) for c in rubric.criteria.filter(level__lte=2).order_by("position")] == [
        ("1", "一、客观实力评价指标"), ("1.1", "创造"), ("1.2", "保护"), ("1.3", "管理"), ("1.4", "服务"),
        ("2", "二、主观评价指标"), ("2.1", "工作方案目标与任务"), ("2.2", "特色主题"), ("2.3", "管理体制与保障"),
        ("2.4", "工作成效"), ("2.5", "政府重视程度")]
    assert [c.code for c in rubric.criteria.filter(parent__code="1.2")] == ["1.2.1", "1.2.2", "1.2.3"]
    assert list(rubric.criteria.order_by("position").values_list("position", flat=True)) == list(range(1, 27))
    assert [(e.action, e.data.get("code")) for e in AuditEntry.objects.filter(action__startswith="rubric.criterion")
            .order_by("id")] == [("rubric.criterion_add", "1.1.6"), ("rubric.criterion_delete", "1.2")]
    assert AuditEntry.objects.get(action="rubric.criterion_delete").data["with_sub_criteria"] == 3


def test_settings_are_validated_and_audited(rubric, national_admin):
    with pytest.raises(ValidationError) as refused:
        services.set_rubric_settings(rubric, aggregate=Aggregate.MEDIAN, reject_below=70, approve_above=60,
                                     reviewers_per_application=5, outlier_threshold=15, by=national_admin)
    assert refused.value.messages == ["The approval threshold should not be lower than the rejection threshold."]
    services.set_rubric_settings(rubric, aggregate=Aggregate.MEDIAN, reject_below=Decimal("55"),
                                 approve_above=Decimal("75"), reviewers_per_application=7, outlier_threshold=10,
                                 by=national_admin)
    rubric.refresh_from_db()
    assert (rubric.aggregate, rubric.reject_below, rubric.approve_above, rubric.reviewers_per_application,
            rubric.outlier_threshold) == (Aggregate.MEDIAN, Decimal("55"), Decimal("75"), 7, Decimal("10"))
    assert AuditEntry.objects.get(action="rubric.settings").data == {
        "aggregate": ["trimmed", "median"], "reject_below": ["60", "55"], "approve_above": ["70", "75"],
        "reviewers_per_application": [5, 7], "outlier_threshold": ["15", "10"]}


def test_edits_are_refused_after_freeze(rubric, demo_cycle, national_admin):
    frozen = services.freeze_rubric(rubric, by=national_admin)
    assert frozen.frozen_at is not None
    assert services.freeze_rubric(rubric, by=national_admin).frozen_at == frozen.frozen_at  # twice: no change
    before = tree(rubric)
    edits = [
        lambda: services.add_criterion(rubric, parent=None, name="三、其他", max_points=5,
                                       kind=CriterionKind.SUBJECTIVE, by=national_admin),
        lambda: services.update_criterion(criterion(rubric, "1.1.1"), changes={"max_points": 5}, by=national_admin),
        lambda: services.delete_criterion(criterion(rubric, "2.5"), by=national_admin),
        lambda: services.set_rubric_settings(rubric, aggregate=Aggregate.MEAN, reject_below=60, approve_above=70,
                                             reviewers_per_application=5, outlier_threshold=15, by=national_admin),
    ]
    for edit in edits:
        with pytest.raises(ValidationError) as refused:
            edit()
        assert refused.value.messages == [FROZEN]
    other = create_cycle(kind=CycleKind.DEMONSTRATION, year=2025, by=national_admin)
    services.create_default_rubric(other, by=national_admin)
    with pytest.raises(ValidationError) as refused:
        services.copy_rubric(other, demo_cycle, by=national_admin)
    assert refused.value.messages == [
        "The rubric of 2026年度示范城市评定 is frozen because its review has started; it cannot be replaced."]
    result = import_rubric(upload(rubric_workbook(rubric)), cycle=demo_cycle, by=national_admin)
    assert result.errors == [
        "The rubric of 2026年度示范城市评定 is frozen because its review has started; it cannot be replaced."]
    assert tree(rubric) == before
    assert AuditEntry.objects.filter(action="rubric.freeze").count() == 1


def test_freeze_refuses_a_rubric_with_problems_listing_them(rubric, national_admin):
    services.update_criterion(criterion(rubric, "2.1"), changes={"max_points": 30}, by=national_admin)
    with pytest.raises(ValidationError) as refused:
        services.freeze_rubric(rubric, by=national_admin)
    assert refused.value.messages == ["The rubric cannot be frozen until these problems are fixed:",
                                      "2 二、主观评价指标 has 100 points but its sub-criteria add up to 105."]
    rubric.refresh_from_db()
    assert rubric.frozen_at is None


def test_only_national_staff_change_rubrics(rubric, demo_cycle, liaoning_staff, reviewer):
    for user in (liaoning_staff, reviewer):
        with pytest.raises(PermissionDenied):
            services.update_criterion(criterion(rubric, "2.1"), changes={"name": "改"}, by=user)
        with pytest.raises(PermissionDenied):
            services.freeze_rubric(rubric, by=user)
        with pytest.raises(PermissionDenied):
            import_rubric(upload(b""), cycle=demo_cycle, by=user)
    assert criterion(rubric, "2.1").name == "工作方案目标与任务"


# --- Copy ------------------------------------------------------------------------------------------


def test_copy_is_one_call_and_yields_an_identical_tree(rubric, demo_cycle, national_admin):
    services.set_rubric_settings(rubric, aggregate=Aggregate.MEAN, reject_below=50, approve_above=80,
                                 reviewers_per_application=7, outlier_threshold=12, by=national_admin)
    services.update_criterion(criterion(rubric, "2.2"), changes={"name": "特色主题突出", "confirmed": True},
                              by=national_admin)
    services.freeze_rubric(rubric, by=national_admin)  # a frozen source can be copied
    target = create_cycle(kind=CycleKind.DEMONSTRATION, year=2027, by=national_admin)
    services.create_default_rubric(target, by=national_admin)  # an unfrozen rubric is replaced
    copy = services.copy_rubric(demo_cycle, target, by=national_admin)
    rubric.refresh_from_db()
    assert tree(copy) == tree(rubric)
    assert (copy.title, copy.aggregate, copy.reject_below, copy.approve_above, copy.reviewers_per_application,
            copy.outlier_threshold, copy.frozen_at, copy.copied_from) == (
        rubric.title, Aggregate.MEAN, Decimal("50"), Decimal("80"), 7, Decimal("12"), None, rubric)
    assert Rubric.objects.filter(cycle=target).count() == 1
    assert Criterion.objects.filter(rubric=rubric).count() == Criterion.objects.filter(rubric=copy).count() == 29
    assert AuditEntry.objects.get(action="rubric.copy").data == {
        "from_cycle": demo_cycle.pk, "from_rubric": rubric.pk, "criteria": 29, "replaced": True}


def test_copy_from_a_cycle_without_rubric_is_refused(demo_cycle, national_admin):
    other = create_cycle(kind=CycleKind.PILOT, year=2026, by=national_admin)
    with pytest.raises(ValidationError) as refused:
        services.copy_rubric(other, demo_cycle, by=national_admin)
    assert refused.value.messages == ["2026年度试点城市评定 has no rubric to copy."]


# --- Excel -----------------------------------------------------------------------------------------


def test_workbook_has_the_official_columns_and_a_help_sheet(rubric):
    workbook = load(rubric_workbook(rubric))
    assert workbook.sheetnames == [SHEET_TITLE, HELP_SHEET_TITLE]
    ws = workbook[SHEET_TITLE]
    assert ws["A1"].value == "《评定示范城市指标体系》（2018）"
    assert tuple(cell.value for cell in ws[2]) == HEADINGS == (
        "编码", "级别", "指标名称", "分值", "类型", "方向", "数据来源", "计分方法", "参数", "已确认", "说明")
    assert [cell.value for cell in ws[5]][:10] == [
        "1.1.1", "三级", "（万人）有效发明专利拥有量", 4, "客观", "正向", "基本情况表第15项 每万人口发明专利拥有量",
        "线性至标杆值", '{"benchmark": 20}', "是"]
    assert [cell.value for cell in ws[8]][:10] == [
        "1.1.4", "三级", "实用新型不办登视为放弃率（逆向）", 2, "客观", "逆向", "utility_model_abandonment_rate",
        "线性至标杆值", '{"benchmark": 5, "worst": 30}', "是"]
    assert ws.max_row == 2 + 29


def test_excel_round_trip_reproduces_the_tree(rubric, demo_cycle, national_admin):
    services.add_criterion(rubric, parent=None, name="三、附加指标", max_points=Decimal("3.5"),
                           kind=CriterionKind.OBJECTIVE, by=national_admin)
    services.add_criterion(
        rubric, parent=criterion(rubric, "3"), name="知识产权局编制人数", max_points=Decimal("2.5"),
        kind=CriterionKind.OBJECTIVE, guidance="第一行\n=第二行", confirmed=False,
        indicator=current_template().indicators.get(number=14, sub_item="编制人数"),
        formula=Formula.THRESHOLD_BANDS, formula_params={"bands": [[0.5, 1.25], [10, 2.5]]}, by=national_admin)
    services.add_criterion(  # a derived value travels in the 数据来源 column as JSON
        rubric, parent=criterion(rubric, "3"), name="专项经费占市本级财政支出比重（%）", max_points=1,
        kind=CriterionKind.OBJECTIVE, confirmed=False,
        derivation={"op": "ratio", "numerator": "table:14-专项经费", "denominator": "table:6", "scale": 100},
        formula=Formula.LINEAR_TO_BENCHMARK, formula_params={"benchmark": 0.5}, by=national_admin)
    before = tree(rubric)
    content = rubric_workbook(rubric)
    assert load(content)["指标体系"]["G34"].value == (
        '{"denominator": "table:6", "numerator": "table:14-专项经费", "op": "ratio", "scale": 100}')
    services.delete_criterion(criterion(rubric, "1"), by=national_admin)  # anything, replaced by the import
    result = import_rubric(upload(content), cycle=demo_cycle, by=national_admin)
    assert (result.errors, result.count, result.rubric) == ([], 32, rubric)
    assert tree(rubric) == before
    # Into another cycle too: the same tree, a new rubric with the default settings.
    other = create_cycle(kind=CycleKind.DEMONSTRATION, year=2027, by=national_admin)
    imported = import_rubric(upload(content), cycle=other, by=national_admin).rubric
    assert [row[:2] + row[3:] for row in tree(imported)] == [row[:2] + row[3:] for row in before]
    assert imported.title == rubric.title
    assert AuditEntry.objects.filter(action="rubric.import").count() == 2


def change(cell: str, value):
    return lambda ws: ws.__setitem__(cell, value)


SHEET_CASES = {  # rows: 3 = "1", 4 = "1.1", 5..9 = "1.1.1".."1.1.5", 10 = "1.2", 11 = "1.2.1"
    "points in words": (change("D5", "四分"), ["D5: should be a number, got “四分”"]),
    "zero points": (change("D5", 0), ["D5: should be greater than 0, got “0”"]),
    "three decimals": (change("D5", 3.125), ["D5: should have at most 2 decimal places, got “3.125”"]),
    "formula": (change("D6", "=1+2"), ["D6: formulas are not accepted, enter the value"]),
    "bad code": (change("A7", "1-1-3"), ["A7: the code should look like 1, 1.2 or 1.2.3, got “1-1-3”"]),
    "code twice": (change("A7", "1.1.2"), ["A7: the code 1.1.2 is already used in row 6"]),
    "orphan": (change("A7", "1.9.1"), ["A7: the criterion 1.9 should come above this row"]),
    "level": (change("B5", "二级"), ["B5: should be 三级 for the code 1.1.1, got “二级”"]),
    "kind": (change("E5", "定量"), ["E5: should be one of 客观、主观, got “定量”"]),
    "direction": (change("F8", "反向"), ["F8: should be one of 正向、逆向, got “反向”"]),
    "no name": (change("C5", "  "), ["C5: the name is required"]),
    "unknown table row": (change("G5", "基本情况表第99项"), ["G5: “基本情况表第99项” is not one row of the "
                                                            "basic-information table"]),
    "source in words": (change("G6", "统计年鉴"), [
        "G6: should be a row of the basic-information table (基本情况表第15项) or a measured value key such as "
        "invention_grant_rate, got “统计年鉴”"]),
    "derived value shape": (change("G6", '{"op": "ratio", "numerator": "measured:invention_grants"}'), [
        "G6: “denominator” should name an input such as table:15, table:14-编制人数 or measured:invention_grants, "
        "got “”"]),
    "derived value not JSON": (change("G6", '{"op": ratio}'), [
        'G6: the derived value should be an object such as {"op": "ratio", "numerator": "table:17", '
        '"denominator": "table:3"}']),
    "formula name": (change("H5", "对数"), ["H5: should be one of 线性至标杆值、相对最优值、分档计分, got “对数”"]),
    "params not JSON": (change("I5", "benchmark=20"), [
        "I5: should be parameters in JSON such as {\"benchmark\": 20}, got “benchmark=20”"]),
    "params shape": (change("I8", '{"benchmark": 5}'), [
        "I8: a reverse indicator's linear formula also needs a number “worst” (no points at or above it)"]),
    "confirmed": (change("J5", "对"), ["J5: should be one of 是、否, got “对”"]),
    "total": (change("D10", 21), ["1 一、客观实力评价指标 has 100 points but its sub-criteria add up to 101.",
                                  "1.2 运用 has 21 points but its sub-criteria add up to 20."]),
    "renamed column": (change("D2", "分数"), ["D2: expected the column “分值”, found “分数”"]),
    "no header": (lambda ws: ws.delete_rows(1, 2), ["the sheet has no header row starting with “编码”"]),
    "no rows": (lambda ws: ws.delete_rows(3, 40), ["the file holds no criteria"]),
    "several cells": (lambda ws: [change("D5", "四")(ws), change("E11", "?")(ws)], [
        "D5: should be a number, got “四”", "E11: should be one of 客观、主观, got “?”"]),
}


@pytest.mark.parametrize("case", list(SHEET_CASES))
def test_malformed_excel_gives_cell_messages_and_changes_nothing(case, rubric, demo_cycle, national_admin):
    edit, expected = SHEET_CASES[case]
    workbook = load(rubric_workbook(rubric))
    edit(workbook[SHEET_TITLE])
    before = tree(rubric)
    result = import_rubric(upload(save(workbook)), cycle=demo_cycle, by=national_admin)
    assert (result.errors, result.count, result.rubric) == (expected, 0, None)
    assert tree(rubric) == before
    assert AuditEntry.objects.filter(action="rubric.import").count() == 0


FILE_CASES = {
    "empty file": (b"", ["the file is empty"]),
    "CSV renamed .xlsx": ("编码,指标名称\n1,创造\n".encode(), [NOT_EXCEL]),
    "over 5 MB": (b"PK" + b"\0" * (5 * 1024 * 1024 - 1), ["the file is larger than 5 MB"]),
}


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_import_refuses_a_file_that_is_no_workbook(case, rubric, demo_cycle, national_admin):
    content, expected = FILE_CASES[case]
    before = tree(rubric)
    assert import_rubric(upload(content), cycle=demo_cycle, by=national_admin).errors == expected
    assert tree(rubric) == before


# --- Pages -----------------------------------------------------------------------------------------


@pytest.fixture
def open_cycle_with_rubric(rubric, demo_cycle, national_admin):
    return open_cycle(demo_cycle, by=national_admin)


def test_rubric_page_shows_the_tree_with_example_badges(english, rubric, demo_cycle, national_admin):
    english.force_login(national_admin)
    response = english.get(reverse("rubric_detail", args=[demo_cycle.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<span class="badge text-bg-warning">Example</span>') == 21
    assert html.count('<span class="badge text-bg-success">Confirmed</span>') == 8
    assert html.count("Reverse indicator</span>") == 2
    assert "21 rows are examples (示例)" in html
    assert 'id="rubric-ok"' in html and 'id="rubric-problems"' not in html
    assert [row.criterion.code for row in response.context["rows"]][:4] == ["1", "1.1", "1.1.1", "1.1.2"]
    assert response.context["rows"][2].source == "Table row 15: 每万人口发明专利拥有量"
    assert response.context["rows"][3].source == "measured value “发明专利授权量（件）” ÷ table row 4 “GDP总量”"
    assert response.context["rows"][4].source == "invention_grant_rate（发明专利实审授权率（%））"


def test_rubric_page_without_rubric_offers_default_and_copy(english, demo_cycle, national_admin):
    other = create_cycle(kind=CycleKind.DEMONSTRATION, year=2025, by=national_admin)
    services.create_default_rubric(other, by=national_admin)
    english.force_login(national_admin)
    response = english.get(reverse("rubric_detail", args=[demo_cycle.pk]))
    assert list(response.context["copy_form"].fields["source"].queryset) == [other]
    assert "Create the default rubric" in response.content.decode()
    response = english.post(reverse("rubric_copy", args=[demo_cycle.pk]), {"source": other.pk})
    assert response.status_code == 302
    assert Rubric.objects.get(cycle=demo_cycle).copied_from == Rubric.objects.get(cycle=other)


def test_pages_create_edit_add_and_delete(english, demo_cycle, national_admin):
    english.force_login(national_admin)
    detail = reverse("rubric_detail", args=[demo_cycle.pk])
    assert english.post(reverse("rubric_create", args=[demo_cycle.pk])).url == detail
    rubric = Rubric.objects.get(cycle=demo_cycle)
    edit = reverse("rubric_criterion_edit", args=[demo_cycle.pk, criterion(rubric, "1.1.3").pk])
    assert english.get(edit).status_code == 200
    response = english.post(edit, {"name": "发明专利实审授权率", "max_points": "4", "kind": "objective",
                                   "direction": "higher", "guidance": "", "indicator": "",
                                   "source_key": "invention_grant_rate", "formula": "bands",
                                   "formula_params": '{"bands": [[40, 2], [60, 9]]}', "confirmed": "on"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["band 2 gives 9 points, outside 0 to 4"]
    response = english.post(edit, {"name": "发明专利实审授权率", "max_points": "4", "kind": "objective",
                                   "direction": "higher", "guidance": "", "indicator": "",
                                   "source_key": "invention_grant_rate", "formula": "bands",
                                   "formula_params": '{"bands": [[40, 2], [60, 4]]}', "confirmed": "on"})
    assert response.url == detail
    assert criterion(rubric, "1.1.3").formula_params == {"bands": [[40, 2], [60, 4]]}
    add = reverse("rubric_criterion_add", args=[demo_cycle.pk])
    response = english.post(add, {"parent": criterion(rubric, "2").pk, "name": "宣传培训", "max_points": "5",
                                  "kind": "subjective", "direction": "higher", "formula_params": ""})
    assert response.url == detail
    assert (criterion(rubric, "2.6").name, criterion(rubric, "2.6").confirmed) == ("宣传培训", False)
    delete = reverse("rubric_criterion_delete", args=[demo_cycle.pk, criterion(rubric, "2.6").pk])
    assert english.post(delete).url == detail
    assert rubric.criteria.filter(code="2.6").exists() is False
    response = english.post(reverse("rubric_settings", args=[demo_cycle.pk]), {
        "aggregate": "median", "reject_below": "60", "approve_above": "50", "reviewers_per_application": "5",
        "outlier_threshold": "15"})
    assert response.context["settings_form"].non_field_errors() == [
        "The approval threshold should not be lower than the rejection threshold."]


def test_criterion_page_edits_a_derived_value(english, rubric, demo_cycle, national_admin):
    english.force_login(national_admin)
    edit = reverse("rubric_criterion_edit", args=[demo_cycle.pk, criterion(rubric, "1.1.2").pk])
    page = english.get(edit)
    assert page.context["form"].initial["derivation"] == (
        '{"denominator": "table:4", "numerator": "measured:invention_grants", "op": "ratio"}')
    post = {"name": "（每亿元GDP）发明专利授权量", "max_points": "3", "kind": "objective", "direction": "higher",
            "guidance": "", "indicator": "", "source_key": "", "formula": "relative", "formula_params": "",
            "confirmed": "on"}
    response = english.post(edit, {**post, "derivation": "grants / gdp"})
    assert response.context["form"].errors["derivation"] == [
        'Write the derived value as JSON, e.g. {"op": "ratio", "numerator": "table:17", "denominator": "table:3"}.']
    response = english.post(edit, {**post, "derivation": '{"op": "ratio", "numerator": "measured:invention_grants", '
                                                         '"denominator": "table:4", "scale": 10000}'})
    assert response.url == reverse("rubric_detail", args=[demo_cycle.pk])
    assert criterion(rubric, "1.1.2").derivation == {"op": "ratio", "numerator": "measured:invention_grants",
                                                     "denominator": "table:4", "scale": 10000}
    assert english.get(response.url).context["rows"][3].source == (
        "measured value “发明专利授权量（件）” ÷ table row 4 “GDP总量” × 10000")


def test_excel_pages_download_and_import_with_cell_errors(english, rubric, demo_cycle, national_admin):
    english.force_login(national_admin)
    response = english.get(reverse("rubric_xlsx", args=[demo_cycle.pk]))
    assert (response.status_code, response["Content-Type"]) == (200, XLSX)
    workbook = load(response.content)
    workbook[SHEET_TITLE]["D5"] = "四分"
    before = tree(rubric)
    response = english.post(reverse("rubric_import", args=[demo_cycle.pk]), {"file": upload(save(workbook))})
    assert response.context["import_errors"] == ["D5: should be a number, got “四分”"]
    assert "D5: should be a number, got “四分”" in response.content.decode()
    assert tree(rubric) == before
    workbook[SHEET_TITLE]["C5"], workbook[SHEET_TITLE]["D5"] = "有效发明专利拥有量（万人）", 4
    response = english.post(reverse("rubric_import", args=[demo_cycle.pk]), {"file": upload(save(workbook))})
    assert response.url == reverse("rubric_detail", args=[demo_cycle.pk])
    assert criterion(rubric, "1.1.1").name == "有效发明专利拥有量（万人）"


@pytest.mark.parametrize("name", ["rubric_detail", "rubric_xlsx"])
def test_rubric_pages_refuse_everyone_but_national_staff(name, client, open_cycle_with_rubric, national_admin,
                                                         liaoning_staff, reviewer, fushun_officer):
    draft = create_cycle(kind=CycleKind.PILOT, year=2026, by=national_admin)
    services.create_default_rubric(draft, by=national_admin)
    for user in (liaoning_staff, reviewer, fushun_officer):
        client.force_login(user)
        assert client.get(reverse(name, args=[open_cycle_with_rubric.pk])).status_code == 403  # visible cycle
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404  # cycle being prepared
    client.logout()
    assert client.get(reverse(name, args=[draft.pk])).status_code == 302


def test_rubric_writes_refuse_everyone_but_national_staff(client, open_cycle_with_rubric, rubric, liaoning_staff,
                                                          reviewer):
    before = tree(rubric)
    target = criterion(rubric, "2.1")
    cycle = open_cycle_with_rubric
    posts = [
        (reverse("rubric_create", args=[cycle.pk]), {}),
        (reverse("rubric_settings", args=[cycle.pk]), {"aggregate": "mean", "reject_below": "1", "approve_above": "2",
                                                        "reviewers_per_application": "1", "outlier_threshold": "1"}),
        (reverse("rubric_criterion_add", args=[cycle.pk]), {"name": "x", "max_points": "1", "kind": "subjective",
                                                             "direction": "higher"}),
        (reverse("rubric_criterion_edit", args=[cycle.pk, target.pk]), {"name": "x"}),
        (reverse("rubric_criterion_delete", args=[cycle.pk, target.pk]), {}),
        (reverse("rubric_import", args=[cycle.pk]), {"file": upload(b"")}),
        (reverse("rubric_copy", args=[cycle.pk]), {"source": cycle.pk}),
    ]
    for user in (liaoning_staff, reviewer):
        client.force_login(user)
        assert [client.post(url, data).status_code for url, data in posts] == [403] * len(posts)
    assert tree(rubric) == before


def grow_to(rubric: Rubric, size: int, by) -> None:
    """Add subjective level-1 criteria, with two children while there is room, until the rubric holds ``size``."""
    count = rubric.criteria.count()
    while count < size:
        children = 2 if count + 3 <= size else 0
        top = services.add_criterion(rubric, parent=None, name="附加", max_points=children or 1,
                                     kind=CriterionKind.SUBJECTIVE, by=by)
        for _ in range(children):
            services.add_criterion(rubric, parent=top, name="子项", max_points=1, kind=CriterionKind.SUBJECTIVE,
                                   by=by)
        count += 1 + children


def test_rubric_page_query_count_does_not_grow_with_the_criteria(client, national_admin):
    small = create_cycle(kind=CycleKind.STRONG_CITY, year=2026, by=national_admin)  # 11 criteria
    large = create_cycle(kind=CycleKind.STRONG_CITY, year=2027, by=national_admin)
    services.create_default_rubric(small, by=national_admin)
    grow_to(services.create_default_rubric(large, by=national_admin), 40, national_admin)
    assert (Criterion.objects.filter(rubric__cycle=small).count(),
            Criterion.objects.filter(rubric__cycle=large).count()) == (11, 40)
    client.force_login(national_admin)
    few, _ = queries_for(client, reverse("rubric_detail", args=[small.pk]))
    many, response = queries_for(client, reverse("rubric_detail", args=[large.pk]))
    assert many == few
    assert len(response.context["rows"]) == 40


def test_admin_shows_rubrics_read_only(client, rubric, national_admin):
    client.force_login(national_admin)
    assert client.get(reverse("admin:reviews_rubric_changelist")).status_code == 200
    assert client.get(reverse("admin:reviews_criterion_changelist")).status_code == 200
    assert client.get(reverse("admin:reviews_criterion_add")).status_code == 403


def test_reviewer_has_no_rubric_admin(client, rubric):
    client.force_login(user_with_role(Role.REVIEWER, username="another_expert"))
    assert client.get(reverse("admin:reviews_rubric_changelist")).status_code in (302, 403)


def test_frozen_rubric_page_offers_no_changes(english, rubric, demo_cycle, national_admin):
    services.freeze_rubric(rubric, by=national_admin)
    english.force_login(national_admin)
    detail = reverse("rubric_detail", args=[demo_cycle.pk])
    html = english.get(detail).content.decode()
    assert 'id="rubric-frozen"' in html
    for url in ("/rubric/criteria/", "/rubric/settings/", "/rubric/import/", "/rubric/copy/"):
        assert f"/cycles/{demo_cycle.pk}{url}" not in html
    add = english.get(reverse("rubric_criterion_add", args=[demo_cycle.pk]), follow=True)
    assert add.redirect_chain == [(detail, 302)]
    assert [str(m) for m in add.context["messages"]] == [FROZEN]


def test_add_page_preselects_the_parent_and_its_kind(english, rubric, demo_cycle, national_admin):
    english.force_login(national_admin)
    parent = criterion(rubric, "1.3")
    response = english.get(reverse("rubric_criterion_add", args=[demo_cycle.pk]) + f"?parent={parent.pk}")
    form = response.context["form"]
    assert (form["parent"].value(), form["kind"].value(), form["confirmed"].value()) == (
        parent.pk, CriterionKind.OBJECTIVE, True)
    assert [c.code for c in form.fields["parent"].queryset] == [
        "1", "1.1", "1.2", "1.3", "1.4", "1.5", "2", "2.1", "2.2", "2.3", "2.4", "2.5"]
