"""Writes of responsibility lists (责任清单) and their progress: each checks permission, validates, writes
atomically, audits, and sends its notifications after commit.

``by=None`` means the system (a management command loading demo data).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities import audit
from cities.enums import Role
from cities.notifications import notify, users_with_role
from cities.rules import is_national_admin
from cities.services import require
from evaluations.materials import check_upload
from plans.enums import ItemStatus
from plans.models import (
    CityPlan,
    NationalTask,
    PlanTarget,
    ProgressEvidence,
    ProgressReport,
    ResponsibilityItem,
    ResponsibilityList,
)

audit.register_actions({
    "list.create": gettext_lazy("Created a responsibility list"),
    "list.load": gettext_lazy("Loaded a responsibility list"),
    "list.import": gettext_lazy("Imported a responsibility list from Excel"),
    "list.item_add": gettext_lazy("Added a responsibility item"),
    "list.item_update": gettext_lazy("Changed a responsibility item"),
    "list.item_delete": gettext_lazy("Deleted a responsibility item"),
    "progress.report": gettext_lazy("Reported progress"),
    "progress.verify": gettext_lazy("Verified completion"),
    "progress.send_back": gettext_lazy("Sent progress back"),
})
audit.register_states(ItemStatus, subjects=("progress",))

# What a city may report; VERIFIED and SENT_BACK are the province's verdicts.
REPORTABLE_STATUSES = (ItemStatus.NOT_STARTED, ItemStatus.IN_PROGRESS, ItemStatus.COMPLETED)
VERDICTS = (ItemStatus.VERIFIED, ItemStatus.SENT_BACK)
# Fields of an item that the list's editor may set (status and percent come from progress reports).
EDITABLE_FIELDS = ("number", "work_area", "task", "completion_standard", "lead_unit", "responsible_units",
                   "due_date", "national_task", "plan_target")
UNIT_SEPARATORS = re.compile(r"[、，,；;\n]+")
MAX_EVIDENCE_FILES = 10


# --- Helpers ---------------------------------------------------------------------------------


def default_due_date(year: int) -> dt.date:
    """An item of a year's list is due at the end of that year unless it says otherwise."""
    return dt.date(year, 12, 31)


def default_title(year: int) -> str:
    return f"{year}年工作计划责任清单"


def split_units(value: str | Iterable[str]) -> list[str]:
    """``市知识产权局、各县区政府`` (or a list) as a clean list of units, in order, without repeats."""
    parts = UNIT_SEPARATORS.split(value) if isinstance(value, str) else list(value or [])
    units: list[str] = []
    for part in parts:
        unit = str(part).strip()
        if unit and unit not in units:
            units.append(unit)
    return units


def may_edit_list(user, rlist: ResponsibilityList) -> bool:
    """The city's officers edit their list; national administrators may too."""
    return user is None or user.has_perm("plans.edit_list", rlist) or is_national_admin(user)


def require_list_editor(by, rlist: ResponsibilityList) -> None:
    if not may_edit_list(by, rlist):
        raise PermissionDenied(_("You do not have permission to do this."))


def _item_data(item: ResponsibilityItem) -> dict:
    return {"number": item.number, "work_area": item.work_area, "task": item.task,
            "completion_standard": item.completion_standard, "lead_unit": item.lead_unit,
            "responsible_units": list(item.responsible_units),
            "due_date": item.due_date.isoformat() if item.due_date else None,
            "national_task": item.national_task_id, "plan_target": item.plan_target_id}


def _check_links(rlist: ResponsibilityList, item: ResponsibilityItem) -> None:
    errors = {}
    if item.national_task_id is not None:
        task = item.national_task if isinstance(item.national_task, NationalTask) else None
        if task is None or task.plan.year > rlist.year:
            errors["national_task"] = _("The national task must belong to a national plan of %(year)s or "
                                        "before.") % {"year": rlist.year}
    if item.plan_target_id is not None:
        target = item.plan_target if isinstance(item.plan_target, PlanTarget) else None
        if target is None or target.plan.city_id != rlist.city_id:
            errors["plan_target"] = _("The plan target must belong to a plan of %(city)s.") % {"city": rlist.city}
    if errors:
        raise ValidationError(errors)


def _normalise(item: ResponsibilityItem) -> None:
    item.work_area = (item.work_area or "").strip()
    item.task = (item.task or "").strip()
    item.completion_standard = (item.completion_standard or "").strip()
    item.responsible_units = split_units(item.responsible_units)
    item.lead_unit = (item.lead_unit or "").strip() or (item.responsible_units[0] if item.responsible_units else "")


def _clean_item(rlist: ResponsibilityList, item: ResponsibilityItem) -> None:
    _normalise(item)
    _check_links(rlist, item)
    item.full_clean()


# --- Lists and items -------------------------------------------------------------------------


@transaction.atomic
def create_list(city, *, year: int, title: str = "", plan: CityPlan | None = None, by) -> ResponsibilityList:
    rlist = ResponsibilityList(city=city, year=year, title=(title or "").strip() or default_title(year), plan=plan)
    require_list_editor(by, rlist)
    if plan is not None and plan.city_id != city.pk:
        raise ValidationError({"plan": _("The plan must be a plan of %(city)s.") % {"city": city}})
    rlist.full_clean()
    rlist.save()
    audit.record(actor=by, action="list.create", obj=rlist, city=city, data={"year": year, "title": rlist.title})
    return rlist


@transaction.atomic
def add_item(rlist: ResponsibilityList, *, task: str, work_area: str = "", number: int | None = None,
             completion_standard: str = "", responsible_units: Sequence[str] | str = (), lead_unit: str = "",
             due_date: dt.date | None = None, national_task: NationalTask | None = None,
             plan_target: PlanTarget | None = None, by) -> ResponsibilityItem:
    require_list_editor(by, rlist)
    if number is None:
        last = rlist.items.order_by("-number").values_list("number", flat=True).first()
        number = (last or 0) + 1
    item = ResponsibilityItem(list=rlist, number=number, work_area=work_area, task=task,
                              completion_standard=completion_standard, lead_unit=lead_unit,
                              responsible_units=responsible_units, due_date=due_date or default_due_date(rlist.year),
                              national_task=national_task, plan_target=plan_target)
    _clean_item(rlist, item)
    item.save()
    audit.record(actor=by, action="list.item_add", obj=item, city=rlist.city, data=_item_data(item))
    return item


@transaction.atomic
def update_item(item: ResponsibilityItem, *, by, **changes) -> ResponsibilityItem:
    """Change the fields in ``changes`` (any of EDITABLE_FIELDS)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"update_item() cannot change {sorted(unknown)}")
    rlist = item.list
    require_list_editor(by, rlist)
    item = ResponsibilityItem.objects.select_for_update().select_related("list__city").get(pk=item.pk)
    before = _item_data(item)
    for name, value in changes.items():
        setattr(item, name, value)
    _clean_item(rlist, item)
    after = _item_data(item)
    changed = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if not changed:
        return item
    item.save(update_fields=[name for name in EDITABLE_FIELDS if name in changed])
    audit.record(actor=by, action="list.item_update", obj=item, city=rlist.city, data={"changed": changed})
    return item


@transaction.atomic
def delete_item(item: ResponsibilityItem, *, by) -> None:
    """Delete an item that has no progress history (the history is a record, never dropped with the item)."""
    rlist = item.list
    require_list_editor(by, rlist)
    if item.reports.exists():
        raise ValidationError(_("Item %(number)s has progress reports and cannot be deleted.") % {
            "number": item.number})
    data = _item_data(item)
    audit.record(actor=by, action="list.item_delete", obj=item, city=rlist.city, data=data)
    item.delete()


def load_list_json(path: str | Path, *, city, year: int, plan: CityPlan | None = None, title: str = "",
                   by) -> ResponsibilityList:
    """The list of ``city`` for ``year`` from a JSON file (``responsibility_list_fushun_2021.json``).

    Idempotent: the list is created once, its items are matched by number and updated in place (their progress
    is kept), so loading the same file again changes nothing.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("plan_year") not in (None, year):
        raise ValidationError(_("The file holds the list of %(found)s, not %(year)s.") % {
            "found": data["plan_year"], "year": year})
    rows = [{"number": int(row["item_no"]), "work_area": row.get("work_area", ""), "task": row["task"],
             "completion_standard": row.get("completion_standard", ""),
             "responsible_units": split_units(row.get("responsible_units", [])),
             "lead_unit": row.get("lead_unit", ""),
             "due_date": dt.date.fromisoformat(row["due_date"]) if row.get("due_date") else default_due_date(year)}
            for row in data["items"]]
    with transaction.atomic():
        rlist = ResponsibilityList.objects.select_for_update().filter(city=city, year=year).first()
        if rlist is None:
            rlist = create_list(city, year=year, title=title or data.get("title", ""), plan=plan, by=by)
        require_list_editor(by, rlist)
        existing = {item.number: item for item in rlist.items.all()}
        added = updated = 0
        for row in rows:
            item = existing.get(row["number"])
            if item is None:
                item = ResponsibilityItem(list=rlist, **row)
                _clean_item(rlist, item)
                item.save()
                added += 1
                continue
            before = _item_data(item)
            for name, value in row.items():
                setattr(item, name, value)
            _clean_item(rlist, item)
            if _item_data(item) != before:
                item.save()
                updated += 1
        if added or updated:
            audit.record(actor=by, action="list.load", obj=rlist, city=city,
                         data={"file": Path(path).name, "added": added, "updated": updated})
    return rlist


# --- Progress --------------------------------------------------------------------------------


def _percent(value) -> int:
    try:
        percent = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"percent": _("Enter a whole number from 0 to 100.")}) from None
    if not 0 <= percent <= 100:
        raise ValidationError({"percent": _("Enter a whole number from 0 to 100.")})
    return percent


def report_progress(item: ResponsibilityItem, *, status: str, percent: int, actual_value: Decimal | None = None,
                    note: str = "", evidence_files: Sequence[UploadedFile] = (), by) -> ProgressReport:
    """The city reports where an item stands; every report is kept and the item shows the latest."""
    require(by, "plans.report_progress", item.list)
    if status not in REPORTABLE_STATUSES:
        raise ValidationError({"status": _("Choose not started, in progress or completed.")})
    status = ItemStatus(status)
    percent = _percent(percent)
    if status == ItemStatus.COMPLETED and percent != 100:
        raise ValidationError({"percent": _("A completed item is 100 percent complete.")})
    if status == ItemStatus.NOT_STARTED and percent != 0:
        raise ValidationError({"percent": _("An item that has not started is 0 percent complete.")})
    if len(evidence_files) > MAX_EVIDENCE_FILES:
        raise ValidationError({"evidence_files": _("Attach at most %(count)s files to one report.") % {
            "count": MAX_EVIDENCE_FILES}})
    # Before anything is written; a refused file leaves an ``upload.refused`` entry.
    checked = [(upload, check_upload(upload, kind="progress_evidence", by=by, city=item.list.city))
               for upload in evidence_files]
    stored: list[ProgressEvidence] = []
    try:
        with transaction.atomic():
            locked = ResponsibilityItem.objects.select_for_update().select_related("list__city").get(pk=item.pk)
            if locked.status == ItemStatus.VERIFIED:
                raise ValidationError(_("Item %(number)s was verified by the province; it can no longer be "
                                        "reported on.") % {"number": locked.number})
            before = locked.status
            report = ProgressReport(item=locked, status=status, percent=percent, actual_value=actual_value,
                                    note=(note or "").strip(), reported_by=by)
            report.full_clean()
            report.save()
            stored = _store_files(report, checked)
            locked.status, locked.percent = status, percent
            locked.save(update_fields=["status", "percent"])
            audit.record(actor=by, action="progress.report", obj=locked, city=locked.list.city, from_state=before,
                         to_state=status, data={"report": report.pk, "percent": percent,
                                                "actual_value": None if actual_value is None else str(actual_value),
                                                "evidence": [e.sha256 for e in stored]})
            if status == ItemStatus.COMPLETED:
                city = locked.list.city
                recipients = users_with_role(Role.PROVINCE_STAFF, province_id=city.province_id)
                title = _("%(city)s reports item %(number)s of its %(year)s list completed") % {
                    "city": city.full_name or city.name, "number": locked.number, "year": locked.list.year}
                body = locked.task
                url = reverse("item_detail", args=[locked.pk])
                transaction.on_commit(lambda: notify(recipients, title=title, body=body, url=url))
    except BaseException:
        for evidence in stored:
            evidence.file.storage.delete(evidence.file.name)
        raise
    item.status, item.percent = status, percent
    return report


def _store_files(report: ProgressReport, checked) -> list[ProgressEvidence]:
    stored: list[ProgressEvidence] = []
    for upload, result in checked:
        evidence = ProgressEvidence(report=report, original_name=result.name, content_type=result.content_type,
                                    size=result.size, sha256=result.sha256)
        upload.seek(0)
        evidence.file.save(result.name, upload, save=False)  # the name comes from evidence_upload_to
        stored.append(evidence)
        evidence.full_clean()
        evidence.save()
    return stored


@transaction.atomic
def verify_progress(report: ProgressReport, *, verdict: str, reason: str = "", by) -> ProgressReport:
    """The province confirms a reported completion (VERIFIED) or sends it back with a reason (SENT_BACK)."""
    item = report.item
    require(by, "plans.verify_progress", item.list)
    if verdict not in VERDICTS:
        raise ValidationError({"verdict": _("Choose verified or sent back.")})
    verdict = ItemStatus(verdict)
    reason = (reason or "").strip()
    if verdict == ItemStatus.SENT_BACK and not reason:
        raise ValidationError({"reason": _("Say why the report is sent back.")})
    locked_item = ResponsibilityItem.objects.select_for_update().select_related("list__city").get(pk=item.pk)
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    latest = locked_item.reports.order_by("-reported_at", "-id").values_list("pk", flat=True).first()
    if report.pk != latest:
        raise ValidationError(_("A newer report exists for this item; judge that one."))
    if report.verdict:
        raise ValidationError(_("This report was already judged (%(verdict)s).") % {
            "verdict": ItemStatus(report.verdict).label})
    if report.status != ItemStatus.COMPLETED or locked_item.status != ItemStatus.COMPLETED:
        raise ValidationError(_("Only a report of completion can be verified or sent back."))
    report.verdict, report.verdict_reason = verdict, reason
    report.verified_by, report.verified_at = by, timezone.now()
    report.save(update_fields=["verdict", "verdict_reason", "verified_by", "verified_at"])
    before = locked_item.status
    locked_item.status = verdict
    locked_item.save(update_fields=["status"])
    city = locked_item.list.city
    action = "progress.verify" if verdict == ItemStatus.VERIFIED else "progress.send_back"
    audit.record(actor=by, action=action, obj=locked_item, city=city, from_state=before, to_state=verdict,
                 reason=reason, data={"report": report.pk})
    recipients = users_with_role(Role.CITY_OFFICER, city=city)
    title = _("Item %(number)s of the %(year)s list: %(verdict)s") % {
        "number": locked_item.number, "year": locked_item.list.year, "verdict": verdict.label}
    url = reverse("item_detail", args=[locked_item.pk])
    transaction.on_commit(lambda: notify(recipients, title=title, body=reason, url=url))
    report.item = locked_item
    return report
