"""Checks of a rubric's tree, shared by the services and the Excel import. Pure: no writes.

Every message names its criterion by code and name ("1.1 创造 has 15 points but its sub-criteria add up to 14.").
The formula parameter shapes are the ones reviews/formulas.py reads:

- LINEAR_TO_BENCHMARK ``{"benchmark": b}`` with b > 0; a reverse indicator also ``{"worst": w}`` with w > b;
- RELATIVE_TO_BEST ``{}``;
- THRESHOLD_BANDS ``{"bands": [[threshold, points], ...]}``, thresholds increasing, 0 <= points <= maximum.

An objective leaf reads exactly one source: a table row, a measured value, or a derived value (the shapes
reviews/derivations.py reads; the table rows it names must exist in the cycle's table version as numbers).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from evaluations.basic_info import current_template
from evaluations.enums import AnswerType
from evaluations.models import Cycle, Indicator, IndicatorTemplate
from reviews.derivations import derivation_problems, reads_table, row_key
from reviews.enums import CriterionKind, Direction, Formula
from reviews.models import Criterion

# --- The tree ------------------------------------------------------------------------------------


@dataclass
class Node:
    criterion: Criterion
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)

    def label(self) -> str:
        return f"{self.criterion.code} {self.criterion.name}".strip()


def build_tree(criteria: Iterable[Criterion]) -> list[Node]:
    """The roots of saved ``criteria``, children in position order."""
    nodes = {criterion.pk: Node(criterion) for criterion in sorted(criteria, key=lambda c: (c.position, c.pk))}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.criterion.parent_id)
        if parent is None:
            roots.append(node)
        else:
            node.parent = parent
            parent.children.append(node)
    return roots


def walk(nodes: list[Node]) -> Iterator[Node]:
    for node in nodes:
        yield node
        yield from walk(node.children)


def template_of(cycle: Cycle) -> IndicatorTemplate | None:
    return cycle.basic_info_template or current_template()


def template_id_of(cycle: Cycle) -> int | None:
    """The id of the cycle's table version, without a query when the cycle names one."""
    return cycle.basic_info_template_id or getattr(current_template(), "pk", None)


# --- Validation ---------------------------------------------------------------------------------


def points_text(value: Decimal) -> str:
    """15.00 -> "15", 2.50 -> "2.5" (never "1E+2")."""
    return format(value.normalize(), "f")


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return Decimal(str(value)) if math.isfinite(value) else None


def formula_problems(formula: str, params, *, max_points: Decimal, direction: str) -> list[str]:
    """What is wrong with a formula and its parameters (the shapes reviews/formulas.py reads)."""
    if formula not in Formula.values:
        return [_("unknown scoring formula “%(value)s”") % {"value": formula}]
    if not isinstance(params, dict):
        return [_("the formula parameters should be an object such as {\"benchmark\": 10}")]
    reverse = direction == Direction.LOWER_IS_BETTER
    allowed = {Formula.LINEAR_TO_BENCHMARK: {"benchmark", "worst"} if reverse else {"benchmark"},
               Formula.RELATIVE_TO_BEST: set(), Formula.THRESHOLD_BANDS: {"bands"}}[formula]
    problems = [_("unexpected formula parameter “%(key)s”") % {"key": key} for key in params if key not in allowed]
    if formula == Formula.LINEAR_TO_BENCHMARK:
        benchmark = _number(params.get("benchmark"))
        if benchmark is None:
            problems.append(_("the linear formula needs a number “benchmark” (full points at or beyond it)"))
        if reverse:
            worst = _number(params.get("worst"))
            if worst is None:
                problems.append(_("a reverse indicator's linear formula also needs a number “worst” "
                                  "(no points at or above it)"))
            elif benchmark is not None and worst <= benchmark:
                problems.append(_("“worst” should be greater than “benchmark”"))
        elif benchmark is not None and benchmark <= 0:
            problems.append(_("“benchmark” should be greater than 0"))
    elif formula == Formula.THRESHOLD_BANDS:
        problems.extend(_band_problems(params.get("bands"), max_points))
    return problems


def _band_problems(bands, max_points: Decimal) -> list[str]:
    if not isinstance(bands, list) or not bands:
        return [_("the bands formula needs “bands”: a list of [threshold, points] pairs")]
    problems, previous = [], None
    for n, band in enumerate(bands, start=1):
        pair = [_number(x) for x in band] if isinstance(band, list) and len(band) == 2 else [None]
        if None in pair:
            problems.append(_("band %(n)s should be a pair of numbers [threshold, points]") % {"n": n})
            continue
        threshold, points = pair
        if previous is not None and threshold <= previous:
            problems.append(_("the band thresholds should increase: %(previous)s then %(threshold)s")
                            % {"previous": points_text(previous), "threshold": points_text(threshold)})
        if points < 0 or points > max_points:
            problems.append(_("band %(n)s gives %(points)s points, outside 0 to %(max)s")
                            % {"n": n, "points": points_text(points), "max": points_text(max_points)})
        previous = threshold
    return problems


def number_rows(indicators) -> dict[str, Indicator]:
    """The rows answered by a number, by their key ("15", "14-编制人数")."""
    return {row_key(i.number, i.sub_item): i for i in indicators if i.answer_type == AnswerType.NUMBER}


def table_number_rows(template_id: int | None) -> dict[str, Indicator]:
    """``number_rows`` of a table version. One query."""
    return number_rows(Indicator.objects.filter(template_id=template_id, answer_type=AnswerType.NUMBER))


def table_row_labels(template_id: int | None) -> dict[str, str]:
    """The names of a table version's rows by their key, as the pages name them (名称（分项）). One query."""
    return {row_key(i.number, i.sub_item): i.label for i in Indicator.objects.filter(template_id=template_id)}


def _leaf_problems(node: Node, template_id: int | None, table_rows: dict[str, Indicator] | None) -> list[str]:
    criterion, label = node.criterion, node.label()
    if criterion.kind != CriterionKind.OBJECTIVE:
        return []
    problems = []
    if not criterion.formula:
        problems.append(_("%(criterion)s is objective but has no scoring formula.") % {"criterion": label})
    else:
        problems.extend(_("%(criterion)s: %(problem)s") % {"criterion": label, "problem": problem} for problem in
                        formula_problems(criterion.formula, criterion.formula_params,
                                         max_points=criterion.max_points, direction=criterion.direction))
    if criterion.derivation:
        if criterion.indicator_id is not None or criterion.source_key:
            problems.append(_("%(criterion)s has a derived value and another source; keep one.")
                            % {"criterion": label})
        problems.extend(_("%(criterion)s: %(problem)s") % {"criterion": label, "problem": problem} for problem in
                        derivation_problems(criterion.derivation, number_rows=table_rows))
    elif criterion.indicator_id is None and not criterion.source_key:
        problems.append(_("%(criterion)s is objective but has no data source (a row of the basic-information "
                          "table, a measured value or a derived value).") % {"criterion": label})
    elif criterion.indicator_id is not None and criterion.source_key:
        problems.append(_("%(criterion)s has both a table row and a measured value as its source; keep one.")
                        % {"criterion": label})
    elif criterion.indicator_id is not None:
        if criterion.indicator.template_id != template_id:
            problems.append(_("%(criterion)s uses a row of another version of the basic-information table.")
                            % {"criterion": label})
        elif criterion.indicator.answer_type != AnswerType.NUMBER:
            problems.append(_("%(criterion)s uses a table row answered in words, which no formula can score.")
                            % {"criterion": label})
    return problems


def tree_problems(roots: list[Node], *, template_id: int | None) -> list[str]:
    """Every problem of a tree, each naming its criterion by code and name, in tree order."""
    if not roots:
        return [_("The rubric has no criteria.")]
    problems = []
    rows = (table_number_rows(template_id) if any(reads_table(node.criterion.derivation) for node in walk(roots))
            else None)
    codes = Counter(node.criterion.code for node in walk(roots))
    problems.extend(_("The code %(code)s is used by %(count)s criteria.") % {"code": code, "count": count}
                    for code, count in codes.items() if count > 1)
    for node in walk(roots):
        criterion, label = node.criterion, node.label()
        expected = node.parent.criterion.level + 1 if node.parent else 1
        if criterion.level != expected:
            problems.append(_("%(criterion)s is at level %(level)s but should be at level %(expected)s.")
                            % {"criterion": label, "level": criterion.level, "expected": expected})
        if node.parent and criterion.kind != node.parent.criterion.kind:
            problems.append(_("%(criterion)s is %(kind)s but belongs to %(parent)s, which is %(parent_kind)s.") % {
                "criterion": label, "kind": criterion.get_kind_display(), "parent": node.parent.label(),
                "parent_kind": node.parent.criterion.get_kind_display()})
        if not node.children:
            problems.extend(_leaf_problems(node, template_id, rows))
            if criterion.kind == CriterionKind.SUBJECTIVE and (
                    criterion.formula or criterion.indicator_id or criterion.source_key or criterion.derivation):
                problems.append(_("%(criterion)s is subjective, so it takes no formula or data source.")
                                % {"criterion": label})
            continue
        total = sum((child.criterion.max_points for child in node.children), Decimal(0))
        if total != criterion.max_points:
            problems.append(_("%(criterion)s has %(max)s points but its sub-criteria add up to %(total)s.") % {
                "criterion": label, "max": points_text(criterion.max_points), "total": points_text(total)})
        if criterion.formula or criterion.indicator_id or criterion.source_key or criterion.derivation:
            problems.append(_("%(criterion)s has sub-criteria, so it takes no formula or data source.")
                            % {"criterion": label})
    return problems
