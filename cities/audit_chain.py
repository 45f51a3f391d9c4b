"""The audit log's hash chain, with SM3 (GB/T 32905-2016), the hash of the Chinese commercial cryptography standards.

Every entry stores ``prev_hash`` (the ``entry_hash`` of the entry before it in id order, or ``GENESIS`` for the
first) and ``entry_hash = SM3(prev_hash || canonical(entry))``, both as 64 hex digits. ``canonical`` is the JSON
of the stored fields: ``ensure_ascii=False``, ``sort_keys=True``, separators ``(",", ":")``, UTF-8; the time in UTC
ISO 8601 with microseconds, the IP address in its canonical text form, and in ``data`` a float with an integral
value written as an integer (PostgreSQL's jsonb gives ``1e+16`` back as ``10000000000000000``).

Changing an entry changes its hash; deleting one breaks the next entry's ``prev_hash``. Deleting the *last*
entries leaves a shorter, valid chain: ``manage.py verify_audit`` prints the last hash so that it can be kept
elsewhere (the operations log, a ticket) and compared later. ``manage.py purge_audit`` removes the *first*
entries (``cities.audit_retention``): the chain then starts from the anchor its ``audit.purge`` entry recorded.

This module is pure (no database): ``cities.audit.record`` writes the chain, ``verify_chain`` reads it, and the
migration that added the chain uses the same functions.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

GENESIS = "0" * 64


def sm3():
    """A new SM3 hash object; ImproperlyConfigured if this Python's OpenSSL has no SM3 (never another hash)."""
    try:
        return hashlib.new("sm3")
    except ValueError as exc:
        raise ImproperlyConfigured(_(
            "The audit log is chained with SM3, but this Python's OpenSSL (%(openssl)s) does not provide it. "
            "Use an OpenSSL build with SM3 (OpenSSL 1.1.1 or newer, not built with no-sm3)."
        ) % {"openssl": ssl.OPENSSL_VERSION}) from exc


def canonical(entry: Any) -> bytes:
    """The canonical serialisation of ``entry``'s stored content (any object with AuditEntry's attributes)."""
    content = {
        "time": entry.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "content_type_id": entry.content_type_id,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "reason": entry.reason,
        "data": _integral_floats_as_ints(entry.data),
        "ip": str(ipaddress.ip_address(entry.ip)) if entry.ip else None,
        "city_id": entry.city_id,
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def chain_hash(prev_hash: str, entry: Any) -> str:
    digest = sm3()
    digest.update(prev_hash.encode("ascii"))
    digest.update(canonical(entry))
    return digest.hexdigest()


def _integral_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_integral_floats_as_ints(item) for item in value]
    return value


@dataclass(frozen=True)
class Break:
    """The first entry at which the chain does not hold, and why."""

    entry: Any
    reason: str  # "content": its hash does not match its content; "link": its prev_hash names no entry before it


@dataclass(frozen=True)
class Verification:
    verified: int  # entries that held, before the break if there is one
    last_hash: str  # the entry_hash of the last entry that held (GENESIS if none)
    broken: Break | None


def verify_chain(entries: Iterable[Any], *, start: str = GENESIS) -> Verification:
    """Walk ``entries`` (in id order) and stop at the first one that does not hold. ``start`` is the hash the first
    entry must name as its predecessor: the genesis, or after a purge the anchor it recorded."""
    expected_prev, verified = start, 0
    for entry in entries:
        if entry.prev_hash != expected_prev:
            return Verification(verified, expected_prev, Break(entry, "link"))
        if chain_hash(entry.prev_hash, entry) != entry.entry_hash:
            return Verification(verified, expected_prev, Break(entry, "content"))
        expected_prev, verified = entry.entry_hash, verified + 1
    return Verification(verified, expected_prev, None)
