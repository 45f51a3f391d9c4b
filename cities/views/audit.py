"""The global audit log, for the audit administrator only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from cities import selectors
from cities.filters import AuditFilter
from ipcity.pagination import paginate


@login_required
def audit_log(request):
    if not request.user.has_perm("cities.view_audit_log"):
        raise PermissionDenied
    audit_filter = AuditFilter(request.GET or None, queryset=selectors.audit_entries_visible_to(request.user))
    page, querystring = paginate(request, audit_filter.qs, per_page=50)
    return render(request, "cities/auditentry_list.html", {"filter": audit_filter, "page": page,
                                                            "querystring": querystring})
