"""三员 separation of duties, enforced by the database too: an account holding an active system, security or audit
administrator membership holds no other active membership (``cities.services`` refuses it with a message; these
triggers refuse a raw insert or update that bypasses the service). Two 三员 roles on one account are already
refused by the unique constraint ``membership_one_three_admin_role``.

A cross-row rule cannot be a CHECK or UNIQUE constraint, hence triggers. SQLite drops a table's triggers when a
migration rebuilds it (most AlterField/AddField on ``cities_membership``): a later migration that does so must
create them again (``tests/cities/test_separation_of_duties.py`` inserts rows directly and fails if they are gone).
On PostgreSQL the trigger locks the account's row first, so two concurrent grants cannot both pass.
"""

from django.db import migrations

THREE_ADMIN = "('system_admin', 'security_admin', 'audit_admin')"
MESSAGE = "separation of duties: a system, security or audit administrator holds no other role"

# Another active membership of the same account on the other side of the line than the new row.
CONFLICT = f"""
SELECT 1 FROM cities_membership m
WHERE m.user_id = NEW.user_id AND m.is_active AND m.id IS NOT NEW.id
  AND (m.role IN {THREE_ADMIN}) <> (NEW.role IN {THREE_ADMIN})
"""

SQLITE_UP = [
    f"""CREATE TRIGGER cities_membership_three_admin_insert BEFORE INSERT ON cities_membership
    WHEN NEW.is_active AND EXISTS ({CONFLICT})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER cities_membership_three_admin_update BEFORE UPDATE ON cities_membership
    WHEN NEW.is_active AND EXISTS ({CONFLICT})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS cities_membership_three_admin_insert;",
    "DROP TRIGGER IF EXISTS cities_membership_three_admin_update;",
]

POSTGRES_UP = [
    f"""CREATE OR REPLACE FUNCTION cities_membership_three_admin() RETURNS trigger AS $$
BEGIN
    IF NOT NEW.is_active THEN RETURN NEW; END IF;
    PERFORM 1 FROM cities_user WHERE id = NEW.user_id FOR UPDATE;
    IF EXISTS ({CONFLICT.replace("m.id IS NOT NEW.id", "m.id IS DISTINCT FROM NEW.id")}) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER cities_membership_three_admin BEFORE INSERT OR UPDATE ON cities_membership
FOR EACH ROW EXECUTE FUNCTION cities_membership_three_admin();""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS cities_membership_three_admin ON cities_membership;",
    "DROP FUNCTION IF EXISTS cities_membership_three_admin();",
]


def _run(statements_by_vendor):
    def apply(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("cities", "0008_token_expiry")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
