"""Model fields whose values are stored SM4-encrypted (ipcity/sm4.py), and the masks lists show them with.

``EncryptedCharField`` and ``EncryptedEmailField`` behave as ``CharField`` and ``EmailField`` everywhere above
the database: the same form field, validators and ``max_length`` (counted on the plain value). Only the column
differs: it holds ``sm4gcm:<key id>:<data>``, wide enough for the longest value (``sm4.stored_length``). An empty
value stays empty, so "not given" needs no key and ``blank=True`` keeps its meaning.

Encrypted columns cannot be searched, filtered or ordered: every value has its own random nonce. Only ``isnull``
and equality with ``""`` (no value) are allowed; any other lookup is a ``FieldError`` rather than a query that
silently matches nothing.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import models
from django.db.models.lookups import Exact

from ipcity import sm4

# --- Masks: the one place that decides how personal data shows in lists ------------------------------------------


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``: the first three and last four digits of a number with at least nine
    characters; a shorter one keeps only its last two."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) >= 9:
        return value[:3] + "****" + value[-4:]
    return "*" * max(len(value) - 2, 2) + value[-2:]


def mask_email(value: str) -> str:
    """``zhang.san@example.cn`` → ``z***@example.cn``: the first character of the local part and the domain."""
    value = (value or "").strip()
    if not value:
        return ""
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return mask_phone(value)
    return f"{local[0]}***@{domain}"


# --- Fields --------------------------------------------------------------------------------------------------------


class EmptyOnlyExact(Exact):
    """``field=""`` (no value) or ``field=None``; comparing with a value cannot work on ciphertext."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise ValueError(f"{self.lhs.output_field.name} is stored encrypted: it can only be compared with \"\".")
        return self.rhs


class EncryptedMixin:
    """Encrypts on the way to the database, decrypts on the way back. Mixed into a CharField subclass."""

    def db_type(self, connection):
        return models.CharField(max_length=sm4.stored_length(self.max_length)).db_type(connection)

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return EmptyOnlyExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None or value == "":
            return value
        return sm4.configured_keyring().encrypt(str(value))

    def from_db_value(self, value, expression, connection):
        if not sm4.is_encrypted(value):
            return value  # empty, or a plain value written before the column was encrypted
        return sm4.configured_keyring().decrypt(value, what=f"{self.model._meta.label}.{self.name}")

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if self.unique or self.db_index:
            errors.append(checks.Error("An encrypted field cannot be unique or indexed: every value has its own "
                                       "random nonce.", obj=self, id="ipcity.E002"))
        return errors


class EncryptedCharField(EncryptedMixin, models.CharField):
    pass


class EncryptedEmailField(EncryptedMixin, models.EmailField):
    pass


def encrypted_fields() -> list[tuple[type[models.Model], list[models.Field]]]:
    """Every concrete model with encrypted fields, and those fields (for the key rotation)."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]
        if fields:
            found.append((model, fields))
    return found


@checks.register(checks.Tags.security)
def field_encryption_key_is_set(app_configs, **kwargs):
    if getattr(settings, "FIELD_ENCRYPTION_KEY_DERIVED", False):
        return [checks.Warning(
            "FIELD_ENCRYPTION_KEY is not set: personal data is encrypted under a development key derived from "
            "SECRET_KEY. Set FIELD_ENCRYPTION_KEY before storing real data.", id="ipcity.W001")]
    return []
