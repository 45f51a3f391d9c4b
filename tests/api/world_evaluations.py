"""What the evaluations endpoints need in the matrix world (rows written directly: fast, no side effects).

- ``cycle``: an open pilot cycle; ``fushun_app`` and ``yangjiang_app`` in it, both submitted (round 1);
  ``fushun_app`` has its expert argumentation recorded, so 辽宁 can recommend it.
- ``demo_cycle``: an open demonstration cycle (no required materials); ``fushun_draft`` in it, never submitted
  (抚顺 is eligible, so it can submit it). 阳江 has no application there and can start one.
- ``review_cycle``: an open re-review cycle; ``fushun_recommended`` in it, recommended with its letter PDF,
  ready to be accepted.
- ``cycle_item``: a condition of ``cycle``, attested as met for ``fushun_app``.
- ``strong_cycle``: an open strong-city cycle; ``fushun_strong`` in it, shortlisted with its formal materials.
- ``draft_cycle``: a 2027 pilot cycle being prepared (national staff only), with ``draft_item`` on its list.
- ``fushun_section``: a section of ``fushun_draft``'s work summary.
- ``fushun_file`` / ``yangjiang_file``: a PDF of each submitted application, ``fushun_draft_file`` a proof
  document of ``fushun_draft``; ``indicator`` a row of the table
  and ``fushun_value`` 抚顺's 2025 value of it.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from evaluations.basic_info import load_template
from evaluations.enums import FORMAL_MATERIALS, ApplicationState, CycleKind, CycleStatus, MaterialKind, NarrativeDocument
from evaluations.models import (
    Application,
    Argumentation,
    Attestation,
    ChecklistItem,
    Cycle,
    IndicatorValue,
    Material,
    MaterialFile,
    NarrativeSection,
    RecommendationLetter,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CITY_DEADLINE, PROVINCE_DEADLINE = dt.date(2099, 8, 17), dt.date(2099, 8, 31)


def _cycle(kind: str, status: str = CycleStatus.OPEN, year: int = 2026) -> Cycle:
    return Cycle.objects.create(kind=kind, year=year, title=f"{year} {kind}", status=status, data_year=year - 1,
                                city_deadline=CITY_DEADLINE, province_deadline=PROVINCE_DEADLINE,
                                required_materials=[])


def _application(cycle: Cycle, city, state: str, by) -> Application:
    submitted = state != ApplicationState.DRAFT
    return Application.objects.create(cycle=cycle, city=city, state=state, round=int(submitted), created_by=by,
                                      submitted_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC) if submitted else None)


def _file(application: Application, by, kind: str = MaterialKind.GOVERNMENT_LETTER) -> MaterialFile:
    """A PDF stored once under a fixed name (the matrix builds a world per row)."""
    material = Material.objects.create(application=application, kind=kind)
    name = f"matrix/{application.city.code}.pdf"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(PDF))
    return MaterialFile.objects.create(material=material, version=1, file=name, original_name="申请函.pdf",
                                       content_type="application/pdf", size=len(PDF), sha256="0" * 64,
                                       uploaded_by=by)


def build(world: dict) -> None:
    liaoning_staff = world["liaoning_staff"]
    fushun, yangjiang = world["fushun_officer"], world["yangjiang_officer"]
    world["cycle"] = _cycle(CycleKind.PILOT)
    world["demo_cycle"] = _cycle(CycleKind.DEMONSTRATION)
    world["review_cycle"] = _cycle(CycleKind.RE_REVIEW)
    world["strong_cycle"] = _cycle(CycleKind.STRONG_CITY)
    world["draft_cycle"] = _cycle(CycleKind.PILOT, CycleStatus.DRAFT, year=2027)
    world["cycle_item"] = ChecklistItem.objects.create(cycle=world["cycle"], position=1, code="item_1", text="条件",
                                                       evidence_required=False)
    world["draft_item"] = ChecklistItem.objects.create(cycle=world["draft_cycle"], position=1, code="item_1",
                                                       text="条件")
    world["fushun_app"] = _application(world["cycle"], world["fushun_city"], ApplicationState.SUBMITTED, fushun)
    world["yangjiang_app"] = _application(world["cycle"], world["yangjiang_city"], ApplicationState.SUBMITTED,
                                          yangjiang)
    world["fushun_draft"] = _application(world["demo_cycle"], world["fushun_city"], ApplicationState.DRAFT, fushun)
    world["fushun_recommended"] = _application(world["review_cycle"], world["fushun_city"],
                                               ApplicationState.RECOMMENDED, fushun)
    world["fushun_strong"] = _application(world["strong_cycle"], world["fushun_city"], ApplicationState.SHORTLISTED,
                                          fushun)
    for kind in FORMAL_MATERIALS:
        _file(world["fushun_strong"], fushun, kind)
    world["fushun_section"] = NarrativeSection.objects.create(
        application=world["fushun_draft"], document=NarrativeDocument.WORK_SUMMARY, position=1, number="一",
        title="工作总结")
    Attestation.objects.create(application=world["fushun_app"], item=world["cycle_item"], met=True,
                               attested_by=liaoning_staff)
    Argumentation.objects.create(application=world["fushun_app"], held_on=dt.date(2026, 5, 1), experts="张三",
                                 conclusion="可行", recorded_by=liaoning_staff)
    letter_pdf = Material.objects.create(application=world["fushun_recommended"],
                                         kind=MaterialKind.RECOMMENDATION_LETTER, generated=True)
    RecommendationLetter.objects.create(
        application=world["fushun_recommended"], materials_authentic=True, authenticity_conclusion="真实",
        opinion="同意推荐", rank=1, signatory="辽宁省知识产权局", letter_date=dt.date(2026, 6, 1), pdf=letter_pdf,
        written_by=liaoning_staff)
    world["fushun_file"] = _file(world["fushun_app"], fushun)
    world["fushun_draft_file"] = _file(world["fushun_draft"], fushun, MaterialKind.PROOF)
    world["yangjiang_file"] = _file(world["yangjiang_app"], yangjiang)
    world["indicator"] = load_template().indicators.order_by("position").first()
    world["fushun_value"] = IndicatorValue.objects.create(city=world["fushun_city"], year=2025,
                                                          indicator=world["indicator"], number=1, updated_by=fushun)
