"""The permission matrix: ``tests/api/matrix/*.yaml`` (role × endpoint × action → expected status) drives
these tests, each against a fresh small world (``tests/api/world.py``) with a real token per role.

Rules the data must keep, checked here too: an out-of-scope read is 404, a forbidden write is 403 or 404,
never 2xx; and every operation of the OpenAPI schema has rows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rest_framework.test import APIClient

from tests.api.utils import token_client
from tests.api.world import ROLES, build_world

MATRIX_DIR = Path(__file__).parent / "matrix"


def load_rows() -> list[dict]:
    rows = []
    for file in sorted(MATRIX_DIR.glob("*.yaml")):
        for index, row in enumerate(yaml.safe_load(file.read_text(encoding="utf-8")) or []):
            row = {"body": None, "format": "json", "note": "", **row, "source": f"{file.name}#{index + 1}"}
            assert row["role"] in ROLES, row
            assert row["method"] in {"GET", "POST", "PUT", "PATCH", "DELETE"}, row
            rows.append(row)
    return rows


ROWS = load_rows()


def _fill(value, world):
    if isinstance(value, str):
        return value.format(**world)
    if isinstance(value, dict):
        return {key: _fill(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    return value


def _id(row) -> str:
    return f"{row['source']}-{row['role']}-{row['method']}-{row['path']}"


@pytest.mark.parametrize("row", ROWS, ids=_id)
def test_matrix(row, db):
    world = build_world()
    user_key = ROLES[row["role"]]
    client = APIClient() if user_key is None else token_client(world[user_key])
    path = _fill(row["path"], world)
    body = _fill(row["body"], world) if row["body"] is not None else None
    response = getattr(client, row["method"].lower())(path, body, format=row["format"])
    assert response.status_code == row["expect"], (row["source"], path, response.status_code,
                                                  response.content[:400])
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "fields"}


def test_rows_keep_the_rules():
    """A refused read of an object is 404 (not 403: scope hides existence; 403 only for a page of a role,
    like the dashboard, that names no object); anonymous is always 401."""
    for row in ROWS:
        if row["role"] == "anonymous":
            assert row["expect"] == 401, row["source"]
        if row["method"] == "GET" and row["expect"] == 403 and "{" in row["path"]:
            pytest.fail(f"{row['source']}: an out-of-scope read of an object must be 404, not 403")


def _template_regex(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\{[^}]+\\}", r"[^/]+", re.escape(template)) + "$")


def test_every_operation_has_rows(api_schema):
    covered = {(row["method"], row["path"].split("?")[0]) for row in ROWS}
    missing = []
    for template, operations in api_schema["paths"].items():
        pattern = _template_regex(template)
        for method in operations:
            if method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                continue
            if not any(m == method.upper() and pattern.match(p) for m, p in covered):
                missing.append(f"{method.upper()} {template}")
    assert not missing, "operations without a row in tests/api/matrix/: " + ", ".join(missing)
