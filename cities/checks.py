"""System checks (``manage.py check``, run too by ``migrate`` and ``runserver`` as they start)."""

from __future__ import annotations

from django.conf import settings
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


@checks.register(checks.Tags.security, deploy=True)
def two_factor_is_enforced(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """National administrators and the 三员 must sign in with a second factor in production (等保 2.0)."""
    if settings.DEBUG or settings.TWO_FACTOR_ENFORCED:
        return []
    return [checks.Warning(
        "TWO_FACTOR_ENFORCED is off: national administrators and the 三员 can sign in without a second factor.",
        hint="Unset TWO_FACTOR_ENFORCED or set it to true.", id="cities.W010")]
