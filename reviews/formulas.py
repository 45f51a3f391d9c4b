"""Objective criteria: how an indicator value becomes points (a small documented set).

- LINEAR_TO_BENCHMARK ``{"benchmark": b}``: points grow linearly from 0 to the maximum at ``b``
  and stay there. A reverse indicator also needs ``{"worst": w}``: the maximum at or below ``b``,
  0 at or above ``w``, linear in between.
- RELATIVE_TO_BEST ``{}``: max × value / best value of the cycle (reverse: max × best / value).
- THRESHOLD_BANDS ``{"bands": [[threshold, points], ...]}``, ascending: the points of the highest
  threshold the value reaches (reverse: of the lowest threshold the value does not exceed).

Points are Decimals rounded half-up to 2 places; a missing value scores NULL ("not scored").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from reviews.enums import Direction, Formula

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Computed:
    value: Decimal | None
    points: Decimal | None
    explanation: str


def _round(points: Decimal) -> Decimal:
    return points.quantize(CENT, rounding=ROUND_HALF_UP)


def _clamp(points: Decimal, maximum: Decimal) -> Decimal:
    return max(Decimal(0), min(points, maximum))


def points_for(*, formula: str, params: dict, direction: str, maximum: Decimal, value: Decimal | None,
               best: Decimal | None = None) -> Decimal | None:
    if value is None:
        return None
    reverse = direction == Direction.LOWER_IS_BETTER
    if formula == Formula.LINEAR_TO_BENCHMARK:
        benchmark = Decimal(str(params["benchmark"]))
        if reverse:
            worst = Decimal(str(params["worst"]))
            if value <= benchmark:
                return _round(maximum)
            if value >= worst:
                return Decimal("0.00")
            return _round(maximum * (worst - value) / (worst - benchmark))
        if benchmark <= 0:
            return _round(maximum)
        return _round(_clamp(maximum * value / benchmark, maximum))
    if formula == Formula.RELATIVE_TO_BEST:
        if best is None:
            return None
        if reverse:
            return _round(maximum) if value <= 0 else _round(_clamp(maximum * best / value, maximum))
        return Decimal("0.00") if best <= 0 else _round(_clamp(maximum * value / best, maximum))
    if formula == Formula.THRESHOLD_BANDS:
        bands = [(Decimal(str(t)), Decimal(str(p))) for t, p in params["bands"]]
        if reverse:
            for threshold, points in bands:
                if value <= threshold:
                    return _round(min(points, maximum))
            return Decimal("0.00")
        reached = [points for threshold, points in bands if value >= threshold]
        return _round(min(reached[-1], maximum)) if reached else Decimal("0.00")
    raise ValueError(f"unknown formula {formula!r}")


def describe(*, formula: str, params: dict, direction: str, maximum: Decimal) -> str:
    """The formula in words, shown next to the computed points."""
    reverse = direction == Direction.LOWER_IS_BETTER
    if formula == Formula.LINEAR_TO_BENCHMARK:
        if reverse:
            return _("full %(max)s points at or below %(benchmark)s, 0 at or above %(worst)s, linear between") % {
                "max": maximum, "benchmark": params.get("benchmark"), "worst": params.get("worst")}
        return _("%(max)s × value ÷ %(benchmark)s, at most %(max)s") % {"max": maximum,
                                                                     "benchmark": params.get("benchmark")}
    if formula == Formula.RELATIVE_TO_BEST:
        return (_("%(max)s × lowest value of the cycle ÷ value") if reverse
                else _("%(max)s × value ÷ highest value of the cycle")) % {"max": maximum}
    if formula == Formula.THRESHOLD_BANDS:
        bands = "；".join(f"{'≤' if reverse else '≥'}{t}：{p}" for t, p in params.get("bands", []))
        return _("bands %(bands)s") % {"bands": bands}
    return ""
