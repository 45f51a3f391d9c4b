"""The Django admin, opened to roles instead of the ``is_staff`` flag."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from cities.enums import Role

ADMIN_SITE_ROLES = frozenset(
    {Role.NATIONAL_ADMIN, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
)


class FormFieldAutocompleteView(AutocompleteJsonView):
    """The search behind an ``autocomplete_fields`` box, answered to whoever may fill in the form that shows it.

    Django answers it to whoever may view the searched model in the admin. Here that is the wrong question:
    the security administrator grants a city officer their city without having any business in the cities'
    admin pages, and the national administrator, who has, does not grant roles. So the search answers the
    people who may add or change the form's model (its admin's permissions, hence the rules of ``rules.py``),
    for a field that form offers as an autocomplete, and nobody else (403).
    """

    def has_perm(self, request, obj=None) -> bool:
        field = self.source_field
        try:
            form_admin = self.admin_site.get_model_admin(field.model)
        except NotRegistered:
            return False
        return field.name in form_admin.get_autocomplete_fields(request) and (
            form_admin.has_add_permission(request) or form_admin.has_change_permission(request))

    def serialize_result(self, obj, to_field_name):
        """What the searched model's admin shows of each result (``autocomplete_label``), its name otherwise."""
        label = getattr(self.model_admin, "autocomplete_label", str)
        return {"id": str(getattr(obj, to_field_name)), "text": str(label(obj))}


class IpcityAdminSite(admin.AdminSite):
    site_header = _("ipcity administration")
    site_title = _("ipcity administration")
    index_title = _("Data administration")

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_authenticated and (user.roles & ADMIN_SITE_ROLES or user.is_superuser))

    def autocomplete_view(self, request):
        return FormFieldAutocompleteView.as_view(admin_site=self)(request)

    def password_change(self, request, extra_context=None):
        """One page changes one's own password: the application's, which writes the audit entry and ends an
        administrator-set password's obligation (``User.must_change_password``)."""
        return redirect("password_change")


class AdminConfig(DjangoAdminConfig):
    default_site = "ipcity.admin_site.IpcityAdminSite"
