"""Re-encrypting the personal data stored SM4-encrypted (ipcity/fieldcrypto.py) under the current key.

After ``FIELD_ENCRYPTION_KEY`` changes (the old key moved to ``FIELD_ENCRYPTION_OLD_KEYS``), ``rotate_field_key``
rewrites every value of every encrypted field that is under an old key, or still in plain text from before the
column was encrypted; once ``check_field_key`` counts no stale row, the old key can be removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from cities import audit
from ipcity import sm4
from ipcity.fieldcrypto import encrypted_fields

audit.register_actions({"system.rotate_field_key": _("Re-encrypted personal data under the current key")})


@dataclass(frozen=True)
class TableCount:
    model: str  # app_label.ModelName
    fields: tuple[str, ...]
    rows: int
    stale: int  # rows with a value in plain text or under an old key (before the rotation)


def _walk(*, check: bool, batch_size: int) -> list[TableCount]:
    keyring = sm4.configured_keyring()
    counts = []
    for model, fields in encrypted_fields():
        result = sm4.recrypt_columns(connection, table=model._meta.db_table, pk=model._meta.pk.column,
                                     columns=[f.column for f in fields], keyring=keyring, check=check,
                                     batch_size=batch_size)
        counts.append(TableCount(model._meta.label, tuple(f.name for f in fields), result.rows, result.stale))
    return counts


def check_field_key(*, batch_size: int = 500) -> list[TableCount]:
    """How many rows of each model still hold a value in plain text or under an old key (writes nothing)."""
    return _walk(check=True, batch_size=batch_size)


def rotate_field_key(*, by=None, batch_size: int = 500) -> list[TableCount]:
    """Re-encrypt every stale value under the current key, in batches of ``batch_size`` rows (a transaction
    each, so a stopped run keeps what it did and a second run finishes it), and record one audit entry.
    ``by``: None for the system (the management command, the only caller)."""
    counts = _walk(check=False, batch_size=batch_size)
    with transaction.atomic():
        audit.record(actor=by, action="system.rotate_field_key", data={
            "key_id": sm4.configured_keyring().current_id,
            "tables": {c.model: {"rows": c.rows, "reencrypted": c.stale} for c in counts},
        })
    return counts
