"""What every applications view shares: scoped lookup and turning refusals into messages."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404

from evaluations.models import Application
from evaluations.selectors import applications_visible_to


def visible_application(request, pk: int) -> Application:
    return get_object_or_404(applications_visible_to(request.user), pk=pk)


def attempt(request, action: Callable[[], object], success: str) -> bool:
    """Run a service call; show its refusal messages (each naming its rule) or ``success``.

    PermissionDenied is not caught: it becomes a 403.
    """
    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    messages.success(request, success)
    return True
