"""What the dashboards show, by level: pure reads, a fixed number of queries whatever the number of cities.

Every table is a ``Table`` (title, headers, rows of plain values); the page renders it and the Excel export
writes the same rows. Definitions used throughout:

* an item is *completed* when the city reported it completed, whether or not the province verified it yet;
* *verified* when the province confirmed it; *unverified* when reported completed and waiting for the province;
* *overdue* when its due date has passed (before today, Asia/Shanghai) and it is not completed;
* the *completion rate* is completed items / all items of the year's lists, in percent (one decimal), NULL
  when there are no items;
* a *valid title* (有效称号) is a designation in force today as ``cities.selectors.in_force_on`` defines it, the
  one definition the home page and the API use too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from cities.enums import Role, Tier
from cities.models import City, Province
from cities.rules import city_ids_of, province_ids_of
from cities.selectors import title_counts, title_counts_by_province, valid_designations
from evaluations.enums import ApplicationState, CycleStatus
from evaluations.models import Application, IndicatorTemplate, IndicatorValue
from ipcity.dates import local_today
from ipcity.numbers import plain_decimal
from plans.enums import OPEN_ITEM_STATUSES, ItemStatus
from plans.models import CityPlan, ResponsibilityItem, ResponsibilityList

COMPLETED_STATUSES = (ItemStatus.COMPLETED, ItemStatus.VERIFIED)
# Rows of the basic-information table (S1 附件3) followed nationally: 每万人口发明专利拥有量, 有效注册商标量,
# 专利权质押融资金额, 通过贯标认证企业数量.
KEY_INDICATOR_NUMBERS = (15, 17, 19, 23)
DASHBOARD_ROLES = (Role.CITY_OFFICER, Role.PROVINCE_STAFF, Role.NATIONAL_ADMIN)
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Table:
    """A titled table of plain values (str, int, Decimal, date or None), as shown and as exported."""

    key: str
    title: str
    headers: tuple
    rows: list[tuple]


@dataclass
class Section:
    """One level's part of the dashboard: its tables by key and anything else its template needs."""

    role: str
    tables: dict[str, Table]
    extra: dict = field(default_factory=dict)


def rate(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent with one decimal; NULL when there is nothing to count."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _overdue(today: dt.date) -> Q:
    return Q(due_date__lt=today, status__in=sorted(OPEN_ITEM_STATUSES))


def _item_counts(items: str, *, year: int, today: dt.date) -> dict:
    """Aggregations counting the items reached through the path ``items`` (e.g. ``responsibility_lists__items``),
    of the lists of ``year``."""
    lists = items.rsplit("__", 1)[0]
    of_year = Q(**{f"{lists}__year": year})
    item_id = f"{items}__id"
    return {
        "n_items": Count(item_id, filter=of_year),
        "n_completed": Count(item_id, filter=of_year & Q(**{f"{items}__status__in": COMPLETED_STATUSES})),
        "n_verified": Count(item_id, filter=of_year & Q(**{f"{items}__status": ItemStatus.VERIFIED})),
        "n_unverified": Count(item_id, filter=of_year & Q(**{f"{items}__status": ItemStatus.COMPLETED})),
        "n_overdue": Count(item_id, filter=of_year & Q(**{f"{items}__due_date__lt": today,
                                                          f"{items}__status__in": sorted(OPEN_ITEM_STATUSES)})),
    }


# --- years -----------------------------------------------------------------------------------------------------

def list_years(user) -> list[int]:
    """Years that have a responsibility list the user may see, newest first (one query)."""
    cities = _dashboard_city_scope(user)
    lists = ResponsibilityList.objects.all() if cities is None else ResponsibilityList.objects.filter(cities)
    return list(lists.order_by("-year").values_list("year", flat=True).distinct())


def _dashboard_city_scope(user) -> Q | None:
    """Lists of the cities behind the user's dashboard roles (``None``: every city)."""
    if user.has_role(Role.NATIONAL_ADMIN):
        return None
    return Q(city__province_id__in=province_ids_of(user)) | Q(city_id__in=city_ids_of(user))


def dashboard_roles(user) -> list[str]:
    return [role for role in DASHBOARD_ROLES if user.has_role(role)]


# --- city ------------------------------------------------------------------------------------------------------

def city_items(city_ids, *, year: int) -> list[ResponsibilityItem]:
    """Items of the cities' lists of ``year``, by due date (undated last), city and number: one query."""
    return list(
        ResponsibilityItem.objects.filter(list__city_id__in=city_ids, list__year=year)
        .select_related("list__city")
        .order_by("list__city__code", F("due_date").asc(nulls_last=True), "number")
    )


def is_overdue(item: ResponsibilityItem, today: dt.date) -> bool:
    return item.due_date is not None and item.due_date < today and item.status in OPEN_ITEM_STATUSES


def _item_row(item: ResponsibilityItem, today: dt.date, *, with_city: bool) -> tuple:
    row = (item.number, item.work_area, item.task, item.due_date, ItemStatus(item.status).label, item.percent,
           _("Yes") if is_overdue(item, today) else "")
    return ((item.list.city.full_name,) + row) if with_city else row


def _item_headers(*, with_city: bool) -> tuple:
    headers = (_("No."), _("Work area"), _("Task"), _("Due date"), _("Status"), _("Percent complete"), _("Overdue"))
    return ((_("City"),) + headers) if with_city else headers


def latest_plans(city_ids, *, year: int) -> dict[int, CityPlan]:
    """Each city's plan covering ``year`` (the most recent one if several): one query."""
    plans = {}
    rows = CityPlan.objects.filter(city_id__in=city_ids, start_year__lte=year, end_year__gte=year).order_by(
        "city_id", "-start_year", "-id")
    for plan in rows:
        plans.setdefault(plan.city_id, plan)
    return plans


def _achievement_functions():
    """``achievements_for`` and ``latest_value_year`` of ``plans.achievement`` when that module exists (it is
    built alongside this one), else ``None``: the dashboard then leaves target achievement out."""
    try:
        from plans.achievement import achievements_for, latest_value_year
    except ImportError:
        return None
    return achievements_for, latest_value_year


# 6.0000 -> 6, 2.3500 -> 2.35 (stored with four decimals, shown as written).
tidy = plain_decimal


def _achieved_label(achieved: bool | None):
    return "—" if achieved is None else _("Yes") if achieved else _("No")


def achievement_table(cities: dict[int, City], *, year: int) -> Table | None:
    """Achievement of the targets of each city's plan covering ``year``, in the latest year with values of the
    rows they are linked to. A few queries per city (the officer's cities: usually one), none per target."""
    functions = _achievement_functions()
    if functions is None:
        return None
    achievements_for, latest_value_year = functions
    with_city = len(cities) > 1
    rows = []
    for city_id, plan in latest_plans(list(cities), year=year).items():
        value_year = latest_value_year(plan)
        if value_year is None:
            continue
        for achievement in achievements_for(plan, year=value_year):
            target = achievement.target
            row = (plan.title, target.metric, target.text, achievement.year, tidy(achievement.actual),
                   tidy(achievement.required), _achieved_label(achievement.achieved), achievement.explanation)
            rows.append(((cities[city_id].full_name,) + row) if with_city else row)
    headers = (_("Plan"), _("Target"), _("Target as written"), _("Year"), _("Actual"), _("Required"),
               _("Achieved"), _("Explanation"))
    return Table("city-achievement", str(_("Achievement of my plan's targets")),
                 ((_("City"),) + headers) if with_city else headers, rows)


def city_section(user, *, year: int, today: dt.date) -> Section:
    city_ids = sorted(city_ids_of(user))
    cities = {city.pk: city for city in City.objects.filter(pk__in=city_ids).order_by("code")}
    items = city_items(city_ids, year=year)
    with_city = len(cities) > 1
    overdue = [item for item in items if is_overdue(item, today)]
    completed = sum(1 for item in items if item.status in COMPLETED_STATUSES)
    status_counts = {status: 0 for status in ItemStatus}
    for item in items:
        status_counts[ItemStatus(item.status)] += 1
    tables = {
        "city-items": Table("city-items", str(_("My responsibility list")), _item_headers(with_city=with_city),
                            [_item_row(item, today, with_city=with_city) for item in items]),
        "city-overdue": Table("city-overdue", str(_("Overdue items")), _item_headers(with_city=with_city),
                              [_item_row(item, today, with_city=with_city) for item in overdue]),
    }
    achievements = achievement_table(cities, year=year)
    if achievements is not None:
        tables[achievements.key] = achievements
    return Section(Role.CITY_OFFICER, tables, {
        "cities": list(cities.values()),
        "n_items": len(items),
        "n_completed": completed,
        "n_overdue": len(overdue),
        "completion_rate": rate(completed, len(items)),
        "status_counts": [(status.label, status_counts[status]) for status in ItemStatus],
    })


# --- province --------------------------------------------------------------------------------------------------

def province_city_rows(province_ids, *, year: int, today: dt.date) -> list[City]:
    """Each city of the provinces that has a list of ``year`` or holds a valid title today, with its item counts:
    one query."""
    has_list = ResponsibilityList.objects.filter(city=OuterRef("pk"), year=year)
    current = valid_designations(on=today).filter(city__province_id__in=province_ids).values("city_id")
    return list(
        City.objects.filter(province_id__in=province_ids)
        .filter(Exists(has_list) | Q(pk__in=current))
        .select_related("province")
        .annotate(has_list=Exists(has_list), **_item_counts("responsibility_lists__items", year=year, today=today))
        .order_by("province__code", "code")
    )


def province_items(province_ids, condition: Q, *, year: int) -> list[ResponsibilityItem]:
    return list(
        ResponsibilityItem.objects.filter(condition, list__city__province_id__in=province_ids, list__year=year)
        .select_related("list__city")
        .order_by("list__city__code", F("due_date").asc(nulls_last=True), "number")
    )


def province_section(user, *, year: int, today: dt.date, province_ids=None) -> Section:
    """The provinces of ``user`` (province staff), or ``province_ids`` when given (a province's own dashboard,
    opened from the map by someone whose scope the caller has checked)."""
    province_ids = sorted(province_ids_of(user) if province_ids is None else province_ids)
    cities = province_city_rows(province_ids, year=year, today=today)
    several = len(province_ids) > 1
    headers = ((_("Province"),) if several else ()) + (
        _("City"), _("List"), _("Items"), _("Completed"), _("Verified"), _("Overdue"), _("Awaiting verification"),
        _("Completion rate (%)"))
    rows = [((city.province.name,) if several else ()) + (
        city.full_name, _("Yes") if city.has_list else _("No"), city.n_items, city.n_completed, city.n_verified,
        city.n_overdue, city.n_unverified, rate(city.n_completed, city.n_items)) for city in cities]
    overdue = province_items(province_ids, _overdue(today), year=year)
    unverified = province_items(province_ids, Q(status=ItemStatus.COMPLETED), year=year)
    tables = {
        "province-cities": Table("province-cities", str(_("Cities of the province")), headers, rows),
        "province-overdue": Table("province-overdue", str(_("Overdue items")), _item_headers(with_city=True),
                                  [_item_row(item, today, with_city=True) for item in overdue]),
        "province-unverified": Table("province-unverified", str(_("Items awaiting verification")),
                                     _item_headers(with_city=True),
                                     [_item_row(item, today, with_city=True) for item in unverified]),
    }
    return Section(Role.PROVINCE_STAFF, tables, {
        "provinces": list(Province.objects.filter(pk__in=province_ids).order_by("code")),
        "chart_labels": [city.full_name for city in cities if city.n_items],
        "chart_values": [rate(city.n_completed, city.n_items) for city in cities if city.n_items],
    })


# --- national --------------------------------------------------------------------------------------------------

def provinces_with_counts(*, year: int, today: dt.date) -> list[Province]:
    """Every province with the number of its cities that have a list of ``year`` and their items: one query."""
    return list(Province.objects.annotate(
        n_cities=Count("cities", filter=Q(cities__responsibility_lists__year=year), distinct=True),
        **_item_counts("cities__responsibility_lists__items", year=year, today=today),
    ).order_by("code"))


def pipeline_counts() -> list[dict]:
    """Applications of the open cycles by cycle and state: one query."""
    return list(Application.objects.filter(cycle__status=CycleStatus.OPEN)
                .values("cycle_id", "cycle__kind", "cycle__year", "cycle__title", "state")
                .annotate(n=Count("id")).order_by("-cycle__year", "cycle__kind", "cycle_id"))


def demonstration_city_ids(*, on: dt.date):
    """Cities holding a valid demonstration title on ``on`` (a subquery)."""
    return valid_designations(on=on).filter(tier=Tier.DEMONSTRATION).values("city_id")


def key_indicator_trends(*, today: dt.date) -> list[dict]:
    """Per key indicator and year, over the cities holding a valid demonstration title today: the sum of their
    values and the number of cities reporting. Rows of the most recent table version only: one query."""
    latest_template = IndicatorTemplate.objects.order_by("-created_at", "-id").values("pk")[:1]
    return list(
        IndicatorValue.objects.filter(
            indicator__template=latest_template, indicator__number__in=KEY_INDICATOR_NUMBERS,
            indicator__sub_item="", number__isnull=False, city__in=demonstration_city_ids(on=today))
        .values("indicator__number", "indicator__name", "indicator__unit", "year")
        .annotate(total=Sum("number"), n_cities=Count("city_id"))
        .order_by("indicator__number", "year")
    )


def is_ratio_unit(unit: str) -> bool:
    """A per-capita figure (件/万人) is averaged over cities, never summed."""
    return "/" in unit


def trend_value(row: dict) -> Decimal:
    """The sum (or, for a per-capita figure, the mean to two decimals), rounded here at the edge: the database's
    SUM of a decimal column may come back with a float's noise (SQLite: 3.20000000000000)."""
    total = Decimal(str(row["total"]))
    if is_ratio_unit(row["indicator__unit"]):
        return plain_decimal((total / row["n_cities"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return plain_decimal(total)


def national_section(user, *, year: int, today: dt.date) -> Section:
    provinces = provinces_with_counts(year=year, today=today)
    province_rows = [(p.name, p.n_cities, p.n_items, p.n_completed, p.n_overdue, p.n_unverified,
                      rate(p.n_completed, p.n_items)) for p in provinces]

    counts = title_counts(on=today)
    tier_rows = [(count.tier.label, count.active, count.rectifying, count.valid) for count in counts]

    pipeline = pipeline_counts()
    states = [state for state in ApplicationState if any(row["state"] == state for row in pipeline)]
    by_cycle: dict[int, dict] = {}
    for row in pipeline:
        entry = by_cycle.setdefault(row["cycle_id"], {"row": row, "states": {}})
        entry["states"][row["state"]] = row["n"]
    pipeline_rows = [(entry["row"]["cycle__title"], entry["row"]["cycle__year"],
                      *(entry["states"].get(state, 0) for state in states), sum(entry["states"].values()))
                     for entry in by_cycle.values()]

    grid = title_counts_by_province(on=today)
    grid_rows = [(p.name, *(grid.get(p.pk, {}).get(tier, 0) for tier in Tier), sum(grid.get(p.pk, {}).values()))
                 for p in provinces if p.pk in grid]
    grid_rows.append((str(_("Total")), *(sum(row[i + 1] for row in grid_rows) for i in range(len(Tier))),
                      sum(row[-1] for row in grid_rows)))

    trends = key_indicator_trends(today=today)
    trend_rows = [(row["indicator__number"], row["indicator__name"], row["indicator__unit"], row["year"],
                   trend_value(row), row["n_cities"]) for row in trends]
    series: dict[str, dict[str, list]] = {}
    for row in trends:
        label = f'{row["indicator__number"]}. {row["indicator__name"]}'
        chart = series.setdefault(label, {"unit": row["indicator__unit"], "points": []})
        chart["points"].append((row["year"], trend_value(row)))

    tables = {
        "national-provinces": Table(
            "national-provinces", str(_("By province")),
            (_("Province"), _("Cities with a list"), _("Items"), _("Completed"), _("Overdue"),
             _("Awaiting verification"), _("Completion rate (%)")), province_rows),
        "national-tiers": Table(
            "national-tiers", str(_("Valid titles by tier")),
            (_("Tier"), _("In force"), _("In rectification"), _("Valid titles")), tier_rows),
        "national-pipeline": Table(
            "national-pipeline", str(_("Applications of the open cycles")),
            (_("Cycle"), _("Year"), *(state.label for state in states), _("Total")), pipeline_rows),
        "national-grid": Table(
            "national-grid", str(_("Cities holding a title, by province and tier")),
            (_("Province"), *(tier.label for tier in Tier), _("Total")), grid_rows),
        "national-trends": Table(
            "national-trends", str(_("Key indicators of the demonstration cities")),
            (_("No."), _("Indicator"), _("Unit"), _("Year"), _("Value (sum; average for per-capita figures)"),
             _("Cities reporting")), trend_rows),
    }
    return Section(Role.NATIONAL_ADMIN, tables, {
        "province_chart": [(p.name, rate(p.n_completed, p.n_items)) for p in provinces if p.n_items],
        "title_counts": counts,
        "valid_titles": sum(count.valid for count in counts),
        "tier_chart": [(count.tier.label, count.valid) for count in counts],
        "trend_series": series,
    })


SECTION_BUILDERS = {
    Role.CITY_OFFICER: city_section,
    Role.PROVINCE_STAFF: province_section,
    Role.NATIONAL_ADMIN: national_section,
}
# Which level's section holds each exportable table.
TABLE_SECTIONS = {
    "city-items": Role.CITY_OFFICER, "city-overdue": Role.CITY_OFFICER, "city-achievement": Role.CITY_OFFICER,
    "province-cities": Role.PROVINCE_STAFF, "province-overdue": Role.PROVINCE_STAFF,
    "province-unverified": Role.PROVINCE_STAFF,
    "national-provinces": Role.NATIONAL_ADMIN, "national-tiers": Role.NATIONAL_ADMIN,
    "national-pipeline": Role.NATIONAL_ADMIN, "national-grid": Role.NATIONAL_ADMIN,
    "national-trends": Role.NATIONAL_ADMIN,
}


def dashboard_sections(user, *, year: int, today: dt.date) -> list[Section]:
    return [SECTION_BUILDERS[role](user, year=year, today=today) for role in dashboard_roles(user)]


def dashboard_table(user, key: str, *, year: int, today: dt.date) -> Table | None:
    """The table ``key`` as the user's dashboard shows it; ``None`` when the user has no such table."""
    role = TABLE_SECTIONS.get(key)
    if role is None or not user.has_role(role):
        return None
    return SECTION_BUILDERS[role](user, year=year, today=today).tables.get(key)

