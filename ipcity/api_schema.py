"""The OpenAPI schema of /api/v1/: every operation documents the one error shape (kept apart from
``ipcity.api`` because drf-spectacular imports DRF's generic views, which import our pagination)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=gettext_lazy(
        "Machine-readable reason: invalid, refused, transition_refused, not_authenticated, "
        "authentication_failed, permission_denied, not_found, method_not_allowed, parse_error, "
        "unsupported_media_type, not_acceptable, throttled."))
    message = serializers.CharField(help_text=gettext_lazy("What went wrong, for a person (Chinese by default)."))
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text=gettext_lazy("Messages by field name (empty unless code is invalid)."))


ERROR_RESPONSES = {
    "400": gettext_lazy("Invalid data, or refused by a rule of the program"),
    "401": gettext_lazy("Not signed in, or the token is invalid, expired or revoked"),
    "403": gettext_lazy("Signed in, but not allowed to do this"),
    "404": gettext_lazy("Not found, or outside what you may see"),
    "405": gettext_lazy("Method not allowed"),
    "406": gettext_lazy("Response format not acceptable"),
    "409": gettext_lazy("The workflow does not allow this now"),
    "415": gettext_lazy("Unsupported content type"),
    "429": gettext_lazy("Too many requests: try again after the seconds given in Retry-After"),
}


class AutoSchema(SpectacularAutoSchema):
    """Every operation documents the error shape for each refusal it can give."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_RESPONSES.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=str(description)), code, direction=direction)
        return responses
