"""Objective criteria computed from what the application submitted (DESIGN.md §4). Pure reads.

- The values come from the snapshot the reviewers score (the latest "submitted" or "formal" one):
  a criterion with a source indicator reads ``values["<number>"]`` or ``values["<number>-<sub-item>"]``;
  one without reads ``source_key`` in the province's objective measurement (``Measurement.values``).
- A missing or non-numeric value scores NULL ("not scored"), never 0.
- RELATIVE_TO_BEST compares with the best value among a set of applications: the highest, or the
  lowest for a reverse indicator (逆向指标). ``objective_totals`` takes the best among the applications
  it is given; ``objective_scores`` without ``best`` takes it among the cycle's applications that reached
  the national review.

Every function here makes a constant number of queries, whatever the number of criteria or applications.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Max
from django.utils.translation import gettext as _

from evaluations.enums import OUTCOME_STATES, ApplicationState, SnapshotKind
from evaluations.models import Application, Measurement, Snapshot
from reviews.enums import CriterionKind, Direction, Formula
from reviews.formulas import describe, points_for
from reviews.models import Criterion

# The snapshots reviewers score: what the city submitted, or a strong city's formal application.
SCORED_SNAPSHOT_KINDS = (SnapshotKind.SUBMIT, SnapshotKind.FORMAL)
# Applications that compete in a cycle for RELATIVE_TO_BEST: accepted into the national review.
COMPETING_STATES = frozenset({ApplicationState.UNDER_REVIEW, ApplicationState.SHORTLISTED}) | OUTCOME_STATES


@dataclass(frozen=True)
class ObjectiveRow:
    criterion: Criterion
    value: Decimal | None
    points: Decimal | None
    explanation: str


def scored_snapshot(application: Application) -> Snapshot | None:
    """The latest snapshot of kind "submitted" or "formal": the version reviewers score."""
    return application.snapshots.filter(kind__in=SCORED_SNAPSHOT_KINDS).order_by("-id").first()


def value_key(criterion: Criterion) -> str:
    indicator = criterion.indicator
    return f"{indicator.number}" + (f"-{indicator.sub_item}" if indicator.sub_item else "")


def _decimal(raw) -> Decimal | None:
    if raw is None or isinstance(raw, bool):
        return None
    try:
        number = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def criterion_value(criterion: Criterion, *, values: dict, measured: dict) -> Decimal | None:
    """The value an objective criterion scores: the snapshot's indicator value, or the measured value."""
    if criterion.indicator_id is not None:
        entry = (values or {}).get(value_key(criterion))
        return _decimal(entry.get("number")) if isinstance(entry, dict) else None
    if criterion.source_key:
        return _decimal((measured or {}).get(criterion.source_key))
    return None


# --- loading, in bulk ------------------------------------------------------------------------


def objective_leaves(cycle) -> list[Criterion]:
    """The objective criteria without children of the cycle's rubric, in rubric order. One query."""
    criteria = list(Criterion.objects.filter(rubric__cycle=cycle).select_related("indicator").order_by("position"))
    parents = {c.parent_id for c in criteria if c.parent_id is not None}
    return [c for c in criteria if c.kind == CriterionKind.OBJECTIVE and c.pk not in parents]


def _inputs(application_ids: Iterable[int]) -> dict[int, tuple[dict, dict]]:
    """application id → (the scored snapshot's ``values``, the measurement's ``values``). Two queries."""
    ids = list(application_ids)
    latest = (Snapshot.objects.filter(application_id__in=ids, kind__in=SCORED_SNAPSHOT_KINDS)
              .values("application_id").annotate(last=Max("id")).values("last"))
    snapshots = dict(Snapshot.objects.filter(pk__in=latest).values_list("application_id", "data__values"))
    measured = dict(Measurement.objects.filter(application_id__in=ids).values_list("application_id", "values"))
    return {pk: (snapshots.get(pk) or {}, measured.get(pk) or {}) for pk in ids}


def best_values(leaves: list[Criterion], inputs: dict[int, tuple[dict, dict]]) -> dict[int, Decimal]:
    """criterion id → the best value among ``inputs`` (highest, or lowest for a reverse indicator),
    for the criteria scored relative to the best."""
    best: dict[int, Decimal] = {}
    for criterion in leaves:
        if criterion.formula != Formula.RELATIVE_TO_BEST:
            continue
        found = [v for values, measured in inputs.values()
                 if (v := criterion_value(criterion, values=values, measured=measured)) is not None]
        if found:
            best[criterion.pk] = min(found) if criterion.direction == Direction.LOWER_IS_BETTER else max(found)
    return best


def competing_application_ids(cycle) -> list[int]:
    return list(Application.objects.filter(cycle=cycle, state__in=COMPETING_STATES).values_list("pk", flat=True))


# --- computing -------------------------------------------------------------------------------


def _row(criterion: Criterion, *, values: dict, measured: dict, best: dict[int, Decimal]) -> ObjectiveRow:
    value = criterion_value(criterion, values=values, measured=measured)
    if not criterion.formula:
        return ObjectiveRow(criterion, value, None, _("No scoring formula is set for this criterion."))
    params = criterion.formula_params or {}
    try:
        explanation = describe(formula=criterion.formula, params=params, direction=criterion.direction,
                               maximum=criterion.max_points)
        points = points_for(formula=criterion.formula, params=params, direction=criterion.direction,
                            maximum=criterion.max_points, value=value, best=best.get(criterion.pk))
    except (KeyError, TypeError, ValueError, ArithmeticError):
        # A rubric whose parameters do not fit its formula: say so instead of failing the page.
        return ObjectiveRow(criterion, value, None, _("The parameters of this criterion's formula are incomplete."))
    return ObjectiveRow(criterion, value, points, explanation)


def objective_scores(application: Application, *, best: dict[int, Decimal] | None = None) -> list[ObjectiveRow]:
    """Every objective leaf criterion of the cycle's rubric with its value, points and formula in words.

    ``best`` maps criterion id → best value for RELATIVE_TO_BEST; without it, the best is taken among the
    cycle's applications in the national review (and this one). Five queries at most.
    """
    leaves = objective_leaves(application.cycle)
    if not leaves:
        return []
    if best is None and any(c.formula == Formula.RELATIVE_TO_BEST for c in leaves):
        ids = set(competing_application_ids(application.cycle)) | {application.pk}
        inputs = _inputs(ids)
        best = best_values(leaves, inputs)
    else:
        inputs = _inputs([application.pk])
    values, measured = inputs[application.pk]
    return [_row(c, values=values, measured=measured, best=best or {}) for c in leaves]


def objective_totals(cycle, applications) -> dict[int, Decimal | None]:
    """application id → the sum of its objective points (NULL points count as none); None for every
    application when the rubric has no objective criteria. The best values for RELATIVE_TO_BEST are
    taken among ``applications``. Three queries whatever the number of applications and criteria."""
    applications = list(applications)
    leaves = objective_leaves(cycle)
    if not leaves:
        return {a.pk: None for a in applications}
    inputs = _inputs(a.pk for a in applications)
    best = best_values(leaves, inputs)
    totals = {}
    for application in applications:
        values, measured = inputs[application.pk]
        rows = [_row(c, values=values, measured=measured, best=best) for c in leaves]
        totals[application.pk] = sum((r.points for r in rows if r.points is not None), Decimal("0.00"))
    return totals
