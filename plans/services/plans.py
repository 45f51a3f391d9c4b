"""Writes of national annual work plans and city plans (DESIGN.md §5).

Every service checks permission (``by=None`` is the system), validates, writes atomically and audits.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities import audit
from cities.models import City
from cities.services import require
from evaluations.basic_info import current_template, load_template
from evaluations.enums import AnswerType
from evaluations.models import Indicator
from plans.enums import CityPlanKind, Comparison, Requirement
from plans.models import CityPlan, LeadershipMember, NationalPlan, NationalTarget, NationalTask, PlanTarget, PlanTask

audit.register_actions({
    "plan.national_load": gettext_lazy("Loaded national work plan"),
    "plan.city_load": gettext_lazy("Loaded city plan"),
    "plan.create": gettext_lazy("Created city plan"),
    "plan.update": gettext_lazy("Updated city plan"),
    "plan.target_add": gettext_lazy("Added plan target"),
    "plan.target_update": gettext_lazy("Updated plan target"),
    "plan.target_delete": gettext_lazy("Deleted plan target"),
    "plan.task_add": gettext_lazy("Added plan task"),
    "plan.task_update": gettext_lazy("Updated plan task"),
    "plan.task_delete": gettext_lazy("Deleted plan task"),
    "plan.leader_add": gettext_lazy("Added leadership group member"),
    "plan.leader_delete": gettext_lazy("Removed leadership group member"),
})

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
NATIONAL_PLAN_JSON = DATA_DIR / "annual_plan_2018.json"
CITY_PLANS_JSON = DATA_DIR / "city_plan_targets.json"

REQUIREMENTS = {"必做": Requirement.MANDATORY, "选做": Requirement.OPTIONAL}
# The JSON's comparison keys; a target with "type": "qualitative" has none.
NATIONAL_COMPARISONS = {"yoy_growth_gt": Comparison.YOY_GROWTH, "gte": Comparison.COUNT, "range": Comparison.RANGE}
GROWTH_COMPARISONS = frozenset({Comparison.YOY_GROWTH, Comparison.ANNUAL_GROWTH})


class CityPlanFacts(NamedTuple):
    code: str
    kind: CityPlanKind
    start_year: int
    end_year: int


# What city_plan_targets.json does not say. Periods from the sources: 抚顺 "2021-2023年" (S2 title); 阳江
# "试点周期为2017年12月至2020年12月" (S4), i.e. the plan years 2018–2020; 西青区: S3 gives no years — its
# demonstration term 2016-05..2019-05 (国知发管函字〔2016〕53号, cities/data/designated_cities.csv).
CITY_PLAN_FACTS = {
    "抚顺市": CityPlanFacts("210400", CityPlanKind.DEMO_CULTIVATION, 2021, 2023),
    "阳江市": CityPlanFacts("441700", CityPlanKind.PILOT_CONSTRUCTION, 2018, 2020),
    "天津市西青区": CityPlanFacts("120111", CityPlanKind.DEMONSTRATION, 2016, 2019),
}

# A target's metric -> the row of the basic-information table measuring the same quantity (first match wins).
# 万人高价值发明专利 and 知识产权质押融资 are measured by the nearest row (all invention patents; patent pledges).
INDICATOR_LINKS: tuple[tuple[re.Pattern, int], ...] = (
    (re.compile(r"万人.*发明专利"), 15),
    (re.compile(r"PCT"), 16),
    (re.compile(r"^(?:国内注册商标|有效注册商标)"), 17),
    (re.compile(r"质押融资(?:金)?额"), 19),
    (re.compile(r"贯标认证企业"), 23),
)

# Unit factors from what a plan writes to the unit of the linked row.
UNIT_FACTORS = {("万元", "亿元"): Decimal("0.0001"), ("亿元", "万元"): Decimal("10000")}


# --- Parsing the targets as the plans write them ------------------------------------------------


class ParsedTarget(NamedTuple):
    comparison: Comparison
    value: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    baseline: Decimal | None = None
    unit: str = ""


N = r"(\d+(?:\.\d+)?)"
MONEY_UNITS = frozenset({"元", "万元", "亿元"})
TARGET_PATTERNS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(rf"年均增长{N}%以上"), "annual"),
    (re.compile(rf"(?:同比|较上一?年度?)增长{N}%(?:以上)?"), "yoy"),
    (re.compile(rf"在{N}(\w)基础上.*总数(?:达到)?{N}(\w)"), "baseline"),
    (re.compile(rf".*?{N}[-—–~～]{N}(家|个|件|人|项)"), "range"),
    (re.compile(rf"(?:超过|达到)?{N}%(?:以上)?"), "percent"),
    (re.compile(r"过万(件|个|家)"), "ten_thousand"),
    (re.compile(rf".*?(?:不低于|至少){N}(万元|亿元|元|家|个|件|人|项|期|次)"), "at_least"),
    (re.compile(rf"每年{N}(家|个|件|人|项|期|次)"), "count"),
    (re.compile(rf"{N}(家|个|件|人|项)以上"), "absolute"),
    (re.compile(rf"{N}(家|个|件|人|项)"), "count"),
)


def _clauses(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text or "").strip()
    return [part.strip(" 。.") for part in re.split(r"[;；]", text) if part.strip(" 。.")]


def _parse_clause(clause: str) -> ParsedTarget | None:
    for pattern, how in TARGET_PATTERNS:
        match = pattern.fullmatch(clause) if how != "ten_thousand" else pattern.match(clause)
        if match is None:
            continue
        groups = match.groups()
        if how == "annual":
            return ParsedTarget(Comparison.ANNUAL_GROWTH, Decimal(groups[0]))
        if how == "yoy":
            return ParsedTarget(Comparison.YOY_GROWTH, Decimal(groups[0]))
        if how == "baseline":
            return ParsedTarget(Comparison.ABSOLUTE, Decimal(groups[2]), baseline=Decimal(groups[0]), unit=groups[3])
        if how == "range":
            return ParsedTarget(Comparison.RANGE, minimum=Decimal(groups[0]), maximum=Decimal(groups[1]),
                                unit=groups[2])
        if how == "percent":
            return ParsedTarget(Comparison.ABSOLUTE, Decimal(groups[0]), unit="%")
        if how == "ten_thousand":
            return ParsedTarget(Comparison.ABSOLUTE, Decimal(10000), unit=groups[0])
        if how == "at_least":
            kind = Comparison.ABSOLUTE if groups[1] in MONEY_UNITS else Comparison.COUNT
            return ParsedTarget(kind, Decimal(groups[0]), unit=groups[1])
        if how == "absolute":
            return ParsedTarget(Comparison.ABSOLUTE, Decimal(groups[0]), unit=groups[1])
        return ParsedTarget(Comparison.COUNT, Decimal(groups[0]), unit=groups[1])
    return None


def parse_target_text(text: str) -> ParsedTarget:
    """The comparison and numbers of a target as a plan writes it ("年均增长6%以上", "90家以上", "不低于100件").

    A target of several clauses ("年均增长30%以上；三年试点期间总量10000件以上") is measured by its first
    clause that reads as a number; anything else ("实现新突破", "达到全省平均水平") is qualitative.
    """
    for clause in _clauses(text):
        parsed = _parse_clause(clause)
        if parsed is not None:
            return parsed
    return ParsedTarget(Comparison.QUALITATIVE)


def indicator_for_metric(metric: str, indicators: dict[int, Indicator]) -> Indicator | None:
    """The row of the table (``indicators``: number -> Indicator) that measures ``metric``, if one clearly does."""
    for pattern, number in INDICATOR_LINKS:
        if pattern.search(metric):
            return indicators.get(number)
    return None


def _in_unit(value: Decimal | None, unit: str, indicator: Indicator | None) -> Decimal | None:
    if value is None or indicator is None or not unit or unit == indicator.unit:
        return value
    factor = UNIT_FACTORS.get((unit, indicator.unit))
    return value * factor if factor is not None else value


def _numeric_rows() -> dict[int, Indicator]:
    template = current_template() or load_template()
    return {indicator.number: indicator for indicator in template.indicators.filter(sub_item="")}


# --- National annual work plans -----------------------------------------------------------------

DOCUMENT = re.compile(r"[（(](?P<number>[^,，（）()]+号)[,，]\s*(?P<date>\d{4}-\d{2}-\d{2})")


def _national_target(task: NationalTask, row: dict) -> NationalTarget:
    if row.get("type") == Comparison.QUALITATIVE:
        comparison = Comparison.QUALITATIVE
    else:
        try:
            comparison = NATIONAL_COMPARISONS[row["comparison"]]
        except KeyError:
            raise ValidationError(_("Unknown comparison “%(value)s” of target “%(metric)s”.") % {
                "value": row.get("comparison", ""), "metric": row.get("metric", "")}) from None
    value = row.get("value")
    value = Decimal(str(value)) if value is not None else None
    if comparison in GROWTH_COMPARISONS and value is not None:
        value = value * 100  # the JSON writes growth as a fraction (0.20); targets hold percent (20)
    minimum, maximum = row.get("min"), row.get("max")
    return NationalTarget(task=task, metric=row["metric"], applies_to=row.get("applies_to", ""),
                          comparison=comparison, value=value,
                          minimum=Decimal(str(minimum)) if minimum is not None else None,
                          maximum=Decimal(str(maximum)) if maximum is not None else None,
                          text=row.get("target", ""))


@transaction.atomic
def load_national_plan(path: str | Path = NATIONAL_PLAN_JSON, *, by) -> NationalPlan:
    """The national annual work plan of a JSON file (``annual_plan_2018.json``).

    Idempotent: the plan is found by year; tasks already there (by number) are left as they are.
    """
    require(by, "plans.manage_national_plans")
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    year = re.match(r"(\d{4})年", data["title"])
    document = DOCUMENT.search(data.get("source", ""))
    if year is None:
        raise ValidationError(_("The plan's title does not start with its year."))
    plan, created = NationalPlan.objects.get_or_create(year=int(year[1]), defaults={
        "title": data["title"],
        "document_number": document["number"] if document else "",
        "issued_on": dt.date.fromisoformat(document["date"]) if document else None,
        "source": data.get("source", "")[:300],
    })
    existing = set(plan.tasks.values_list("number", flat=True))
    added, targets = [], []
    for row in data["tasks"]:
        if row["no"] in existing:
            continue
        task = NationalTask(plan=plan, number=row["no"], title=row["title"], area=row.get("area", ""),
                            requirement=REQUIREMENTS[row["mandatory"]], executor=row.get("executor", ""),
                            goal=row.get("goal", ""), measures=row.get("measures", []),
                            support=row.get("support", []))
        task.full_clean(validate_constraints=False)
        task.save()
        added.append(task.number)
        targets.extend(_national_target(task, target) for target in row.get("quantitative_targets", []))
    NationalTarget.objects.bulk_create(targets)
    if created or added:
        audit.record(actor=by, action="plan.national_load", obj=plan,
                     data={"file": Path(path).name, "tasks": added, "targets": len(targets)})
    return plan


# --- City plans ------------------------------------------------------------------------------------

PLAN_FIELDS = ("kind", "title", "start_year", "end_year", "theme", "source")
TARGET_FIELDS = ("area", "metric", "comparison", "baseline_year", "baseline_value", "target_value", "text",
                 "indicator")
TASK_FIELDS = ("heading", "text", "lead_unit", "responsible_units")


def _plan_data(plan: CityPlan) -> dict:
    return {name: getattr(plan, name) for name in PLAN_FIELDS}


def _target_data(target: PlanTarget) -> dict:
    data = {name: getattr(target, name) for name in TARGET_FIELDS if name != "indicator"}
    data["indicator"] = target.indicator_id
    for name in ("baseline_value", "target_value"):
        data[name] = str(data[name]) if data[name] is not None else None
    return data


def _task_data(task: PlanTask) -> dict:
    return {name: getattr(task, name) for name in TASK_FIELDS}


UNIT_SEPARATORS = frozenset("、,，;；\n")
OPENING, CLOSING = frozenset("（("), frozenset("）)")


def split_units(value: str) -> list[str]:
    """``市财政局、各县（市、区）人民政府`` as ``["市财政局", "各县（市、区）人民政府"]``: a separator inside
    brackets belongs to the unit's name."""
    units, current, depth = [], [], 0
    for char in value:
        if char in OPENING:
            depth += 1
        elif char in CLOSING:
            depth = max(depth - 1, 0)
        elif char in UNIT_SEPARATORS and depth == 0:
            units.append("".join(current))
            current = []
            continue
        current.append(char)
    units.append("".join(current))
    return [unit.strip() for unit in units if unit.strip()]


def _units(value) -> list[str]:
    if isinstance(value, str):
        value = split_units(value)
    return [unit.strip() for unit in value or [] if unit and unit.strip()]


def _next_position(related) -> int:
    return (related.aggregate(last=Max("position"))["last"] or 0) + 1


def _check_target(target: PlanTarget) -> None:
    errors = {}
    numeric = target.comparison != Comparison.QUALITATIVE
    if numeric and target.comparison != Comparison.RANGE and target.target_value is None:
        errors["target_value"] = _("A quantitative target needs a target value.")
    if target.indicator_id is not None and target.indicator.answer_type != AnswerType.NUMBER:
        errors["indicator"] = _("Only a numeric row of the basic-information table can measure a target.")
    plan = target.plan
    if target.baseline_year is not None and target.baseline_year > plan.end_year:
        errors["baseline_year"] = _("The baseline year cannot be after the plan's last year (%(year)s).") % {
            "year": plan.end_year}
    if errors:
        raise ValidationError(errors)
    target.full_clean()


@transaction.atomic
def create_city_plan(city: City, *, kind: str, title: str, start_year: int, end_year: int, theme: str = "",
                     source: str = "", by) -> CityPlan:
    plan = CityPlan(city=city, kind=kind, title=(title or "").strip(), start_year=start_year, end_year=end_year,
                    theme=(theme or "").strip(), source=(source or "").strip(), created_by=by)
    require(by, "plans.edit_city_plan", plan)
    plan.full_clean()
    plan.save()
    audit.record(actor=by, action="plan.create", obj=plan, city=city, data=_plan_data(plan))
    return plan


@transaction.atomic
def update_city_plan(plan: CityPlan, *, by, **changes) -> CityPlan:
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"update_city_plan() cannot change {sorted(unknown)}")
    require(by, "plans.edit_city_plan", plan)
    before = _plan_data(plan)
    for name, value in changes.items():
        setattr(plan, name, value.strip() if isinstance(value, str) else value)
    plan.full_clean()
    after = _plan_data(plan)
    changed = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if changed:
        plan.save(update_fields=list(changed))
        audit.record(actor=by, action="plan.update", obj=plan, city=plan.city, data={"changed": changed})
    return plan


@transaction.atomic
def add_plan_target(plan: CityPlan, *, metric: str, comparison: str, area: str = "", baseline_year: int | None = None,
                    baseline_value: Decimal | None = None, target_value: Decimal | None = None, text: str = "",
                    indicator: Indicator | None = None, by) -> PlanTarget:
    require(by, "plans.edit_city_plan", plan)
    target = PlanTarget(plan=plan, position=_next_position(plan.targets), area=(area or "").strip(),
                        metric=(metric or "").strip(), comparison=comparison, baseline_year=baseline_year,
                        baseline_value=baseline_value, target_value=target_value, text=(text or "").strip(),
                        indicator=indicator)
    _check_target(target)
    target.save()
    audit.record(actor=by, action="plan.target_add", obj=plan, city=plan.city, data=_target_data(target))
    return target


def _update_part(part: PlanTarget | PlanTask, *, kind: str, fields: tuple, data_of, check, changes: dict, by):
    """Change fields of a target or a task of a plan; audit what really changed."""
    unknown = set(changes) - set(fields)
    if unknown:
        raise TypeError(f"update_plan_{kind}() cannot change {sorted(unknown)}")
    plan = part.plan
    require(by, "plans.edit_city_plan", plan)
    before = data_of(part)
    for name, value in changes.items():
        if name == "responsible_units":
            value = _units(value)
        setattr(part, name, value.strip() if isinstance(value, str) else value)
    check(part)
    after = data_of(part)
    changed = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if changed:
        part.save(update_fields=list(changed))
        audit.record(actor=by, action=f"plan.{kind}_update", obj=plan, city=plan.city,
                     data={kind: part.pk, "changed": changed})
    return part


def _delete_part(part: PlanTarget | PlanTask, *, kind: str, data_of, by) -> None:
    plan = part.plan
    require(by, "plans.edit_city_plan", plan)
    audit.record(actor=by, action=f"plan.{kind}_delete", obj=plan, city=plan.city,
                 data={kind: part.pk, **data_of(part)})
    part.delete()


@transaction.atomic
def update_plan_target(target: PlanTarget, *, by, **changes) -> PlanTarget:
    return _update_part(target, kind="target", fields=TARGET_FIELDS, data_of=_target_data, check=_check_target,
                        changes=changes, by=by)


@transaction.atomic
def delete_plan_target(target: PlanTarget, *, by) -> None:
    """Responsibility items linked to the target keep their text and lose the link."""
    _delete_part(target, kind="target", data_of=_target_data, by=by)


@transaction.atomic
def add_plan_task(plan: CityPlan, *, text: str, heading: str = "", lead_unit: str = "",
                  responsible_units=(), by) -> PlanTask:
    require(by, "plans.edit_city_plan", plan)
    task = PlanTask(plan=plan, position=_next_position(plan.tasks), heading=(heading or "").strip(),
                    text=(text or "").strip(), lead_unit=(lead_unit or "").strip(),
                    responsible_units=_units(responsible_units))
    task.full_clean()
    task.save()
    audit.record(actor=by, action="plan.task_add", obj=plan, city=plan.city, data=_task_data(task))
    return task


@transaction.atomic
def update_plan_task(task: PlanTask, *, by, **changes) -> PlanTask:
    return _update_part(task, kind="task", fields=TASK_FIELDS, data_of=_task_data, check=PlanTask.full_clean,
                        changes=changes, by=by)


@transaction.atomic
def delete_plan_task(task: PlanTask, *, by) -> None:
    _delete_part(task, kind="task", data_of=_task_data, by=by)


@transaction.atomic
def add_leadership_member(plan: CityPlan, *, role: str, post: str, name: str = "", by) -> LeadershipMember:
    require(by, "plans.edit_city_plan", plan)
    member = LeadershipMember(plan=plan, position=_next_position(plan.leadership), role=(role or "").strip(),
                              name=re.sub(r"\s+", "", name or ""), post=(post or "").strip())
    member.full_clean()
    member.save()
    audit.record(actor=by, action="plan.leader_add", obj=plan, city=plan.city,
                 data={"role": member.role, "name": member.name, "post": member.post})
    return member


@transaction.atomic
def delete_leadership_member(member: LeadershipMember, *, by) -> None:
    plan = member.plan
    require(by, "plans.edit_city_plan", plan)
    audit.record(actor=by, action="plan.leader_delete", obj=plan, city=plan.city,
                 data={"role": member.role, "name": member.name, "post": member.post})
    member.delete()


def _target_row(row: dict, facts: CityPlanFacts, indicators: dict[int, Indicator]) -> dict:
    parsed = parse_target_text(row["target"])
    indicator = indicator_for_metric(row["metric"], indicators)
    value = parsed.value
    if parsed.comparison == Comparison.RANGE:
        # PlanTarget has no minimum/maximum yet: the lower bound is the value to reach, the text keeps both.
        value = parsed.minimum
    unit = "" if parsed.comparison in GROWTH_COMPARISONS else parsed.unit
    return {
        "metric": row["metric"], "comparison": parsed.comparison if parsed.comparison != Comparison.RANGE
        else Comparison.ABSOLUTE,
        "baseline_year": facts.start_year - 1 if parsed.comparison == Comparison.ANNUAL_GROWTH else None,
        "baseline_value": _in_unit(parsed.baseline, unit, indicator),
        "target_value": _in_unit(value, unit, indicator), "text": row["target"], "indicator": indicator,
    }


@transaction.atomic
def load_city_plans(path: str | Path = CITY_PLANS_JSON, *, by) -> list[CityPlan]:
    """The city plans of a JSON file (``city_plan_targets.json``) with their targets, parsed and linked to the
    basic-information table where a row clearly measures them.

    Idempotent: a plan is found by city and title; a plan that exists is left as it is.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    indicators = _numeric_rows()
    plans = []
    for entry in data["plans"]:
        facts = CITY_PLAN_FACTS.get(entry["city"])
        if facts is None:
            raise ValidationError(_("No period and kind are known for the plan of %(city)s.") % {
                "city": entry["city"]})
        city = City.objects.filter(code=facts.code).first()
        if city is None:
            raise ValidationError(_("City %(code)s (%(city)s) is not in the database: load the places first.") % {
                "code": facts.code, "city": entry["city"]})
        plan = CityPlan.objects.filter(city=city, title=entry["plan"]).first()
        if plan is None:
            plan = create_city_plan(city, kind=facts.kind, title=entry["plan"], start_year=facts.start_year,
                                    end_year=facts.end_year, theme=entry.get("theme", ""),
                                    source=entry.get("source", ""), by=by)
            for row in entry["targets"]:
                add_plan_target(plan, **_target_row(row, facts, indicators), by=by)
            audit.record(actor=by, action="plan.city_load", obj=plan, city=city,
                         data={"file": Path(path).name, "targets": len(entry["targets"])})
        plans.append(plan)
    return plans
