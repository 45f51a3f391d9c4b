"""The Django admin for every model of the foundation.

Writes go through the services (permission check + audit entry); designations and
the audit log are read-only here because their changes are workflow steps.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import AdminUserCreationForm, SetPasswordMixin
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import PeriodicTask

from cities import services, tokens
from cities.models import ApiToken, AuditEntry, City, Designation, Membership, Province, User
from cities.passwords import administrator_password_validators, validate_password_by_administrator
from ipcity.beat import SCHEDULABLE_TASKS
from ipcity.fieldcrypto import mask_email, mask_phone


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NoDeleteAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


def name_and_code(obj, code: str | None = None) -> str:
    """How a searched place or account shows in an autocomplete box: 天津市西青区（120111）, 张伟（zhangwei1）."""
    return _("%(name)s (%(code)s)") % {"name": obj, "code": code or obj.code}


@admin.register(Province)
class ProvinceAdmin(NoDeleteAdmin):
    list_display = ("code", "name", "short_name", "kind")
    search_fields = ("code", "name", "short_name")
    list_filter = ("kind",)
    autocomplete_label = staticmethod(name_and_code)

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        services.update_place(obj, changes={f: form.cleaned_data[f] for f in form.changed_data}, by=request.user)


@admin.register(City)
class CityAdmin(NoDeleteAdmin):
    list_display = ("code", "full_name", "province", "level", "name_as_designated")
    list_filter = ("level", "province")
    search_fields = ("code", "name", "full_name", "name_as_designated")
    list_select_related = ("province",)
    raw_id_fields = ("parent",)
    readonly_fields = ("code", "province")
    autocomplete_label = staticmethod(name_and_code)

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        services.update_place(obj, changes={f: form.cleaned_data[f] for f in form.changed_data}, by=request.user)


@admin.register(Designation)
class DesignationAdmin(ReadOnlyAdmin):
    list_display = ("city", "tier", "term_start", "term_end", "status", "document_number", "ban_until")
    list_filter = ("tier", "status")
    search_fields = ("city__full_name", "city__code", "document_number")
    list_select_related = ("city",)
    date_hierarchy = "term_start"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "action", "object_repr", "from_state", "to_state", "ip")
    list_filter = ("action",)
    search_fields = ("actor_name", "object_repr", "reason", "action")
    date_hierarchy = "created_at"
    list_select_related = ("content_type",)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """The security administrator sees every API token (never a key: only its prefix) and revokes them."""

    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("user__username", "name", "prefix")
    list_select_related = ("user",)
    actions = ["revoke"]

    @admin.action(description=gettext_lazy("Revoke the selected tokens"), permissions=["view"])
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                tokens.revoke_api_token(token, by=request.user)
            except ValidationError:
                continue
            revoked += 1
        self.message_user(request, _("%(n)d tokens revoked.") % {"n": revoked})


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "role", "province", "city", "employer", "is_active")
        help_texts = {
            "user": gettext_lazy("Type part of the account's name or user name."),
            "province": gettext_lazy("Provincial bureau staff: the province they work for (type its name or code). "
                                     "Leave it empty for a city bureau officer: it follows from the city."),
            "city": gettext_lazy("City bureau officers: their city. Type part of its name (西青 or 天津市西青区) or "
                                 "its administrative code (120111). Other roles leave it empty; an expert reviewer "
                                 "may name the place of their affiliation."),
        }

    def clean(self):
        """The service's rules, each message next to its field. A field with an error is left out of the model's
        own constraint checks, so the bare "constraint … is violated" never shows beside the service's message."""
        data = super().clean()
        if self.instance.pk is None and data.get("user") and data.get("role"):
            services.check_membership(data["user"], role=data["role"], province=data.get("province"),
                                      city=data.get("city"))
        return data


@admin.register(Membership)
class MembershipAdmin(NoDeleteAdmin):
    form = MembershipForm
    list_display = ("user", "role", "province", "city", "employer", "is_active", "created_at")
    list_filter = ("role", "is_active", "province")
    search_fields = ("user__username", "user__full_name", "city__full_name")
    list_select_related = ("user", "province", "city")
    autocomplete_fields = ("user", "province", "city")

    def get_readonly_fields(self, request, obj=None):
        return ("user", "role", "province", "city", "employer") if obj else ()

    def save_model(self, request, obj, form, change):
        if not change:
            data = form.cleaned_data
            membership = services.grant_membership(data["user"], role=data["role"], province=data["province"],
                                                   city=data["city"], employer=data["employer"], by=request.user)
            obj.pk = membership.pk
        elif "is_active" in form.changed_data and not obj.is_active:
            obj.is_active = True  # the service flips it and audits
            services.revoke_membership(obj, by=request.user)


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "email")


class PasswordResetForm(SetPasswordMixin, forms.Form):
    """The new password an administrator gives an account, typed twice."""

    password1, password2 = SetPasswordMixin.create_password_fields()

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validators_help_text_html(administrator_password_validators())

    def clean(self):
        self.validate_passwords()
        password = self.cleaned_data.get("password2")
        if password:
            try:
                validate_password_by_administrator(password, self.user)
            except ValidationError as error:
                self.add_error("password2", error)
        return super().clean()


ADD_USER_FIELDS = ("username", "full_name", "email", "password1", "password2")


@admin.register(User)
class UserAdmin(NoDeleteAdmin):
    add_form = UserCreationForm
    # E-mail and telephone are stored encrypted: listed masked, shown in full only on the account's own form, and
    # neither searched nor sorted on.
    list_display = ("username", "full_name", "masked_email", "masked_phone", "is_active", "must_change_password",
                    "last_login")
    list_filter = ("is_active", "must_change_password")
    search_fields = ("username", "full_name")
    ordering = ("username",)
    fields = ("username", "full_name", "email", "phone", "is_active", "password_reset", "must_change_password",
              "last_login", "date_joined")
    readonly_fields = ("username", "password_reset", "must_change_password", "last_login", "date_joined")

    def autocomplete_label(self, user: User) -> str:
        """Two colleagues may share a name: the user name tells them apart."""
        return name_and_code(user, user.username) if user.full_name else user.username

    @admin.display(description=gettext_lazy("email address"))
    def masked_email(self, user: User) -> str:
        return mask_email(user.email)

    @admin.display(description=gettext_lazy("telephone"))
    def masked_phone(self, user: User) -> str:
        return mask_phone(user.phone)

    @admin.display(description=gettext_lazy("password"))
    def password_reset(self, user: User) -> str:
        return format_html('<a href="{}" id="password-reset-link">{}</a>',
                           reverse("admin:cities_user_password", args=[user.pk]), _("Reset password"))

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
            kwargs["fields"] = ADD_USER_FIELDS
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ADD_USER_FIELDS, "description": _(
                "Give the new colleague this initial password: at their first sign-in they must choose their own "
                "before they can do anything else. The security administrator then grants their role.")})]
        return super().get_fieldsets(request, obj)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # The security admin only reads: no reset link, and the personal data masked as in the list.
            shown = {"email": "masked_email", "phone": "masked_phone"}
            fields = [shown.get(name, name) for name in fields if name != "password_reset"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else ()

    def save_model(self, request, obj, form, change):
        if not change:
            data = form.cleaned_data
            created = services.create_user(username=data["username"], password=data.get("password1"),
                                           full_name=data.get("full_name", ""), email=data.get("email", ""),
                                           must_change_password=True, by=request.user)
            obj.pk = created.pk
        else:
            services.update_user(obj, changes={f: form.cleaned_data[f] for f in form.changed_data}, by=request.user)

    def get_urls(self):
        reset = path("<path:object_id>/password/", self.admin_site.admin_view(self.password_reset_view),
                     name="cities_user_password")
        return [reset, *super().get_urls()]

    def password_reset_view(self, request, object_id):
        """The system administrator gives an account a new password; its owner must replace it at the next
        sign-in."""
        user = self.get_object(request, unquote(object_id))
        if user is None:
            raise Http404
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        form = PasswordResetForm(user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            services.reset_password(user, password=form.cleaned_data["password1"], by=request.user)
            if user.pk == request.user.pk:
                update_session_auth_hash(request, user)  # stays signed in, to choose their own at once
            self.message_user(request, _("The password of %(user)s was reset: they must choose a new one at their "
                                         "next sign-in.") % {"user": user}, messages.SUCCESS)
            return redirect("admin:cities_user_change", user.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reset the password of %(user)s") % {"user": user},
            "form": form,
            "opts": self.opts,
            "original": user,
        }
        return TemplateResponse(request, "admin/cities/user/password_reset.html", context)


# --- Periodic tasks: the system administrator schedules maintenance tasks only (ipcity.beat.SCHEDULABLE_TASKS) ---

class MaintenanceTaskSelect(beat_admin.TaskSelectWidget):
    def tasks_as_choices(self):
        return (("", ""), *((name, name) for name in sorted(SCHEDULABLE_TASKS)))


class MaintenanceTaskForm(beat_admin.PeriodicTaskForm):
    regtask = beat_admin.TaskChoiceField(label=gettext_lazy("Task"), required=False, widget=MaintenanceTaskSelect)

    def clean(self):
        data = super().clean()
        task = data.get("task")
        if task and task not in SCHEDULABLE_TASKS:
            raise ValidationError(
                _("“%(task)s” cannot be scheduled: only maintenance tasks may be (%(allowed)s). Business tasks act "
                  "for a user and are started from their pages.")
                % {"task": task, "allowed": "、".join(sorted(SCHEDULABLE_TASKS))})
        return data


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class MaintenanceTaskAdmin(beat_admin.PeriodicTaskAdmin):
    form = MaintenanceTaskForm

    @admin.action(description=gettext_lazy("Run selected tasks"))
    def run_tasks(self, request, queryset):
        """Only maintenance tasks run from here, whatever a row says (a row written past the form)."""
        refused = sorted({task.task for task in queryset if task.task not in SCHEDULABLE_TASKS})
        if refused:
            self.message_user(request, _("Not run: %(tasks)s are not maintenance tasks.")
                              % {"tasks": "、".join(refused)}, level=messages.ERROR)
            return
        return super().run_tasks(request, queryset)
