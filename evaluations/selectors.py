"""Reads of applications, scoped to the user (out of scope = not in the queryset = 404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from cities.enums import Role
from cities.rules import city_ids_of, province_ids_of
from cities.models import AuditEntry, City, Designation
from evaluations.eligibility import re_review_candidates
from evaluations.enums import OUTCOME_STATES, PROVINCE_STATES, Action, ApplicationState, CycleKind, CycleStatus
from evaluations.models import Application, Cycle, IndicatorValue


# Other apps widen what a user sees without this module importing them: the review app adds a
# reviewer's assignments. Each entry maps a user to a filter, or None.
EXTRA_SCOPES: list[Callable[[object], Q | None]] = []


# A draft the city has never submitted (round 0), or withdrew without ever submitting it: its working paper, seen
# by the city alone. A draft the province returned (round >= 1) was submitted once and stays visible to those who
# saw it then.
NEVER_SUBMITTED_STATES = (ApplicationState.DRAFT, ApplicationState.WITHDRAWN)
NEVER_SUBMITTED = Q(state__in=NEVER_SUBMITTED_STATES, round=0)


def is_never_submitted(application: Application) -> bool:
    return application.state in NEVER_SUBMITTED_STATES and application.round == 0


def applications_visible_to(user) -> QuerySet[Application]:
    """City officers see their own city's applications; province staff those of their cities and national staff
    every application, once submitted; reviewers those assigned to them (through ``EXTRA_SCOPES``).

    Need to know (issue #14, "Edges"): a draft the city has never submitted (``NEVER_SUBMITTED``: state draft,
    round 0, or withdrawn from there) is the city's working paper. Nobody above the city has a part in it until the city submits it: the
    province acts only on submitted applications (S1: the city submits to its province, the province recommends
    to the national administration), and national staff act only after the province. So neither its province
    nor national staff see its content (page and API: 404). A draft returned by the province (round >= 1) was
    submitted once: it stays visible to both, as the snapshot of that submission does. National staff still see
    *that* a city has an unsubmitted draft, by its state alone, in a cycle's due list (``due_cities``: 未申报
    （草稿未提交）), which publication needs to record the cities that never applied."""
    applications = Application.objects.select_related("cycle", "city__province")
    if not getattr(user, "is_authenticated", False):
        return applications.none()
    if user.has_role(Role.NATIONAL_ADMIN):
        return applications.filter(~NEVER_SUBMITTED | Q(city_id__in=city_ids_of(user)))
    scope = Q(city_id__in=city_ids_of(user))
    provinces = province_ids_of(user)
    if provinces:
        scope |= Q(city__province_id__in=provinces) & ~NEVER_SUBMITTED
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


@dataclass(frozen=True)
class Returned:
    """The return that left an application where it is: the province's to the city, or the national
    administration's to the province (``to_province``)."""

    reason: str
    at: dt.datetime
    to_province: bool


def latest_return(application: Application) -> Returned | None:
    """The return that put ``application`` in its state, while it stays there: the last move of the application
    in the activity log, when that move was a return. One query."""
    last_move = (AuditEntry.objects.filter(content_type__app_label="evaluations", content_type__model="application",
                                           object_id=str(application.pk))
                 .exclude(to_state="").order_by("-created_at", "-id").only("action", "to_state", "reason",
                                                                           "created_at", "from_state").first())
    if last_move is None or last_move.action != f"application.{Action.RETURN.value}" \
            or last_move.to_state != application.state:
        return None
    return Returned(reason=last_move.reason, at=last_move.created_at,
                    to_province=last_move.to_state in PROVINCE_STATES)


# --- who was due to take part (应参加) ----------------------------------------------------------------------

# States in which an application never reached the national review and has no outcome yet.
NOT_SUBMITTED_STATES = frozenset({ApplicationState.DRAFT, ApplicationState.SUBMITTED, ApplicationState.RECOMMENDED})
# States that end an application before the national review (the city or its province ended it).
ENDED_BEFORE_REVIEW_STATES = frozenset({ApplicationState.WITHDRAWN, ApplicationState.NOT_RECOMMENDED,
                                        ApplicationState.VETOED})


@dataclass(frozen=True)
class DueCity:
    """One city that a cycle concerns, with where it stands. ``application`` is None when it never started one."""

    city: City
    application: Application | None
    designation: Designation | None
    decided: bool

    @property
    def state_label(self) -> str:
        if self.application is None:
            return str(_("Not applied"))
        if self.application.state == ApplicationState.DRAFT:
            return str(_("Not applied (draft not submitted)"))
        return str(ApplicationState(self.application.state).label)

    @property
    def shown_application(self) -> Application | None:
        """The application national staff may open from the due list: not a never-submitted draft, whose
        content stays the city's (``applications_visible_to``); its state is still shown."""
        if self.application is None or is_never_submitted(self.application):
            return None
        return self.application

    @property
    def needs_decision(self) -> bool:
        """Publishing must record an outcome for this city (its title is at stake, or it never submitted)."""
        if self.decided:
            return False
        if self.application is None:
            return True
        state = self.application.state
        if state in NOT_SUBMITTED_STATES:
            return True
        return self.designation is not None and state in ENDED_BEFORE_REVIEW_STATES


def due_cities(cycle: Cycle) -> list[DueCity]:
    """The cities a cycle concerns (national staff's "应参加" list), by city code:

    - a re-review (S1 三(一)): every demonstration title whose term or rectification ends in the cycle's year,
      whether or not the city applied, and every city with an application in the cycle;
    - the other procedures: the cities that started an application.

    A constant number of queries whatever the number of cities."""
    applications = list(Application.objects.filter(cycle=cycle).select_related("city__province", "designation")
                        .annotate(decided=Q(decision__isnull=False)).order_by("city__code"))
    rows = {a.city_id: DueCity(a.city, a, a.designation, a.decided) for a in applications}
    if cycle.kind == CycleKind.RE_REVIEW:
        for city, designation in re_review_candidates(cycle):
            rows.setdefault(city.pk, DueCity(city, None, designation, False))
    return sorted(rows.values(), key=lambda row: row.city.code)
