"""Cities: the scoped list and the detail page with the title timeline and actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cities import selectors, services
from cities.enums import CURRENT_DESIGNATION_STATUSES, Role, Tier
from cities.filters import CityFilter
from cities.forms import (
    GrantDesignationForm,
    RectifyDesignationForm,
    RenewDesignationForm,
    RevokeDesignationForm,
)
from ipcity.dates import local_today
from ipcity.pagination import paginate
from ipcity.panels import panels


def city_list_context(request) -> dict:
    """The filtered, paginated list of the cities the user may see (used by the list and home pages)."""
    user = request.user
    cities = selectors.with_current_designation(selectors.cities_visible_to(user)).order_by("province__code", "code")
    city_filter = CityFilter(request.GET or None, queryset=cities, provinces=selectors.provinces_visible_to(user),
                             show_province=user.has_role(Role.NATIONAL_ADMIN))
    page, querystring = paginate(request, city_filter.qs)
    return {"filter": city_filter, "page": page, "querystring": querystring, "today": local_today()}


@login_required
def city_list(request):
    if not request.user.has_perm("cities.list_cities"):
        raise PermissionDenied
    context = city_list_context(request)
    return render(request, "cities/city_list.html", context)


@login_required
def city_detail(request, code: str):
    city = get_object_or_404(selectors.cities_visible_to(request.user), code=code)
    designations = list(city.designations.select_related("previous").order_by("-term_start", "-id"))
    can_manage = request.user.has_perm("cities.manage_designations")
    return render(
        request,
        "cities/city_detail.html",
        {
            "city": city,
            "designations": designations,
            "timeline": selectors.city_timeline(city)[:100],
            "can_manage": can_manage,
            "grant_form": GrantDesignationForm(initial={"term_start": local_today()}) if can_manage else None,
            "current_statuses": CURRENT_DESIGNATION_STATUSES,
            "today": local_today(),
            "demonstration": Tier.DEMONSTRATION,
            "panels": panels("city", request, city),
        },
    )


DESIGNATION_ACTIONS = {
    "renew": (RenewDesignationForm, gettext_lazy("Renew the title"), lambda d, data, by: services.renew_designation(d, by=by, **data)),
    "rectify": (RectifyDesignationForm, gettext_lazy("Start rectification"), lambda d, data, by: services.start_rectification(d, by=by, **data)),
    "revoke": (RevokeDesignationForm, gettext_lazy("Revoke the title"), lambda d, data, by: services.revoke_designation(d, by=by, **data)),
}


@login_required
@require_http_methods(["POST"])
def designation_grant(request, code: str):
    city = get_object_or_404(selectors.cities_visible_to(request.user), code=code)
    if not request.user.has_perm("cities.manage_designations"):
        raise PermissionDenied
    form = GrantDesignationForm(request.POST)
    if form.is_valid():
        try:
            services.grant_designation(city, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The title was granted."))
            return redirect("city_detail", code=city.code)
    return render(request, "cities/designation_form.html", {"city": city, "form": form, "title": _("Grant a title"),
                                                             "action_url": request.path})


@login_required
@require_http_methods(["GET", "POST"])
def designation_action(request, pk: int, action: str):
    designation = get_object_or_404(selectors.designations_visible_to(request.user), pk=pk)
    if action not in DESIGNATION_ACTIONS:
        raise PermissionDenied
    if not request.user.has_perm("cities.manage_designations"):
        raise PermissionDenied
    form_class, title, apply = DESIGNATION_ACTIONS[action]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            apply(designation, form.cleaned_data, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("city_detail", code=designation.city.code)
    return render(request, "cities/designation_form.html", {
        "city": designation.city, "designation": designation, "form": form, "title": title,
        "action_url": request.path, "confirm": True,
    })
