"""Reads scoped to a user. An object outside the user's scope simply isn't in the queryset (404)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from cities.enums import Role
from cities.models import AuditEntry, City, Designation, Province, User
from cities.rules import city_ids_of, province_ids_of


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


def with_current_designation(cities: QuerySet[City]) -> QuerySet[City]:
    """Annotate each city with its most recent designation (tier, status, term), in one query."""
    latest = Designation.objects.filter(city=OuterRef("pk")).order_by("-term_start", "-id")
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


def designation_counts(user: User) -> dict[tuple[str, str], int]:
    """Number of designations by (tier, status) within the user's scope: one query."""
    rows = designations_visible_to(user).values("tier", "status").annotate(n=Count("id")).order_by()
    return {(row["tier"], row["status"]): row["n"] for row in rows}


def audit_entries_visible_to(user: User) -> QuerySet[AuditEntry]:
    """The global log is the audit admin's alone."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.AUDIT_ADMIN):
        return AuditEntry.objects.none()
    return AuditEntry.objects.select_related("content_type", "city")


def city_timeline(city: City) -> QuerySet[AuditEntry]:
    """What happened to a city and its titles. Callers obtain ``city`` through ``cities_visible_to``."""
    types = ContentType.objects.get_for_models(City, Designation).values()
    return AuditEntry.objects.filter(city=city, content_type__in=list(types)).select_related("content_type")
