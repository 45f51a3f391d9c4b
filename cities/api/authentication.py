"""Token authentication for the API: ``Authorization: Token <key>`` (or ``Bearer <key>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular import authentication as spectacular_authentication
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from cities import twofactor
from cities.tokens import user_for_key


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as “Authorization: Token <key>”."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The API token is invalid, has expired or has been revoked.")) from None
        found = user_for_key(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("The API token is invalid, has expired or has been revoked."))
        return found

    def authenticate_header(self, request) -> str:
        # A 401 (not 403) tells a client without credentials to authenticate.
        return 'Token realm="ipcity"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, once its second factor is verified where one is needed (cities/twofactor.py).

    A token is a credential of its own and is not asked for a second factor: its holder created it in a
    verified session, and the security administrator can revoke it."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if not user.is_verified() and twofactor.pending_step(user) is not None:
            raise exceptions.PermissionDenied(
                _("Complete two-factor sign-in first: enter the code from your authenticator app in the web pages "
                  "(or set one up there). Until then the API refuses requests made with this session."),
                code="second_factor_required")
        return result


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": str(_("“Token ipc_…”: a personal token created in your account."))}


class SessionScheme(spectacular_authentication.SessionScheme):
    """The schema names our session class as drf-spectacular names DRF's (``cookieAuth``)."""

    target_class = SessionAuthentication
    priority = 0
