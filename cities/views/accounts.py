"""Sign-in pages."""

from __future__ import annotations

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy

from cities import services
from ipcity.forms import StyledFormMixin


class LoginForm(StyledFormMixin, auth_forms.AuthenticationForm):
    pass


class PasswordChangeForm(StyledFormMixin, auth_forms.PasswordChangeForm):
    pass


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        user = self.request.user
        try:
            services.change_own_password(user, password=form.cleaned_data["new_password1"], by=user)
        except ValidationError as exc:
            form.add_error("new_password1", exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        return HttpResponseRedirect(self.get_success_url())

