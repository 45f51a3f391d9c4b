"""Provinces and cities from ``cities/data/divisions.json`` (see ``cities/data/build_divisions.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from cities import audit
from cities.models import City, Province, User
from cities.services import require

DIVISIONS_JSON = Path(__file__).resolve().parent / "data" / "divisions.json"

PROVINCE_FIELDS = ("name", "short_name", "kind")
CITY_FIELDS = ("province_id", "parent_id", "level", "name", "full_name", "name_as_designated")



def read_divisions(path: Path = DIVISIONS_JSON) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _upsert(model, rows: list[dict], fields: tuple[str, ...]) -> tuple[int, int]:
    """Create the rows whose code is new and update those that differ; return (created, updated)."""
    existing = {obj.code: obj for obj in model.objects.filter(code__in=[row["code"] for row in rows])}
    to_create, to_update = [], []
    for row in rows:
        obj = existing.get(row["code"])
        if obj is None:
            to_create.append(model(code=row["code"], **{f: row[f] for f in fields}))
        elif any(getattr(obj, f) != row[f] for f in fields):
            for f in fields:
                setattr(obj, f, row[f])
            to_update.append(obj)
    model.objects.bulk_create(to_create)
    model.objects.bulk_update(to_update, fields)
    return len(to_create), len(to_update)


def _with_ids(rows: list[dict], province_ids: dict[str, int], city_ids: dict[str, int]) -> list[dict]:
    """The rows with the foreign keys as ids (codes in the file)."""
    return [
        {**row, "province_id": province_ids[row["province"]],
         "parent_id": city_ids[row["parent"]] if row["parent"] else None}
        for row in rows
    ]


def load_places(*, by: User | None = None) -> tuple[int, int]:
    """Create or update every province and city of the divisions file; return (created, updated).

    Rows are matched on their administrative code. Places missing from the file are left
    alone (titles and memberships may point to them). Running it again changes nothing.
    """
    require(by, "cities.change_places")
    data = read_divisions()
    with transaction.atomic():
        province_created, province_updated = _upsert(Province, data["provinces"], PROVINCE_FIELDS)
        province_ids = dict(Province.objects.values_list("code", "id"))

        # Parents first, so that their ids are known when their children are written.
        top = [row for row in data["cities"] if not row["parent"]]
        children = [row for row in data["cities"] if row["parent"]]
        top_created, top_updated = _upsert(City, _with_ids(top, province_ids, {}), CITY_FIELDS)
        city_ids = dict(City.objects.filter(code__in=[row["parent"] for row in children]).values_list("code", "id"))
        child_created, child_updated = _upsert(City, _with_ids(children, province_ids, city_ids), CITY_FIELDS)

        counts = {
            "provinces_created": province_created,
            "provinces_updated": province_updated,
            "cities_created": top_created + child_created,
            "cities_updated": top_updated + child_updated,
        }
        created = counts["provinces_created"] + counts["cities_created"]
        updated = counts["provinces_updated"] + counts["cities_updated"]
        if created or updated:
            audit.record(actor=by, action="place.import", data={**counts, "source": data["source"]})
    return created, updated
