"""Sign-in protection: the lockout of an account (django-axes) and the throttle of an address (django-ratelimit).

Axes counts failed sign-ins per username in its database table (shared by every web process) and refuses
an account after ``LOGIN_FAILURE_LIMIT`` failures within ``LOGIN_LOCKOUT_MINUTES``. This module reads those
rows for the security administrator, audits each lockout, and unlocks through a service.

The lockout is per account, so one address trying one password against many accounts (password spraying) locks
none of them: ``LOGIN_THROTTLE`` limits the sign-in attempts of one address (counted in the shared Redis cache),
high enough that a bureau behind one NAT address never meets it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from axes.utils import reset
from django_ratelimit.core import get_usage
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities import audit
from cities.models import User
from cities.services import require
from ipcity.middleware import client_ip


@dataclass(frozen=True)
class LockedAccount:
    username: str
    failures: int
    until: dt.datetime


def _cool_off() -> dt.timedelta:
    return settings.AXES_COOLOFF_TIME


def locked_accounts() -> list[LockedAccount]:
    """Every username locked now, the lock ending soonest first.

    Axes adds up the failures of a username's rows (one per address and browser) newer than the cool-off; a
    lock lasts until too few of them remain: the cool-off after the newest rows that alone reach the limit.
    """
    rows = (AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - _cool_off())
            .order_by("username", "-attempt_time").values_list("username", "failures_since_start", "attempt_time"))
    counted: dict[str, int] = {}
    accounts = {}
    for username, failures, attempt_time in rows:
        counted[username] = counted.get(username, 0) + failures
        if username not in accounts and counted[username] >= settings.AXES_FAILURE_LIMIT:
            accounts[username] = attempt_time + _cool_off()
    return sorted((LockedAccount(username=username, failures=counted[username], until=until)
                   for username, until in accounts.items()), key=lambda account: (account.until, account.username))


def locked_until(username: str) -> dt.datetime | None:
    """When the lock on ``username`` ends, or ``None`` if it is not locked."""
    return next((account.until for account in locked_accounts() if account.username == username), None)


@transaction.atomic
def unlock_account(username: str, *, by: User | None) -> int:
    """Lift the lock on ``username`` (its failure count starts again at zero); the security administrator may."""
    require(by, "cities.unlock_accounts")
    until = locked_until(username)
    removed = reset(username=username)
    audit.record(actor=by, action="auth.unlock", obj=User.objects.filter(username=username).first(),
                 data={"username": username, "until": until.isoformat() if until else None})
    return removed


@receiver(user_locked_out)
def _locked_out(sender, request, username, **kwargs) -> None:
    # Axes signals again for every attempt refused during the lock; only the failure that locked the
    # account was counted (``axes_failures_since_start`` is set then, and only then).
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    until = timezone.now() + _cool_off()
    audit.record(actor=None, action="auth.lockout", obj=User.objects.filter(username=username).first(),
                 data={"username": str(username or "")[:150], "until": until.isoformat(),
                       "failures": request.axes_failures_since_start})


def _address(group, request) -> str:
    return client_ip(request) or "unknown"


def login_throttle_wait(request) -> int | None:
    """Counts this sign-in attempt against its address; the seconds to wait when the address is over
    ``LOGIN_THROTTLE``, else ``None``. The first refusal of each window is an audit entry (``auth.throttled``), the
    rest are not: a flood of refusals must not flood the log."""
    usage = get_usage(request, group="ipcity.login", key=_address, rate=settings.LOGIN_THROTTLE, method="POST",
                      increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    address = _address(None, request)
    if cache.add(f"ipcity:login-throttled:{address}", 1, timeout=usage["time_left"] or 1):
        audit.record(actor=None, action="auth.throttled", obj=None,
                     data={"address": address, "limit": settings.LOGIN_THROTTLE,
                           "username": str(request.POST.get("username", ""))[:150]})
    return max(usage["time_left"], 1)


def throttle_message(seconds: int) -> str:
    return _("Too many sign-in attempts from this network address. Try again in %(seconds)d seconds.") % {
        "seconds": seconds}


def lockout_message(username: str) -> str:
    until = locked_until(username) or timezone.now() + _cool_off()
    return _("This account is locked after %(n)d failed sign-ins, until %(until)s. Sign in again then, or ask "
             "the security administrator to unlock it.") % {
        "n": settings.AXES_FAILURE_LIMIT, "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")}


audit.register_actions({
    "auth.lockout": gettext_lazy("Account locked after failed sign-ins"),
    "auth.unlock": gettext_lazy("Unlocked account"),
    "auth.throttled": gettext_lazy("Sign-ins from one address throttled"),
})
