"""Cycles: created, opened and closed by the national administration."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _

from cities import audit
from cities.models import City, Province
from cities.services import require
from evaluations.basic_info import current_template
from evaluations.eligibility import re_review_candidates
from evaluations.enums import (
    DEFAULT_DEADLINES,
    DEFAULT_REQUIRED_MATERIALS,
    DEMONSTRATION_MEASUREMENT_REQUEST,
    CycleKind,
    CycleStatus,
    MaterialKind,
    MissedReReview,
)
from evaluations.models import Application, ChecklistItem, Cycle, ProvinceQuota

# Checklist items by procedure. The text of 《办法》第五条 / 第十八条 is not public here, so those
# conditions are items national staff edit per cycle; the strong-city ones are from S1 四(一).
DEFAULT_CHECKLIST = {
    CycleKind.PILOT: [
        ("article_5", "符合《国家知识产权试点、示范城市管理办法》第五条规定的试点城市申报条件", "《办法》第五条", True),
        ("subsidy_policy", "专利资助奖励政策不存在授权前资助、超额资助、重复资助等情况", "2018年通知 五（一）", True),
    ],
    CycleKind.DEMONSTRATION: [
        ("article_18", "符合《国家知识产权试点、示范城市管理办法》第十八条规定的示范城市申报条件", "《办法》第十八条", True),
        ("subsidy_policy", "专利资助奖励政策不存在授权前资助、超额资助、重复资助等情况", "2018年通知 五（一）", True),
    ],
    CycleKind.RE_REVIEW: [
        ("article_18", "当前状况符合《办法》第十八条规定的示范城市申报条件", "2018年通知 三（二）1", True),
    ],
    CycleKind.STRONG_CITY: [
        ("policy", "已出台知识产权强市建设相关政策文件，或在政府工作报告、市委市政府领导批示中明确提出建设知识产权强市的目标要求",
         "2018年通知 四（一）1", True),
        ("no_abnormal_applications", "近三年未出现较大数量的非正常专利申请", "2018年通知 四（一）2", True),
        ("no_major_infringement", "未发生重大群体性、反复、恶意知识产权侵权事件", "2018年通知 四（一）2", True),
    ],
}
TEMPLATES_JSON = Path(__file__).resolve().parents[1] / "data" / "templates.json"


def default_deadlines(kind: str, year: int) -> dict[str, dt.date | None]:
    """The 2018 notice's dates (S1): to the national administration by 08-31 or 09-15; cities report to
    their province two weeks earlier (the notice leaves that to the provinces)."""
    month, day = DEFAULT_DEADLINES[kind]
    province_deadline = dt.date(year, month, day)
    measurement = dt.date(year, *DEMONSTRATION_MEASUREMENT_REQUEST) if kind == CycleKind.DEMONSTRATION else None
    return {"province_deadline": province_deadline, "city_deadline": province_deadline - dt.timedelta(days=14),
            "measurement_request_deadline": measurement}


def default_title(kind: str, year: int) -> str:
    """Titles are part of the official record: always in Chinese, whatever the user's language."""
    with translation.override("zh-hans"):
        return f"{year}年度{CycleKind(kind).label}"


@transaction.atomic
def create_cycle(*, kind: str, year: int, title: str = "", document_number: str = "", notice_title: str = "",
                 notice_date: dt.date | None = None, missed_re_review: str = MissedReReview.FAIL,
                 city_deadline: dt.date | None = None, province_deadline: dt.date | None = None,
                 measurement_request_deadline: dt.date | None = None, default_quota: int | None = None,
                 quotas: dict[Province, int] | None = None, required_materials: list[str] | None = None,
                 checklist: list[tuple[str, str, str, bool]] | None = None, by) -> Cycle:
    require(by, "evaluations.manage_cycles")
    kind = CycleKind(kind)
    defaults = default_deadlines(kind, year)
    if Cycle.objects.filter(kind=kind, year=year).exists():
        raise ValidationError(_("A %(kind)s cycle for %(year)s already exists.") % {"kind": kind.label, "year": year})
    cycle = Cycle(
        kind=kind, year=year, title=title or default_title(kind, year), document_number=document_number.strip(),
        notice_title=notice_title.strip().strip("《》"), notice_date=notice_date,
        missed_re_review=missed_re_review or MissedReReview.FAIL,
        city_deadline=city_deadline or defaults["city_deadline"],
        province_deadline=province_deadline or defaults["province_deadline"],
        measurement_request_deadline=measurement_request_deadline or defaults["measurement_request_deadline"],
        data_year=year - 1, default_quota=default_quota,
        required_materials=[MaterialKind(m).value for m in (required_materials or DEFAULT_REQUIRED_MATERIALS[kind])],
        basic_info_template=current_template(), created_by=by,
    )
    if cycle.city_deadline > cycle.province_deadline:
        raise ValidationError(_("The cities' deadline must not be later than the provinces' deadline."))
    cycle.full_clean()
    cycle.save()
    for position, (code, text, source, evidence) in enumerate(checklist if checklist is not None else DEFAULT_CHECKLIST[kind]):
        ChecklistItem.objects.create(cycle=cycle, position=position, code=code, text=text, source=source,
                                     evidence_required=evidence)
    for province, quota in (quotas or {}).items():
        ProvinceQuota.objects.create(cycle=cycle, province=province, quota=quota)
    audit.record(actor=by, action="cycle.create", obj=cycle, to_state=cycle.status,
                 data={"kind": kind.value, "year": year, "city_deadline": cycle.city_deadline.isoformat(),
                       "province_deadline": cycle.province_deadline.isoformat()})
    return cycle


@transaction.atomic
def set_quota(cycle: Cycle, *, province: Province, quota: int | None, by) -> None:
    require(by, "evaluations.manage_cycles")
    if quota is None:
        ProvinceQuota.objects.filter(cycle=cycle, province=province).delete()
    else:
        ProvinceQuota.objects.update_or_create(cycle=cycle, province=province, defaults={"quota": quota})
    audit.record(actor=by, action="cycle.quota", obj=cycle, data={"province": province.code, "quota": quota})


@transaction.atomic
def add_checklist_item(cycle: Cycle, *, text: str, source: str = "", evidence_required: bool = True,
                       by) -> ChecklistItem:
    """A condition the province attests for each application (e.g. one of 《办法》第五条's)."""
    require(by, "evaluations.manage_cycles")
    if cycle.status == CycleStatus.CLOSED:
        raise ValidationError(_("A closed cycle cannot be changed."))
    if not text.strip():
        raise ValidationError(_("The condition's text is required."))
    position = (cycle.checklist.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    item = ChecklistItem.objects.create(cycle=cycle, position=position, code=f"item_{position}", text=text.strip(),
                                        source=source.strip(), evidence_required=evidence_required)
    audit.record(actor=by, action="cycle.checklist", obj=cycle, data={"added": item.code, "text": item.text})
    return item


@transaction.atomic
def remove_checklist_item(item: ChecklistItem, *, by) -> None:
    require(by, "evaluations.manage_cycles")
    if item.cycle.status != CycleStatus.DRAFT:
        raise ValidationError(_("Conditions can be removed only before the cycle opens."))
    audit.record(actor=by, action="cycle.checklist", obj=item.cycle, data={"removed": item.code, "text": item.text})
    item.delete()


@transaction.atomic
def open_cycle(cycle: Cycle, *, by) -> Cycle:
    require(by, "evaluations.manage_cycles")
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != CycleStatus.DRAFT:
        raise ValidationError(_("Only a cycle being prepared can be opened."))
    cycle.status = CycleStatus.OPEN
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=["status", "opened_at"])
    created = []
    if cycle.kind == CycleKind.RE_REVIEW:
        from evaluations.services.applications import new_application

        existing = set(Application.objects.filter(cycle=cycle).values_list("city_id", flat=True))
        for city, designation in re_review_candidates(cycle):
            if city.pk not in existing:
                created.append(new_application(cycle, city, designation=designation, by=by).pk)
    audit.record(actor=by, action="cycle.open", obj=cycle, from_state=CycleStatus.DRAFT, to_state=cycle.status,
                 data={"drafts_created": len(created)})
    return cycle


@transaction.atomic
def close_cycle(cycle: Cycle, *, by) -> Cycle:
    require(by, "evaluations.manage_cycles")
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != CycleStatus.OPEN:
        raise ValidationError(_("Only an open cycle can be closed."))
    cycle.status = CycleStatus.CLOSED
    cycle.closed_at = timezone.now()
    cycle.save(update_fields=["status", "closed_at"])
    audit.record(actor=by, action="cycle.close", obj=cycle, from_state=CycleStatus.OPEN, to_state=cycle.status)
    return cycle


def narrative_templates() -> dict:
    return json.loads(TEMPLATES_JSON.read_text(encoding="utf-8"))

