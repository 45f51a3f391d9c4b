"""Dashboards of the city, the province and the nation, and the Excel export of each of their tables."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from cities.enums import Role
from ipcity.dates import local_today
from ipcity.downloads import xlsx_response
from plans import charts
from plans.dashboards import dashboard_roles, dashboard_sections, dashboard_table, list_years
from plans.exports.table_xlsx import table_workbook

YEARS = range(2000, 2101)


def chosen_year(request, years: list[int]) -> int:
    """The year asked for (``?year=``), else the newest year with a list, else this year."""
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in YEARS:
        return int(raw)
    return years[0] if years else local_today().year


def dashboard_charts(section) -> list:
    """The SVG charts of a section (built here: they are presentation, not queries)."""
    extra = section.extra
    if section.role == Role.CITY_OFFICER:
        labels, values = zip(*extra["status_counts"], strict=True)
        return [charts.bar_chart_svg(labels, values, title=_("Items by status"))]
    if section.role == Role.PROVINCE_STAFF:
        return [charts.bar_chart_svg(extra["chart_labels"], extra["chart_values"],
                                     title=_("Completion rate by city"), unit="%", max_value=100)]
    built = []
    if extra["province_chart"]:
        labels, values = zip(*extra["province_chart"], strict=True)
        built.append(charts.bar_chart_svg(labels, values, title=_("Completion rate by province"), unit="%",
                                          max_value=100))
    labels, values = zip(*extra["tier_chart"], strict=True)
    built.append(charts.bar_chart_svg(labels, values, title=_("Cities holding a title, by tier")))
    for name, trend in extra["trend_series"].items():
        title = f"{name}（{trend['unit']}）" if trend["unit"] else name
        built.append(charts.line_chart_svg({name: trend["points"]}, title=title))
    return built


@login_required
def dashboard(request):
    user = request.user
    if not dashboard_roles(user):
        raise PermissionDenied
    years = list_years(user)
    year = chosen_year(request, years)
    today = local_today()
    sections = [{"section": section, "charts": dashboard_charts(section), "template": f"plans/dashboard_{section.role}.html"}
                for section in dashboard_sections(user, year=year, today=today)]
    return render(request, "plans/dashboard_page.html", {
        "sections": sections, "year": year, "years": sorted({*years, year}, reverse=True), "today": today,
    })


@login_required
def dashboard_export(request, table: str):
    user = request.user
    if not dashboard_roles(user):
        raise PermissionDenied
    year = chosen_year(request, list_years(user))
    found = dashboard_table(user, table, year=year, today=local_today())
    if found is None:
        raise Http404
    name = f"{found.key}-{year}.xlsx"
    return xlsx_response(table_workbook(found.title, found.headers, found.rows), name=name, ascii_name=name,
                         by=user, table=f"dashboard/{found.key}")


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/export/<str:table>.xlsx", dashboard_export, name="dashboard_export"),
]
