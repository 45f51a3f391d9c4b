"""The basic-information table (基本情况表): the catalog, a city's yearly values, and their checks."""

from __future__ import annotations

import csv
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities import audit
from cities.enums import Role
from cities.rules import city_ids_of
from evaluations.enums import EDITABLE_STATES, AnswerType, ApplicationState
from evaluations.models import Indicator, IndicatorTemplate, IndicatorValue
from evaluations.selectors import shown_state

audit.register_actions({
    "basic_info.proof": gettext_lazy("Linked proof to the table"),
    "basic_info.save": gettext_lazy("Saved basic-information table"),
    "basic_info.import": gettext_lazy("Imported basic-information table"),
})

CATALOG_CSV = Path(__file__).resolve().parent / "data" / "basic_info_table.csv"
TEMPLATE_TITLE = "城市知识产权工作基本情况表"
TEMPLATE_SOURCE = "国家知识产权局办公室 2018-07-27 通知 附件3"
# Rows answered by a description although the printed table gives a unit: 21 asks for the number *and* the
# scale of the funds (数量及规模), 22 for awards and the city's matching reward rules (获奖情况及配套奖励标准).
DESCRIPTIVE_NUMBERS = frozenset({21, 22})
TEXT_UNIT = re.compile(r"^text(?:<=(?P<max>\d+)字)?$")

# What a stored number may hold (IndicatorValue.number: 20 digits, 4 of them decimals).
MAX_DECIMAL_PLACES = 4
MAX_NUMBER = Decimal(10) ** 16

# Unit words officials type after a number. The same quantity may be written two ways; a unit not listed
# here is not a unit but text ("3000左右" is not a number).
UNIT_SYNONYMS = {"名": "人", "平方千米": "平方公里", "km2": "平方公里"}
KNOWN_UNITS = frozenset({
    "平方公里", "万人", "人", "亿元", "万元", "千元", "元", "件", "万件", "个", "家", "项", "件/万人", "%",
    *UNIT_SYNONYMS,
})
NUMBER_WITH_SUFFIX = re.compile(r"(?P<sign>-?)\s*(?P<digits>[0-9.,]+)\s*(?P<suffix>.*)", re.DOTALL)
PLAIN_DIGITS = re.compile(r"\d+(?:\.\d*)?|\.\d+")
GROUPED_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def current_template() -> IndicatorTemplate | None:
    return IndicatorTemplate.objects.order_by("-created_at", "-id").first()


def values_by_indicator(city, year: int, template: IndicatorTemplate) -> dict[int, IndicatorValue]:
    rows = IndicatorValue.objects.filter(city=city, year=year, indicator__template=template).prefetch_related("proofs")
    return {value.indicator_id: value for value in rows}


def value_problem(indicator: Indicator, value: IndicatorValue | None) -> str | None:
    """Why ``value`` does not answer ``indicator`` (missing, too long), or None."""
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


# --- The catalog ------------------------------------------------------------------------


def _is_curator_remark(note: str) -> bool:
    """The CSV's notes column mixes the printed 备注 (Chinese) with the data curator's English remarks."""
    return bool(re.match(r"[A-Za-z]", note))


def catalog_rows(path: Path = CATALOG_CSV) -> list[dict]:
    """The indicators of the CSV as ``Indicator`` field values, in table order."""
    with open(path, encoding="utf-8", newline="") as handle:
        source = list(csv.DictReader(handle))
    evidence = {}  # 14: "需提供相关证明材料" — the printed remark covers every sub-item of the row
    for row in source:
        if row["evidence_required"].strip():
            evidence.setdefault(int(row["no"]), row["evidence_required"].strip())
    rows = []
    for position, row in enumerate(source, start=1):
        number, unit = int(row["no"]), row["unit"].strip()
        notes = row["notes"].strip()
        if _is_curator_remark(notes):
            notes = ""
        text_unit = TEXT_UNIT.match(unit)
        max_chars = None
        if text_unit:
            answer_type, max_chars, unit = AnswerType.TEXT, text_unit["max"] and int(text_unit["max"]), ""
        elif not unit or number in DESCRIPTIVE_NUMBERS:
            answer_type = AnswerType.TEXT
        else:
            answer_type = AnswerType.NUMBER
        rows.append({
            "position": position, "number": number, "section": row["section"].strip(),
            "name": row["indicator"].strip(), "sub_item": row["sub_item"].strip(), "unit": unit,
            "answer_type": answer_type, "max_chars": max_chars, "cumulative": row["cumulative"].strip() == "累计值",
            "notes": notes or evidence.get(number, ""), "evidence_required": number in evidence,
        })
    return rows


@transaction.atomic
def load_template(code: str = "2018", *, path: Path = CATALOG_CSV) -> IndicatorTemplate:
    """The table version ``code``, created from the catalog CSV the first time; an existing one is returned as is."""
    template, created = IndicatorTemplate.objects.get_or_create(
        code=code, defaults={"title": TEMPLATE_TITLE, "source": TEMPLATE_SOURCE})
    if created:
        Indicator.objects.bulk_create(Indicator(template=template, **row) for row in catalog_rows(path))
    return template


# --- Parsing what officials type ----------------------------------------------------------


def canonical_unit(unit: str) -> str:
    unit = re.sub(r"\s+", "", unicodedata.normalize("NFKC", unit or ""))
    return UNIT_SYNONYMS.get(unit, unit)


def parse_number(raw: str, unit: str) -> Decimal | None:
    """A non-negative number as officials type it, or None for an empty answer.

    Accepts full-width digits and punctuation, thousands separators, surrounding (ideographic) spaces and a
    trailing unit equal to the row's. A different unit is refused, never converted. Raises ValueError.
    """
    shown = (raw or "").strip()
    text = unicodedata.normalize("NFKC", raw or "").replace("\u2212", "-").strip()
    if not text:
        return None
    not_a_number = ValueError(_("should be a number, got “%(value)s”") % {"value": shown})
    match = NUMBER_WITH_SUFFIX.fullmatch(text)
    if match is None:
        raise not_a_number
    suffix = canonical_unit(match["suffix"])
    if suffix and suffix != canonical_unit(unit):
        if suffix in KNOWN_UNITS and unit:
            raise ValueError(_("unit should be %(unit)s, got “%(value)s”") % {"unit": unit, "value": shown})
        raise not_a_number
    digits = match["digits"]
    if not (PLAIN_DIGITS.fullmatch(digits) or GROUPED_DIGITS.fullmatch(digits)):
        raise not_a_number
    try:
        number = Decimal(digits.replace(",", ""))
    except InvalidOperation:
        raise not_a_number from None
    if match["sign"]:
        raise ValueError(_("should not be negative, got “%(value)s”") % {"value": shown})
    if number >= MAX_NUMBER:
        raise ValueError(_("is too large, got “%(value)s”") % {"value": shown})
    if -number.as_tuple().exponent > MAX_DECIMAL_PLACES and number != number.quantize(Decimal(1).scaleb(-4)):
        raise ValueError(_("should have at most %(places)s decimal places, got “%(value)s”")
                         % {"places": MAX_DECIMAL_PLACES, "value": shown})
    return number


def clean_text(raw: str, max_chars: int | None) -> str:
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if max_chars and len(text) > max_chars:
        raise ValueError(_("should be at most %(max)s characters, got %(count)s")
                         % {"max": max_chars, "count": len(text)})
    return text


def clean_answer(indicator: Indicator, raw: str) -> Decimal | str | None:
    """The stored form of ``raw`` for ``indicator`` (a Decimal, None, or text). Raises ValueError."""
    if indicator.answer_type == AnswerType.NUMBER:
        return parse_number(raw, indicator.unit)
    return clean_text(raw, indicator.max_chars)


# --- Writing values -----------------------------------------------------------------------


def may_edit_city_table(user, city) -> bool:
    """City officers of the city and national staff; ``None`` is the system."""
    if user is None:
        return True
    return user.has_role(Role.NATIONAL_ADMIN) or city.pk in city_ids_of(user)


def require_table_editor(by, city) -> None:
    if not may_edit_city_table(by, city):
        raise PermissionDenied(_("You do not have permission to do this."))


def ensure_editable(application, user=None) -> None:
    """Refuse changes once the application has left the city (the caller view checks this). The message
    names the state ``user`` may see (an unpublished outcome stays hidden)."""
    if application.state not in EDITABLE_STATES:
        state = application.state if user is None else shown_state(application, user)
        raise ValidationError(
            _("The application is %(state)s; its basic-information table can no longer be changed.")
            % {"state": ApplicationState(state).label})


def save_indicator_values(city, year: int, template: IndicatorTemplate, values: dict[int, str], *, by,
                          source: str = "browser") -> list[IndicatorValue]:
    """Store what was typed for each indicator (pk -> raw text); an empty answer clears the value.

    Everything is validated first: one invalid answer raises ValidationError({pk: [message]}) and nothing is
    saved. One audit entry records the rows that changed.
    """
    require_table_editor(by, city)
    indicators = {indicator.pk: indicator for indicator in template.indicators.all()}
    answers, errors = {}, {}
    for pk, raw in values.items():
        indicator = indicators.get(pk)
        if indicator is None:
            errors[pk] = [_("this row is not part of the table")]
            continue
        try:
            answers[pk] = clean_answer(indicator, raw)
        except ValueError as exc:
            errors[pk] = [str(exc)]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        existing = {value.indicator_id: value for value in IndicatorValue.objects.select_for_update().filter(
            city=city, year=year, indicator_id__in=list(answers))}
        now = timezone.now()
        created, updated, changed = [], [], []
        for pk, answer in answers.items():
            indicator = indicators[pk]
            number = answer if indicator.answer_type == AnswerType.NUMBER else None
            text = answer if indicator.answer_type == AnswerType.TEXT else ""
            current = existing.get(pk)
            if current is None:
                if number is None and not text:
                    continue
                current = IndicatorValue(city=city, year=year, indicator=indicator, number=number, text=text,
                                         updated_by=by)
                created.append(current)
            elif current.number != number or current.text != text:
                # A cleared answer keeps its row (NULL / ""), so proof documents linked to it stay linked.
                current.number, current.text, current.updated_by, current.updated_at = number, text, by, now
                updated.append(current)
            else:
                continue
            changed.append(indicator)
        IndicatorValue.objects.bulk_create(created)
        IndicatorValue.objects.bulk_update(updated, ["number", "text", "updated_by", "updated_at"])
        if changed:
            audit.record(actor=by, action="basic_info.save", city=city, data={
                "year": year, "changed": sorted({indicator.number for indicator in changed}), "source": source})
    saved = [*existing.values(), *created]
    return sorted(saved, key=lambda value: indicators[value.indicator_id].position)


# --- Proof documents -----------------------------------------------------------------------


@transaction.atomic
def link_proof(application, *, material, indicator_ids: list[int], by) -> int:
    """Link a proof document of ``application`` to the rows of the table it supports (replacing its links)."""
    from evaluations.enums import MaterialKind

    require_table_editor(by, application.city)
    ensure_editable(application)
    if material.application_id != application.pk or material.kind != MaterialKind.PROOF:
        raise ValidationError(_("Only a proof document of this application can be linked to the table."))
    cycle = application.cycle
    template = cycle.basic_info_template or current_template()
    values = list(IndicatorValue.objects.filter(city=application.city, year=cycle.data_year,
                                                indicator__template=template, indicator_id__in=indicator_ids)
                  .select_related("indicator"))
    found = {value.indicator_id for value in values if not value.is_empty}
    missing = Indicator.objects.filter(template=template, pk__in=set(indicator_ids) - found)
    if missing:
        raise ValidationError([_("row %(number)s %(label)s has no value yet: fill it in before linking proof")
                               % {"number": i.number, "label": i.label} for i in missing])
    material.indicator_values.set(values)
    audit.record(actor=by, action="basic_info.proof", obj=application, city=application.city,
                 data={"material": material.pk, "rows": sorted({v.indicator.number for v in values})})
    return len(values)
