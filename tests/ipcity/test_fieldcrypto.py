"""Personal data stored SM4-encrypted (密评): the column holds ciphertext, tampering and wrong keys are errors, the
key rotates, lists mask the values."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

import cities.migrations
from cities.models import AuditEntry, User
from cities.services import update_user
from ipcity import sm4
from ipcity.fieldcrypto import field_encryption_key_is_set, mask_email, mask_phone
from tests.factories import UserFactory

TEST_KEY = "00112233445566778899aabbccddeeff"  # ipcity/settings_test.py
NEW_KEY = "ffeeddccbbaa99887766554433221100"
OTHER_KEY = "0123456789abcdef0123456789abcdef"


def raw(user: User) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, phone FROM cities_user WHERE id = %s", [user.pk])
        return cursor.fetchone()


def write_raw(user: User, **values: str) -> None:
    with connection.cursor() as cursor:
        for column, value in values.items():
            cursor.execute(f"UPDATE cities_user SET {column} = %s WHERE id = %s", [value, user.pk])


@pytest.fixture
def person(db):
    return UserFactory(username="zhang", email="zhang.san@example.cn", phone="13812345678")


def test_values_round_trip(person):
    assert User.objects.values_list("email", "phone").get(pk=person.pk) == ("zhang.san@example.cn", "13812345678")


def test_column_holds_sm4_ciphertext_under_the_current_key(person):
    email, phone = raw(person)
    current = sm4.key_id(bytes.fromhex(TEST_KEY))
    assert (email[:16], phone[:16]) == (f"sm4gcm:{current}:", f"sm4gcm:{current}:")
    assert "zhang" not in email and "example" not in email and "5678" not in phone


def test_same_value_encrypts_differently_each_time(person):
    twin = UserFactory(username="li", email="zhang.san@example.cn", phone="13812345678")
    assert raw(person)[0] != raw(twin)[0] and raw(person)[1] != raw(twin)[1]


def test_empty_value_stays_empty(db):
    user = UserFactory(username="nobody")
    assert raw(user) == ("", "")
    assert list(User.objects.filter(email="").values_list("username", flat=True)) == ["nobody"]


def test_tampered_ciphertext_is_an_error_not_garbage(person):
    phone = raw(person)[1]
    write_raw(person, phone=phone[:-3] + ("A" if phone[-3] != "A" else "B") + phone[-2:])
    with pytest.raises(sm4.FieldDecryptionError) as error:
        User.objects.get(pk=person.pk)
    key = sm4.key_id(bytes.fromhex(TEST_KEY))
    assert str(error.value) == (f"cities.User.phone failed its SM4-GCM authentication under key {key}: the stored "
                                "value was changed.")


def test_value_under_an_unknown_key_is_an_error(person, settings):
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY
    with pytest.raises(sm4.FieldDecryptionError) as error:
        User.objects.get(pk=person.pk)
    old, other = sm4.key_id(bytes.fromhex(TEST_KEY)), sm4.key_id(bytes.fromhex(OTHER_KEY))
    assert str(error.value) == (f"cities.User.email was encrypted under key {old}, which is neither "
                                f"FIELD_ENCRYPTION_KEY (key {other}) nor one of FIELD_ENCRYPTION_OLD_KEYS.")


def test_encrypted_fields_refuse_searches_and_comparisons(person):
    with pytest.raises(FieldError):
        list(User.objects.filter(email__icontains="zhang"))
    with pytest.raises(ValueError, match="stored encrypted"):
        list(User.objects.filter(phone="13812345678"))


def test_rotation_reencrypts_rows_of_an_old_key_and_plain_rows(person, settings, capsys):
    legacy = UserFactory(username="legacy")
    write_raw(legacy, email="legacy@example.cn", phone="010-12345678")  # from before the migration
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = NEW_KEY, [TEST_KEY]
    old, new = sm4.key_id(bytes.fromhex(TEST_KEY)), sm4.key_id(bytes.fromhex(NEW_KEY))
    # The old key still decrypts meanwhile; plain values read as they are.
    assert User.objects.get(pk=person.pk).phone == "13812345678"
    assert User.objects.get(pk=legacy.pk).email == "legacy@example.cn"

    with pytest.raises(CommandError) as error:
        call_command("rotate_field_key", "--check")
    assert str(error.value) == "仍有 2 行的数据为明文或使用旧密钥加密，请运行 manage.py rotate_field_key。"
    assert capsys.readouterr().out == f"cities.User（email, phone）：共 2 行，其中 2 行尚未使用密钥 {new} 加密。\n"
    assert raw(person)[0].startswith(f"sm4gcm:{old}:")

    call_command("rotate_field_key", "--batch-size", "1")
    assert capsys.readouterr().out == f"cities.User（email, phone）：共 2 行，已用密钥 {new} 重新加密 2 行。\n"
    assert [value[:16] for value in raw(person) + raw(legacy)] == [f"sm4gcm:{new}:"] * 4
    entry = AuditEntry.objects.get(action="system.rotate_field_key")
    assert (entry.actor, entry.data) == (None, {"key_id": new, "tables": {"cities.User": {"rows": 2,
                                                                                          "reencrypted": 2}}})

    settings.FIELD_ENCRYPTION_OLD_KEYS = []
    call_command("rotate_field_key", "--check")
    assert capsys.readouterr().out == (f"cities.User（email, phone）：共 2 行，其中 0 行尚未使用密钥 {new} 加密。\n"
                                       f"所有加密数据均已使用密钥 {new} 加密，可以删除旧密钥。\n")
    assert User.objects.values_list("email", "phone").get(pk=legacy.pk) == ("legacy@example.cn", "010-12345678")


def test_migration_encrypts_plain_values_and_its_reverse_decrypts_them(db):
    [name] = [m.name for m in pkgutil.iter_modules(cities.migrations.__path__) if m.name.endswith(
        "_encrypt_personal_data")]  # whatever number it gets
    migration = importlib.import_module(f"cities.migrations.{name}")
    user, empty = UserFactory(username="old"), UserFactory(username="empty")
    write_raw(user, email="old@example.cn", phone="13812345678")
    editor = SimpleNamespace(connection=connection)
    migration.encrypt(None, editor)
    current = sm4.key_id(bytes.fromhex(TEST_KEY))
    assert [value[:16] for value in raw(user)] == [f"sm4gcm:{current}:"] * 2
    assert raw(empty) == ("", "")
    migration.decrypt(None, editor)
    assert (raw(user), raw(empty)) == (("old@example.cn", "13812345678"), ("", ""))


def test_rotation_leaves_rows_under_the_current_key_alone(person, capsys):
    before = raw(person)
    call_command("rotate_field_key")
    assert raw(person) == before
    assert capsys.readouterr().out == (f"cities.User（email, phone）：共 1 行，已用密钥 "
                                       f"{sm4.key_id(bytes.fromhex(TEST_KEY))} 重新加密 0 行。\n")


def test_audit_log_keeps_changed_contact_data_masked(person, sysadmin):
    update_user(person, changes={"phone": "13900001111", "email": "wang@example.cn"}, by=sysadmin)
    entry = AuditEntry.objects.get(action="user.update")
    assert entry.data == {"before": {"phone": "138****5678", "email": "z***@example.cn"},
                          "after": {"phone": "139****1111", "email": "w***@example.cn"}}


@pytest.mark.parametrize(("value", "masked"), [
    ("13812345678", "138****5678"), ("010-12345678", "010****5678"), ("12345", "***45"), ("", "")])
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("zhang.san@example.cn", "z***@example.cn"), ("a@b.cn", "a***@b.cn"), ("", "")])
def test_mask_email(value, masked):
    assert mask_email(value) == masked


def test_stored_length_fits_the_longest_value():
    keyring = sm4.Keyring.from_hex(TEST_KEY)
    assert len(keyring.encrypt("龘" * 40)) <= sm4.stored_length(40) == 268


# --- Keys from the settings -----------------------------------------------------------------------------------------


def test_debug_off_without_a_key_stops_start_up():
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY .or FIELD_ENCRYPTION_KEY_FILE. must be set"):
        sm4.configure(key=None, old_keys=[], debug=False, secret_key="s")


def test_debug_on_without_a_key_derives_one_from_the_secret_key():
    first, derived = sm4.configure(key=None, old_keys=[], debug=True, secret_key="one")
    assert (len(first), derived) == (32, True)
    assert first != sm4.configure(key=None, old_keys=[], debug=True, secret_key="two")[0]


@pytest.mark.parametrize("key", ["abc", "g" * 32, "00112233445566778899aabbccddeeff00"])
def test_malformed_key_is_refused(key):
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY must be 32 hexadecimal digits"):
        sm4.configure(key=key, old_keys=[], debug=True, secret_key="s")


def test_check_warns_about_a_development_key(settings):
    settings.FIELD_ENCRYPTION_KEY_DERIVED = True
    assert [(m.id, m.msg) for m in field_encryption_key_is_set(None)] == [("ipcity.W001", (
        "FIELD_ENCRYPTION_KEY is not set: personal data is encrypted under a development key derived from "
        "SECRET_KEY. Set FIELD_ENCRYPTION_KEY before storing real data."))]
    settings.FIELD_ENCRYPTION_KEY_DERIVED = False
    assert field_encryption_key_is_set(None) == []


def test_settings_refuse_to_load_without_a_key_when_debug_is_off(tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith("FIELD_ENCRYPTION")}
    env.update(DEBUG="false", SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="ipcity.settings")
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert ("django.core.exceptions.ImproperlyConfigured: FIELD_ENCRYPTION_KEY (or FIELD_ENCRYPTION_KEY_FILE) must "
            "be set when DEBUG is off") in done.stderr


def test_key_can_come_from_a_file(tmp_path):
    path = tmp_path / "key"
    path.write_text(NEW_KEY + "\n")
    env = {name: value for name, value in os.environ.items() if not name.startswith("FIELD_ENCRYPTION")}
    env.update(DEBUG="false", SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="ipcity.settings",
               FIELD_ENCRYPTION_KEY_FILE=str(path))
    done = subprocess.run([sys.executable, "-c", "from django.conf import settings; print(settings."
                           "FIELD_ENCRYPTION_KEY)"], env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, NEW_KEY + "\n"), done.stderr
