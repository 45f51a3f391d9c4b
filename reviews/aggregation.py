"""Scores of a cycle: per application the objective part, the reviewers' subjective totals and their
statistics, the final score, ranks and the suggested outcome (DESIGN.md §4).

- Subjective totals come from submitted reviews only. Mean, median and the trimmed mean (highest and
  lowest dropped when there are 5 or more reviews); the rubric says which one counts.
- Spread: the population standard deviation and max − min; a reviewer is an outlier when their total is
  further from the mean than the rubric's threshold.
- Final score = (objective part + the counted subjective part) ÷ the rubric's maximum × 100, so the
  thresholds read on a 100-point scale (the 2014 rules: < 60 reject, 60–70 discuss, > 70 approve).
- Ranks: 1 = best, ties share a rank; within the city's level group (副省级 / 地级 / 县级 and 直辖市所辖区).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from cities.enums import LEVEL_GROUPS
from reviews.enums import Aggregate, CriterionKind
from reviews.models import Criterion, Rubric, Score

CENT = Decimal("0.01")


def _q(value: Decimal | float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class ApplicationStats:
    application: object
    objective: Decimal | None
    totals: dict[int, Decimal] = field(default_factory=dict)  # reviewer id -> subjective total
    mean: Decimal | None = None
    median: Decimal | None = None
    trimmed_mean: Decimal | None = None
    std_dev: Decimal | None = None
    spread: Decimal | None = None
    counted: Decimal | None = None
    final: Decimal | None = None
    outliers: list[int] = field(default_factory=list)
    rank: int | None = None
    level_rank: int | None = None
    level_group: str = ""
    suggestion: str = ""


def subjective_statistics(totals: list[Decimal]) -> dict[str, Decimal | None]:
    if not totals:
        return {"mean": None, "median": None, "trimmed_mean": None, "std_dev": None, "spread": None}
    ordered = sorted(totals)
    trimmed = ordered[1:-1] if len(ordered) >= 5 else ordered
    return {
        "mean": _q(sum(ordered) / len(ordered)),
        "median": _q(statistics.median(ordered)),
        "trimmed_mean": _q(sum(trimmed) / len(trimmed)),
        "std_dev": _q(statistics.pstdev([float(t) for t in ordered])),
        "spread": _q(ordered[-1] - ordered[0]),
    }


def rank(values: dict[int, Decimal | None]) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4) of the non-null values, highest first."""
    ordered = sorted((v for v in values.values() if v is not None), reverse=True)
    return {key: ordered.index(value) + 1 for key, value in values.items() if value is not None}


def rubric_maximum(rubric: Rubric) -> Decimal:
    return sum((c.max_points for c in rubric.criteria.all() if c.parent_id is None), Decimal(0))


def cycle_statistics(cycle, applications, *, objective: dict[int, Decimal | None]) -> list[ApplicationStats]:
    """Statistics of ``applications`` of ``cycle``; ``objective`` maps application id → objective points
    (computed by the scoring module from the submitted values). Three queries whatever the size."""
    rubric = cycle.rubric
    subjective_leaves = {c.pk for c in Criterion.objects.filter(rubric=rubric, kind=CriterionKind.SUBJECTIVE,
                                                                children__isnull=True)}
    totals: dict[int, dict[int, Decimal]] = defaultdict(dict)
    scores = Score.objects.filter(review__submitted_at__isnull=False, criterion_id__in=subjective_leaves,
                                  review__assignment__application__in=applications).values_list(
        "review__assignment__application_id", "review__assignment__reviewer_id", "points")
    for application_id, reviewer_id, points in scores:
        totals[application_id][reviewer_id] = totals[application_id].get(reviewer_id, Decimal(0)) + (points or 0)
    maximum = rubric_maximum(rubric)
    results = []
    for application in applications:
        stats = ApplicationStats(application=application, objective=objective.get(application.pk),
                                 totals=dict(totals.get(application.pk, {})))
        figures = subjective_statistics(list(stats.totals.values()))
        for name, value in figures.items():
            setattr(stats, name, value)
        stats.counted = {Aggregate.MEAN: stats.mean, Aggregate.MEDIAN: stats.median,
                         Aggregate.TRIMMED_MEAN: stats.trimmed_mean}[rubric.aggregate]
        # No final score (hence no rank or suggestion) from the objective part alone while the rubric has
        # subjective criteria that no expert has scored yet: a half score would read as a verdict.
        if stats.counted is not None or (not subjective_leaves and stats.objective is not None):
            raw = (stats.objective or Decimal(0)) + (stats.counted or Decimal(0))
            stats.final = _q(raw / maximum * 100) if maximum else None
        if stats.mean is not None:
            stats.outliers = sorted(reviewer for reviewer, total in stats.totals.items()
                                    if abs(total - stats.mean) > rubric.outlier_threshold)
        stats.level_group = LEVEL_GROUPS.get(application.city.level, "")
        if stats.final is not None:
            stats.suggestion = ("reject" if stats.final < rubric.reject_below
                                else "approve" if stats.final > rubric.approve_above else "discuss")
        results.append(stats)
    overall = rank({s.application.pk: s.final for s in results})
    groups: dict[str, dict[int, Decimal | None]] = defaultdict(dict)
    for s in results:
        groups[s.level_group][s.application.pk] = s.final
    level_ranks = {pk: r for group in groups.values() for pk, r in rank(group).items()}
    for s in results:
        s.rank = overall.get(s.application.pk)
        s.level_rank = level_ranks.get(s.application.pk)
    return sorted(results, key=lambda s: (s.rank is None, s.rank or 0, s.application.city.code))
