"""Fixtures for applications: a cycle of each kind and applications ready for each step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from cities import services as city_services
from cities.enums import CityLevel, Role, Tier
from evaluations.basic_info import load_template
from evaluations.enums import AnswerType, ApplicationState, CycleKind, MaterialKind
from evaluations.models import (
    Application,
    Argumentation,
    Attestation,
    IndicatorValue,
    Material,
    MaterialFile,
    Measurement,
    RecommendationLetter,
    SiteVisit,
)
from evaluations.services import cycles as cycle_services
from evaluations.services.applications import new_application
from tests.factories import CityFactory, user_with_role
from tests.files import PDF

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _today(time_machine):
    """Applications happen in June 2026: before the default deadlines of the 2026 cycles."""
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)


@pytest.fixture
def template(db):
    return load_template()


@pytest.fixture
def cycles(national_admin, template):
    made = {}
    for kind in CycleKind:
        cycle = cycle_services.create_cycle(kind=kind, year=2026, document_number=f"国知办函〔2026〕{len(made) + 1}号",
                                            by=national_admin)
        made[kind] = cycle_services.open_cycle(cycle, by=national_admin)
    return made


def grant(city, tier, start, by, **kwargs):
    return city_services.grant_designation(city, tier=tier, term_start=start, by=by, **kwargs)


def add_material(application, kind, *, title="", content=PDF, name="材料.pdf", by=None):
    material = Material.objects.filter(application=application, kind=kind).first()
    if material is None or kind in (MaterialKind.PROOF, MaterialKind.MEASUREMENT_DATA):
        material = Material.objects.create(application=application, kind=kind, title=title or name)
    import hashlib

    digest = hashlib.sha256(content).hexdigest()
    version = material.files.count() + 1
    row = MaterialFile(material=material, version=version, original_name=name, content_type="application/pdf",
                       size=len(content), sha256=digest, uploaded_by=by)
    row.file.save(name, ContentFile(content), save=False)
    row.save()
    return material


def fill_table(application, by):
    cycle = application.cycle
    rows = []
    for indicator in cycle.basic_info_template.indicators.all():
        if indicator.answer_type == AnswerType.NUMBER:
            rows.append(IndicatorValue(city=application.city, year=cycle.data_year, indicator=indicator,
                                       number=Decimal(indicator.position * 10), updated_by=by))
        else:
            rows.append(IndicatorValue(city=application.city, year=cycle.data_year, indicator=indicator,
                                       text=f"{indicator.name}的情况说明", updated_by=by))
    IndicatorValue.objects.bulk_create(rows)


def make_complete(application, by):
    """Everything the city must provide before submitting."""
    cycle = application.cycle
    for kind in cycle.required_materials:
        if kind == MaterialKind.BASIC_INFO_TABLE:
            fill_table(application, by)
        else:
            add_material(application, kind, by=by)
    application.theme = "知识产权运用能力提高"
    application.enforcement_score = Decimal("85.50")
    application.save(update_fields=["theme", "enforcement_score"])


def make_recommendable(application, staff):
    """Everything the province must record before recommending."""
    kind = application.cycle.kind
    evidence = add_material(application, MaterialKind.PROOF, title="证明材料", by=staff)
    for item in application.cycle.checklist.all():
        Attestation.objects.create(application=application, item=item, met=True, evidence=evidence, attested_by=staff)
    if kind == CycleKind.PILOT:
        Argumentation.objects.create(application=application, held_on=TODAY, experts="张三、李四",
                                     conclusion="主题明确，方案可行", recorded_by=staff)
    if kind == CycleKind.DEMONSTRATION:
        Measurement.objects.create(application=application, measured_on=TODAY, score=Decimal("86.50"),
                                   recorded_by=staff)
        add_material(application, MaterialKind.SCORE_SHEET, by=staff)
    RecommendationLetter.objects.create(
        application=application, materials_authentic=True, authenticity_conclusion="经审核，申报材料真实、准确、完整。",
        measured_score=Decimal("86.50") if kind == CycleKind.DEMONSTRATION else None, opinion="同意推荐。", rank=1,
        signatory="辽宁省知识产权局", letter_date=TODAY, written_by=staff)


def make_acceptable(application, staff):
    letter = application.recommendation
    letter.pdf = add_material(application, MaterialKind.RECOMMENDATION_LETTER, name="推荐函.pdf", by=staff)
    letter.save(update_fields=["pdf"])


@pytest.fixture
def world(db, national_admin, liaoning, cycles):
    """One eligible city of 辽宁 per procedure, with its officer and the province staff."""
    staff = user_with_role(Role.PROVINCE_STAFF, username="ln_staff", province=liaoning)
    pilot_city = CityFactory(code="210500", province=liaoning, name="本溪市", full_name="本溪市")
    demo_city = CityFactory(code="210400", province=liaoning, name="抚顺市", full_name="抚顺市")
    grant(demo_city, Tier.DEMO_CULTIVATION, dt.date(2021, 1, 1), national_admin, term_end=dt.date(2023, 12, 31))
    review_city = CityFactory(code="210200", province=liaoning, name="大连市", full_name="大连市",
                              level=CityLevel.SEPARATELY_PLANNED)
    grant(review_city, Tier.DEMONSTRATION, dt.date(2023, 3, 1), national_admin)
    strong_city = CityFactory(code="210100", province=liaoning, name="沈阳市", full_name="沈阳市",
                              level=CityLevel.SUB_PROVINCIAL)
    grant(strong_city, Tier.DEMONSTRATION, dt.date(2015, 3, 1), national_admin)
    cities = {CycleKind.PILOT: pilot_city, CycleKind.DEMONSTRATION: demo_city, CycleKind.RE_REVIEW: review_city,
              CycleKind.STRONG_CITY: strong_city}
    officers = {kind: user_with_role(Role.CITY_OFFICER, username=f"officer_{kind}", city=city)
                for kind, city in cities.items()}
    return {"cities": cities, "officers": officers, "staff": staff, "national": national_admin, "cycles": cycles}


def application_in(world, kind, state) -> Application:
    """An application of ``kind`` put directly into ``state`` with what that state implies."""
    cycle = world["cycles"][kind]
    city = world["cities"][kind]
    application = Application.objects.filter(cycle=cycle, city=city).first() or new_application(
        cycle, city, by=world["officers"][kind])
    make_complete(application, world["officers"][kind])
    order = [ApplicationState.DRAFT, ApplicationState.SUBMITTED, ApplicationState.RECOMMENDED,
             ApplicationState.UNDER_REVIEW, ApplicationState.SHORTLISTED]
    reached = order.index(state) if state in order else 3
    if reached >= 1:
        make_recommendable(application, world["staff"])
        application.round = 1
    if reached >= 2:
        make_acceptable(application, world["staff"])
    if state == ApplicationState.SHORTLISTED or (reached >= 3 and kind == CycleKind.STRONG_CITY):
        SiteVisit.objects.create(application=application, visited_on=TODAY, experts="专家组", opinion="同意入围",
                                 recorded_by=world["national"])
    application.state = state
    application.save(update_fields=["state", "round"])
    return application
