"""Chain the audit log with SM3 (cities/audit_chain.py), backfill the chain in id order, and on PostgreSQL refuse
TRUNCATE of the audit table.

The backfill writes the new columns of existing rows, which the append-only trigger refuses: it is switched off
around the backfill, inside this migration's transaction (PostgreSQL: DISABLE/ENABLE TRIGGER; SQLite: drop and
create, which is needed anyway because SQLite adds these columns by rebuilding the table, which drops its
triggers).

The TRUNCATE trigger lets a session through only when it set ``ipcity.allow_audit_truncate`` to ``on``: the
test settings do, because the test runner empties PostgreSQL databases with TRUNCATE; production never does.
"""

import importlib

from django.db import migrations, models
from django.utils import timezone

from cities.audit_chain import GENESIS, chain_hash

append_only = importlib.import_module("cities.migrations.0002_audit_append_only")

POSTGRES_NO_TRUNCATE = """
CREATE OR REPLACE FUNCTION cities_auditentry_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('ipcity.allow_audit_truncate', true) = 'on' THEN RETURN NULL; END IF;
    RAISE EXCEPTION 'the audit log cannot be truncated';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cities_auditentry_no_truncate BEFORE TRUNCATE ON cities_auditentry
FOR EACH STATEMENT EXECUTE FUNCTION cities_auditentry_no_truncate();
"""
POSTGRES_NO_TRUNCATE_DOWN = """
DROP TRIGGER IF EXISTS cities_auditentry_no_truncate ON cities_auditentry;
DROP FUNCTION IF EXISTS cities_auditentry_no_truncate();
"""
# Switch the UPDATE trigger off and on again (SQLite runs one statement at a time).
TRIGGER_OFF = {
    "sqlite": [append_only.SQLITE_DOWN],
    "postgresql": ["ALTER TABLE cities_auditentry DISABLE TRIGGER cities_auditentry_no_change;"],
}
TRIGGER_ON = {
    "sqlite": [append_only.SQLITE_DOWN, append_only.SQLITE_UP],
    "postgresql": ["ALTER TABLE cities_auditentry ENABLE TRIGGER cities_auditentry_no_change;"],
}


def _execute(schema_editor, statements):
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backfill_chain(apps, schema_editor):
    AuditEntry = apps.get_model("cities", "AuditEntry")
    _execute(schema_editor, TRIGGER_OFF)
    prev_hash = GENESIS
    for entry in AuditEntry.objects.order_by("pk").iterator(chunk_size=2000):
        entry_hash = chain_hash(prev_hash, entry)
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=prev_hash, entry_hash=entry_hash)
        prev_hash = entry_hash
    _execute(schema_editor, TRIGGER_ON)


def rearm_update_trigger(apps, schema_editor):
    """Going back: removing the columns rebuilds the SQLite table without its trigger."""
    if schema_editor.connection.vendor == "sqlite":
        _execute(schema_editor, TRIGGER_ON)


class Migration(migrations.Migration):
    dependencies = [("cities", "0005_user_must_change_password")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, rearm_update_trigger),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="previous hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="entry_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="created_at",
            field=models.DateTimeField(db_index=True, default=timezone.now, editable=False, verbose_name="time"),
        ),
        migrations.RunPython(backfill_chain, migrations.RunPython.noop),
        migrations.RunPython(
            append_only._run({"postgresql": POSTGRES_NO_TRUNCATE}),
            append_only._run({"postgresql": POSTGRES_NO_TRUNCATE_DOWN}),
        ),
    ]
