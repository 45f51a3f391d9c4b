"""The database itself refuses to change audit entries (and, on PostgreSQL, to delete them).

SQLite keeps DELETE open because Django's test flush empties tables with DELETE;
PostgreSQL flushes with TRUNCATE, which row triggers do not see.
"""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER cities_auditentry_no_update BEFORE UPDATE ON cities_auditentry
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS cities_auditentry_no_update;"

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION cities_auditentry_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit entries are append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cities_auditentry_no_change BEFORE UPDATE OR DELETE ON cities_auditentry
FOR EACH ROW EXECUTE FUNCTION cities_auditentry_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS cities_auditentry_no_change ON cities_auditentry;
DROP FUNCTION IF EXISTS cities_auditentry_append_only();
"""


def _run(sql_by_vendor):
    def apply(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("cities", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
