"""Reads of applications, scoped to the user (out of scope = not in the queryset = 404)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q, QuerySet

from cities.enums import Role
from cities.rules import city_ids_of, province_ids_of
from evaluations.enums import OUTCOME_STATES, ApplicationState, CycleStatus
from evaluations.models import Application, Cycle, IndicatorValue


# Other apps widen what a user sees without this module importing them: the review app adds a
# reviewer's assignments. Each entry maps a user to a filter, or None.
EXTRA_SCOPES: list[Callable[[object], Q | None]] = []


def applications_visible_to(user) -> QuerySet[Application]:
    """National staff see every application; province staff those of their cities once submitted;
    city officers their own city's; reviewers those assigned to them (through ``EXTRA_SCOPES``)."""
    applications = Application.objects.select_related("cycle", "city__province")
    if not getattr(user, "is_authenticated", False):
        return applications.none()
    if user.has_role(Role.NATIONAL_ADMIN):
        return applications
    scope = Q(city_id__in=city_ids_of(user))
    provinces = province_ids_of(user)
    if provinces:
        scope |= Q(city__province_id__in=provinces) & (~Q(state=ApplicationState.DRAFT) | Q(round__gt=0))
    for extra in EXTRA_SCOPES:
        widened = extra(user)
        if widened is not None:
            scope |= widened
    return applications.filter(scope)


def cycles_visible_to(user) -> QuerySet[Cycle]:
    """Every signed-in business user sees opened cycles; national staff also those being prepared."""
    cycles = Cycle.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.roles:
        return cycles.none()
    if user.has_role(Role.NATIONAL_ADMIN):
        return cycles
    return cycles.exclude(status=CycleStatus.DRAFT)


def indicator_values_visible_to(user) -> QuerySet[IndicatorValue]:
    """A city's basic-information values: national staff see all; a city officer its city's; others (province
    staff, reviewers) the values of a (city, data year) that an application they may see reports."""
    values = IndicatorValue.objects.select_related("city", "indicator")
    if not getattr(user, "is_authenticated", False):
        return values.none()
    if user.has_role(Role.NATIONAL_ADMIN):
        return values
    reported = applications_visible_to(user).filter(city_id=OuterRef("city_id"), cycle__data_year=OuterRef("year"))
    return values.filter(Q(city_id__in=city_ids_of(user)) | Exists(reported))


def filter_shown_state(applications: QuerySet[Application], state: str, user) -> QuerySet[Application]:
    """The applications whose state as ``user`` sees it (``shown_state``) is ``state``."""
    if user.has_role(Role.NATIONAL_ADMIN):
        return applications.filter(state=state)
    hidden = Q(state__in=OUTCOME_STATES, cycle__results_published_at__isnull=True)
    if state == ApplicationState.UNDER_REVIEW:
        return applications.filter(Q(state=state) | hidden)
    return applications.filter(state=state).exclude(hidden)


def shown_state(application: Application, user) -> str:
    """The state a user may see: outcomes stay hidden from cities and provinces until publication."""
    if application.state in OUTCOME_STATES and not application.cycle.results_published \
            and not user.has_role(Role.NATIONAL_ADMIN):
        return ApplicationState.UNDER_REVIEW
    return application.state
