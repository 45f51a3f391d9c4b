"""The health endpoints, and the system administrator's warning on the home page (probes: ipcity.health).

``/healthz``       public, for load balancers: the process answers and the database is reachable.
``/healthz/full``  every check as JSON, to a request made on this machine (a probe, a container's health
                   check) and to whoever may ``cities.view_health`` (the system administrator); 404 to others.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

from django.http import Http404, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from ipcity import health

# Headers a reverse proxy adds: a proxied request is never "made on this machine", whatever its
# REMOTE_ADDR (a proxy on the same host connects from 127.0.0.1). Their values are never trusted.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@never_cache
def healthz(request):
    ok = health.check_database().ok
    return JsonResponse({"status": "ok" if ok else "error"}, status=200 if ok else 503)


def is_local_request(request) -> bool:
    if any(header in request.META for header in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return address.is_loopback or bool(mapped and mapped.is_loopback)


@never_cache
def healthz_full(request):
    if not (is_local_request(request) or request.user.has_perm("cities.view_health")):
        raise Http404
    report = health.run_checks()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def _beat_warning(check: dict) -> str:
    if check.get("age_seconds") is None:
        return _("The scheduler (beat) has not reported: scheduled jobs (deadline reminders, expiry of titles, "
                 "removal of old generated files) do not run.")
    now = timezone.now()
    return _("The scheduler (beat) last reported %(age)s ago: scheduled jobs (deadline reminders, expiry of "
             "titles, removal of old generated files) do not run.") % {
        "age": timesince(now - timedelta(seconds=check["age_seconds"]), now)}


def _disk_warning(check: dict) -> str:
    return _("Little disk space is left for uploaded files: %(free)s free (%(percent)s%%).") % {
        "free": filesizeformat(check.get("free_bytes") or 0), "percent": check.get("free_percent")}


def _migrations_warning(check: dict) -> str:
    pending = check.get("pending") or 0
    return ngettext("%(count)d database migration is not applied: run “migrate”.",
                    "%(count)d database migrations are not applied: run “migrate”.", pending) % {"count": pending}


WARNINGS = {
    "database": lambda check: _("The database does not answer."),
    "broker": lambda check: _("The task queue (message broker) cannot be reached: generated reports, e-mails and "
                              "reminders cannot be queued."),
    "worker": lambda check: _("No background worker answers: generated reports, e-mails and reminders wait in the "
                              "queue until one runs."),
    "beat": _beat_warning,
    "disk": _disk_warning,
    "migrations": _migrations_warning,
}


def health_panel(request) -> dict | None:
    """Home panel of the system administrator when a check fails (a report of the last few seconds)."""
    if not request.user.has_perm("cities.view_health"):
        return None
    report = health.recent_report()
    failing = [WARNINGS[name](check) for name, check in report["checks"].items() if not check["ok"]]
    if not failing:
        return None
    return {"template": "cities/_health_panel.html", "warnings": failing,
            "checked_at": datetime.fromisoformat(report["checked_at"])}
