"""Middleware every app relies on."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from cities import twofactor
from cities.passwords import password_change_reason
from ipcity.audit_context import audit_request_context

# The session key holding when the session's user signed in (a Unix time).
SIGNED_IN_AT = "ipcity_signed_in_at"


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose another language.

    Django's LocaleMiddleware follows the browser's Accept-Language header; on
    these intranets the interface must be Chinese first, so only an explicit
    choice (the language cookie set by the switcher) changes it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class AuditContextMiddleware:
    """Makes the client IP available to services' audit entries without passing ``request``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_request_context(ip=client_ip(request)):
            return self.get_response(request)


def client_ip(request) -> str | None:
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class UploadRedirectMiddleware:
    """An upload sent in the background (app.js, for its progress bar) cannot see a redirect: the
    browser follows it inside the request. For such a request (header ``X-Upload: progress``) a redirect
    becomes ``204`` with the target in ``X-Location``, and the page navigates there itself, so the next
    page (and its flash message) is shown exactly as after an ordinary submission. A refused upload (the
    form again with its errors, 400) is sent as 200 with ``X-Upload-Status: 400``: the page shows it in
    place, and the browser does not log the refusal as a failed resource."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get("X-Upload") != "progress":
            return response
        if response.status_code in (301, 302, 303, 307, 308):
            location = response["Location"]
            response = HttpResponse(status=204)
            response["X-Location"] = location
        elif response.status_code == 400 and response.get("Content-Type", "").startswith("text/html"):
            response["X-Upload-Status"] = "400"
            response.status_code = 200
        return response


class _SignInStepMiddleware:
    """A step of signing in that a user must finish before any other page: a subclass's ``process_view`` sends
    them to it. Open whatever the step: the pages in ``ALWAYS_OPEN`` (signing out, the language switch, the health
    check) and the API's endpoints but its two HTML pages of documentation, which answer 403 themselves (to a
    session and a token alike). Static files never get here (WhiteNoise answers them first)."""

    ALWAYS_OPEN = frozenset({"logout", "set_language", "healthz"})
    API_PAGES = frozenset({"docs", "redoc"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def always_open(self, match) -> bool:
        return match.url_name in self.ALWAYS_OPEN or ("api" in match.namespaces
                                                      and match.url_name not in self.API_PAGES)


class PasswordChangeRequiredMiddleware(_SignInStepMiddleware):
    """A signed-in user who must set a new password (``cities.passwords.password_change_reason``: an administrator
    set it — a new account, a reset — or it is older than ``PASSWORD_MAX_AGE_DAYS``) is sent to the
    password-change page, which says why (the API answers 403: ``ipcity.api_permissions.IsAuthenticated``)."""

    # The second factor's code comes before the password change (SecondFactorMiddleware).
    STEP_PAGES = frozenset({"password_change", "password_change_done", "two_factor_verify"})

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or password_change_reason(user) is None:
            return None
        match = request.resolver_match
        if match.url_name in self.STEP_PAGES or self.always_open(match):
            return None
        return redirect("password_change")


class SessionLifetimeMiddleware:
    """A signed-in session ends ``SESSION_ABSOLUTE_SECONDS`` (12 h) after its sign-in, however active it has
    been (``SESSION_COOKIE_AGE`` ends idle ones). The sign-in time is stored in the session by the
    ``user_logged_in`` receiver (cities/signals.py); a session without one (older than this rule) counts
    from now."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            signed_in = request.session.get(SIGNED_IN_AT)
            now = time.time()
            if signed_in is None:
                request.session[SIGNED_IN_AT] = now
            elif now - signed_in > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class SecondFactorMiddleware(_SignInStepMiddleware):
    """After the password (and after a required password change, which comes first): a user with a second factor
    who has not entered a code in this session is sent to the verification page, and a user who must have one and
    has none to the enrolment page, from every page but that one, signing out, the language switch and the health
    check (``cities.twofactor.pending_step``). The page asked for is passed on as ``next``. The API's endpoints
    answer 403 themselves to such a session (``cities.api.authentication.SessionAuthentication``); tokens are
    not affected."""

    PASSWORD_URL_NAMES = frozenset({"password_change", "password_change_done"})

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if self.always_open(match):
            return None
        step = twofactor.pending_step(user)
        if step is None:
            return None
        # A password that must be changed is changed before enrolling, but after the code of an existing second
        # factor: the password alone never changes the password of an account that has one.
        if (step is twofactor.Step.ENROL and match.url_name in self.PASSWORD_URL_NAMES
                and password_change_reason(user) is not None):
            return None
        target = "two_factor_verify" if step is twofactor.Step.VERIFY else "two_factor_enrol"
        if match.url_name == target:
            return None
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
