"""Demo data of the applications: an open cycle of each procedure for the current year, with
applications in several states, so a newcomer can click through every step.

Called by ``manage.py load_demo`` after the cities demo (DEBUG only). Safe to run again.
Everything goes through the services, as the demo accounts, so the audit trail is real.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from functools import cache

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from pypdf import PdfWriter

from cities import services as city_services
from cities.enums import Tier
from cities.models import City, User
from evaluations.basic_info import load_template, save_indicator_values
from evaluations.enums import AnswerType, CycleKind, MaterialKind
from evaluations.models import Application, Cycle, Material
from evaluations.services import applications as application_services
from evaluations.services import cycles as cycle_services
from evaluations.services import national, province
from evaluations.materials import upload_material
from ipcity.dates import local_today



@cache
def demo_pdf() -> bytes:
    """A blank A4 page: a well-formed PDF (cross-reference table, page tree) that the upload checks accept."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()

# Plausible 2025 values of the basic-information table for the demo cities (demo figures, not statistics).
DEMO_NUMBERS = {1: "11272", 2: "205.3", 3: "185.6", 4: "872.5", 5: "456800", 6: "1298000", 7: "176500", 8: "8650",
                9: "612", 10: "9", 15: "6.8", 16: "35", 17: "19250", 18: "4", 19: "3.2", 20: "28600", 23: "86",
                24: "3", 25: "21", 26: "2", 27: "0", 28: "3", 29: "1", 30: "1", 31: "2", 32: "96"}


# The demo's cycles carry out the 2018 notice (S1): its real title and date. Its document number is not in the
# source text, so none is invented.
NOTICE_2018 = "国家知识产权局办公室关于开展2018年度国家知识产权试点示范城市、强市创建市评定和复核等工作的通知"
NOTICE_2018_DATE = dt.date(2018, 7, 27)


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, demo_pdf(), content_type="application/pdf")


def _fill_table(application: Application, by: User, *, rows: int | None = None) -> None:
    cycle = application.cycle
    values = {}
    for indicator in cycle.basic_info_template.indicators.all():
        if rows is not None and indicator.number > rows:
            break
        if indicator.answer_type == AnswerType.NUMBER:
            values[indicator.pk] = DEMO_NUMBERS.get(indicator.number, "12")
        else:
            values[indicator.pk] = {
                "隶属关系": "市市场监督管理局（市知识产权局）", "行政级别": "正处级",
            }.get(indicator.sub_item, f"{application.city.full_name}{indicator.name}的情况说明。")
    save_indicator_values(application.city, cycle.data_year, cycle.basic_info_template, values, by=by)


def _write_sections(application: Application, by: User) -> None:
    bodies = {s.pk: f"{application.city.full_name}围绕“{s.title}”开展的工作与取得的成效。" for s in application.sections.all()}
    application_services.save_sections(application, bodies=bodies, by=by)


def _city_materials(application: Application, by: User) -> None:
    for kind in application.cycle.required_materials:
        if kind == MaterialKind.BASIC_INFO_TABLE:
            _fill_table(application, by)
        elif kind in (MaterialKind.WORK_PLAN, MaterialKind.WORK_SUMMARY):
            _write_sections(application, by)
        else:
            upload_material(application, kind=kind, file=_pdf(f"{MaterialKind(kind).label}.pdf"),
                            title="知识产权工作证明材料" if kind == MaterialKind.PROOF else "", by=by)


def _attest_all(application: Application, staff: User) -> None:
    materials = Material.objects.filter(application=application)
    evidence = materials.filter(kind=MaterialKind.PROOF).first() or materials.first()
    for item in application.cycle.checklist.all():
        province.attest_condition(application, item=item, met=True, evidence=evidence, note="经核实", by=staff)


def _letter(application: Application, staff: User, rank: int = 1) -> dict:
    return {"materials_authentic": True, "authenticity_conclusion": "经审核，该市申报材料真实、准确、完整。",
            "opinion": f"{application.city.full_name}知识产权工作基础扎实、特色突出，同意推荐。", "rank": rank,
            "signatory": f"{application.city.province.name}知识产权局", "letter_date": local_today()}


@transaction.atomic
def load() -> dict[str, int]:
    today = local_today()
    year = today.year
    if Cycle.objects.filter(year=year).exists():
        return {"cycles created": 0}
    cnipa = _user("cnipa")
    load_template()
    deadlines = {"city_deadline": today + dt.timedelta(days=30), "province_deadline": today + dt.timedelta(days=45)}
    xiqing = City.objects.get(code="120111")
    designation = xiqing.designations.filter(tier=Tier.DEMONSTRATION).order_by("-term_start").first()
    if designation is not None and designation.is_active:
        city_services.start_rectification(designation, reason="示范城市复核未通过，限期1年内整改（演示数据）",
                                          deadline=dt.date(year, 12, 31), by=cnipa)
    cycles = {}
    for kind in CycleKind:
        extra = {"measurement_request_deadline": today + dt.timedelta(days=15)} \
            if kind == CycleKind.DEMONSTRATION else {}
        cycle = cycle_services.create_cycle(kind=kind, year=year, notice_title=NOTICE_2018, notice_date=NOTICE_2018_DATE,
                                            default_quota=3, by=cnipa, **deadlines, **extra)
        cycles[kind] = cycle_services.open_cycle(cycle, by=cnipa)

    # 阳江: a pilot application submitted to 广东 (the province's turn).
    yangjiang = _user("yangjiang")
    pilot = application_services.start_application(cycles[CycleKind.PILOT], City.objects.get(code="441700"),
                                                   by=yangjiang)
    application_services.update_application_details(pilot, theme="知识产权运用能力提高", enforcement_score=None,
                                                     by=yangjiang)
    _city_materials(pilot, yangjiang)
    application_services.submit_application(pilot, by=yangjiang)

    # 抚顺: a demonstration application being prepared (part of the table filled in).
    fushun = _user("fushun")
    demo = application_services.start_application(cycles[CycleKind.DEMONSTRATION], City.objects.get(code="210400"),
                                                  by=fushun)
    application_services.update_application_details(demo, theme="知识产权高质量创造", enforcement_score=None,
                                                     by=fushun)
    _fill_table(demo, fushun, rows=10)

    # 西青区: the re-review after rectification, submitted by the district and recommended by 天津.
    xiqing_user, tianjin = _user("xiqing"), _user("tianjin")
    review = Application.objects.get(cycle=cycles[CycleKind.RE_REVIEW], city=xiqing)
    _city_materials(review, xiqing_user)
    review = application_services.submit_application(review, by=xiqing_user)
    _attest_all(review, tianjin)
    province.recommend_application(review, letter=_letter(review, tianjin), by=tianjin)

    # 常州: a strong-city application accepted into review, site visit recorded (CNIPA can shortlist once the
    # assigned experts have scored it: S1 四(二)3–4).
    changzhou, jiangsu = _user("changzhou"), _user("jiangsu")
    strong = application_services.start_application(cycles[CycleKind.STRONG_CITY], City.objects.get(code="320400"),
                                                    by=changzhou)
    application_services.update_application_details(strong, theme="", enforcement_score=Decimal("88.50"),
                                                     by=changzhou)
    _city_materials(strong, changzhou)
    strong = application_services.submit_application(strong, by=changzhou)
    _attest_all(strong, jiangsu)
    province.recommend_application(strong, letter=_letter(strong, jiangsu), by=jiangsu)
    _accept_when_letter_exists(strong.pk, cnipa.pk)
    return {"cycles created": len(cycles), "applications": Application.objects.filter(cycle__year=year).count()}


def _accept_when_letter_exists(application_pk: int, user_pk: int) -> None:
    """Accepting needs the letter PDF: the demo renders it here rather than waiting for the worker."""
    application = Application.objects.get(pk=application_pk)
    letter = application.recommendation
    if letter.pdf_id is None:
        from evaluations.tasks import generate_recommendation_letter

        generate_recommendation_letter(letter_id=letter.pk)
    user = User.objects.get(pk=user_pk)
    national.accept_application(application, by=user)
    national.record_site_visit(application, visited_on=local_today(), experts="国家知识产权局专家组（演示）",
                               opinion="基础条件较好，综合实力较强，发展潜力较大，建议入围。", by=user)

