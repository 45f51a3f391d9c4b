"""What the plans rows of the permission matrix need: a national plan, a plan of each city with a target, a task
and a leadership member, a list of each city with an item, and a reported completion with an evidence file, and a holiday override of the reminders' calendar."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from plans.enums import ItemStatus, Requirement
from plans.models import HolidayOverride, NationalPlan, NationalTask, ProgressEvidence
from plans.services import plans as plan_services
from plans.services import responsibility as list_services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# One shared file under the tests' MEDIA_ROOT (written once), so that building the world many times adds nothing.
EVIDENCE_NAME = "progress/matrix/evidence.pdf"


def build(world: dict) -> None:
    national = world["national"]
    world["holiday"] = HolidayOverride.objects.create(date=dt.date(2099, 10, 8), is_workday=True, note="调休")
    world["national_plan"] = NationalPlan.objects.create(year=2025, title="2025年知识产权示范城市工作计划")
    world["national_task"] = NationalTask.objects.create(plan=world["national_plan"], number=1, title="建设运营平台",
                                                         requirement=Requirement.MANDATORY)
    for name in ("fushun", "yangjiang"):
        city, officer = world[f"{name}_city"], world[f"{name}_officer"]
        plan = plan_services.create_city_plan(city, kind="pilot", title=f"{city.name}知识产权试点城市建设方案",
                                              start_year=2025, end_year=2027, by=national)
        world[f"{name}_plan"] = plan
        world[f"{name}_target"] = plan_services.add_plan_target(plan, metric="专利质押融资", comparison="qualitative",
                                                                by=national)
        world[f"{name}_task"] = plan_services.add_plan_task(plan, text="完善知识产权保护体系", by=national)
        world[f"{name}_leader"] = plan_services.add_leadership_member(plan, role="组长", post="市长", by=national)
        rlist = list_services.create_list(city, year=2025, plan=plan, by=officer)
        world[f"{name}_list"] = rlist
        world[f"{name}_item"] = list_services.add_item(rlist, work_area="创造", task="培育高价值专利", by=officer)
    done = list_services.add_item(world["fushun_list"], work_area="运用", task="开展质押融资", by=world["fushun_officer"])
    world["fushun_report"] = list_services.report_progress(done, status=ItemStatus.COMPLETED, percent=100,
                                                           by=world["fushun_officer"])
    if not default_storage.exists(EVIDENCE_NAME):
        default_storage.save(EVIDENCE_NAME, ContentFile(PDF))
    world["fushun_evidence"] = ProgressEvidence.objects.create(
        report=world["fushun_report"], file=EVIDENCE_NAME, original_name="验收报告.pdf",
        content_type="application/pdf", size=len(PDF), sha256=hashlib.sha256(PDF).hexdigest())
