"""One province's dashboard, opened from the map of China: the province section of the dashboard for that
province, with the map highlighting it, and the Excel export of its tables.

The national administrator may open every province; province staff their own provinces (another one is a
404); other roles are refused (403).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from cities.enums import Role
from cities.models import Province
from cities.rules import province_ids_of
from ipcity.dates import local_today
from ipcity.downloads import xlsx_response
from plans.dashboards import list_years, province_section
from plans.exports.table_xlsx import table_workbook
from plans.views.dashboards import chosen_year, dashboard_charts


def province_dashboards_visible_to(user):
    """Provinces whose dashboard the user may open."""
    if user.has_role(Role.NATIONAL_ADMIN):
        return Province.objects.all()
    return Province.objects.filter(pk__in=province_ids_of(user))


def _province(request, code: str) -> Province:
    if not request.user.has_perm("plans.view_province_dashboards"):
        raise PermissionDenied
    return get_object_or_404(province_dashboards_visible_to(request.user), code=code)


@login_required
def province_dashboard(request, code: str):
    province = _province(request, code)
    years = list_years(request.user)
    year = chosen_year(request, years)
    today = local_today()
    section = province_section(request.user, year=year, today=today, province_ids=[province.pk])
    return render(request, "plans/dashboard_province_page.html", {
        "province": province, "province_code": province.code,
        "sections": [{"section": section, "charts": dashboard_charts(section),
                      "template": "plans/dashboard_province_staff.html"}],
        "year": year, "years": sorted({*years, year}, reverse=True), "today": today,
        "trail": [(reverse("dashboard"), _("Dashboard"))],
    })


@login_required
def province_dashboard_export(request, code: str, table: str):
    province = _province(request, code)
    year = chosen_year(request, list_years(request.user))
    section = province_section(request.user, year=year, today=local_today(), province_ids=[province.pk])
    found = section.tables.get(table)
    if found is None:
        raise Http404
    name = f"{found.key}-{province.code}-{year}.xlsx"
    return xlsx_response(table_workbook(found.title, found.headers, found.rows), name=name, ascii_name=name,
                         by=request.user, obj=province, table=f"dashboard/{found.key}")


urlpatterns = [
    path("dashboard/province/<str:code>/", province_dashboard, name="province_dashboard"),
    path("dashboard/province/<str:code>/export/<str:table>.xlsx", province_dashboard_export,
         name="province_dashboard_export"),
]
