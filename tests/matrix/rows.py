"""The permission matrix's data: ``tests/matrix/*.yaml``, one format for the pages and the API.

Each row says role × path × method → expected status::

    - {role: fushun, method: GET, path: "/applications/{fushun_app.pk}/", expect: 200}
    - {role: anonymous, method: GET, path: /cycles/, expect: 302, location: /accounts/login/}
    - {role: liaoning, method: POST, path: "/applications/{fushun_app.pk}/act/return/", body: {reason: 补充}, expect: 302,
       location: "/applications/{fushun_app.pk}/"}

- ``role``: a key of ``tests.api.world.ROLES`` (``anonymous`` is nobody signed in).
- ``path``: placeholders name objects of the world (``tests/api/world.py``), filled with ``str.format``.
- ``body``: optional; a page POST sends it form-encoded, an API row as ``format`` (default ``json``).
- ``expect``: the exact status. A redirect (3xx) must give ``location``: the path its ``Location`` header must
  have (placeholders filled; the query, e.g. ``?next=``, is not compared; ``*`` stands for the id of an object
  the request itself creates).
- ``note``: optional, for a reader.

The kind comes from the file name: ``api_*.yaml`` rows are sent with a real API token of the role (the API's
authentication), ``pages_*.yaml`` rows with a browser session of the role (``Client.force_login``). To add rows
for new URL patterns, append them to the file of their app (or a new ``pages_<app>.yaml``/``api_<app>.yaml``).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.api.world import ROLES

MATRIX_DIR = Path(__file__).parent
KINDS = {"api_": "api", "pages_": "page"}
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
FIELDS = {"role", "method", "path", "expect", "body", "format", "location", "note"}


def load_rows() -> list[dict]:
    rows = []
    for file in sorted(MATRIX_DIR.glob("*.yaml")):
        kind = next((k for prefix, k in KINDS.items() if file.name.startswith(prefix)), None)
        assert kind is not None, f"{file.name}: a matrix file is named api_*.yaml or pages_*.yaml"
        for index, row in enumerate(yaml.safe_load(file.read_text(encoding="utf-8")) or []):
            source = f"{file.name}#{index + 1}"
            assert set(row) <= FIELDS, (source, set(row) - FIELDS)
            row = {"body": None, "format": "json", "note": "", "location": None, **row, "source": source,
                   "kind": kind}
            assert row["role"] in ROLES, (source, row["role"])
            assert row["method"] in METHODS, (source, row["method"])
            assert (300 <= row["expect"] < 400) == (row["location"] is not None), \
                f"{source}: a redirect row gives its location, and only a redirect row"
            rows.append(row)
    return rows


ROWS = load_rows()
API_ROWS = [row for row in ROWS if row["kind"] == "api"]
PAGE_ROWS = [row for row in ROWS if row["kind"] == "page"]


def fill(value, world):
    """``value`` (a path, a body) with the world's objects put in for its placeholders."""
    if isinstance(value, str):
        return value.format(**world)
    if isinstance(value, dict):
        return {key: fill(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, world) for item in value]
    return value


PLACEHOLDER = re.compile(r"\{[^}]+\}")


def example_path(template: str) -> str:
    """A path of the same URL pattern as ``template`` without a world: each placeholder becomes ``1`` (every
    converter of our URLconf accepts it), the query is dropped."""
    return PLACEHOLDER.sub("1", template.split("?")[0])


def row_id(row) -> str:
    return f"{row['source']}-{row['role']}-{row['method']}-{row['path']}"
