"""The demo data scored by the seeded indicator systems (reviews/demo.py, evaluations/demo.py): objective criteria
give numbers from a complete basic-information table (DESIGN.md §4, S1 附件3), a missing input is named, and the
re-review scores the term's annual assessments (S1 三(二)3, S0 四(一)(二)).

Every expected number is computed here by hand from the demo table (evaluations.demo.DEMO_NUMBERS) and the
formula of the criterion, not by the code under test.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from cities.models import User
from evaluations.basic_info import save_indicator_values
from evaluations.demo import DEMO_NUMBERS
from evaluations.enums import AnswerType, CycleKind, SnapshotKind
from evaluations.models import Application, Measurement
from evaluations.services.national import accept_application
from evaluations.snapshots import take_snapshot
from evaluations.tasks import generate_recommendation_letter
from ipcity.dates import SHANGHAI
from reviews.models import AnnualAssessment
from reviews.objective import objective_scores
from reviews.services.assignments import assign_reviewer, declare_no_conflict

D = Decimal


def q4(value: Decimal) -> Decimal:
    """A derived value as stored: 4 decimal places, half up (reviews/derivations.py)."""
    return value.quantize(D("0.0001"), rounding=ROUND_HALF_UP)


def q2(value: Decimal) -> Decimal:
    """Points: 2 decimal places, half up (reviews/formulas.py)."""
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture
def demo(settings, db, time_machine):
    settings.DEBUG = True
    time_machine.move_to(dt.datetime(2026, 6, 1, 9, tzinfo=SHANGHAI), tick=False)
    call_command("load_demo", stdout=io.StringIO())


def application(kind: str, code: str) -> Application:
    return Application.objects.select_related("cycle", "city").get(cycle__kind=kind, cycle__year=2026,
                                                                    city__code=code)


def computed(app: Application) -> list[tuple]:
    return [(row.criterion.code, row.criterion.name, row.value, row.points, row.missing)
            for row in objective_scores(app)]


def test_seeded_systems_compute_the_objective_criteria_from_complete_tables(demo):
    """S1 附件3 rows of the demo table: 3 常住人口 185.6万人, 4 GDP 872.5亿元, 7 研发投入 176500万元, 9 规上企业 612,
    15 每万人口发明专利 6.8, 16 PCT 35, 17 商标 19250, 19 质押融资 3.2亿元, 23 贯标 86, 32 代理人 96."""
    # 常州 (strong city, under review): 8 × v ÷ 20; 6 × v ÷ 50; 6 × v ÷ 3; 5 × v ÷ 150; 5 × v ÷ 1, each at most max.
    pledge = q4(D("3.2") / D("872.5") * 10000)
    rd_share = q4(D("176500") / D("872.5") * D("0.01"))
    marks = q4(D("19250") / D("185.6"))
    pct = q4(D("35") / D("185.6"))
    assert (pledge, rd_share, marks, pct) == (D("36.6762"), D("2.0229"), D("103.7177"), D("0.1886"))
    assert computed(application(CycleKind.STRONG_CITY, "320400")) == [
        ("1.1", "每万人口发明专利拥有量", D("6.8"), q2(D(8) * D("6.8") / 20), ()),
        ("1.2", "每亿元GDP专利权质押融资金额（万元）", pledge, q2(D(6) * pledge / 50), ()),
        ("1.3", "全社会研发投入占GDP比重（%）", rd_share, q2(D(6) * rd_share / 3), ()),
        ("1.4", "每万人口有效注册商标量", marks, q2(D(5) * marks / 150), ()),
        ("1.5", "每万人口PCT国际专利申请量", pct, q2(D(5) * pct / 1), ()),
    ]
    # 阳江 (pilot, submitted): 6 × v ÷ 10; 4 × v ÷ 100 (at most 4); 4 × v ÷ 2.5; 3 × v ÷ 1; 3 × v ÷ 20.
    agents = q4(D("96") / D("185.6"))
    certified = q4(D("86") / D("612") * 100)
    assert computed(application(CycleKind.PILOT, "441700")) == [
        ("1.1", "每万人口发明专利拥有量", D("6.8"), q2(D(6) * D("6.8") / 10), ()),
        ("1.2", "每万人口有效注册商标量", marks, D("4.00"), ()),  # 4 × 103.7177 ÷ 100 > 4
        ("1.3", "全社会研发投入占GDP比重（%）", rd_share, q2(D(4) * rd_share / D("2.5")), ()),
        ("1.4", "每万人口专利代理人数量", agents, q2(D(3) * agents / 1), ()),
        ("1.5", "规模以上工业企业贯标认证比例（%）", certified, q2(D(3) * certified / 20), ()),
    ]


def test_demonstration_rows_name_what_is_missing_then_compute_once_complete(demo):
    """《评定示范城市指标体系》 (DESIGN.md §4): 抚顺's demo table stops at row 10, so row 15 and every measured value
    are named as missing and score NULL, never 0; with the rest of the table and the province's measurement
    (S1 二(二)1) every one of the 17 objective criteria has a value."""
    fushun = application(CycleKind.DEMONSTRATION, "210400")
    officer = User.objects.get(username="fushun")
    take_snapshot(fushun, kind=SnapshotKind.SUBMIT, by=officer)
    with translation.override("zh-hans"):
        partial = {code: (value, points, missing) for code, _name, value, points, missing in computed(fushun)}
    assert partial["1.1.1"] == (None, None, ("缺少基本情况表第15行「每万人口发明专利拥有量」",))
    assert partial["1.1.2"] == (None, None, ("缺少省局测评数据「发明专利授权量（件）」",))
    assert partial["1.1.3"] == (None, None, ("缺少省局测评数据「发明专利实审授权率（%）」",))
    assert {points for _value, points, _missing in partial.values()} == {None}

    template = fushun.cycle.basic_info_template
    save_indicator_values(fushun.city, fushun.cycle.data_year, template, {
        i.pk: DEMO_NUMBERS.get(i.number, "12") for i in template.indicators.filter(answer_type=AnswerType.NUMBER)},
        by=officer)
    take_snapshot(fushun, kind=SnapshotKind.SUBMIT, by=officer)
    Measurement.objects.create(application=fushun, measured_on=dt.date(2026, 5, 20), score=D("82"),
                               recorded_by=User.objects.get(username="liaoning"), values={
                                   "invention_grants": "2580", "invention_grant_rate": "55.3",
                                   "utility_model_abandonment_rate": "12", "design_abandonment_rate": "3.5",
                                   "patent_transfers_and_licences": "260", "patent_enforcement_cases": "145",
                                   "enforcement_score": "86.5", "protection_centres": "1"})
    grants = q4(D("2580") / D("872.5"))  # （每亿元GDP）发明专利授权量: measured grants ÷ row 4 GDP（亿元）
    # Relative to the best: 抚顺 is the only applicant scored, so it is its own best and gets the maximum.
    assert [(code, value, points) for code, _name, value, points, _missing in computed(fushun)] == [
        ("1.1.1", D("6.8"), q2(D(4) * D("6.8") / 20)),
        ("1.1.2", grants, D("3.00")),
        ("1.1.3", D("55.3"), q2(D(4) * D("55.3") / 60)),
        ("1.1.4", D("12"), q2(D(2) * (30 - D("12")) / (30 - 5))),  # reverse: 2 at ≤ 5, 0 at ≥ 30
        ("1.1.5", D("3.5"), D("2.00")),
        ("1.2.1", D("3.2"), D("8.00")),
        ("1.2.2", D("28600"), D("4.00")),
        ("1.2.3", D("260"), D("5.00")),  # bands ≥50: 2, ≥200: 5, ≥500: 8
        ("1.3.1", D("145"), D("10.00")),
        ("1.3.2", D("86.5"), q2(D(10) * D("86.5") / 90)),
        ("1.3.3", D("1"), D("3.00")),  # bands ≥1: 3, ≥2: 5
        ("1.4.1", D("86"), D("8.00")),
        ("1.4.2", D("3"), D("4.00")),  # bands ≥1: 2, ≥3: 4, ≥5: 6
        ("1.4.3", D("21"), D("6.00")),  # bands ≥5: 2, ≥10: 4, ≥20: 6
        ("1.5.1", D("96"), D("8.00")),
        ("1.5.2", D("1"), D("3.00")),  # bands ≥1: 3, ≥3: 6
        ("1.5.3", D("2"), D("6.00")),  # bands ≥1: 3, ≥2: 6
    ]
    assert grants == D("2.9570")


def test_re_review_page_shows_the_terms_assessments_and_scores_them(demo, client):
    """S1 三(二)3: the re-review of 西青区 (term 2016-05 … 2019-05) scores its annual assessments and
    patent-strength evaluations of 2016–2019 (S0 四(一)(二)); the reviewer sees the records and the computation."""
    xiqing = application(CycleKind.RE_REVIEW, "120111")
    assert AnnualAssessment.objects.filter(city=xiqing.city).count() == 8
    cnipa = User.objects.get(username="cnipa")
    generate_recommendation_letter(letter_id=xiqing.recommendation.pk)
    accept_application(xiqing, by=cnipa)
    expert = User.objects.get(username="expert6")
    assignment = assign_reviewer(xiqing, expert, due_date=dt.date(2026, 6, 30), by=cnipa)
    declare_no_conflict(assignment, by=expert)
    client.force_login(expert)
    response = client.get(reverse("review_score", args=[assignment.pk]))  # in Chinese, the default language
    assert response.status_code == 200
    shown = [(a.year, a.get_kind_display(), a.score) for a in response.context["assessments"]]
    assert shown == [
        (2016, "年度考核", D("86.50")), (2016, "专利实力状况评价", D("78.00")),
        (2017, "年度考核", D("88.00")), (2017, "专利实力状况评价", D("80.50")),
        (2018, "年度考核", D("79.50")), (2018, "专利实力状况评价", D("82.00")),
        (2019, "年度考核", D("83.00")), (2019, "专利实力状况评价", D("84.50")),
    ]
    html = response.content.decode()
    table = html[html.index('id="assessment-table"'):html.index("</table>", html.index('id="assessment-table"'))]
    assert [year in table for year in ("2016", "2017", "2018", "2019")] == [True] * 4
    assert [score in table for score in ("86.50", "78.00", "88.00", "80.50", "79.50", "82.00", "83.00", "84.50")] \
        == [True] * 8
    # 15 × mean ÷ 100 (the example benchmark), the mean over the four years of the term.
    annual = q4((D("86.50") + D("88.00") + D("79.50") + D("83.00")) / 4)
    strength = q4((D("78.00") + D("80.50") + D("82.00") + D("84.50")) / 4)
    rows = {row["criterion"].name: row for row in response.context["rows"] if "objective" in row}
    assert (rows["年度考核结果"]["objective"].value, rows["年度考核结果"]["objective"].points) == (
        annual, q2(D(15) * annual / 100))
    assert (rows["专利实力状况评价结果"]["objective"].value, rows["专利实力状况评价结果"]["objective"].points) == (
        strength, q2(D(15) * strength / 100))
    assert (annual, q2(D(15) * annual / 100), strength, q2(D(15) * strength / 100)) == (
        D("84.25"), D("12.64"), D("81.25"), D("12.19"))
    assert rows["年度考核结果"]["objective"].explanation == (
        "2016–2019年年度考核平均得分 = (86.5 + 88 + 79.5 + 83) ÷ 4 = 84.25；得分：15.00 × 指标值 ÷ 100，最高15.00分")
    assert "2016–2019年年度考核平均得分 = (86.5 + 88 + 79.5 + 83) ÷ 4 = 84.25" in html
