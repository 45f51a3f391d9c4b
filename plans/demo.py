"""Demo data of plans: the 2018 national work plan, the three real city plans (抚顺, 阳江, 西青区) with the tasks
and leadership group their sources give, 抚顺's 2021 responsibility list with the progress reported on it, and
demo values of the basic-information table over several years so that 抚顺's target achievement and the national
trend charts show numbers.

Called by ``manage.py load_demo`` after the cities and evaluations demos (DEBUG only). Safe to run again:
everything goes through the services, as the demo accounts, and nothing is created twice.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from cities.models import City, User
from evaluations.basic_info import load_template, save_indicator_values
from evaluations.demo import DEMO_NUMBERS
from evaluations.enums import MaterialKind
from evaluations.models import Application, IndicatorValue
from ipcity.dates import local_today
from plans.coverage import plan_for_year
from plans.enums import ItemStatus
from plans.models import CityPlan, NationalPlan, NationalTask, ProgressReport
from plans.services import plans as plan_services
from plans.services import responsibility as responsibility_services

FUSHUN_LIST_JSON = plan_services.DATA_DIR / "responsibility_list_fushun_2021.json"

# 抚顺 S2 附件1: 抚顺市国家知识产权示范城市培育工作领导小组 (role, name, post).
FUSHUN_LEADERSHIP = (
    ("组长", "孙静", "分管副市长"),
    ("副组长", "江阳", "市政府分管副秘书长"),
    ("副组长", "唐庆业", "市市场监管局局长"),
    ("成员", "杨郁", "市委宣传部副部长"),
    ("成员", "蔡建忠", "市法院副院长"),
    ("成员", "任学庆", "市检察院副检察长"),
    ("成员", "张晓东", "市发展改革委副主任"),
    ("成员", "王尧", "市工信局副局长"),
    ("成员", "燕秀发", "市科技局副局长"),
    ("成员", "崔晓丽", "市财政局副局长"),
    ("成员", "王旭", "市司法局副局长"),
    ("成员", "孙天宇", "市公安局二级高级警长"),
    ("成员", "李银玉", "市人社局副局长"),
    ("成员", "马兴伟", "市自然资源局副局长"),
    ("成员", "李永巍", "市农业农村局副局长"),
    ("成员", "任福元", "市金融发展局副局长"),
    ("成员", "郭世俭", "市国资委副主任"),
    ("成员", "佟振玲", "市知识产权局局长"),
    ("成员", "于淼", "抚顺银保监分局副局长"),
)

# 抚顺 S2 三、重点任务 (heading, task, responsible units). The plan names no lead unit (牵头单位). The task is the
# opening sentence of each paragraph; the full text is in the source.
FUSHUN_TASKS = (
    ("推动知识产权高质量创造", "强化知识产权高质量创造导向。", "市知识产权局、各县区政府"),
    ("推动知识产权高质量创造", "强化知识产权优势企业培育。", "市知识产权局、各县区政府"),
    ("推动知识产权高质量创造", "强化企业知识产权标准化管理。", "市知识产权局、各县区政府"),
    ("推动知识产权高质量创造", "强化重点产业高价值专利培育。", "市知识产权局、市发改委、市工信局、市科技局、各县区政府"),
    ("促进知识产权高效益运用", "实施专利导航推进计划。", "市知识产权局、市发改委、市工信局、市科技局、各县区政府"),
    ("促进知识产权高效益运用", "推进知识产权运营。",
     "市知识产权局、市发改委、市金融发展局、市国资委、抚顺银保监分局、各县区政府"),
    ("促进知识产权高效益运用", "推动中小微企业知识产权托管。", "市知识产权局、各县区政府"),
    ("促进知识产权高效益运用", "实施知识产权助农行动。", "市知识产权局、市农业农村局、市自然资源局、各县区政府"),
    ("强化知识产权高标准保护", "健全知识产权保护体系。", "市知识产权局、市公安局、市司法局、市法院、市检察院"),
    ("强化知识产权高标准保护", "加强知识产权行政执法。", "市知识产权局、市委宣传部、市公安局"),
    ("强化知识产权高标准保护", "推进知识产权维权援助。", "市知识产权局、各县区政府"),
    ("推进知识产权高效能管理服务", "完善知识产权管理体系。", "市知识产权局、各县区政府"),
    ("推进知识产权高效能管理服务", "加强知识产权服务。", "市知识产权局"),
    ("推进知识产权高效能管理服务", "强化知识产权人才支撑。", "市知识产权局、市人社局"),
    ("推进知识产权高效能管理服务", "深化知识产权文化建设。", "市知识产权局、市司法局"),
)

# 阳江 S4 四、重点任务 (heading, task, lead unit (牵头单位 or 负责单位), responsible units).
YANGJIANG_TASKS = (
    ("完善知识产权行政管理体制机制建设", "健全知识产权行政管理体系。", "市编办",
     "市知识产权局、市工商局、各县（市、区）人民政府"),
    ("完善知识产权行政管理体制机制建设", "优化知识产权激励政策。", "市知识产权局",
     "市财政局、市工商局、市文广新局（市版权局）、市质监局、市农业局、市林业局、各县（市、区）人民政府"),
    ("完善知识产权行政管理体制机制建设", "建立知识产权管理协调机制。", "市知识产权局",
     "市财政局、市工商局、市文广新局（市版权局）、市质监局、阳江海关"),
    ("提升知识产权创造能力", "实施专利提质增量计划。", "市知识产权局", "市经济和信息化局"),
    ("提升知识产权创造能力", "积极实施商标名牌战略。", "市工商局", "市经济和信息化局、市农业局、市林业局"),
    ("提升知识产权创造能力", "建立作品著作权登记资助机制。", "市文广新局（市版权局）", ""),
    ("提升知识产权创造能力", "支持企业参与标准制定。", "市质监局", "市知识产权局、市工商局"),
    ("提升知识产权创造能力", "大力培育知识产权优势、示范企业。", "市知识产权局", ""),
    ("提升知识产权创造能力", "提升企业知识产权管理能力。", "市知识产权局", ""),
    ("提高促进知识产权运用能力", "探索重大经济活动专利评议。", "市知识产权局",
     "市发展改革局、市经济和信息化局、市财政局、市商务局"),
    ("提高促进知识产权运用能力", "加强专利信息分析运用。", "市知识产权局", ""),
    ("提高促进知识产权运用能力", "推行科技项目知识产权全过程管理。", "市科技局", "市经济和信息化局、市财政局"),
    ("提高促进知识产权运用能力", "推进知识产权质押融资。", "市知识产权局",
     "市金融局、市财政局、人行阳江市中心支行、阳江银监分局"),
    ("加大知识产权保护力度", "严格知识产权行政执法。", "市知识产权局",
     "市工商局、市文广新局（市版权局）、各县（市、区）人民政府"),
    ("加大知识产权保护力度", "完善知识产权执法协作体系。", "市知识产权局",
     "市公安局、市中级法院、市检察院、市工商局、市文广新局（市版权局）、各县（市、区）人民政府"),
    ("加大知识产权保护力度", "建立知识产权维权援助机制。", "市知识产权局", "市工商局、市文广新局（市版权局）、阳江海关"),
    ("加大知识产权保护力度", "建立知识产权预警机制。", "市知识产权局", "市工商局、市文广新局（市版权局）"),
    ("加强知识产权文化建设和人才队伍建设", "深入开展宣传活动。", "市知识产权局",
     "市知识产权办公会议成员单位、各县（市、区）人民政府"),
    ("加强知识产权文化建设和人才队伍建设", "加强知识产权人才培训。", "市知识产权局", "市委组织部、市人力资源社会保障局"),
    ("加强知识产权文化建设和人才队伍建设", "推进中小学知识产权专题教育。", "市知识产权局", "市教育局"),
)

# DEMO FIGURES, not statistics: 抚顺's values of rows 15, 17, 19 and 23 of the basic-information table for 2020
# and 2021, so that the achievement of its plan targets shows numbers.
FUSHUN_DEMO_VALUES = {
    2020: {15: "3.52", 17: "17200", 19: "0.65", 23: "61"},
    2021: {15: "3.79", 17: "18650", 19: "0.80", 23: "76"},
}

# DEMO FIGURES, not statistics: how the key rows of the basic-information table (15 每万人口发明专利拥有量, 17 有效注册
# 商标量, 19 专利权质押融资金额, 23 通过贯标认证企业数量) grow a year, and the decimals they are written with. Each
# demo city's series runs over the SERIES_YEARS years up to the cycles' data year, grown from (or back to) the
# nearest year that has a value: 抚顺's figures above, the data-year table of 阳江 and 常州 (evaluations/demo.py),
# else the demo table's figures in the data year.
SERIES_GROWTH = {15: ("0.11", 2), 17: ("0.09", 0), 19: ("0.14", 2), 23: ("0.10", 0)}
SERIES_YEARS = 6
# city code -> its officer and how much faster (or slower) than the typical growth it grows.
SERIES_CITIES = {"210400": ("fushun", "-0.02"), "441700": ("yangjiang", "0.01"), "120111": ("xiqing", "0"),
                 "320400": ("changzhou", "0.02")}

# 抚顺's progress on its 2021 list (item numbers): verified by 辽宁, reported completed and awaiting the province,
# reported completed and sent back, in progress; the rest have not started. DEMO, not what 抚顺 reported.
FUSHUN_PROGRESS = {"verified": range(1, 9), "awaiting": (9, 10), "sent_back": (11,), "in_progress": (12, 13, 14)}

# A responsibility item and a plan target are about the same thing when both name one of these.
TARGET_KEYWORDS = ("万人高价值发明专利", "国内注册商标", "贯标认证", "质押融资", "结案率", "专利导航", "优势")
# ... and an item and a national task when the item and exactly one task's title or goal name one of these.
NATIONAL_TASK_KEYWORDS = ("贯标", "质押融资", "高价值", "执法", "维权援助", "强县", "专利导航", "托管")


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _fill_plan(plan: CityPlan, *, tasks=(), leadership=(), by) -> tuple[int, int]:
    added_tasks = added_members = 0
    if not plan.tasks.exists():
        for row in tasks:
            heading, text, lead, units = row if len(row) == 4 else (row[0], row[1], "", row[2])
            plan_services.add_plan_task(plan, heading=heading, text=text, lead_unit=lead, responsible_units=units,
                                        by=by)
            added_tasks += 1
    if not plan.leadership.exists():
        for role, name, post in leadership:
            plan_services.add_leadership_member(plan, role=role, name=name, post=post, by=by)
            added_members += 1
    return added_tasks, added_members


def _matching(text: str, candidates: dict, keywords) -> object | None:
    """The one candidate (key: its text) sharing a keyword with ``text``; None if none or several."""
    for keyword in keywords:
        if keyword not in text:
            continue
        found = [candidate for candidate_text, candidate in candidates.items() if keyword in candidate_text]
        if len(found) == 1:
            return found[0]
    return None


def _link_items(rlist, plan: CityPlan, *, by) -> int:
    """Link the list's items to the plan target and the national task (of the national plan in force that
    year: the plan of the year, else the latest before it) they are about."""
    update_item = getattr(responsibility_services, "update_item", None)
    if update_item is None:
        return 0
    targets = {target.metric: target for target in plan.targets.all()}
    national = plan_for_year(rlist.year)
    tasks = ({f"{task.title} {task.goal}": task for task in NationalTask.objects.filter(plan=national)}
             if national else {})
    linked = 0
    for item in rlist.items.select_related("list__city"):
        text = f"{item.task} {item.completion_standard}"
        changes = {}
        if item.plan_target_id is None and (target := _matching(text, targets, TARGET_KEYWORDS)) is not None:
            changes["plan_target"] = target
        if item.national_task_id is None and (task := _matching(text, tasks, NATIONAL_TASK_KEYWORDS)) is not None:
            changes["national_task"] = task
        if changes:
            update_item(item, by=by, **changes)
            linked += 1
    return linked


def series_value(known: dict[int, Decimal], year: int, *, growth: Decimal, decimals: int) -> Decimal:
    """The value of ``year`` grown at ``growth`` a year from the nearest year of ``known`` (the earlier on a tie)."""
    nearest = min(known, key=lambda k: (abs(year - k), k))
    value = known[nearest] * (1 + growth) ** (year - nearest)
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def load_indicator_series(template) -> int:
    """Values of the key rows for each demo city over the SERIES_YEARS years before the data year, and in the
    data year itself unless the city applies with its table of that year (that table is the application's:
    抚顺's stops at row 10 on purpose), where it has none yet; return how many were added. Deterministic: a
    second run adds nothing."""
    data_year = local_today().year - 1
    rows = {i.number: i for i in template.indicators.filter(sub_item="", number__in=list(SERIES_GROWTH))}
    cities = City.objects.in_bulk(list(SERIES_CITIES), field_name="code")
    applying = {application.city_id for application in Application.objects.filter(
        cycle__data_year=data_year, city__in=cities.values()).select_related("cycle")
        if MaterialKind.BASIC_INFO_TABLE in application.cycle.required_materials}
    known: dict[tuple[int, int], dict[int, Decimal]] = {}
    for value in IndicatorValue.objects.filter(city__in=cities.values(), indicator__in=rows.values(),
                                               number__isnull=False):
        known.setdefault((value.city_id, value.indicator_id), {})[value.year] = value.number
    added = 0
    for code, city in sorted(cities.items()):
        username, speed = SERIES_CITIES[code]
        officer = _user(username)
        years = range(data_year - SERIES_YEARS, data_year + (city.pk not in applying))
        missing: dict[int, dict[int, str]] = {}
        for number, (growth, decimals) in SERIES_GROWTH.items():
            indicator = rows[number]
            stored = known.get((city.pk, indicator.pk), {})
            anchor = stored or {data_year: Decimal(DEMO_NUMBERS[number])}
            for year in years:
                if year not in stored:
                    value = series_value(anchor, year, growth=Decimal(growth) + Decimal(speed), decimals=decimals)
                    missing.setdefault(year, {})[indicator.pk] = str(value)
        for year, answers in sorted(missing.items()):
            save_indicator_values(city, year, template, answers, by=officer, source="demo")
            added += len(answers)
    return added


def report_fushun_progress(rlist) -> int:
    """抚顺's progress on its list (``FUSHUN_PROGRESS``), through the services as 抚顺 and 辽宁; nothing when the
    list already has reports. Returns the number of reports."""
    if ProgressReport.objects.filter(item__list=rlist).exists():
        return 0
    fushun, liaoning = _user("fushun"), _user("liaoning")
    items = {item.number: item for item in rlist.items.all()}
    reports = 0
    done = [*FUSHUN_PROGRESS["verified"], *FUSHUN_PROGRESS["awaiting"], *FUSHUN_PROGRESS["sent_back"]]
    for number in done:
        report = responsibility_services.report_progress(
            items[number], status=ItemStatus.COMPLETED, percent=100, note="已按完成标准完成（演示数据）。", by=fushun)
        reports += 1
        if number in FUSHUN_PROGRESS["verified"]:
            responsibility_services.verify_progress(report, verdict=ItemStatus.VERIFIED, by=liaoning)
        elif number in FUSHUN_PROGRESS["sent_back"]:
            responsibility_services.verify_progress(report, verdict=ItemStatus.SENT_BACK,
                                                    reason="佐证材料不足，请补充（演示数据）。", by=liaoning)
    for number in FUSHUN_PROGRESS["in_progress"]:
        responsibility_services.report_progress(items[number], status=ItemStatus.IN_PROGRESS, percent=50,
                                                note="正在推进（演示数据）。", by=fushun)
        reports += 1
    return reports


@transaction.atomic
def load() -> dict[str, int]:
    cnipa = _user("cnipa")
    plans_before = CityPlan.objects.count()
    national = plan_services.load_national_plan(by=cnipa)
    city_plans = {plan.city.code: plan for plan in plan_services.load_city_plans(by=cnipa)}
    fushun_user, yangjiang_user = _user("fushun"), _user("yangjiang")
    fushun_plan, yangjiang_plan = city_plans["210400"], city_plans["441700"]
    tasks, members = _fill_plan(fushun_plan, tasks=FUSHUN_TASKS, leadership=FUSHUN_LEADERSHIP, by=fushun_user)
    more_tasks, _none = _fill_plan(yangjiang_plan, tasks=YANGJIANG_TASKS, by=yangjiang_user)

    fushun = City.objects.get(code="210400")
    template = load_template()
    rows = {indicator.number: indicator.pk for indicator in template.indicators.filter(sub_item="")}
    for year, values in FUSHUN_DEMO_VALUES.items():
        save_indicator_values(fushun, year, template, {rows[number]: raw for number, raw in values.items()},
                              by=fushun_user, source="demo")

    summary = {"national plan tasks": national.tasks.count(),
               "city plans created": CityPlan.objects.count() - plans_before,
               "plan tasks added": tasks + more_tasks, "leadership members added": members,
               "indicator values added": load_indicator_series(template)}
    if hasattr(responsibility_services, "load_list_json"):
        rlist = responsibility_services.load_list_json(FUSHUN_LIST_JSON, city=fushun, year=2021, plan=fushun_plan,
                                                       by=fushun_user)
        summary["responsibility items"] = rlist.items.count()
        summary["items linked"] = _link_items(rlist, fushun_plan, by=fushun_user)
        summary["progress reports"] = report_fushun_progress(rlist)
    return summary
