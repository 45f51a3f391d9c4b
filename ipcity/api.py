"""What every endpoint of /api/v1/ shares: the error shape, pagination, ordering and the schema.

One error shape for every refusal: ``{"code": ..., "message": ..., "fields": {...}}``, the message in
the active language (Chinese by default). Services raise Django's ``ValidationError`` and
``PermissionDenied`` exactly as for the pages; this module turns them into that shape, so a view never
translates errors itself and the API cannot drift from the pages.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = "non_field_errors"


class RuleViolation(exceptions.APIException):
    """A service refused the request (a rule of the program, a guard of the workflow)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "refused"
    default_detail = gettext_lazy("The request was refused.")


def _messages(value) -> list[str]:
    if isinstance(value, dict):
        return [message for item in value.values() for message in _messages(item)]
    if isinstance(value, (list, tuple)):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def _fields(detail) -> dict[str, list[str]]:
    """Field errors as ``{"field": ["message", ...]}``; nested serializers give dotted names."""
    fields: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list) and value and all(isinstance(item, (dict, list)) for item in value):
            for index, item in enumerate(value):
                walk(f"{prefix}.{index}", item)
        else:
            fields.setdefault(prefix or NON_FIELD, []).extend(_messages(value))

    walk("", detail)
    return fields


def _from_django(exc: DjangoValidationError) -> exceptions.APIException:
    if hasattr(exc, "error_dict"):
        error = exceptions.ValidationError({(key if key != "__all__" else NON_FIELD): [str(m) for m in errors]
                                            for key, errors in exc.message_dict.items()})
        error.refused = True
        return error
    error = RuleViolation("；".join(str(message) for message in exc.messages))
    status_code = getattr(exc, "api_status", None)
    if status_code:
        error.status_code = status_code
    code = getattr(exc, "api_code", None)
    if code:
        error.detail.code = code
    return error


def exception_handler(exc, context):
    """DRF's handler, with services' Django exceptions understood and every body in one shape."""
    if isinstance(exc, DjangoValidationError):
        exc = _from_django(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) if exc.args and str(exc) else None)
    elif isinstance(exc, Http404):
        # One message for "does not exist" and "not yours to see": scope hides existence.
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(detail)
        general = fields.pop(NON_FIELD, [])
        if getattr(exc, "refused", False) and not fields:
            code = "refused"
        else:
            code = "invalid"
        message = "；".join(general) if general else _("The data sent is not valid: see the messages by field.")
        body = {"code": code, "message": message, "fields": fields}
    else:
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"code": code, "message": str(detail if not isinstance(detail, (dict, list)) else
                                            "；".join(_messages(detail))), "fields": {}}
    response.data = body
    return response


# The databases' integer range: a larger number in a filter can match nothing, and must not reach the
# database (SQLite raises OverflowError, PostgreSQL aborts the transaction).
INTEGER_RANGE = 2**63 - 1


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, refusing numbers no database integer can hold (400 in the one shape)."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        too_large = {name: [_("The number is out of range.")] for name, value in filterset.form.cleaned_data.items()
                     if isinstance(value, (int, Decimal)) and not isinstance(value, bool)
                     and (not Decimal(value).is_finite() or abs(value) > INTEGER_RANGE)}
        if too_large:
            raise exceptions.ValidationError(too_large)
        return filterset.qs


class Pagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 200); the page size of the pages by default."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        self.page_size = settings.IPCITY["PAGE_SIZE"]
        return super().get_page_size(request)

    def get_paginated_response(self, data):
        return Response({"count": self.page.paginator.count, "next": self.get_next_link(),
                         "previous": self.get_previous_link(), "results": data})


class AnonThrottle(AnonRateThrottle):
    """Requests without credentials, per address: ``API_THROTTLE_ANON`` (read when asked, so it can change)."""

    def get_rate(self):
        return settings.API_THROTTLE_ANON


class UserThrottle(UserRateThrottle):
    """Requests of a signed-in account (token or session), per account: ``API_THROTTLE_USER``."""

    def get_rate(self):
        return settings.API_THROTTLE_USER


def validated(serializer_class, request, **context) -> dict:
    """The validated body of ``request`` for ``serializer_class`` (a 400 in the one error shape otherwise)."""
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@csrf_exempt
def not_found(request, *args, **kwargs):
    """A JSON 404 for a path under /api/v1/ that no endpoint serves (whatever the method)."""
    return JsonResponse({"code": "not_found", "message": str(exceptions.NotFound.default_detail), "fields": {}},
                        status=404, json_dumps_params={"ensure_ascii": False})


@lru_cache(maxsize=1)
def _redoc_bundle() -> bytes:
    """drf-spectacular-sidecar's Redoc bundle, its one outside request (the "API docs by Redocly" logo from
    cdn.redoc.ly) pointed at a local image: the intranet has no internet, and nothing leaves the app."""
    path = finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")
    logo = staticfiles_storage.url("ipcity/redoc-logo.svg")
    return Path(path).read_bytes().replace(b"https://cdn.redoc.ly/redoc/logo-mini.svg", logo.encode())


def redoc_script(request):
    response = HttpResponse(_redoc_bundle(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
