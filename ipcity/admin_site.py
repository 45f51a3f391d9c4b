"""The Django admin, opened to roles instead of the ``is_staff`` flag."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.utils.translation import gettext_lazy as _

from cities.enums import Role

ADMIN_SITE_ROLES = frozenset(
    {Role.NATIONAL_ADMIN, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
)


class IpcityAdminSite(admin.AdminSite):
    site_header = _("ipcity administration")
    site_title = _("ipcity administration")
    index_title = _("Data administration")

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_authenticated and (user.roles & ADMIN_SITE_ROLES or user.is_superuser))


class AdminConfig(DjangoAdminConfig):
    default_site = "ipcity.admin_site.IpcityAdminSite"
