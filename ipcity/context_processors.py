"""Navigation shown in the header, built from the same permissions the views check."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cities.notifications import unread_count
from ipcity.admin_site import ADMIN_SITE_ROLES

# Menus of (url name, label, permission or None for everyone signed in); a menu with one visible
# entry shows as a plain link. Kept short so the bar fits on one line at 1366 px.
NAV = [
    (None, [("home", _("Home"), None)]),
    (_("Applications"), [
        ("application_list", _("Applications"), "evaluations.list_applications"),
        ("cycle_list", _("Evaluation cycles"), "evaluations.list_cycles"),
    ]),
    (_("Expert review"), [
        ("my_assignments", _("My reviews"), "reviews.list_own_assignments"),
        ("reviewer_workload", _("Reviewers"), "reviews.manage_assignments"),
        ("assessment_list", _("Annual assessments"), "evaluations.act_as_national"),
    ]),
    (_("Plans and tasks"), [
        ("dashboard", _("Dashboard"), "plans.view_plans"),
        ("list_index", _("Responsibility lists"), "plans.view_plans"),
        ("city_plan_list", _("City plans"), "plans.view_plans"),
        ("national_plan_list", _("National work plans"), "plans.view_plans"),
    ]),
    (None, [("city_list", _("Cities"), "cities.list_cities")]),
    (None, [("audit_log", _("Audit log"), "cities.view_audit_log")]),
    (None, [("locked_accounts", _("Locked accounts"), "cities.unlock_accounts")]),
    (None, [("second_factors", _("Second factors"), "cities.reset_second_factor")]),
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    menus = []
    if user is not None and user.is_authenticated:
        for title, entries in NAV:
            items = []
            for name, label, perm in entries:
                if perm is None or user.has_perm(perm):
                    url = reverse(name)
                    active = request.path == url if name == "home" else request.path.startswith(url)
                    items.append({"url": url, "label": label, "active": active})
            if not items:
                continue
            if title is None or len(items) == 1:
                menus.extend(items)
            else:
                menus.append({"label": title, "children": items, "active": any(i["active"] for i in items)})
        if user.roles & ADMIN_SITE_ROLES:
            menus.append({"url": reverse("admin:index"), "label": _("Administration"), "active": False})
    unread = unread_count(user) if user is not None and user.is_authenticated else 0
    return {"SITE_TITLE": settings.SITE_TITLE, "nav_items": menus, "unread_notifications": unread}
