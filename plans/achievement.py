"""Achievement of a city plan's targets, computed from the city's yearly values of the basic-information table.

Pure reads: nothing here writes. A target that cannot be judged (qualitative, not linked to a row of the
table, or a value missing) has ``achieved = None`` and an explanation saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.utils.translation import gettext as _

from evaluations.models import IndicatorValue
from plans.enums import Comparison
from plans.models import CityPlan, PlanTarget

ONE_DECIMAL = Decimal("0.1")
HUNDRED = Decimal(100)

# (indicator id, year) -> number, for one city.
Values = dict[tuple[int, int], Decimal]


@dataclass(frozen=True)
class Achievement:
    target: PlanTarget
    year: int
    actual: Decimal | None  # the growth in percent (growth targets) or the value of the year
    required: Decimal | None
    achieved: bool | None
    explanation: str

    @property
    def minimum(self) -> Decimal | None:
        return getattr(self.target, "minimum", None)

    @property
    def maximum(self) -> Decimal | None:
        return getattr(self.target, "maximum", None)


def show(number: Decimal | None) -> str:
    """A number as people write it: no trailing zeros, no exponent."""
    if number is None:
        return "—"
    text = format(number.normalize(), "f")
    return text


def growth_percent(previous: Decimal, current: Decimal) -> Decimal:
    """Year-on-year growth in percent, rounded half up to one decimal."""
    return ((current - previous) / previous * HUNDRED).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def average_annual_growth(first: Decimal, last: Decimal, years: int) -> Decimal:
    """Compound average annual growth in percent over ``years`` years, one decimal: (last/first)^(1/years) − 1."""
    with localcontext() as context:
        context.prec = 28
        ratio = last / first
        rate = ratio ** (Decimal(1) / Decimal(years)) - 1
    return (rate * HUNDRED).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _unknown(target: PlanTarget, year: int, explanation: str) -> Achievement:
    return Achievement(target, year, None, target.target_value, None, explanation)


def _missing(target: PlanTarget, year: int, missing_year: int) -> Achievement:
    return _unknown(target, year, _("No value of “%(indicator)s” for %(year)s.") % {
        "indicator": target.indicator.label, "year": missing_year})


def _compute(target: PlanTarget, year: int, values: Values) -> Achievement:
    comparison = target.comparison
    if comparison == Comparison.QUALITATIVE:
        return _unknown(target, year, _("Qualitative target: judged by the province, not computed."))
    if target.indicator_id is None:
        return _unknown(target, year, _("Not linked to a row of the basic-information table."))
    indicator = target.indicator_id
    current = values.get((indicator, year))
    if current is None:
        return _missing(target, year, year)
    required = target.target_value

    if comparison == Comparison.YOY_GROWTH:
        previous = values.get((indicator, year - 1))
        if previous is None:
            return _missing(target, year, year - 1)
        if previous <= 0:
            return _unknown(target, year, _("No growth can be computed from zero in %(year)s.") % {"year": year - 1})
        growth = growth_percent(previous, current)
        return Achievement(target, year, growth, required, growth >= required, _(
            "%(growth)s%% growth from %(previous)s (%(previous_year)s) to %(current)s (%(year)s); "
            "required: %(required)s%%.") % {
            "growth": show(growth), "previous": show(previous), "previous_year": year - 1,
            "current": show(current), "year": year, "required": show(required)})

    if comparison == Comparison.ANNUAL_GROWTH:
        first_year, first = target.baseline_year, target.baseline_value
        if first is None and first_year is not None:
            first = values.get((indicator, first_year))
        if first is None:  # the first year with a value
            years = sorted(y for (i, y), _value in values.items() if i == indicator and y < year)
            if not years:
                return _unknown(target, year, _("No earlier value of “%(indicator)s” to grow from.") % {
                    "indicator": target.indicator.label})
            first_year, first = years[0], values[(indicator, years[0])]
        span = year - first_year
        if span <= 0:
            return _unknown(target, year, _("%(year)s is not after the baseline year %(baseline)s.") % {
                "year": year, "baseline": first_year})
        if first <= 0:
            return _unknown(target, year, _("No growth can be computed from zero in %(year)s.") % {
                "year": first_year})
        growth = average_annual_growth(first, current, span)
        return Achievement(target, year, growth, required, growth >= required, _(
            "%(growth)s%% a year on average from %(first)s (%(first_year)s) to %(current)s (%(year)s); "
            "required: %(required)s%% a year.") % {
            "growth": show(growth), "first": show(first), "first_year": first_year, "current": show(current),
            "year": year, "required": show(required)})

    if comparison == Comparison.RANGE:
        low, high = getattr(target, "minimum", None), getattr(target, "maximum", None)
        if low is None and high is None:
            return _unknown(target, year, _("The range has no bounds."))
        achieved = (low is None or current >= low) and (high is None or current <= high)
        return Achievement(target, year, current, low, achieved, _(
            "%(current)s in %(year)s; required: between %(low)s and %(high)s.") % {
            "current": show(current), "year": year, "low": show(low), "high": show(high)})

    # ABSOLUTE and COUNT: the value of the year against the target.
    if required is None:
        return _unknown(target, year, _("The target has no value."))
    explanation = _("%(current)s in %(year)s; required: %(required)s%(unit)s.") % {
        "current": show(current), "year": year, "required": show(required), "unit": target.indicator.unit}
    if year < target.plan.end_year:
        explanation += " " + _("The target is for %(year)s.") % {"year": target.plan.end_year}
    return Achievement(target, year, current, required, current >= required, explanation)


def _load_values(city_id: int, indicator_ids: set[int], year: int) -> Values:
    """Every number of the city for these rows up to ``year``: one query."""
    if not indicator_ids:
        return {}
    rows = IndicatorValue.objects.filter(city_id=city_id, indicator_id__in=indicator_ids, year__lte=year,
                                         number__isnull=False).values_list("indicator_id", "year", "number")
    return {(indicator, row_year): number for indicator, row_year, number in rows}


def target_achievement(target: PlanTarget, *, year: int, values: Values | None = None) -> Achievement:
    """How far ``target`` is met in ``year``. ``values`` (from ``achievements_for``) avoids a query."""
    if values is None:
        ids = {target.indicator_id} if target.indicator_id else set()
        values = _load_values(target.plan.city_id, ids, year)
    return _compute(target, year, values)


def achievements_for(plan: CityPlan, *, year: int) -> list[Achievement]:
    """The achievement of every target of ``plan`` in ``year``: two queries (targets, values), whatever the count."""
    targets = list(plan.targets.select_related("indicator"))
    for target in targets:
        target.plan = plan
    values = _load_values(plan.city_id, {t.indicator_id for t in targets if t.indicator_id}, year)
    return [_compute(target, year, values) for target in targets]


def latest_value_year(plan: CityPlan) -> int | None:
    """The latest year with a value of any row a target of ``plan`` is linked to (one query)."""
    return (IndicatorValue.objects.filter(city_id=plan.city_id, number__isnull=False,
                                          indicator_id__in=plan.targets.filter(indicator__isnull=False)
                                          .values("indicator_id"))
            .order_by("-year").values_list("year", flat=True).first())
