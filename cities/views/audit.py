"""The global audit log, for the audit administrator only: search it, and export what the search found."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cities import audit_export, selectors
from cities.filters import AuditFilter
from ipcity.downloads import attachment
from ipcity.pagination import paginate


def _filtered(request) -> AuditFilter:
    if not request.user.has_perm("cities.view_audit_log"):
        raise PermissionDenied
    return AuditFilter(request.GET or None, queryset=selectors.audit_entries_visible_to(request.user))


def _render(request, audit_filter: AuditFilter, *, status: int = 200):
    page, querystring = paginate(request, audit_filter.qs, per_page=50)
    return render(request, "cities/auditentry_list.html", {"filter": audit_filter, "page": page,
                                                            "querystring": querystring}, status=status)


@login_required
def audit_log(request):
    return _render(request, _filtered(request))


@login_required
@require_GET
def audit_log_export(request, fmt: str):
    """The entries the page's filter finds, in id order, as CSV or xlsx (``cities.audit_export``). Written to a
    temporary file first: its hashes go into the ``audit.export`` entry before the file is sent."""
    audit_filter = _filtered(request)
    if fmt not in audit_export.WRITERS:
        raise Http404
    if audit_filter.is_bound and not audit_filter.is_valid():
        messages.error(request, _("Nothing was exported: correct the filter first."))
        return _render(request, audit_filter, status=400)
    filters = {name: str(value) for name, value in audit_filter.form.cleaned_data.items()
               if value not in (None, "")} if audit_filter.is_bound else {}
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name, ascii_name = f"审计日志-{stamp}.{fmt}", f"audit-log-{stamp}.{fmt}"
    out = tempfile.TemporaryFile(prefix="ipcity-audit-export-")  # gone from the disk once sent and closed
    try:
        audit_export.export_audit_log(audit_filter.qs, fmt=fmt, filters=filters, filename=name, out=out,
                                      by=request.user)
    except ValidationError as exc:
        out.close()
        for message in exc.messages:
            messages.error(request, message)
        return _render(request, audit_filter, status=400)
    except BaseException:
        out.close()
        raise
    response = attachment(FileResponse(out, content_type=audit_export.CONTENT_TYPES[fmt]), name=name,
                          ascii_name=ascii_name)
    response["Cache-Control"] = "private, no-store"
    return response
