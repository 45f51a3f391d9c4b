"""The permission every endpoint of /api/v1/ starts from (``REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]``).

A module of its own: DRF imports it while it loads its views, and ``ipcity.api`` imports those views.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import permissions

from cities.enums import PasswordChangeReason
from cities.passwords import password_change_reason


class IsAuthenticated(permissions.IsAuthenticated):
    """Signed in (session or token), and not waiting to set a new password: an account whose password an
    administrator set, or whose password expired, must first choose one in the pages
    (``cities.passwords.password_change_reason``; the pages redirect it there)."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            # DRF counts requests only after the permissions pass: an anonymous request, refused here, is
            # counted now so that API_THROTTLE_ANON applies to it (429 instead of 401 beyond the rate).
            view.check_throttles(request)
            return False
        reason = password_change_reason(request.user)
        if reason == PasswordChangeReason.SET_BY_ADMINISTRATOR:
            self.message = _("Set a new password first: sign in to the web pages and change the password an "
                             "administrator gave you. The API refuses every request until then.")
            return False
        if reason == PasswordChangeReason.EXPIRED:
            self.message = _("Your password is older than %(days)d days: sign in to the web pages and change it. "
                             "The API refuses every request until then.") % {"days": settings.PASSWORD_MAX_AGE_DAYS}
            return False
        return True
