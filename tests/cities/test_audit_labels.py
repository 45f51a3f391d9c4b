"""Every audit action key written anywhere in the code has a Chinese label in ``cities.audit.ACTION_LABELS``, in
every process (the web server, a worker, a command), not only once some module happened to be imported."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.utils import translation

from cities.audit import ACTION_LABELS, action_label
from evaluations.enums import Action

ROOT = Path(__file__).resolve().parents[2]
APPS = ("cities", "evaluations", "plans", "reviews", "ipcity")
KEY = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
# Keys built at run time, spelled as the code spells them, and every key each can make.
BUILT_KEYS = {
    "f'application.{action.value}'": [f"application.{action.value}" for action in Action],
    "f'plan.{kind}_update'": ["plan.target_update", "plan.task_update"],
    "f'plan.{kind}_delete'": ["plan.target_delete", "plan.task_delete"],
}
# Names a key is passed on through (a parameter or a variable set from constants found on their own).
PASSED_ON = {"action", "audit_action", "PURGE_ACTION"}


def _constants(node) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    return []


def keys_in_code() -> tuple[set[str], list[str]]:
    """Every action key the code writes, and every way of passing one that this scan does not understand."""
    keys, unknown = set(), []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                values = []
                if isinstance(node, ast.keyword) and node.arg in ("action", "audit_action"):
                    values = [node.value]
                elif isinstance(node, ast.Assign) and any(
                        isinstance(target, ast.Name) and target.id in PASSED_ON for target in node.targets) and (
                        _constants(node.value) or isinstance(node.value, ast.JoinedStr)):
                    values = [node.value]  # a key set aside before it is passed (not ``action = Action(action)``)
                for value in values:
                    constants = _constants(value)
                    if constants:
                        keys.update(constant for constant in constants if KEY.match(constant))
                    elif isinstance(value, ast.JoinedStr) and ast.unparse(value) in BUILT_KEYS:
                        keys.update(BUILT_KEYS[ast.unparse(value)])
                    elif not (isinstance(value, ast.Name) and value.id in PASSED_ON):
                        unknown.append(f"{path.relative_to(ROOT)}:{value.lineno}: {ast.unparse(value)}")
    return keys, unknown


def labels_in_a_fresh_process() -> set[str]:
    code = ("import django, json; django.setup(); from cities.audit import ACTION_LABELS; "
            "print(json.dumps(sorted(ACTION_LABELS)))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ipcity.settings_test"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120, check=True)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_scan_understands_every_action_passed():
    keys, unknown = keys_in_code()
    assert unknown == []
    # The scan sees the keys of each app (a scan that found nothing would pass everything below).
    assert {"auth.login", "progress.verify", "progress.send_back", "application.submit", "plan.task_delete",
            "system.backup", "audit.purge", "designation.import"} <= keys


def test_every_action_key_has_a_label_in_a_fresh_process():
    keys, _unknown = keys_in_code()
    assert sorted(keys - labels_in_a_fresh_process()) == []


def test_every_action_label_is_chinese():
    keys, _unknown = keys_in_code()
    with translation.override("zh-hans"):
        untranslated = sorted(key for key in keys if not re.search(r"[\u4e00-\u9fff]", str(action_label(key))))
    assert untranslated == []
    assert set(ACTION_LABELS) >= keys
    with translation.override("zh-hans"):
        assert (str(action_label("auth.login")), str(action_label("progress.verify"))) == ("登录", "核验完成情况")
