"""The audit log's SM3 hash chain, ``manage.py verify_audit``, and what the database refuses."""

from __future__ import annotations

import hashlib
import importlib
import json
from contextlib import contextmanager
from datetime import UTC
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation

from cities import audit
from cities.audit_chain import GENESIS
from cities.checks import sm3_is_available
from cities.models import AuditEntry

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="SQLite refuses UPDATE only: its test flush deletes rows, and it has no TRUNCATE")
append_only = importlib.import_module("cities.migrations.0002_audit_append_only")


@pytest.fixture
def three_entries(national_admin, fushun_city):
    return [
        audit.record(actor=national_admin, action="place.update", obj=fushun_city, from_state="a", to_state="b",
                     reason="更正名称", data={"name": "抚顺市", "count": 2.0, "list": [1, "二"]}),
        audit.record(actor=None, action="system.backup", data={"archive": "x.zip"}),
        audit.record(actor=national_admin, action="user.update", obj=national_admin),
    ]


def documented_hash(prev_hash: str, entry: AuditEntry) -> str:
    """SM3 over the serialisation README "Audit log integrity" documents, written out here independently."""
    content = {
        "time": entry.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
        "actor_id": entry.actor_id, "actor_name": entry.actor_name, "action": entry.action,
        "content_type_id": entry.content_type_id, "object_id": entry.object_id, "object_repr": entry.object_repr,
        "from_state": entry.from_state, "to_state": entry.to_state, "reason": entry.reason,
        "data": entry.data, "ip": entry.ip, "city_id": entry.city_id,
    }
    if isinstance(content["data"].get("count"), float):
        content["data"] = {**content["data"], "count": int(content["data"]["count"])}
    serialised = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.new("sm3", (prev_hash + serialised).encode()).hexdigest()


@contextmanager
def update_trigger_off():
    """Let this test change audit rows directly, as someone with the database's owner role could."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(append_only.SQLITE_DOWN)
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER TABLE while this test's FK checks wait
            cursor.execute("ALTER TABLE cities_auditentry DISABLE TRIGGER cities_auditentry_no_change")
        yield cursor
        if connection.vendor == "sqlite":
            cursor.execute(append_only.SQLITE_UP)
        else:
            cursor.execute("ALTER TABLE cities_auditentry ENABLE TRIGGER cities_auditentry_no_change")


def openssl_without_sm3(name, *args, _new=hashlib.new, **kwargs):
    """hashlib.new of a Python whose OpenSSL was built without SM3."""
    if name == "sm3":
        raise ValueError("unsupported hash type sm3")
    return _new(name, *args, **kwargs)


def verify_audit() -> str:
    stdout = StringIO()
    with translation.override("zh-hans"):
        call_command("verify_audit", stdout=stdout)
    return stdout.getvalue()


def refusal() -> str:
    with translation.override("zh-hans"), pytest.raises(CommandError) as refused:
        call_command("verify_audit")
    assert refused.value.returncode == 1
    return str(refused.value)


def local(entry: AuditEntry) -> str:
    return timezone.localtime(entry.created_at).isoformat(timespec="seconds")


def test_record_chains_each_entry_to_the_one_before_with_sm3(three_entries):
    stored = list(AuditEntry.objects.order_by("pk"))
    assert [entry.prev_hash for entry in stored] == [GENESIS, stored[0].entry_hash, stored[1].entry_hash]
    assert [entry.entry_hash for entry in stored] == [
        documented_hash(entry.prev_hash, entry) for entry in stored]
    assert [entry.entry_hash for entry in stored] == [entry.entry_hash for entry in three_entries]


def test_verify_audit_counts_the_entries_of_a_clean_log(three_entries):
    assert verify_audit() == f"审计日志完好：已验证 3 条记录。最后一条的哈希值（SM3）：{three_entries[2].entry_hash}\n"


def test_verify_audit_on_an_empty_log_verifies_nothing():
    assert verify_audit() == f"审计日志完好：已验证 0 条记录。最后一条的哈希值（SM3）：{GENESIS}\n"


def test_verify_audit_names_an_entry_changed_in_the_database(three_entries):
    changed = three_entries[1]
    with update_trigger_off() as cursor:
        cursor.execute("UPDATE cities_auditentry SET reason = %s WHERE id = %s", ["篡改", changed.pk])
    assert refusal() == (f"审计日志在 ID 为 {changed.pk} 的记录（{local(changed)}，system.backup）处断裂："
                         "其内容与哈希值不符，说明写入后被改动过。此前的 1 条记录完好。")


def test_verify_audit_names_the_entry_after_a_deleted_one(three_entries):
    with update_trigger_off() as cursor:
        cursor.execute("DELETE FROM cities_auditentry WHERE id = %s", [three_entries[1].pk])
    after = three_entries[2]
    assert refusal() == (f"审计日志在 ID 为 {after.pk} 的记录（{local(after)}，user.update）处断裂："
                         "其前一哈希值与前一条记录不符，说明前一条记录被删除或改动过。此前的 1 条记录完好。")


def test_verify_audit_notices_that_the_first_entry_was_deleted(three_entries):
    with update_trigger_off() as cursor:
        cursor.execute("DELETE FROM cities_auditentry WHERE id = %s", [three_entries[0].pk])
    assert refusal().startswith(f"审计日志在 ID 为 {three_entries[1].pk} 的记录")


# UPDATE is refused on both databases: tests/cities/test_audit.py::test_database_refuses_updates_of_audit_entries.


@postgresql_only
@pytest.mark.parametrize(("statements", "message"), [
    (["UPDATE cities_auditentry SET entry_hash = prev_hash"], "append-only"),
    (["DELETE FROM cities_auditentry"], "append-only"),
    # The test settings allow TRUNCATE for the test runner's flush; this session takes it back, as production has it.
    (["SET CONSTRAINTS ALL IMMEDIATE", "SET LOCAL ipcity.allow_audit_truncate = off", "TRUNCATE cities_auditentry"],
     "cannot be truncated"),
], ids=["update", "delete", "truncate"])
def test_postgresql_refuses_changing_deleting_and_truncating_audit_entries(three_entries, statements, message):
    with pytest.raises(DatabaseError, match=message), transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    assert AuditEntry.objects.count() == 3


def test_record_without_sm3_fails_loudly_and_writes_nothing(monkeypatch, three_entries):
    monkeypatch.setattr(hashlib, "new", openssl_without_sm3)
    with pytest.raises(ImproperlyConfigured, match="SM3"), transaction.atomic():
        audit.record(actor=None, action="system.backup")
    assert AuditEntry.objects.count() == 3


def test_system_check_reports_missing_sm3_at_start_up(monkeypatch):
    monkeypatch.setattr(hashlib, "new", openssl_without_sm3)
    assert [(error.id, "SM3" in error.msg) for error in sm3_is_available(None)] == [("cities.E001", True)]


def test_system_check_passes_with_sm3():
    assert sm3_is_available(None) == []
