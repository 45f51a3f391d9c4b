"""Values an objective criterion derives from several inputs (DESIGN.md §4). Pure: no queries.

Many official indicators are ratios of rows of the basic-information table (（万人）… per 10,000 residents,
（每亿元GDP）… per 100 million yuan of GDP), and the re-review scores the term's annual assessments (S1 三(二)3).
``Criterion.derivation`` holds one of a small closed set of operations as data; nothing is evaluated from text:

- ``{"op": "ratio", "numerator": REF, "denominator": REF, "scale": s}``: numerator ÷ denominator × s. ``scale``
  is optional (1): 100 turns a share into percent, 10000 "per person" into "per 10,000 people".
- ``{"op": "growth", "current": REF, "previous": REF}``: (current − previous) ÷ previous × 100, in percent.
- ``{"op": "term_mean", "assessment": "annual" | "patent_strength"}``: the mean score of the city's annual
  assessments (年度考核) or patent-strength evaluations (专利实力状况评价) recorded for the years of the term
  (reviews/services/assessments.py ``term_years``). Years without a score are left out and named.

A REF names one input: ``"table:15"`` or ``"table:14-编制人数"`` (a row of the basic-information table, as the
scored snapshot holds it: number, and sub-item when the row has one) or ``"measured:invention_grants"`` (a value
of the province's objective measurement, ``MEASURED_VALUES``).

A derived value is rounded half-up to 4 decimal places (as the table stores numbers). A missing input, or a zero
divisor, leaves the value NULL and says which input it is: never 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluations.enums import MEASURED_VALUES
from reviews.enums import AssessmentKind

RATIO, GROWTH, TERM_MEAN = "ratio", "growth", "term_mean"
OPERANDS = {RATIO: ("numerator", "denominator"), GROWTH: ("current", "previous"), TERM_MEAN: ()}
OPTIONAL = {RATIO: {"scale"}, GROWTH: set(), TERM_MEAN: set()}
TABLE, MEASURED = "table", "measured"
REF = re.compile(r"^(?:table:(?P<row>[1-9]\d*(?:-\S.*)?)|measured:(?P<key>[a-z][a-z0-9_]{0,59}))$")
PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)
TERM_WORDS = {AssessmentKind.ANNUAL: gettext_lazy("annual assessment"),
              AssessmentKind.PATENT_STRENGTH: gettext_lazy("patent-strength evaluation")}


@dataclass(frozen=True)
class Ref:
    """One input: a row of the table (``key`` as in the snapshot, "15" or "14-编制人数") or a measured value."""

    source: str
    key: str

    @property
    def number(self) -> int:
        return int(self.key.split("-", 1)[0])


@dataclass(frozen=True)
class Derived:
    value: Decimal | None
    missing: tuple[str, ...]
    words: str


@dataclass(frozen=True)
class TermScores:
    """The years of the term and the city's scores of one kind of assessment in them (year → score or None)."""

    years: range
    scores: Mapping[int, Decimal | None]


def row_key(number: int, sub_item: str = "") -> str:
    """The key of a table row in a snapshot's values: "15", "14-编制人数"."""
    return f"{number}-{sub_item}" if sub_item else f"{number}"


def parse_ref(text) -> Ref | None:
    match = REF.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    return Ref(TABLE, match["row"]) if match["row"] else Ref(MEASURED, match["key"])


def refs_of(derivation: dict) -> list[Ref]:
    """The inputs a derivation reads, in order (none for a term mean or a malformed derivation)."""
    if not isinstance(derivation, dict):
        return []
    names = OPERANDS.get(derivation.get("op"), ())
    return [ref for name in names if (ref := parse_ref(derivation.get(name))) is not None]


def reads_table(derivation: dict) -> bool:
    """Whether a derivation names a row of the basic-information table (its name is then shown, and checked)."""
    return any(ref.source == TABLE for ref in refs_of(derivation))


def number_text(value: Decimal) -> str:
    """12.5000 → "12.5", 3E+2 → "300"."""
    return format(value.normalize(), "f")


# --- Names in words ---------------------------------------------------------------------------------


def ref_name(ref: Ref, table_labels: Mapping[str, str]) -> str:
    """基本情况表第15行「每万人口发明专利拥有量」 / 省局测评数据「发明专利授权量（件）」."""
    if ref.source == TABLE:
        return _("table row %(number)s “%(label)s”") % {"number": ref.number,
                                                        "label": table_labels.get(ref.key, ref.key)}
    return _("measured value “%(label)s”") % {"label": MEASURED_VALUES.get(ref.key, ref.key)}


def missing_text(ref: Ref, table_labels: Mapping[str, str]) -> str:
    return _("Missing: %(input)s") % {"input": ref_name(ref, table_labels)}


def _years_text(years: range) -> str:
    return f"{years.start}–{years.stop - 1}" if len(years) > 1 else str(years.start)


def describe_derivation(derivation: dict, table_labels: Mapping[str, str]) -> str:
    """The derivation in words, without numbers (the rubric pages)."""
    op = derivation.get("op") if isinstance(derivation, dict) else None
    refs = refs_of(derivation)
    if op == RATIO and len(refs) == 2:
        scale = _scale(derivation)
        text = f"{ref_name(refs[0], table_labels)} ÷ {ref_name(refs[1], table_labels)}"
        return text if scale == 1 else f"{text} × {number_text(scale)}"
    if op == GROWTH and len(refs) == 2:
        return _("growth of %(current)s over %(previous)s, in percent") % {
            "current": ref_name(refs[0], table_labels), "previous": ref_name(refs[1], table_labels)}
    if op == TERM_MEAN and derivation.get("assessment") in TERM_WORDS:
        return _("mean %(kind)s score over the term") % {"kind": TERM_WORDS[derivation["assessment"]]}
    return ""


# --- Checking ---------------------------------------------------------------------------------------


def _scale(derivation: dict) -> Decimal:
    return Decimal(str(derivation.get("scale", 1)))


def derivation_problems(derivation, *, number_rows: Mapping[str, object] | None) -> list[str]:
    """What is wrong with a derivation. ``number_rows`` maps the table keys answered by a number to their row
    (None skips the check that the table rows exist)."""
    if not isinstance(derivation, dict):
        return [_('the derived value should be an object such as {"op": "ratio", "numerator": "table:17", '
                  '"denominator": "table:3"}')]
    op = derivation.get("op")
    if op not in OPERANDS:
        return [_("unknown derivation “%(value)s”: use ratio, growth or term_mean") % {"value": op}]
    allowed = {"op", *OPERANDS[op], *OPTIONAL[op], *({"assessment"} if op == TERM_MEAN else set())}
    problems = [_("unexpected derivation field “%(key)s”") % {"key": key} for key in derivation if key not in allowed]
    for name in OPERANDS[op]:
        text = derivation.get(name)
        ref = parse_ref(text)
        if ref is None:
            problems.append(_("“%(name)s” should name an input such as table:15, table:14-编制人数 or "
                              "measured:invention_grants, got “%(value)s”") % {"name": name, "value": text or ""})
        elif ref.source == TABLE and number_rows is not None and ref.key not in number_rows:
            problems.append(_("“%(name)s”: the basic-information table has no row %(key)s answered by a number")
                            % {"name": name, "key": ref.key})
    if op == RATIO and "scale" in derivation:
        scale = derivation["scale"]
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale <= 0:
            problems.append(_("“scale” should be a number greater than 0"))
    if op == TERM_MEAN and derivation.get("assessment") not in TERM_WORDS:
        problems.append(_("“assessment” should be annual or patent_strength"))
    return problems


# --- Computing --------------------------------------------------------------------------------------


def _rounded(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def derive(derivation: dict, *, read: Callable[[Ref], Decimal | None], table_labels: Mapping[str, str],
           term: Callable[[str], TermScores]) -> Derived:
    """The derived value, what is missing, and the computation in words with its numbers.

    ``read`` gives an input's number (None when missing); ``term`` the term's scores of a kind of assessment.
    """
    if derivation_problems(derivation, number_rows=None):  # saved before a check existed: say so, do not fail
        return Derived(None, (_("The derived value of this criterion is incomplete."),), "")
    op = derivation["op"]
    if op == TERM_MEAN:
        return _term_mean(derivation["assessment"], term(derivation["assessment"]))
    first, second = refs_of(derivation)
    a, b = read(first), read(second)
    formula = describe_derivation(derivation, table_labels)
    missing = tuple(missing_text(ref, table_labels) for ref, number in ((first, a), (second, b)) if number is None)
    if missing:
        return Derived(None, missing, formula)
    if b == 0:
        return Derived(None, (_("%(input)s is 0: it cannot divide") % {"input": ref_name(second, table_labels)},),
                       formula)
    if op == RATIO:
        scale = _scale(derivation)
        value = _rounded(a / b * scale)
        numbers = f"{number_text(a)} ÷ {number_text(b)}" + ("" if scale == 1 else f" × {number_text(scale)}")
    else:
        value = _rounded((a - b) / b * HUNDRED)
        numbers = f"({number_text(a)} − {number_text(b)}) ÷ {number_text(b)} × 100"
    return Derived(value, (), f"{formula} = {numbers} = {number_text(value)}")


def _term_mean(kind: str, term: TermScores) -> Derived:
    label = TERM_WORDS[kind]
    scored = [(year, term.scores[year]) for year in term.years if term.scores.get(year) is not None]
    unscored = [str(year) for year in term.years if term.scores.get(year) is None]
    years = _years_text(term.years)
    if not scored:
        return Derived(None, (_("Missing: %(kind)s scores of %(years)s") % {"kind": label, "years": years},),
                       _("mean %(kind)s score over the term") % {"kind": label})
    value = _rounded(sum((score for _year, score in scored), Decimal(0)) / len(scored))
    words = _("mean %(kind)s score %(years)s = (%(scores)s) ÷ %(count)s = %(value)s") % {
        "kind": label, "years": years, "scores": " + ".join(number_text(score) for _year, score in scored),
        "count": len(scored), "value": number_text(value)}
    if unscored:
        words += _("; no score recorded for %(years)s") % {"years": "、".join(unscored)}
    return Derived(value, (), words)
