"""SM4 (GB/T 32907-2016) encryption of single values, for personal data stored at rest (密评).

A value is encrypted with SM4 in GCM mode (authenticated: a changed byte or a wrong key is an error, never
garbage) under a 128-bit key, with a fresh random 96-bit nonce per value, and stored as text that names its
format and key::

    sm4gcm:<key id>:<base64url(nonce ‖ ciphertext ‖ 16-byte tag)>

The key id is the first 8 hex digits of the key's SM3 hash; it is also authenticated (GCM's associated data is
the ``sm4gcm:<key id>:`` prefix). A ``Keyring`` holds the current key, which encrypts, and any old keys, which
still decrypt while ``manage.py rotate_field_key`` re-encrypts the rows.

This module knows no model and reads no setting at import: the model fields (``ipcity.fieldcrypto``), the
settings (key parsing), ``manage.py rotate_field_key`` and the migrations that encrypt existing rows use the same
functions (``recrypt_columns`` works on a table's columns in SQL), so a migration stays valid whatever the fields
become later. SM4 and SM3 come from the ``cryptography`` package's OpenSSL; without
SM4-GCM there every use fails with ``ImproperlyConfigured`` (there is no fallback to another cipher).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

SCHEME = "sm4gcm"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID_CHARS = 8
_KEY_HEX = re.compile(r"^[0-9a-fA-F]{32}$")
_TOKEN = re.compile(rf"^{SCHEME}:([0-9a-f]{{{KEY_ID_CHARS}}}):([A-Za-z0-9_-]+={{0,2}})$")


class FieldDecryptionError(ValueError):
    """A stored value that cannot be decrypted: changed, cut short, or written under a key that is not configured."""


def _sm3(data: bytes) -> bytes:
    try:
        digest = hashes.Hash(hashes.SM3())
    except UnsupportedAlgorithm as exc:
        raise ImproperlyConfigured("SM3 is not available in the OpenSSL of the cryptography package.") from exc
    digest.update(data)
    return digest.finalize()


def key_id(key: bytes) -> str:
    """The id stored beside each value: the first 8 hex digits of SM3(key). It does not reveal the key."""
    return _sm3(key).hex()[:KEY_ID_CHARS]


def parse_key(text: str, *, name: str) -> bytes:
    """A key written as 32 hex digits (128 bits); ImproperlyConfigured naming the setting otherwise."""
    text = text.strip()
    if not _KEY_HEX.match(text):
        raise ImproperlyConfigured(
            f"{name} must be 32 hexadecimal digits (a 128-bit SM4 key), e.g. the output of "
            f"`python -c \"import secrets; print(secrets.token_hex(16))\"`; got {len(text)} characters."
        )
    return bytes.fromhex(text)


def development_key(secret_key: str) -> str:
    """The key used when DEBUG is on and none is set: derived from SECRET_KEY (HMAC-SM3), as 32 hex digits."""
    mac = hmac.HMAC(secret_key.encode(), hashes.SM3())
    mac.update(b"ipcity.fieldcrypto.development-key")
    return mac.finalize()[:16].hex()


def stored_length(max_chars: int) -> int:
    """The longest stored text for a value of at most ``max_chars`` characters (4 UTF-8 bytes each at most)."""
    raw = NONCE_BYTES + 4 * max_chars + TAG_BYTES
    return len(SCHEME) + 1 + KEY_ID_CHARS + 1 + 4 * ((raw + 2) // 3)


def is_encrypted(value: str | None) -> bool:
    return bool(value) and value.startswith(SCHEME + ":")


def key_id_of(value: str) -> str | None:
    """The key id of a stored value, or None for a value stored in plain text (from before encryption)."""
    match = _TOKEN.match(value)
    return match.group(1) if match else None


def _cipher(key: bytes, mode) -> Cipher:
    return Cipher(algorithms.SM4(key), mode)


def _require_sm4_gcm() -> None:
    from cryptography.hazmat.backends.openssl import backend

    if not backend.cipher_supported(algorithms.SM4(bytes(16)), modes.GCM(bytes(NONCE_BYTES))):
        raise ImproperlyConfigured(
            "Personal data is encrypted with SM4-GCM, but the OpenSSL of the cryptography package "
            f"({backend.openssl_version_text()}) does not provide it. Install a cryptography build with SM4."
        )


@dataclass(frozen=True)
class Keyring:
    """The current key (encrypts) and the old ones (only decrypt), by key id."""

    current_id: str
    keys: dict[str, bytes]

    @classmethod
    def from_hex(cls, current: str, old: tuple[str, ...] = (), *, name: str = "FIELD_ENCRYPTION_KEY") -> Keyring:
        _require_sm4_gcm()
        key = parse_key(current, name=name)
        keys = {key_id(old_key): old_key for old_key in
                (parse_key(text, name="FIELD_ENCRYPTION_OLD_KEYS") for text in old)}
        keys[key_id(key)] = key
        return cls(current_id=key_id(key), keys=keys)

    def encrypt(self, plain: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        header = f"{SCHEME}:{self.current_id}:"
        encryptor = _cipher(self.keys[self.current_id], modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(header.encode())
        body = encryptor.update(plain.encode()) + encryptor.finalize() + encryptor.tag
        return header + base64.urlsafe_b64encode(nonce + body).decode()

    def decrypt(self, stored: str, *, what: str = "a value") -> str:
        match = _TOKEN.match(stored)
        if match is None:
            raise FieldDecryptionError(f"{what} is not an SM4-GCM value ({SCHEME}:<key id>:<data>).")
        kid = match.group(1)
        key = self.keys.get(kid)
        if key is None:
            raise FieldDecryptionError(
                f"{what} was encrypted under key {kid}, which is neither FIELD_ENCRYPTION_KEY "
                f"(key {self.current_id}) nor one of FIELD_ENCRYPTION_OLD_KEYS.")
        try:
            raw = base64.urlsafe_b64decode(match.group(2))
        except (binascii.Error, ValueError) as exc:
            raise FieldDecryptionError(f"{what} is damaged: its data is not base64.") from exc
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise FieldDecryptionError(f"{what} is damaged: it is too short to hold a nonce and a tag.")
        nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
        decryptor = _cipher(key, modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(f"{SCHEME}:{kid}:".encode())
        try:
            plain = decryptor.update(body) + decryptor.finalize()
        except InvalidTag as exc:
            raise FieldDecryptionError(
                f"{what} failed its SM4-GCM authentication under key {kid}: the stored value was changed.") from exc
        return plain.decode()


@lru_cache(maxsize=8)
def _keyring(current: str, old: tuple[str, ...]) -> Keyring:
    return Keyring.from_hex(current, old)


def configured_keyring() -> Keyring:
    """The keyring of the settings ``FIELD_ENCRYPTION_KEY`` and ``FIELD_ENCRYPTION_OLD_KEYS`` (read each call,
    so a changed setting takes effect; parsed once per distinct value)."""
    from django.conf import settings

    return _keyring(settings.FIELD_ENCRYPTION_KEY, tuple(settings.FIELD_ENCRYPTION_OLD_KEYS))


def configure(*, key: str | None, old_keys: list[str], debug: bool, secret_key: str) -> tuple[str, bool]:
    """The settings' current key as 32 hex digits, and whether it was derived from SECRET_KEY (development only).

    Checks every key's format at start-up, so a typo stops the process instead of the first save."""
    derived = not key
    if derived:
        if not debug:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEY (or FIELD_ENCRYPTION_KEY_FILE) must be set when DEBUG is off: it is the SM4 "
                "key of the personal data stored encrypted (telephone numbers, e-mail addresses). Generate one with "
                "`python -c \"import secrets; print(secrets.token_hex(16))\"` and back it up apart from the "
                "database backups.")
        key = development_key(secret_key)
    parse_key(key, name="FIELD_ENCRYPTION_KEY")
    for old in old_keys:
        parse_key(old, name="FIELD_ENCRYPTION_OLD_KEYS")
    return key.strip().lower(), derived


# --- Whole columns: the migrations and the key rotation ------------------------------------------------------------


@dataclass
class ColumnsResult:
    rows: int = 0  # rows read
    stale: int = 0  # rows with a value in plain text or under an old key (before; rewritten unless checking)


def recrypt_columns(connection, *, table: str, pk: str, columns: list[str], keyring: Keyring,
                    decrypt: bool = False, check: bool = False, batch_size: int = 500) -> ColumnsResult:
    """Bring every non-empty value of ``table.columns`` under the keyring's current key: plain values are
    encrypted, values under an old key re-encrypted, values under the current key left alone (``decrypt``: every
    value written back in plain text, for reversing a migration). Batches of ``batch_size`` rows in id order, each
    in its own transaction with its rows locked (``SELECT … FOR UPDATE`` where the database has it; SQLite locks
    the whole database for a writing transaction). ``check``: only count, write nothing."""
    qn = connection.ops.quote_name
    lock = " FOR UPDATE" if connection.features.has_select_for_update and not check else ""
    select = f"SELECT {qn(pk)}, {', '.join(qn(c) for c in columns)} FROM {qn(table)}"
    order = f" ORDER BY {qn(pk)} LIMIT %s{lock}"
    update = f"UPDATE {qn(table)} SET {', '.join(f'{qn(c)} = %s' for c in columns)} WHERE {qn(pk)} = %s"
    convert: Callable[[str], str | None] = _to_plain(keyring) if decrypt else _to_current(keyring)
    result, last = ColumnsResult(), None
    while True:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            if last is None:
                cursor.execute(select + order, [batch_size])
            else:
                cursor.execute(f"{select} WHERE {qn(pk)} > %s{order}", [last, batch_size])
            rows = cursor.fetchall()
            for row_pk, *values in rows:
                new = [convert(value) if value else None for value in values]
                if any(n is not None for n in new):
                    result.stale += 1
                    if not check:
                        cursor.execute(update, [n if n is not None else v for n, v in zip(new, values)] + [row_pk])
        if not rows:
            return result
        result.rows += len(rows)
        last = rows[-1][0]


def _to_current(keyring: Keyring) -> Callable[[str], str | None]:
    """The value under the current key, or None when it already is."""
    def convert(value: str) -> str | None:
        kid = key_id_of(value)
        if kid == keyring.current_id:
            return None
        return keyring.encrypt(value if not is_encrypted(value) else keyring.decrypt(value))
    return convert


def _to_plain(keyring: Keyring) -> Callable[[str], str | None]:
    return lambda value: keyring.decrypt(value) if is_encrypted(value) else None
