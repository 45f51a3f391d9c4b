"""Who may apply: one function per rule, each naming its source (S1 = the 2018 notice).

A rule returns ``None`` when it holds, or a ``Failure`` that says which rule failed and why.
The conditions of 《办法》第五条 / 第十八条, whose text is not public here, are not coded: they are
the cycle's checklist items, attested by the province with evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cities.enums import CURRENT_DESIGNATION_STATUSES, PILOT_ELIGIBLE_LEVELS, DesignationStatus, Tier
from cities.models import City, Designation
from cities.services import active_ban
from evaluations.enums import CycleKind
from evaluations.models import Cycle

ENFORCEMENT_SCORE_MINIMUM = 80


@dataclass(frozen=True)
class Failure:
    rule: str
    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.message}（{self.source}）"


Rule = Callable[[City, Cycle, dt.date], "Failure | None"]


def _current(city: City, *tiers: str) -> list[Designation]:
    return [d for d in city.designations.all() if d.tier in tiers and d.status in CURRENT_DESIGNATION_STATUSES]


# --- PILOT ------------------------------------------------------------------------------------


def pilot_city_level(city: City, cycle: Cycle, on: dt.date) -> Failure | None:
    if city.level in PILOT_ELIGIBLE_LEVELS:
        return None
    return Failure("pilot_city_level", _("2018 notice, part 1 (1)"),
                   _("Only cities specifically designated in the state plan, sub-provincial cities, prefecture-level "
                     "cities and districts of municipalities may apply to be pilot cities; %(city)s is a %(level)s.")
                   % {"city": city.full_name, "level": city.get_level_display()})


def pilot_not_already_designated(city: City, cycle: Cycle, on: dt.date) -> Failure | None:
    held = _current(city, Tier.PILOT, Tier.DEMO_CULTIVATION, Tier.DEMONSTRATION)
    if not held:
        return None
    return Failure("pilot_not_already_designated", _("2018 notice, part 1"),
                   _("%(city)s already holds the title %(title)s and cannot apply to be a pilot city.")
                   % {"city": city.full_name, "title": held[0].get_tier_display()})


def not_banned(city: City, cycle: Cycle, on: dt.date) -> Failure | None:
    """S1 三(三)3: a city that fails its second re-review "2年内不得再次申报示范城市" — demonstration applications
    only; pilot and strong-city applications are not barred (a fraud finding, S1 五(二), states no ban)."""
    ban = active_ban(city, on=on)
    if ban is None:
        return None
    return Failure("not_banned", _("2018 notice, part 3 (3) 3"),
                   _("%(city)s lost its demonstration title after failing its second re-review and may not apply to "
                     "be a demonstration city before %(date)s.")
                   % {"city": city.full_name, "date": ban.ban_until.isoformat()})


# --- DEMONSTRATION ------------------------------------------------------------------------------


def demonstration_cultivated_one_year(city: City, cycle: Cycle, on: dt.date) -> Failure | None:
    deadline = cycle.province_deadline
    for designation in _current(city, Tier.DEMO_CULTIVATION, Tier.PILOT):
        one_year_later = designation.term_start.replace(year=designation.term_start.year + 1)
        if one_year_later <= deadline + dt.timedelta(days=1):
            return None
    return Failure("demonstration_cultivated_one_year", _("2018 notice, part 2 (1)"),
                   _("Only pilot cities with at least one full year of demonstration cultivation by %(date)s may apply "
                     "to be demonstration cities; %(city)s has no such title.")
                   % {"city": city.full_name, "date": deadline.isoformat()})


def demonstration_not_already(city: City, cycle: Cycle, on: dt.date) -> Failure | None:
    held = _current(city, Tier.DEMONSTRATION)
    if not held:
        return None
    return Failure("demonstration_not_already", _("2018 notice, part 2"),
                   _("%(city)s is already a demonstration city.") % {"city": city.full_name})


# --- RE_REVIEW ----------------------------------------------------------------------------------


def re_review_due(city: City, cycle: Cycle, on: dt.date) -> Failure | None:
    if re_review_designation(city, cycle) is not None:
        return None
    return Failure("re_review_due", _("2018 notice, part 3 (1)"),
                   _("%(city)s has no demonstration title whose term ends in %(year)s and is not in rectification "
                     "with a deadline in %(year)s.") % {"city": city.full_name, "year": cycle.year})


def re_review_designation(city: City, cycle: Cycle) -> Designation | None:
    """The demonstration title a re-review of ``cycle`` is about, if the city has one."""
    for designation in sorted(city.designations.all(), key=lambda d: d.term_start, reverse=True):
        if designation.tier != Tier.DEMONSTRATION:
            continue
        if designation.status == DesignationStatus.RECTIFYING and designation.rectification_deadline.year == cycle.year:
            return designation
        if designation.status == DesignationStatus.ACTIVE and designation.term_end.year == cycle.year:
            return designation
    return None


def re_review_candidates(cycle: Cycle) -> list[tuple[City, Designation]]:
    """Demonstration cities whose term ends in the cycle's year, or whose rectification deadline falls in it
    (S1 三(一), 三(三)3). Two queries whatever the number of cities."""
    cities = (City.objects.filter(designations__tier=Tier.DEMONSTRATION).distinct().select_related("province")
              .prefetch_related("designations").order_by("code"))
    return [(city, designation) for city in cities if (designation := re_review_designation(city, cycle)) is not None]


# --- STRONG_CITY ----------------------------------------------------------------------------------


def strong_city_completed_demonstration_round(city: City, cycle: Cycle, on: dt.date) -> Failure | None:
    for designation in city.designations.all():
        if designation.tier == Tier.DEMONSTRATION and designation.status != DesignationStatus.REVOKED \
                and designation.term_end < on:
            return None
    return Failure("strong_city_completed_demonstration_round", _("2018 notice, part 4 (1) 2"),
                   _("%(city)s has not completed a round of demonstration city construction.")
                   % {"city": city.full_name})


RULES: dict[str, list[Rule]] = {
    CycleKind.PILOT: [pilot_city_level, pilot_not_already_designated],
    CycleKind.DEMONSTRATION: [demonstration_cultivated_one_year, demonstration_not_already, not_banned],
    CycleKind.RE_REVIEW: [re_review_due],
    CycleKind.STRONG_CITY: [strong_city_completed_demonstration_round],
}


def eligibility_failures(city: City, cycle: Cycle, *, on: dt.date) -> list[Failure]:
    """Every rule of the cycle's procedure that ``city`` does not meet."""
    return [failure for rule in RULES[cycle.kind] if (failure := rule(city, cycle, on)) is not None]


def strong_city_enforcement_failure(score) -> Failure | None:
    """Previous year's patent administrative enforcement performance score ≥ 80 (S1 四(一)2), a recorded value."""
    if score is not None and score >= ENFORCEMENT_SCORE_MINIMUM:
        return None
    return Failure("strong_city_enforcement_score", _("2018 notice, part 4 (1) 2"),
                   _("The previous year's patent enforcement performance score must be at least %(minimum)s; "
                     "recorded: %(score)s.") % {"minimum": ENFORCEMENT_SCORE_MINIMUM,
                                                "score": score if score is not None else _("none")})
