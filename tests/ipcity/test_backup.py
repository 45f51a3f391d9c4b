"""manage.py backup and restore on the database the suite runs on (SQLite, or PostgreSQL with DATABASE_URL).

One populated database with uploaded files is backed up once per module. The drill restores that archive in a
``manage.py restore`` process into a new, empty database and media folder; the refusals run in-process against
the test database, which is never empty, so a refusal that came too late would show as a changed row count.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.template.defaultfilters import filesizeformat
from django.test import override_settings
from django.utils import translation

from cities.enums import Role
from evaluations.basic_info import load_template
from evaluations.enums import CycleKind, MaterialKind
from evaluations.materials import attach_generated_file
from evaluations.services.applications import new_application
from evaluations.services.cycles import create_cycle
from tests.factories import CityFactory, DesignationFactory, ProvinceFactory, user_with_role

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
WORKBOOK = "media/imports/2026/城市名单.xlsx"
WORKBOOK_CONTENT = b"PK\x03\x04 a workbook"
OLD_ARCHIVES = ["ipcity-backup-20200101-020000.zip", "ipcity-backup-20210101-020000.zip"]
OTHER_FILES = ["ipcity-backup-manual.zip", "notes.txt"]


@dataclass
class Backup:
    archive: Path
    manifest: dict
    output: str
    tables: dict[str, int]  # rows per model table just before the backup, counted through the ORM
    files: dict[str, str]  # SHA-256 per path under MEDIA_ROOT just before the backup
    migrations: dict[str, list[str]]
    folder_after: list[str]


def model_row_counts() -> dict[str, int]:
    return {model._meta.db_table: model._base_manager.count()
            for model in apps.get_models(include_auto_created=True) if model._meta.managed}


def file_digests(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in root.rglob("*") if path.is_file()}


def populate() -> None:
    """Places, people, a title, an application with two versions of a stored PDF, and an uploaded workbook."""
    liaoning = ProvinceFactory(code="210000", name="辽宁省", short_name="辽宁")
    fushun = CityFactory(code="210400", province=liaoning, name="抚顺市", full_name="抚顺市")
    national = user_with_role(Role.NATIONAL_ADMIN, username="backup_cnipa")
    officer = user_with_role(Role.CITY_OFFICER, username="backup_fushun", city=fushun)
    DesignationFactory(city=fushun)
    load_template()
    cycle = create_cycle(kind=CycleKind.PILOT, year=2026, by=national)
    application = new_application(cycle, fushun, by=officer)
    for version in (1, 2):
        attach_generated_file(application, kind=MaterialKind.RECOMMENDATION_LETTER, filename="推荐函.pdf",
                              content=PDF + b"%" + str(version).encode(), content_type="application/pdf", by=None)
    default_storage.save(WORKBOOK.removeprefix("media/"), ContentFile(WORKBOOK_CONTENT))


@pytest.fixture(scope="module")
def backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """The archive ``manage.py backup --keep 2`` wrote of a populated database, beside two older archives."""
    media, folder = tmp_path_factory.mktemp("media"), tmp_path_factory.mktemp("backups")
    for name in OLD_ARCHIVES + OTHER_FILES:
        (folder / name).write_bytes(b"older")
    out = StringIO()
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), translation.override("zh-hans"):
        migrated = connection.creation.serialize_db_to_string()
        populate()
        tables, files = model_row_counts(), file_digests(media)
        migrations = {}
        for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
            migrations.setdefault(app, []).append(name)
        call_command("backup", "--folder", str(folder), "--keep", "2", stdout=out)
    archive = Path(out.getvalue().splitlines()[0])
    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read("manifest.json"))
    yield Backup(archive=archive, manifest=manifest, output=out.getvalue(), tables=tables, files=files,
                 migrations=migrations, folder_after=sorted(path.name for path in folder.iterdir()))
    # Back to the migrated state the other modules start from (their rows are committed, so no rollback undoes
    # them): empty every table, then put back what the migrations had written, as serialized_rollback does.
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(migrated)


@pytest.fixture
def empty_database(tmp_path):
    """(DATABASE_URL, DB-API connect) of a new, empty database beside the test database."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield f"sqlite:///{path}", lambda: sqlite3.connect(path)
        return
    import psycopg2

    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"ipcity_restore_{os.getpid()}"
    server = psycopg2.connect(url._replace(path="/postgres").geturl())
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    restored_url = url._replace(path=f"/{name}").geturl()
    yield restored_url, lambda: psycopg2.connect(restored_url)
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    server.close()


def rows_in(connect, tables) -> tuple[dict[str, int], str]:
    """Rows per table of the database ``connect`` opens, and the action of its last audit entry."""
    db = connect()
    try:
        cursor = db.cursor()
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT action FROM cities_auditentry ORDER BY id DESC LIMIT 1")
        return counts, cursor.fetchone()[0]
    finally:
        db.close()


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "ipcity.settings_test", **env})


def test_backup_prints_the_archive_and_a_summary_and_keeps_the_two_newest(backup):
    rows = sum(backup.tables.values())
    assert backup.output.splitlines() == [
        str(backup.archive),
        f"数据库（{connection.vendor}）：{len(backup.tables)} 张表，{rows} 行。媒体文件：3 个。"
        f"归档大小：{filesizeformat(backup.archive.stat().st_size)}。",
        f"已删除较早的归档 {backup.archive.parent / OLD_ARCHIVES[0]}。",
    ]
    assert backup.folder_after == sorted([backup.archive.name, OLD_ARCHIVES[1], *OTHER_FILES])


def test_backup_manifest_holds_migrations_rows_and_the_checksum_of_every_member(backup):
    manifest = backup.manifest
    database = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}[connection.vendor]
    assert (manifest["format"], manifest["database"], manifest["app"]["name"]) == (
        1, {"engine": connection.vendor, "file": database}, "ipcity")
    assert manifest["migrations"] == backup.migrations
    assert manifest["tables"] == backup.tables
    with zipfile.ZipFile(backup.archive) as archive:
        members = {name: archive.read(name) for name in archive.namelist() if name != "manifest.json"}
    assert manifest["files"] == {name: {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
                                 for name, content in members.items()}
    assert {name.removeprefix("media/"): entry["sha256"] for name, entry in manifest["files"].items()
            if name != database} == backup.files


def test_restore_into_an_empty_database_and_media_folder_gives_back_every_row_and_file(backup, empty_database,
                                                                                     tmp_path):
    url, connect = empty_database
    media = tmp_path / "restored-media"
    result = manage("restore", str(backup.archive), DATABASE_URL=url, MEDIA_ROOT=str(media))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        f"创建于 {backup.manifest['created_at']} 的归档完好：4 个文件与清单一致。",
        f"数据库已恢复：全部 {len(backup.tables)} 张表的行数（共 {sum(backup.tables.values())} 行）与清单一致。",
        f"媒体文件已恢复：3 个，位于 {media}。",
    ]
    # Restore adds its own audit entry to the restored database, after comparing the counts.
    assert rows_in(connect, backup.tables) == (
        {**backup.tables, "cities_auditentry": backup.tables["cities_auditentry"] + 1}, "system.restore")
    assert file_digests(media) == backup.files


def rebuilt(backup: Backup, target: Path, edit) -> Path:
    """A copy of the archive after ``edit(members, manifest)``: a forger who rewrites the zip."""
    with zipfile.ZipFile(backup.archive) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members.pop("manifest.json"))
    edit(members, manifest)
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, content in members.items():
            archive.writestr(name, content)
    return target


def flip_a_byte(members, manifest):
    members[WORKBOOK] = members[WORKBOOK][:-1] + bytes([members[WORKBOOK][-1] ^ 1])


def truncate(members, manifest):
    members[WORKBOOK] = members[WORKBOOK][:-1]


def unlist(members, manifest):
    del manifest["files"][WORKBOOK]


def add_member(members, manifest):
    members["media/imports/extra.xlsx"] = b"PK"


def add_traversal(members, manifest):
    members["media/../../etc/cron.d/ipcity"] = b"* * * * * root true\n"


def drop_manifest_file(members, manifest):
    del members[WORKBOOK]


def other_engine(members, manifest):
    other = {"sqlite": ("postgresql", "database.dump"), "postgresql": ("sqlite", "database.sqlite3")}
    engine, name = other[manifest["database"]["engine"]]
    old = manifest["database"]["file"]
    members[name] = members.pop(old)
    manifest["files"][name] = manifest["files"].pop(old)
    manifest["database"] = {"engine": engine, "file": name}


def future_migration(members, manifest):
    manifest["migrations"]["cities"].append("9999_from_the_future")


def other_vendor() -> str:
    return "postgresql" if connection.vendor == "sqlite" else "sqlite"


REFUSALS = [
    (flip_a_byte, lambda: f"{WORKBOOK} 的 SHA-256 校验值与清单不符。"),
    (truncate, lambda: f"{WORKBOOK} 的大小为 {len(WORKBOOK_CONTENT) - 1} 字节，而清单记载为 {len(WORKBOOK_CONTENT)} 字节。"),
    (unlist, lambda: f"归档中的 {WORKBOOK} 未列在清单中。"),
    (add_member, lambda: "归档中的 media/imports/extra.xlsx 未列在清单中。"),
    (add_traversal, lambda: "归档中有路径不安全的成员：media/../../etc/cron.d/ipcity"),
    (drop_manifest_file, lambda: f"清单中列有 {WORKBOOK}，但归档中没有该文件。"),
    (other_engine, lambda: f"归档中是 {other_vendor()} 数据库，而本系统使用的是 {connection.vendor}，无法恢复。"),
    (future_migration, lambda: "归档来自较新版本的 ipcity：当前版本不认识其中的迁移 cities.9999_from_the_future。"),
]


def refusal(*args: str) -> str:
    with translation.override("zh-hans"), pytest.raises(CommandError) as refused:
        call_command("restore", *args)
    return str(refused.value)


@pytest.mark.parametrize(("edit", "message"), REFUSALS, ids=[edit.__name__ for edit, _ in REFUSALS])
def test_restore_refuses_a_tampered_archive_and_writes_nothing(backup, edit, message, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    archive = rebuilt(backup, tmp_path / "tampered.zip", edit)
    before = model_row_counts()
    assert refusal(str(archive)) == message()
    assert (model_row_counts(), settings.MEDIA_ROOT.exists()) == (before, False)


def test_restore_refuses_an_archive_without_manifest(backup, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    archive = tmp_path / "no-manifest.zip"
    with zipfile.ZipFile(backup.archive) as source, zipfile.ZipFile(archive, "w") as copy:
        for name in source.namelist():
            if name != "manifest.json":
                copy.writestr(name, source.read(name))
    assert refusal(str(archive)) == "归档中没有 manifest.json。"


def test_restore_refuses_a_database_that_holds_rows(backup, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    before = model_row_counts()
    used = sorted([table for table, rows in before.items() if rows] + ["django_migrations"])
    assert refusal(str(backup.archive)) == f"数据库不为空：{', '.join(used)} 中已有数据。恢复只能写入空数据库。"
    assert (model_row_counts(), settings.MEDIA_ROOT.exists()) == (before, False)


def test_restore_refuses_a_media_folder_that_holds_files(backup, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "imports").mkdir(parents=True)
    (settings.MEDIA_ROOT / "imports" / "left.txt").write_bytes(b"left over")
    assert refusal(str(backup.archive)) == f"媒体文件夹 {settings.MEDIA_ROOT} 不为空。恢复只能写入空的媒体文件夹。"
    assert file_digests(settings.MEDIA_ROOT) == {"imports/left.txt": hashlib.sha256(b"left over").hexdigest()}


def test_restore_check_verifies_the_archive_and_changes_nothing(backup, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    before = model_row_counts()
    out = StringIO()
    with translation.override("zh-hans"):
        call_command("restore", "--check", str(backup.archive), stdout=out)
    assert out.getvalue() == f"创建于 {backup.manifest['created_at']} 的归档完好：4 个文件与清单一致。\n"
    assert (model_row_counts(), settings.MEDIA_ROOT.exists()) == (before, False)


def test_backup_refuses_to_overwrite_an_archive(backup, tmp_path):
    existing = tmp_path / "existing.zip"
    shutil.copy(backup.archive, existing)
    with translation.override("zh-hans"), pytest.raises(CommandError) as refused:
        call_command("backup", "--output", str(existing))
    assert (str(refused.value), existing.read_bytes()) == (f"{existing} 已存在。", backup.archive.read_bytes())
