"""Backup and restore: one zip archive holding the database, the media folder and a manifest.

An archive (``ipcity-backup-YYYYMMDD-HHMMSS.zip``) holds:

    manifest.json     format, time, versions, database engine, applied migrations per app,
                      rows per model table, and the size and SHA-256 of every other member
    database.sqlite3  SQLite: a copy made with the online backup API (safe while the app runs)
    database.dump     PostgreSQL: ``pg_dump --format=custom``
    media/…           every file under MEDIA_ROOT

The row counts are read from the same snapshot as the dump, so they hold even while the app
writes. ``verify_archive`` checks an archive against its manifest and writes nothing;
``restore_archive`` verifies first, restores only into an empty database and an empty media
folder, then checks the row counts.

Not django-dbbackup (5.4): it writes the database and the media folder as two separate backups
with no manifest, checksums or row counts, and its restore overwrites the target instead of
refusing a non-empty one. What it would save here is the two calls of pg_dump and pg_restore.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import sqlite3
import subprocess
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import IO

import django
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from cities import audit

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media/"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
ARCHIVE_GLOB = "ipcity-backup-????????-??????.zip"
CHUNK = 1024 * 1024
# libpq reads these from the environment; dj-database-url puts them in OPTIONS (``?sslmode=require``).
LIBPQ_OPTIONS = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY"}


class BackupError(Exception):
    """A refusal or a failure, with a message for the operator. Nothing was changed unless it says so."""


def archive_path(folder: Path) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(folder) / f"ipcity-backup-{stamp}.zip"


def create_archive(path: Path) -> dict:
    """Write the archive to ``path`` (never over an existing file) and return its manifest."""
    path = Path(path).absolute()
    media_root = Path(settings.MEDIA_ROOT).absolute()
    if path.exists():
        raise BackupError(_("%(path)s already exists.") % {"path": path})
    if path.is_relative_to(media_root):
        raise BackupError(_("Write the archive outside the media folder %(folder)s.") % {"folder": media_root})
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(_("Backups support SQLite and PostgreSQL, not %(engine)s.") % {"engine": connection.vendor})
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    try:
        with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            dump = Path(scratch) / DATABASE_FILES[connection.vendor]
            tables, migrations = DUMPS[connection.vendor](dump)
            files = {dump.name: _add_file(archive, dump, dump.name)}
            for file in _media_files(media_root):
                name = MEDIA + file.relative_to(media_root).as_posix()
                files[name] = _add_file(archive, file, name)
            manifest = {
                "format": FORMAT,
                "created_at": timezone.localtime().isoformat(timespec="seconds"),
                "app": {"name": "ipcity", "version": version("ipcity"), "django": django.get_version(),
                        "python": platform.python_version()},
                "database": {"engine": connection.vendor, "file": dump.name},
                "migrations": migrations,
                "tables": tables,
                "files": files,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    audit.record(actor=None, action="system.backup",
                 data={"archive": path.name, "size": path.stat().st_size, "files": len(files)})
    return manifest


def prune_archives(folder: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest archives in ``folder`` (newest by the time in their name)."""
    old = sorted(Path(folder).glob(ARCHIVE_GLOB), reverse=True)[keep:]
    for path in old:
        path.unlink()
    return old


def verify_archive(path: Path) -> dict:
    """The archive's manifest, once every member matches it; otherwise BackupError naming the problem."""
    with _open(path) as archive:
        manifest = _read_manifest(archive)
        for name, expected in manifest["files"].items():
            _copy_member(archive, name, expected)
    return manifest


def restore_archive(path: Path) -> dict:
    """Verify the archive, restore it into the empty database and media folder, check the row counts, and
    return the manifest. Refuses (changing nothing) a damaged archive, another engine, a non-empty target."""
    manifest = verify_archive(path)
    engine = manifest["database"]["engine"]
    if engine != connection.vendor:
        raise BackupError(_("The archive holds a %(archive)s database, but this installation uses %(target)s.")
                          % {"archive": engine, "target": connection.vendor})
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [f"{app}.{name}" for app, names in sorted(manifest["migrations"].items()) for name in names
               if (app, name) not in known]
    if unknown:
        raise BackupError(_("The archive comes from a newer version of ipcity: migrations %(names)s are unknown here.")
                          % {"names": ", ".join(unknown)})
    media_root = Path(settings.MEDIA_ROOT)
    if any(_media_files(media_root)):
        raise BackupError(_("The media folder %(folder)s is not empty. Restore needs an empty one.")
                          % {"folder": media_root})
    if used := _tables_with_rows():
        raise BackupError(_("The database is not empty: %(tables)s hold rows. Restore needs an empty database.")
                          % {"tables": ", ".join(used)})
    with _open(path) as archive:
        RESTORES[engine](archive, manifest)
        for name, expected in manifest["files"].items():
            if name.startswith(MEDIA):
                target = media_root / name.removeprefix(MEDIA)
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("xb") as out:
                    _copy_member(archive, name, expected, out)
    with connection.cursor() as cursor:
        counts = row_counts(cursor, manifest["tables"])
    if differ := [f"{table} {counts[table]} ≠ {rows}" for table, rows in manifest["tables"].items()
                  if counts[table] != rows]:
        raise BackupError(_("Restored, but these row counts differ from the manifest: %(tables)s")
                          % {"tables": "; ".join(differ)})
    audit.record(actor=None, action="system.restore",
                 data={"archive": Path(path).name, "created_at": manifest["created_at"]})
    return manifest


def pending_migrations() -> int:
    """How many of this version's migrations the database has not applied (a restored older backup)."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def row_counts(cursor, tables) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


# --- The database, per engine ---------------------------------------------------------------


def _snapshot_facts(cursor) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Rows per model table and applied migrations per app, read through ``cursor`` (the dumped snapshot)."""
    tables = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
    if not tables:
        raise BackupError(_("The database has no tables yet: there is nothing to back up."))
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    return row_counts(cursor, tables), migrations


def _dump_sqlite(target: Path):
    connection.ensure_connection()
    with closing(sqlite3.connect(target)) as copy:
        connection.connection.backup(copy)
        return _snapshot_facts(copy.cursor())


def _dump_postgresql(target: Path):
    # pg_dump reads the snapshot this transaction exports, so the counts describe exactly the dump.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        facts = _snapshot_facts(cursor)
        _run_pg("pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}")
    return facts


def _restore_sqlite(archive: zipfile.ZipFile, manifest: dict) -> None:
    """Write the copy beside the configured file, then move it into place in one step."""
    target = Path(connection.settings_dict["NAME"])
    name = manifest["database"]["file"]
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as out:
        try:
            _copy_member(archive, name, manifest["files"][name], out)
            out.flush()
            os.fsync(out.fileno())
        except BaseException:
            Path(out.name).unlink()
            raise
    connection.close()
    for journal in ("-wal", "-shm"):  # left by the empty database; they must not meet the restored one
        Path(f"{target}{journal}").unlink(missing_ok=True)
    os.replace(out.name, target)


def _restore_postgresql(archive: zipfile.ZipFile, manifest: dict) -> None:
    name = manifest["database"]["file"]
    with tempfile.NamedTemporaryFile(suffix=".dump") as out:
        _copy_member(archive, name, manifest["files"][name], out)
        out.flush()
        _run_pg("pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", out.name)


DUMPS = {"sqlite": _dump_sqlite, "postgresql": _dump_postgresql}
RESTORES = {"sqlite": _restore_sqlite, "postgresql": _restore_postgresql}


def _run_pg(program: str, *args: str) -> None:
    """Run a PostgreSQL client on the configured database; the password goes through the environment."""
    db = connection.settings_dict
    argv = [program, "--no-password", f"--dbname={db['NAME']}"]
    argv += [f"--{flag}={db[key]}" for flag, key in (("host", "HOST"), ("port", "PORT"), ("username", "USER"))
             if db.get(key)]
    env = {**os.environ, **{variable: str(db["OPTIONS"][option]) for option, variable in LIBPQ_OPTIONS.items()
                            if option in db.get("OPTIONS", {})}}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    try:
        result = subprocess.run([*argv, *args], env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(_("%(program)s is not installed: install the PostgreSQL client (Debian: postgresql-client).")
                          % {"program": program}) from exc
    if result.returncode:
        raise BackupError(_("%(program)s failed: %(error)s") % {"program": program, "error": result.stderr.strip()})


def _tables_with_rows() -> list[str]:
    with connection.cursor() as cursor:
        used = []
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
            if cursor.fetchone():
                used.append(table)
        return used


# --- The archive ----------------------------------------------------------------------------


def _media_files(root: Path) -> Iterator[Path]:
    return (path for path in sorted(root.rglob("*")) if path.is_file()) if root.is_dir() else iter(())


def _add_file(archive: zipfile.ZipFile, source: Path, name: str) -> dict:
    """Copy ``source`` into the archive as ``name``; its size and SHA-256 as read."""
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as src, archive.open(name, "w", force_zip64=True) as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


@contextmanager
def _open(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(_("%(path)s is not a readable backup archive: %(error)s")
                          % {"path": path, "error": exc}) from exc
    with archive:
        yield archive


def _is_safe(name: str) -> bool:
    """A relative path that stays where it is unpacked: no absolute path, no '..', no backslash."""
    return "\\" not in name and "\0" not in name and all(part not in ("", ".", "..") for part in name.split("/"))


def _read_manifest(archive: zipfile.ZipFile) -> dict:
    """The manifest, once the members are exactly the files it lists under safe names."""
    names = archive.namelist()
    for name in names:
        if not _is_safe(name):
            raise BackupError(_("The archive holds a member with an unsafe path: %(name)s") % {"name": name})
    for name, count in Counter(names).items():
        if count > 1:
            raise BackupError(_("The archive holds %(name)s more than once.") % {"name": name})
    if MANIFEST not in names:
        raise BackupError(_("The archive holds no manifest.json."))
    try:
        manifest = json.loads(archive.read(MANIFEST))
        if manifest["format"] != FORMAT:
            raise BackupError(_("The archive has format %(format)s; this version of ipcity reads format %(expected)s.")
                              % {"format": manifest["format"], "expected": FORMAT})
        manifest = {
            **manifest,
            "created_at": str(manifest["created_at"]),
            "database": {"engine": str(manifest["database"]["engine"]), "file": str(manifest["database"]["file"])},
            "migrations": {str(app): [str(name) for name in names] for app, names in manifest["migrations"].items()},
            "tables": {_table_name(table): int(rows) for table, rows in manifest["tables"].items()},
            "files": {str(name): {"size": int(entry["size"]), "sha256": str(entry["sha256"])}
                      for name, entry in manifest["files"].items()},
        }
        if manifest["database"]["file"] != DATABASE_FILES[manifest["database"]["engine"]]:
            raise KeyError(manifest["database"]["file"])
    except (ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile, zlib.error) as exc:
        raise BackupError(_("manifest.json is damaged or incomplete: %(error)r") % {"error": exc}) from exc
    files = manifest["files"]
    for name in sorted(files):
        if not (_is_safe(name) and (name == manifest["database"]["file"] or name.startswith(MEDIA))):
            raise BackupError(_("The manifest lists an unexpected file: %(name)s") % {"name": name})
        if name not in names:
            raise BackupError(_("The manifest lists %(name)s, but the archive does not hold it.") % {"name": name})
    for name in names:
        if name != MANIFEST and name not in files:
            raise BackupError(_("The archive holds %(name)s, which the manifest does not list.") % {"name": name})
    return manifest


def _table_name(name: str) -> str:
    """A table name as Django makes them, safe to quote into SQL."""
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise ValueError(name)
    return name


def _copy_member(archive: zipfile.ZipFile, name: str, expected: dict, out: IO[bytes] | None = None) -> None:
    """Read member ``name`` (into ``out``, if given) and check its size and SHA-256 against ``expected``."""
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(name) as member:
            while chunk := member.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if out is not None:
                    out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise BackupError(_("%(name)s is damaged in the archive: %(error)s") % {"name": name, "error": exc}) from exc
    if size != expected["size"]:
        raise BackupError(_("%(name)s has %(size)s bytes, but the manifest says %(expected)s.")
                          % {"name": name, "size": size, "expected": expected["size"]})
    if digest.hexdigest() != expected["sha256"]:
        raise BackupError(_("The SHA-256 checksum of %(name)s does not match the manifest.") % {"name": name})
