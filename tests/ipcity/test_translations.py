"""Chinese is the default language: every user-facing string must have a Chinese translation."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polib
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCES = ("ipcity", "cities", "evaluations", "reviews", "plans", "templates")


def test_chinese_catalog_is_complete_and_not_fuzzy():
    catalog = polib.pofile(str(CATALOG))
    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []


def test_every_string_in_the_code_is_in_the_catalog(tmp_path, settings):
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    (tmp_path / "locale").mkdir()
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        call_command("makemessages", locale=["zh_Hans"], verbosity=0, no_obsolete=True)
    finally:
        os.chdir(cwd)
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po"))}
    known = {(e.msgctxt, e.msgid) for e in polib.pofile(str(CATALOG))}
    assert sorted(fresh - known, key=str) == []
