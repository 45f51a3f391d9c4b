"""Reads scoped to a user. An object outside the user's scope simply isn't in the queryset (404)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from cities.enums import CURRENT_DESIGNATION_STATUSES, EXPIRING_TIERS, DesignationStatus, Role, Tier
from cities.models import AuditEntry, City, Designation, Province, User
from cities.rules import city_ids_of, province_ids_of
from ipcity.dates import local_today


def _city_scope(user: User) -> Q | None:
    """The cities a user may see, as a filter; ``None`` means all of them."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if user.has_role(Role.NATIONAL_ADMIN):
        return None
    return Q(province_id__in=province_ids_of(user)) | Q(pk__in=city_ids_of(user))


def provinces_visible_to(user: User) -> QuerySet[Province]:
    scope = _city_scope(user)
    provinces = Province.objects.all()
    if scope is None:
        return provinces
    return provinces.filter(Q(pk__in=province_ids_of(user)) | Q(cities__pk__in=city_ids_of(user))).distinct()


def cities_visible_to(user: User) -> QuerySet[City]:
    scope = _city_scope(user)
    cities = City.objects.select_related("province", "parent")
    return cities if scope is None else cities.filter(scope)


# --- Valid titles (有效称号): the one definition ---------------------------------------------------------------

def in_force_on(on: dt.date) -> Q:
    """Designations in force on ``on`` — the one definition of a valid title (有效称号), used by the home page,
    the dashboards, the API and every count of titles:

    * its term has started (``term_start`` on or before ``on``);
    * a pilot or strong-city title (``EXPIRING_TIERS``) lapses when its term ends, whether or not the nightly
      sweeper has marked it expired yet;
    * a demonstration title outlives its 3-year term until a re-review decides, and keeps it in rectification
      (整改, S1 三(三)3: only a second failed re-review revokes it); demonstration cultivation lasts until the city
      is designated (granting the higher title ends it);
    * an ended title counted for the days it still ran: an expired term until ``ended_on`` (its last day), a
      revoked one until the day before ``ended_on`` (the day of the revocation).

    So a city may hold two valid titles at once: a demonstration city that is also a strong-city candidate is
    counted under both.
    """
    term_running = ~Q(tier__in=sorted(EXPIRING_TIERS)) | Q(term_end__gte=on)
    still_held = (Q(status__in=sorted(CURRENT_DESIGNATION_STATUSES))
                  | Q(status=DesignationStatus.EXPIRED, ended_on__gte=on)
                  | Q(status=DesignationStatus.REVOKED, ended_on__gt=on))
    return Q(term_start__lte=on) & term_running & still_held


def valid_designations(designations: QuerySet[Designation] | None = None, *,
                       on: dt.date | None = None) -> QuerySet[Designation]:
    """The designations (of ``designations``, default all; pass ``designations_visible_to(user)`` to scope them)
    in force on ``on`` (default today, Asia/Shanghai)."""
    designations = Designation.objects.all() if designations is None else designations
    return designations.filter(in_force_on(on or local_today()))


@dataclass(frozen=True)
class TitleCount:
    """Cities holding a valid title of ``tier``: ``active`` in force, ``rectifying`` in rectification (整改)."""

    tier: Tier
    active: int
    rectifying: int

    @property
    def valid(self) -> int:
        return self.active + self.rectifying


def title_counts(designations: QuerySet[Designation] | None = None, *,
                 on: dt.date | None = None) -> list[TitleCount]:
    """Cities holding a valid title on ``on``, for every tier in order (zeros included): one query. A city counts
    once per tier, even with two overlapping terms."""
    rows = (valid_designations(designations, on=on).values("tier")
            .annotate(cities=Count("city_id", distinct=True),
                      rectifying=Count("city_id", filter=Q(status=DesignationStatus.RECTIFYING), distinct=True))
            .order_by())
    found = {row["tier"]: row for row in rows}
    return [TitleCount(tier, found[tier]["cities"] - found[tier]["rectifying"], found[tier]["rectifying"])
            if tier in found else TitleCount(tier, 0, 0) for tier in Tier]


def title_counts_by_province(designations: QuerySet[Designation] | None = None, *,
                             on: dt.date | None = None) -> dict[int, dict[str, int]]:
    """Province id -> tier -> cities holding a valid title of that tier on ``on``: one query."""
    rows = (valid_designations(designations, on=on).values("city__province_id", "tier")
            .annotate(n=Count("city_id", distinct=True)).order_by())
    grid: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        grid[row["city__province_id"]][row["tier"]] = row["n"]
    return dict(grid)


def with_current_designation(cities: QuerySet[City], *, on: dt.date | None = None) -> QuerySet[City]:
    """Annotate each city with its current designation (tier, status, term), in one query: of its valid titles
    (``in_force_on``) the highest tier, else its most recent designation (an ended title shows as such)."""
    valid = in_force_on(on or local_today())
    # 0 for an ended title; 1.. by tier for a valid one.
    rank = Case(*(When(valid & Q(tier=tier), then=Value(index)) for index, tier in enumerate(Tier, start=1)),
                default=Value(0), output_field=IntegerField())
    latest = Designation.objects.filter(city=OuterRef("pk")).annotate(rank=rank).order_by("-rank", "-term_start", "-id")
    return cities.annotate(
        current_tier=Subquery(latest.values("tier")[:1]),
        current_status=Subquery(latest.values("status")[:1]),
        current_term_start=Subquery(latest.values("term_start")[:1]),
        current_term_end=Subquery(latest.values("term_end")[:1]),
    )


def designated_cities_visible_to(user: User) -> QuerySet[City]:
    """Cities the user may see that hold or held a title, with their current one."""
    return with_current_designation(cities_visible_to(user).filter(designations__isnull=False).distinct())


def designations_visible_to(user: User) -> QuerySet[Designation]:
    return Designation.objects.filter(city__in=cities_visible_to(user)).select_related("city__province")


def title_counts_visible_to(user: User, *, on: dt.date | None = None) -> list[TitleCount]:
    """``title_counts`` within the user's scope."""
    return title_counts(designations_visible_to(user), on=on)


def audit_entries_visible_to(user: User) -> QuerySet[AuditEntry]:
    """The global log is the audit admin's alone."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.AUDIT_ADMIN):
        return AuditEntry.objects.none()
    return AuditEntry.objects.select_related("content_type", "city")


def city_timeline(city: City) -> QuerySet[AuditEntry]:
    """What happened to a city and its titles. Callers obtain ``city`` through ``cities_visible_to``."""
    types = ContentType.objects.get_for_models(City, Designation).values()
    return AuditEntry.objects.filter(city=city, content_type__in=list(types)).select_related("content_type")
