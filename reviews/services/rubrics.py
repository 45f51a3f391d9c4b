"""Rubrics: the indicator system of a cycle, built by national staff and frozen when the review starts.

A rubric is a tree of criteria (一级 / 二级 / 三级). Leaves carry the points and parents the sum of their children;
objective leaves are computed from the submitted data by a formula (reviews/formulas.py), subjective ones are
scored by the reviewers. Positions run depth-first and codes follow the tree ("1", "1.1", "1.1.2"): every write
renumbers them, so the tree always reads in order.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities import audit
from cities.services import require
from evaluations.models import Cycle, Indicator
from reviews.derivations import derivation_problems, reads_table
from reviews.enums import Aggregate, CriterionKind, Direction
from reviews.models import Criterion, Rubric
from reviews.rubric_checks import (
    Node,
    build_tree,
    formula_problems,
    points_text,
    table_number_rows,
    template_of,
    tree_problems,
    walk,
)
from reviews.services.rubric_defaults import DEFAULTS, TITLES, Row

audit.register_actions({
    "rubric.create": gettext_lazy("Created the rubric"),
    "rubric.copy": gettext_lazy("Copied the rubric"),
    "rubric.import": gettext_lazy("Imported the rubric"),
    "rubric.settings": gettext_lazy("Changed the rubric settings"),
    "rubric.freeze": gettext_lazy("Froze the rubric"),
    "rubric.criterion_add": gettext_lazy("Added a criterion"),
    "rubric.criterion_update": gettext_lazy("Changed a criterion"),
    "rubric.criterion_delete": gettext_lazy("Deleted a criterion"),
})

PERM = "reviews.manage_rubrics"
MAX_LEVEL = 3
SOURCE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
EDITABLE_FIELDS = frozenset({"name", "max_points", "kind", "direction", "guidance", "indicator", "source_key",
                             "derivation", "formula", "formula_params", "confirmed"})


def rubric_problems(rubric: Rubric, criteria: list[Criterion] | None = None) -> list[str]:
    """Why ``rubric`` cannot be frozen yet (empty when it can). ``criteria`` saves a query when already loaded."""
    if criteria is None:
        criteria = list(rubric.criteria.select_related("indicator"))
    return tree_problems(build_tree(criteria), template_id=getattr(template_of(rubric.cycle), "pk", None))


# --- Writing -------------------------------------------------------------------------------------


def _locked(rubric: Rubric) -> Rubric:
    """The rubric, locked for this transaction; refused once frozen."""
    rubric = Rubric.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=rubric.pk)
    if rubric.is_frozen:
        raise ValidationError(_("The rubric is frozen because the review has started; it can no longer be changed."))
    return rubric


def _points(value) -> Decimal:
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("The maximum points should be a number.")) from None
    if not points.is_finite() or points <= 0:
        raise ValidationError(_("The maximum points should be greater than 0."))
    return points


def _check(criterion: Criterion, template_id: int | None) -> None:
    """What a single criterion must satisfy on every write; totals and missing sources are rubric_problems'."""
    if not (criterion.name or "").strip():
        raise ValidationError(_("The criterion's name is required."))
    criterion.name = criterion.name.strip()
    criterion.max_points = _points(criterion.max_points)
    criterion.source_key = (criterion.source_key or "").strip()
    criterion.formula_params = {} if criterion.formula_params is None else criterion.formula_params
    criterion.derivation = {} if criterion.derivation is None else criterion.derivation
    if criterion.source_key and not SOURCE_KEY.match(criterion.source_key):
        raise ValidationError(_("A measured value key is written in lower-case letters, digits and underscores, "
                                "e.g. invention_grant_rate."))
    if criterion.indicator is not None and criterion.indicator.template_id != template_id:
        raise ValidationError(_("The source row belongs to another version of the basic-information table."))
    if criterion.kind == CriterionKind.SUBJECTIVE and (criterion.formula or criterion.indicator or
                                                       criterion.source_key or criterion.formula_params or
                                                       criterion.derivation):
        raise ValidationError(_("A subjective criterion is scored by the reviewers: leave its formula and data "
                                "source empty."))
    if criterion.derivation:
        problems = derivation_problems(criterion.derivation, number_rows=table_number_rows(template_id)
                                       if reads_table(criterion.derivation) else None)
        if problems:
            raise ValidationError(problems)
    if criterion.formula:
        problems = formula_problems(criterion.formula, criterion.formula_params, max_points=criterion.max_points,
                                    direction=criterion.direction)
        if problems:
            raise ValidationError(problems)
    elif criterion.formula_params:
        raise ValidationError(_("Choose a formula for these parameters, or leave them empty."))
    criterion.full_clean(exclude=["rubric", "parent", "position", "code", "level"], validate_constraints=False)


def renumber(rubric: Rubric) -> None:
    """Positions depth-first from 1, codes and levels from the tree. Rows move through free values first,
    so the unique (rubric, position) and (rubric, code) constraints hold at every row."""
    criteria = list(rubric.criteria.all())
    wanted: dict[int, tuple[int, str, int]] = {}

    def visit(nodes: list[Node], prefix: str, level: int) -> None:
        for number, node in enumerate(nodes, start=1):
            code = f"{prefix}.{number}" if prefix else str(number)
            wanted[node.criterion.pk] = (len(wanted) + 1, code, level)
            visit(node.children, code, level + 1)

    visit(build_tree(criteria), "", 1)
    moved = [c for c in criteria if (c.position, c.code, c.level) != wanted[c.pk]]
    if not moved:
        return
    free = max(c.position for c in criteria) + len(criteria) + 1
    for offset, criterion in enumerate(moved):
        criterion.position, criterion.code = free + offset, f"~{criterion.pk}"
    Criterion.objects.bulk_update(moved, ["position", "code"])
    for criterion in moved:
        criterion.position, criterion.code, criterion.level = wanted[criterion.pk]
    Criterion.objects.bulk_update(moved, ["position", "code", "level"])


def save_tree(rubric: Rubric, roots: list[Node]) -> int:
    """Save unsaved criteria under an empty ``rubric``, numbered depth-first; returns how many."""
    by_level: dict[int, list[Criterion]] = {}
    position = 0

    def visit(nodes: list[Node], parent: Criterion | None, prefix: str, level: int) -> None:
        nonlocal position
        for number, node in enumerate(nodes, start=1):
            position += 1
            criterion = node.criterion
            criterion.rubric, criterion.parent, criterion.level, criterion.position = rubric, parent, level, position
            criterion.code = f"{prefix}.{number}" if prefix else str(number)
            by_level.setdefault(level, []).append(criterion)
            visit(node.children, criterion, criterion.code, level + 1)

    visit(roots, None, "", 1)
    for level in sorted(by_level):  # parents first, so their keys exist for the children
        for criterion in by_level[level]:
            criterion.parent_id = criterion.parent.pk if criterion.parent else None
        Criterion.objects.bulk_create(by_level[level])
    return position


def _nodes_from_rows(rows: list[Row], indicators: dict[tuple[int, str], Indicator]) -> list[Node]:
    nodes = []
    for row in rows:
        criterion = Criterion(name=row.name, max_points=Decimal(row.points), kind=row.kind, direction=row.direction,
                              guidance=row.guidance, indicator=indicators.get(row.indicator) if row.indicator else None,
                              source_key=row.source_key, derivation=dict(row.derivation), formula=row.formula,
                              formula_params=dict(row.params),
                              confirmed=row.confirmed)
        node = Node(criterion, children=_nodes_from_rows(list(row.children), indicators))
        nodes.append(node)
    return nodes


def _lock_cycle(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update(of=("self",)).select_related("basic_info_template").get(pk=cycle.pk)


@transaction.atomic
def create_default_rubric(cycle: Cycle, *, by) -> Rubric:
    """The seeded indicator system of the cycle's procedure; rows not confirmed are marked as examples."""
    require(by, PERM)
    cycle = _lock_cycle(cycle)
    if Rubric.objects.filter(cycle=cycle).exists():
        raise ValidationError(_("This cycle already has a rubric."))
    template = template_of(cycle)
    indicators = {(i.number, i.sub_item): i for i in template.indicators.all()} if template else {}
    rubric = Rubric.objects.create(cycle=cycle, title=TITLES[cycle.kind])
    count = save_tree(rubric, _nodes_from_rows(DEFAULTS[cycle.kind](), indicators))
    audit.record(actor=by, action="rubric.create", obj=rubric, data={"cycle": cycle.pk, "criteria": count})
    return rubric


@transaction.atomic
def add_criterion(rubric: Rubric, *, parent: Criterion | None, name: str, max_points, kind: str,
                  direction: str = Direction.HIGHER_IS_BETTER, guidance: str = "", indicator: Indicator | None = None,
                  source_key: str = "", derivation: dict | None = None, formula: str = "",
                  formula_params: dict | None = None, confirmed: bool = True, by) -> Criterion:
    """A new last child of ``parent`` (a new 一级 criterion when None). A row national staff add is their own,
    so it is confirmed unless they say otherwise."""
    require(by, PERM)
    rubric = _locked(rubric)
    if parent is not None:
        parent = rubric.criteria.filter(pk=parent.pk).first()
        if parent is None:
            raise ValidationError(_("The parent criterion belongs to another rubric."))
    level = parent.level + 1 if parent else 1
    if level > MAX_LEVEL:
        raise ValidationError(_("Criteria go at most three levels deep (一级 / 二级 / 三级)."))
    last = rubric.criteria.order_by("-position").values_list("position", flat=True).first() or 0
    criterion = Criterion(rubric=rubric, parent=parent, level=level, position=last + 1, code=f"~new{last + 1}",
                          name=name, max_points=max_points, kind=kind, direction=direction, guidance=guidance or "",
                          indicator=indicator, source_key=source_key, derivation=derivation, formula=formula or "",
                          formula_params=formula_params, confirmed=confirmed)
    _check(criterion, getattr(template_of(rubric.cycle), "pk", None))
    criterion.save()
    renumber(rubric)
    criterion.refresh_from_db()
    audit.record(actor=by, action="rubric.criterion_add", obj=rubric,
                 data={"code": criterion.code, "name": criterion.name, "max_points": str(criterion.max_points)})
    return criterion


def _shown(value) -> object:
    if isinstance(value, Decimal):
        return points_text(value)
    if isinstance(value, Indicator):
        return value.pk
    return value


@transaction.atomic
def update_criterion(criterion: Criterion, *, changes: dict, by) -> Criterion:
    require(by, PERM)
    rubric = _locked(criterion.rubric)
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(unknown)})
    criterion = Criterion.objects.select_related("indicator").get(pk=criterion.pk, rubric=rubric)
    before = {name: _shown(getattr(criterion, name)) for name in changes}
    for name, value in changes.items():
        setattr(criterion, name, value)
    _check(criterion, getattr(template_of(rubric.cycle), "pk", None))
    changed = {name: [before[name], _shown(getattr(criterion, name))] for name in changes
               if before[name] != _shown(getattr(criterion, name))}
    if changed:
        criterion.save(update_fields=sorted(changed))
        audit.record(actor=by, action="rubric.criterion_update", obj=rubric,
                     data={"code": criterion.code, "name": criterion.name, "changes": changed})
    return criterion


@transaction.atomic
def delete_criterion(criterion: Criterion, *, by) -> None:
    """The criterion and everything under it."""
    require(by, PERM)
    rubric = _locked(criterion.rubric)
    criterion = Criterion.objects.get(pk=criterion.pk, rubric=rubric)
    removed = criterion.children.count() + Criterion.objects.filter(parent__parent=criterion).count()
    audit.record(actor=by, action="rubric.criterion_delete", obj=rubric,
                 data={"code": criterion.code, "name": criterion.name, "with_sub_criteria": removed})
    criterion.delete()
    renumber(rubric)


SETTINGS = ("aggregate", "reject_below", "approve_above", "reviewers_per_application", "outlier_threshold")


@transaction.atomic
def set_rubric_settings(rubric: Rubric, *, aggregate: str, reject_below, approve_above, reviewers_per_application: int,
                        outlier_threshold, by) -> Rubric:
    require(by, PERM)
    rubric = _locked(rubric)
    if aggregate not in Aggregate.values:
        raise ValidationError(_("Choose which subjective score counts."))
    try:
        reviewers_per_application = int(reviewers_per_application)
    except (TypeError, ValueError):
        reviewers_per_application = 0
    if reviewers_per_application < 1:
        raise ValidationError(_("At least one reviewer per application is needed."))
    try:
        reject_below, approve_above, outlier_threshold = (Decimal(str(v)) for v in
                                                          (reject_below, approve_above, outlier_threshold))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("The thresholds should be numbers.")) from None
    if min(reject_below, approve_above, outlier_threshold) < 0:
        raise ValidationError(_("The thresholds should not be negative."))
    if approve_above < reject_below:
        raise ValidationError(_("The approval threshold should not be lower than the rejection threshold."))
    before = {name: _shown(getattr(rubric, name)) for name in SETTINGS}
    rubric.aggregate, rubric.reject_below, rubric.approve_above = aggregate, reject_below, approve_above
    rubric.reviewers_per_application, rubric.outlier_threshold = reviewers_per_application, outlier_threshold
    rubric.full_clean(exclude=["cycle", "copied_from"], validate_constraints=False)
    rubric.save(update_fields=list(SETTINGS))
    audit.record(actor=by, action="rubric.settings", obj=rubric,
                 data={name: [before[name], _shown(getattr(rubric, name))] for name in SETTINGS
                       if before[name] != _shown(getattr(rubric, name))})
    return rubric


@transaction.atomic
def freeze_rubric(rubric: Rubric, *, by) -> Rubric:
    """Called when the cycle's review starts. Freezing a frozen rubric changes nothing."""
    require(by, PERM)
    rubric = Rubric.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=rubric.pk)
    if rubric.is_frozen:
        return rubric
    problems = rubric_problems(rubric)
    if problems:
        raise ValidationError([_("The rubric cannot be frozen until these problems are fixed:"), *problems])
    rubric.frozen_at = timezone.now()
    rubric.save(update_fields=["frozen_at"])
    audit.record(actor=by, action="rubric.freeze", obj=rubric, data={"cycle": rubric.cycle_id})
    return rubric


def clear_for_replacement(cycle: Cycle) -> Rubric | None:
    """The cycle's rubric, locked, when it may be replaced; refused when frozen."""
    existing = Rubric.objects.select_for_update().filter(cycle=cycle).first()
    if existing is not None and existing.is_frozen:
        raise ValidationError(_("The rubric of %(cycle)s is frozen because its review has started; it cannot be "
                                "replaced.") % {"cycle": cycle})
    return existing


@transaction.atomic
def copy_rubric(source_cycle: Cycle, target_cycle: Cycle, *, by) -> Rubric:
    """The source cycle's settings and whole tree, as the target's new (unfrozen) rubric."""
    require(by, PERM)
    if source_cycle.pk == target_cycle.pk:
        raise ValidationError(_("Choose another cycle to copy from."))
    target_cycle = _lock_cycle(target_cycle)
    source = Rubric.objects.filter(cycle=source_cycle).first()
    if source is None:
        raise ValidationError(_("%(cycle)s has no rubric to copy.") % {"cycle": source_cycle})
    existing = clear_for_replacement(target_cycle)
    if existing is not None:
        existing.delete()
    rubric = Rubric.objects.create(cycle=target_cycle, title=source.title, copied_from=source,
                                   **{name: getattr(source, name) for name in SETTINGS})
    template = template_of(target_cycle)
    by_number = {(i.number, i.sub_item): i for i in template.indicators.all()} if template else {}
    originals = list(source.criteria.select_related("indicator"))
    for criterion in originals:  # the same row of the target's table version (or none: rubric_problems says so)
        indicator = criterion.indicator
        if indicator is not None and indicator.template_id != getattr(template, "pk", None):
            criterion.indicator = by_number.get((indicator.number, indicator.sub_item))
    roots = build_tree(originals)
    for node in walk(roots):
        node.criterion.pk = node.criterion.id = None
        node.criterion._state.adding = True
    count = save_tree(rubric, roots)
    audit.record(actor=by, action="rubric.copy", obj=rubric,
                 data={"from_cycle": source_cycle.pk, "from_rubric": source.pk, "criteria": count,
                       "replaced": existing is not None})
    return rubric
