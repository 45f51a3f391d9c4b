"""Objective criteria computed from what the application submitted (DESIGN.md §4). Pure reads.

- The values come from the snapshot the reviewers score (the latest "submitted" or "formal" one):
  a criterion with a source indicator reads ``values["<number>"]`` or ``values["<number>-<sub-item>"]``;
  one with a ``source_key`` reads the province's objective measurement (``Measurement.values``); one with a
  ``derivation`` computes its value from several of those, or from the city's annual assessments over the term
  (reviews/derivations.py).
- A missing or non-numeric value scores NULL ("not scored"), never 0, and the row names the missing input
  ("缺少基本情况表第15行「每万人口发明专利拥有量」").
- RELATIVE_TO_BEST compares with the best value among a set of applications: the highest, or the
  lowest for a reverse indicator (逆向指标). ``objective_totals`` takes the best among the applications
  it is given; ``objective_scores`` without ``best`` takes it among the cycle's applications that reached
  the national review.

Every function here makes a constant number of queries, whatever the number of criteria or applications: the
table's row names are read only when a derivation names a table row, the terms and assessments only when a
criterion scores the term.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Max
from django.utils.translation import gettext as _

from evaluations.enums import OUTCOME_STATES, ApplicationState, SnapshotKind
from evaluations.models import Application, Measurement, Snapshot
from reviews.derivations import (
    MEASURED,
    TABLE,
    TERM_MEAN,
    Derived,
    Ref,
    TermScores,
    derive,
    missing_text,
    reads_table,
    row_key,
)
from reviews.enums import CriterionKind, Direction, Formula
from reviews.formulas import describe, points_for
from reviews.models import AnnualAssessment, Criterion
from reviews.rubric_checks import table_row_labels, template_id_of
from reviews.services.assessments import term_years

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
    missing: tuple[str, ...] = ()  # why there is no value: each missing input named, in words


@dataclass(frozen=True)
class Inputs:
    """What one application's objective criteria read."""

    values: dict = field(default_factory=dict)  # the scored snapshot's basic-information values
    measured: dict = field(default_factory=dict)  # the province's measurement
    years: range = range(0)  # the years of the term (term_years)
    assessments: dict = field(default_factory=dict)  # (kind, year) → score of the city's records in those years


@dataclass(frozen=True)
class Leaves:
    """The objective leaf criteria of a rubric, with the names of the table rows they read."""

    criteria: list[Criterion]
    table_labels: dict[str, str]

    @property
    def need_terms(self) -> bool:
        return any((c.derivation or {}).get("op") == TERM_MEAN for c in self.criteria)


def scored_snapshot(application: Application) -> Snapshot | None:
    """The latest snapshot of kind "submitted" or "formal": the version reviewers score."""
    return application.snapshots.filter(kind__in=SCORED_SNAPSHOT_KINDS).order_by("-id").first()


def value_key(criterion: Criterion) -> str:
    return row_key(criterion.indicator.number, criterion.indicator.sub_item)


def _decimal(raw) -> Decimal | None:
    if raw is None or isinstance(raw, bool):
        return None
    try:
        number = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _read(ref: Ref, inputs: Inputs) -> Decimal | None:
    if ref.source == TABLE:
        entry = inputs.values.get(ref.key)
        return _decimal(entry.get("number")) if isinstance(entry, dict) else None
    return _decimal(inputs.measured.get(ref.key))


def _term(kind: str, inputs: Inputs) -> TermScores:
    return TermScores(inputs.years, {year: inputs.assessments.get((kind, year)) for year in inputs.years})


def resolve(criterion: Criterion, inputs: Inputs, table_labels: dict[str, str]) -> Derived:
    """The value an objective criterion scores, what is missing for it, and its derivation in words."""
    if criterion.derivation:
        return derive(criterion.derivation, read=lambda ref: _read(ref, inputs), table_labels=table_labels,
                      term=lambda kind: _term(kind, inputs))
    if criterion.indicator_id is not None:
        ref = Ref(TABLE, value_key(criterion))
    elif criterion.source_key:
        ref = Ref(MEASURED, criterion.source_key)
    else:
        return Derived(None, (), "")
    value = _read(ref, inputs)
    return Derived(value, () if value is not None else (missing_text(ref, table_labels),), "")


# --- loading, in bulk ------------------------------------------------------------------------


def objective_leaves(cycle) -> Leaves:
    """The objective criteria without children of the cycle's rubric, in rubric order, and the names of the
    table rows they read. One query, two when a derivation names a table row."""
    criteria = list(Criterion.objects.filter(rubric__cycle=cycle).select_related("indicator").order_by("position"))
    parents = {c.parent_id for c in criteria if c.parent_id is not None}
    leaves = [c for c in criteria if c.kind == CriterionKind.OBJECTIVE and c.pk not in parents]
    labels = {value_key(c): c.indicator.label for c in leaves if c.indicator_id is not None}
    if any(reads_table(c.derivation) for c in leaves):
        labels.update(table_row_labels(template_id_of(cycle)))
    return Leaves(leaves, labels)


def _terms(ids: list[int]) -> dict[int, tuple[range, dict]]:
    """application id → (the years of its term, (kind, year) → score of its city's records). Two queries."""
    rows = Application.objects.filter(pk__in=ids).values_list(
        "pk", "city_id", "cycle__kind", "cycle__year", "designation__term_start", "designation__term_end")
    years = {pk: (city, term_years(cycle_kind=kind, cycle_year=year, term_start=start, term_end=end))
             for pk, city, kind, year, start, end in rows}
    if not years:
        return {}
    scores: dict[int, dict] = {}
    for city, year, kind, score in AnnualAssessment.objects.filter(
            city_id__in={city for city, _years in years.values()},
            year__gte=min(span.start for _city, span in years.values()),
            year__lt=max(span.stop for _city, span in years.values())).values_list("city_id", "year", "kind", "score"):
        scores.setdefault(city, {})[(kind, year)] = score
    return {pk: (span, {(kind, year): score for (kind, year), score in scores.get(city, {}).items() if year in span})
            for pk, (city, span) in years.items()}


def _inputs(application_ids: Iterable[int], *, terms: bool = False) -> dict[int, Inputs]:
    """application id → what its criteria read. Two queries, four with the terms."""
    ids = list(application_ids)
    latest = (Snapshot.objects.filter(application_id__in=ids, kind__in=SCORED_SNAPSHOT_KINDS)
              .values("application_id").annotate(last=Max("id")).values("last"))
    snapshots = dict(Snapshot.objects.filter(pk__in=latest).values_list("application_id", "data__values"))
    measured = dict(Measurement.objects.filter(application_id__in=ids).values_list("application_id", "values"))
    spans = _terms(ids) if terms else {}
    inputs = {}
    for pk in ids:
        years, assessments = spans.get(pk, (range(0), {}))
        inputs[pk] = Inputs(snapshots.get(pk) or {}, measured.get(pk) or {}, years, assessments)
    return inputs


def best_values(leaves: Leaves, inputs: dict[int, Inputs]) -> dict[int, Decimal]:
    """criterion id → the best value among ``inputs`` (highest, or lowest for a reverse indicator),
    for the criteria scored relative to the best."""
    best: dict[int, Decimal] = {}
    for criterion in leaves.criteria:
        if criterion.formula != Formula.RELATIVE_TO_BEST:
            continue
        found = [v for one in inputs.values() if (v := resolve(criterion, one, leaves.table_labels).value) is not None]
        if found:
            best[criterion.pk] = min(found) if criterion.direction == Direction.LOWER_IS_BETTER else max(found)
    return best


def competing_application_ids(cycle) -> list[int]:
    return list(Application.objects.filter(cycle=cycle, state__in=COMPETING_STATES).values_list("pk", flat=True))


# --- computing -------------------------------------------------------------------------------


def _row(criterion: Criterion, inputs: Inputs, *, table_labels: dict[str, str],
         best: dict[int, Decimal]) -> ObjectiveRow:
    derived = resolve(criterion, inputs, table_labels)
    value = derived.value
    if not criterion.formula:
        return ObjectiveRow(criterion, value, None, _("No scoring formula is set for this criterion."), derived.missing)
    params = criterion.formula_params or {}
    try:
        formula = describe(formula=criterion.formula, params=params, direction=criterion.direction,
                           maximum=criterion.max_points)
        points = points_for(formula=criterion.formula, params=params, direction=criterion.direction,
                            maximum=criterion.max_points, value=value, best=best.get(criterion.pk))
    except (KeyError, TypeError, ValueError, ArithmeticError):
        # A rubric whose parameters do not fit its formula: say so instead of failing the page.
        return ObjectiveRow(criterion, value, None, _("The parameters of this criterion's formula are incomplete."),
                            derived.missing)
    explanation = (_("%(derivation)s; points: %(formula)s") % {"derivation": derived.words, "formula": formula}
                   if derived.words else formula)
    return ObjectiveRow(criterion, value, points, explanation, derived.missing)


def objective_scores(application: Application, *, best: dict[int, Decimal] | None = None) -> list[ObjectiveRow]:
    """Every objective leaf criterion of the cycle's rubric with its value, points, computation in words and
    missing inputs.

    ``best`` maps criterion id → best value for RELATIVE_TO_BEST; without it, the best is taken among the
    cycle's applications in the national review (and this one). Seven queries at most.
    """
    leaves = objective_leaves(application.cycle)
    if not leaves.criteria:
        return []
    if best is None and any(c.formula == Formula.RELATIVE_TO_BEST for c in leaves.criteria):
        ids = set(competing_application_ids(application.cycle)) | {application.pk}
        inputs = _inputs(ids, terms=leaves.need_terms)
        best = best_values(leaves, inputs)
    else:
        inputs = _inputs([application.pk], terms=leaves.need_terms)
    return [_row(c, inputs[application.pk], table_labels=leaves.table_labels, best=best or {})
            for c in leaves.criteria]


def objective_rows(cycle, applications) -> dict[int, list[ObjectiveRow]]:
    """application id → its objective rows (empty without objective criteria). The best values for
    RELATIVE_TO_BEST are taken among ``applications``. Three queries whatever the number of applications and
    criteria; one more when a derivation names a table row, two more when a criterion scores the term."""
    applications = list(applications)
    leaves = objective_leaves(cycle)
    if not leaves.criteria:
        return {a.pk: [] for a in applications}
    inputs = _inputs((a.pk for a in applications), terms=leaves.need_terms)
    best = best_values(leaves, inputs)
    return {a.pk: [_row(c, inputs[a.pk], table_labels=leaves.table_labels, best=best) for c in leaves.criteria]
            for a in applications}


def totals_of(rows_by_application: dict[int, list[ObjectiveRow]]) -> dict[int, Decimal | None]:
    """application id → the sum of its objective points (NULL points count as none); None when no objective
    criterion could be scored, or the rubric has none."""
    totals = {}
    for pk, rows in rows_by_application.items():
        scored = [r.points for r in rows if r.points is not None]
        totals[pk] = sum(scored, Decimal("0.00")) if scored else None
    return totals


def objective_totals(cycle, applications) -> dict[int, Decimal | None]:
    """``totals_of`` the cycle's objective rows. Constant queries, as ``objective_rows``."""
    return totals_of(objective_rows(cycle, applications))


def missing_inputs(rows: list[ObjectiveRow]) -> list[str]:
    """Every input missing for ``rows``, once each, in rubric order."""
    return list(dict.fromkeys(text for row in rows for text in row.missing))
