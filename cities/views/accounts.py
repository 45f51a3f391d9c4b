"""Sign-in pages and the health check."""

from __future__ import annotations

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.urls import reverse_lazy

from cities import audit
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
        response = super().form_valid(form)
        audit.record(actor=self.request.user, action="auth.password_change", obj=self.request.user)
        return response


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
