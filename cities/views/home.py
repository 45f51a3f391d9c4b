"""The home page: one section for each role the user holds."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cities import selectors
from cities.enums import Role
from cities.views.places import city_list_context
from ipcity.dates import local_today
from ipcity.home import home_panels


@login_required
def home(request):
    user = request.user
    roles = user.roles
    context: dict = {"roles": roles, "Role": Role}
    if roles & {Role.NATIONAL_ADMIN, Role.PROVINCE_STAFF}:
        context.update(city_list_context(request))
    if Role.NATIONAL_ADMIN in roles:
        context["title_counts"] = selectors.title_counts_visible_to(user, on=local_today())
        context["today"] = local_today()
    if Role.CITY_OFFICER in roles:
        own = selectors.cities_visible_to(user).filter(pk__in=[m.city_id for m in user.active_memberships if m.city_id])
        context["own_cities"] = [
            (city, list(city.designations.all())) for city in own.prefetch_related("designations")
        ]
    if Role.PROVINCE_STAFF in roles:
        context["own_provinces"] = sorted({m.province for m in user.active_memberships if m.role == Role.PROVINCE_STAFF}, key=lambda p: p.code)
    context["panels"] = home_panels(request)
    if Role.AUDIT_ADMIN in roles:
        context["recent_audit"] = list(selectors.audit_entries_visible_to(user)[:10])
    return render(request, "cities/home.html", context)
