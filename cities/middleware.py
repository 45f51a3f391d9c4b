"""An audit entry for every page or endpoint refused to a signed-in user (403 and 404)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from cities import audit

logger = logging.getLogger("ipcity.audit")

DENIED_STATUSES = frozenset({403, 404})
# The query string is kept to this many characters: enough to tell one request from another, never a whole
# pasted document.
QUERY_MAX = 200


class AccessDeniedAuditMiddleware:
    """Records ``access.denied`` (method, path, trimmed query string, status) when a signed-in user is answered
    403 or 404 — an object outside their scope, a page of another role, a CSRF failure, a mistyped address.

    It reads the status of the finished response, so every source of a refusal is covered the same way: the
    view's ``PermissionDenied`` and ``Http404``, DRF's refusals (DRF sets the token's user on the request), a
    URL that resolves to nothing. The view has returned by then, so its own transaction has already committed
    or rolled back: the entry is written in a transaction of its own and survives a view that rolled back.
    Writing it can fail (the database gone): that is logged and the user still gets the response.

    Not recorded: anonymous requests (unauthenticated noise from scanners, and recording them would let anyone
    fill the log and hold its chain lock without an account) and static files. Each refusal is one entry, with
    no suppression of repeats: the entries are attributable to an account, the API is already throttled per
    user, and an auditor looking at an enumeration wants every path that was tried.

    It must come after ``AuditContextMiddleware`` (the entry carries the client IP) and after authentication.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.skipped_prefixes = tuple(prefix for prefix in (settings.STATIC_URL, "/favicon.ico") if prefix)

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in DENIED_STATUSES:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and not request.path.startswith(self.skipped_prefixes):
                self.record(request, user, response.status_code)
        return response

    def record(self, request, user, status: int) -> None:
        query = request.META.get("QUERY_STRING", "")
        shown = f"{request.path}?{query[:QUERY_MAX]}" if query else request.path
        try:
            # A savepoint (or a transaction of its own): a failure here never spoils an enclosing one.
            with transaction.atomic():
                audit.record(actor=user, action="access.denied", reason=f"{status} {request.method} {shown}"[:1200],
                             data={
                                 "method": request.method, "path": request.path[:1000], "query": query[:QUERY_MAX],
                                 "query_trimmed": len(query) > QUERY_MAX, "status": status})
        except Exception:
            logger.exception("could not record the refusal of %s %s to %s", request.method, request.path,
                             user.get_username())

