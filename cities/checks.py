"""System checks (``manage.py check``, run too by ``migrate`` and ``runserver`` as they start)."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from cities.audit_chain import sm3


@checks.register()
def sm3_is_available(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The audit log cannot be written without SM3: say so at start-up, not at the first login."""
    try:
        sm3()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="cities.E001")]
    return []
