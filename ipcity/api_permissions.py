"""The permission every endpoint of /api/v1/ starts from (``REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]``).

A module of its own: DRF imports it while it loads its views, and ``ipcity.api`` imports those views.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import permissions


class IsAuthenticated(permissions.IsAuthenticated):
    """Signed in (session or token), and not waiting to replace a password an administrator set: such an account
    must first choose its own in the pages (``User.must_change_password``; the pages redirect it there)."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            # DRF counts requests only after the permissions pass: an anonymous request, refused here, is
            # counted now so that API_THROTTLE_ANON applies to it (429 instead of 401 beyond the rate).
            view.check_throttles(request)
            return False
        if getattr(request.user, "must_change_password", False):
            self.message = _("Set a new password first: sign in to the web pages and change the password an "
                             "administrator gave you. The API refuses every request until then.")
            return False
        return True
