"""The basic-information table (基本情况表): the catalog, a city's yearly values, and their checks."""

from __future__ import annotations

from evaluations.enums import AnswerType
from evaluations.models import Indicator, IndicatorTemplate, IndicatorValue


def current_template() -> IndicatorTemplate | None:
    return IndicatorTemplate.objects.order_by("-created_at", "-id").first()


def values_by_indicator(city, year: int, template: IndicatorTemplate) -> dict[int, IndicatorValue]:
    rows = IndicatorValue.objects.filter(city=city, year=year, indicator__template=template)
    return {value.indicator_id: value for value in rows}


def value_problem(indicator: Indicator, value: IndicatorValue | None) -> str | None:
    """Why ``value`` does not answer ``indicator`` (missing, too long), or None."""
    from django.utils.translation import gettext as _

    if value is None or value.is_empty:
        return _("row %(number)s %(label)s has no value") % {"number": indicator.number, "label": indicator.label}
    if indicator.answer_type == AnswerType.TEXT and indicator.max_chars and len(value.text) > indicator.max_chars:
        return _("row %(number)s %(label)s is longer than %(max)s characters") % {
            "number": indicator.number, "label": indicator.label, "max": indicator.max_chars}
    return None


def table_problems(city, year: int, template: IndicatorTemplate | None) -> list[str]:
    """Every row of the table that is missing or invalid for ``city`` in ``year``."""
    if template is None:
        return []
    values = values_by_indicator(city, year, template)
    return [problem for indicator in template.indicators.all()
            if (problem := value_problem(indicator, values.get(indicator.pk))) is not None]
