"""Middleware every app relies on."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from ipcity.audit_context import audit_request_context


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
