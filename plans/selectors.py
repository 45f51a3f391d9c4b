"""Reads of plans and lists, scoped like cities (out of scope = 404)."""

from __future__ import annotations

from django.db.models import QuerySet

from cities.enums import BUSINESS_ROLES
from cities.selectors import cities_visible_to
from plans.models import CityPlan, NationalPlan, ResponsibilityItem, ResponsibilityList


def national_plans_visible_to(user) -> QuerySet[NationalPlan]:
    """The national plans are addressed to every demonstration city: every business user reads them (the
    system and audit administrators do not)."""
    if not getattr(user, "is_authenticated", False) or not user.roles & BUSINESS_ROLES:
        return NationalPlan.objects.none()
    return NationalPlan.objects.all()


def city_plans_visible_to(user) -> QuerySet[CityPlan]:
    return CityPlan.objects.filter(city__in=cities_visible_to(user)).select_related("city__province")


def lists_visible_to(user) -> QuerySet[ResponsibilityList]:
    return ResponsibilityList.objects.filter(city__in=cities_visible_to(user)).select_related("city__province", "plan")


def items_visible_to(user) -> QuerySet[ResponsibilityItem]:
    return ResponsibilityItem.objects.filter(list__city__in=cities_visible_to(user)).select_related(
        "list__city__province", "national_task", "plan_target")
