"""Immutable snapshots of an application (values and file hashes) and the differences between two."""

from __future__ import annotations

from evaluations.basic_info import current_template
from evaluations.models import Application, IndicatorValue, Snapshot


def snapshot_data(application: Application) -> dict:
    cycle = application.cycle
    values = {}
    template = cycle.basic_info_template or current_template()
    if template is not None:
        for value in IndicatorValue.objects.filter(
            city=application.city, year=cycle.data_year, indicator__template=template
        ).select_related("indicator").prefetch_related("proofs"):
            key = f"{value.indicator.number}" + (f"-{value.indicator.sub_item}" if value.indicator.sub_item else "")
            values[key] = {"label": str(value.indicator), "number": None if value.number is None else str(value.number),
                           "text": value.text, "proofs": sorted(p.pk for p in value.proofs.all())}
    materials = []
    for material in application.materials.prefetch_related("files").order_by("kind", "id"):
        files = sorted(material.files.all(), key=lambda f: -f.version)
        if files:
            materials.append({"id": material.pk, "kind": material.kind, "title": str(material),
                              "version": files[0].version, "name": files[0].original_name,
                              "sha256": files[0].sha256, "size": files[0].size})
    sections = [{"document": s.document, "number": s.number, "title": s.title, "body": s.body}
                for s in application.sections.order_by("document", "position")]
    return {
        "state": application.state,
        "theme": application.theme,
        "enforcement_score": None if application.enforcement_score is None else str(application.enforcement_score),
        "values": values,
        "materials": materials,
        "sections": sections,
    }


def take_snapshot(application: Application, *, kind: str, by) -> Snapshot:
    return Snapshot.objects.create(application=application, round=application.round, kind=kind,
                                   data=snapshot_data(application), created_by=by)


def diff_snapshots(old: dict, new: dict) -> list[dict]:
    """Rows of what changed between two snapshots: ``{"what", "before", "after"}``."""
    rows = []
    for field in ("theme", "enforcement_score"):
        if old.get(field) != new.get(field):
            rows.append({"what": field, "before": old.get(field), "after": new.get(field)})
    old_values, new_values = old.get("values", {}), new.get("values", {})
    for key in sorted(set(old_values) | set(new_values), key=lambda k: (int(k.split("-")[0]), k)):
        before, after = old_values.get(key), new_values.get(key)
        if before != after:
            label = (after or before)["label"]
            render = lambda v: None if v is None else (v["number"] if v["number"] is not None else v["text"])  # noqa: E731
            if render(before) == render(after):
                continue  # only the linked proof changed; the materials rows show documents
            rows.append({"what": label, "before": render(before), "after": render(after)})
    old_files = {(m["kind"], m["title"]): m for m in old.get("materials", [])}
    new_files = {(m["kind"], m["title"]): m for m in new.get("materials", [])}
    for key in sorted(set(old_files) | set(new_files)):
        before, after = old_files.get(key), new_files.get(key)
        if (before or {}).get("sha256") != (after or {}).get("sha256"):
            rows.append({"what": key[1], "before": before and f'{before["name"]} · {before["sha256"][:12]}',
                         "after": after and f'{after["name"]} · {after["sha256"][:12]}'})
    old_sections = {(s["document"], s["number"]): s for s in old.get("sections", [])}
    new_sections = {(s["document"], s["number"]): s for s in new.get("sections", [])}
    for key in sorted(set(old_sections) | set(new_sections)):
        before, after = old_sections.get(key), new_sections.get(key)
        if (before or {}).get("body") != (after or {}).get("body"):
            title = (after or before)["title"]
            rows.append({"what": f"{key[1]} {title}", "before": before and before["body"], "after": after and after["body"]})
    return rows
