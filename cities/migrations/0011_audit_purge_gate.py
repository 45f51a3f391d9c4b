"""Old audit entries can be deleted through one narrow gate, used only by ``manage.py purge_audit``
(``cities.audit_retention``); every other DELETE is refused by the database.

PostgreSQL: the append-only row trigger lets a DELETE through only in a transaction that set
``ipcity.audit_purge`` to ``on`` (the command sets it with ``SET LOCAL`` around its one DELETE). Any session can
set a custom setting, so this gate guards against mistakes, not against the application's own role: in production
that role has no DELETE privilege on the table at all (README "Two database roles"), and the command runs with
the owner role.

SQLite (the one-machine setup) had no DELETE trigger, because Django's test flush empties SQLite tables with
DELETE. It now has one, gated by the SQL function ``ipcity_audit_purge()`` that the application registers on each
of its connections (``cities.audit_retention.register_sqlite_gate``): true only while the command deletes, or
where the test settings allow the flush (``AUDIT_ALLOW_FLUSH``). Another program opening the file has no such
function, so its DELETE fails too.
"""

import importlib

from django.db import migrations

append_only = importlib.import_module("cities.migrations.0002_audit_append_only")

POSTGRES_GATED = """
CREATE OR REPLACE FUNCTION cities_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('ipcity.audit_purge', true) = 'on' THEN RETURN OLD; END IF;
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$ LANGUAGE plpgsql;
"""
POSTGRES_UNGATED = """
CREATE OR REPLACE FUNCTION cities_auditentry_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit entries are append-only'; END;
$$ LANGUAGE plpgsql;
"""
SQLITE_GATED = """
CREATE TRIGGER cities_auditentry_no_delete BEFORE DELETE ON cities_auditentry
WHEN NOT ipcity_audit_purge()
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
"""
SQLITE_UNGATED = "DROP TRIGGER IF EXISTS cities_auditentry_no_delete;"


class Migration(migrations.Migration):
    dependencies = [("cities", "0010_password_history_and_age")]

    operations = [
        migrations.RunPython(
            append_only._run({"sqlite": SQLITE_GATED, "postgresql": POSTGRES_GATED}),
            append_only._run({"sqlite": SQLITE_UNGATED, "postgresql": POSTGRES_UNGATED}),
        )
    ]
