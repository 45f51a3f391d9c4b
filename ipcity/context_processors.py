"""Navigation shown in the header, built from the same permissions the views check."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cities.notifications import unread_count
from ipcity.admin_site import ADMIN_SITE_ROLES

# (url name, label, permission or None for everyone signed in)
NAV = [
    ("home", _("Home"), None),
    ("application_list", _("Applications"), "evaluations.list_applications"),
    ("cycle_list", _("Evaluation cycles"), "evaluations.list_cycles"),
    ("my_assignments", _("My reviews"), "reviews.list_own_assignments"),
    ("reviewer_workload", _("Reviewers"), "reviews.manage_assignments"),
    ("assessment_list", _("Annual assessments"), "evaluations.act_as_national"),
    ("city_list", _("Cities"), "cities.list_cities"),
    ("audit_log", _("Audit log"), "cities.view_audit_log"),
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        for name, label, perm in NAV:
            if perm is None or user.has_perm(perm):
                url = reverse(name)
                active = request.path == url if name == "home" else request.path.startswith(url)
                items.append({"url": url, "label": label, "active": active})
        if user.roles & ADMIN_SITE_ROLES:
            items.append({"url": reverse("admin:index"), "label": _("Administration"), "active": False})
    unread = unread_count(user) if user is not None and user.is_authenticated else 0
    return {"SITE_TITLE": settings.SITE_TITLE, "nav_items": items, "unread_notifications": unread}
