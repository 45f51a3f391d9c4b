"""Coverage of the national plan: every 必做 task must be covered by at least one item of each demonstration
city's list of the year (DESIGN.md §5). An item covers a task when its ``national_task`` is that task."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from cities.enums import Tier
from cities.models import City
from cities.selectors import valid_designations
from plans.enums import Requirement
from plans.models import NationalPlan, NationalTask, ResponsibilityItem


def checked_cities(*, year: int, cities: Iterable[City] | QuerySet[City] | None = None) -> QuerySet[City]:
    """Cities the check applies to: those holding a valid demonstration title today (``cities.selectors``), and
    any city with a list for ``year`` (a city that keeps a list is held to the plan too), within ``cities`` when
    given."""
    demonstration = valid_designations().filter(tier=Tier.DEMONSTRATION).values("city_id")
    checked = City.objects.filter(Q(pk__in=demonstration) | Q(responsibility_lists__year=year))
    if cities is not None:
        if isinstance(cities, QuerySet):
            checked = checked.filter(pk__in=cities.values("pk"))
        else:
            checked = checked.filter(pk__in=[city.pk for city in cities])
    return checked.distinct()


def coverage(national_plan: NationalPlan, *, year: int,
             cities: Iterable[City] | QuerySet[City] | None = None) -> dict[int, list[NationalTask]]:
    """city id -> the mandatory tasks of ``national_plan`` that no item of the city's ``year`` list covers,
    in task order. Every checked city is a key (an empty list: nothing missing). Three queries."""
    mandatory = list(national_plan.tasks.filter(requirement=Requirement.MANDATORY).order_by("number"))
    city_ids = list(checked_cities(year=year, cities=cities).order_by("pk").values_list("pk", flat=True))
    covered = set(
        ResponsibilityItem.objects.filter(list__year=year, list__city_id__in=city_ids,
                                          national_task__in=[task.pk for task in mandatory])
        .values_list("list__city_id", "national_task_id").distinct()
    ) if city_ids and mandatory else set()
    return {city_id: [task for task in mandatory if (city_id, task.pk) not in covered] for city_id in city_ids}


def plan_for_year(year: int) -> NationalPlan | None:
    """The national plan of ``year``, else the latest one issued before it."""
    return NationalPlan.objects.filter(year__lte=year).order_by("-year").first()
