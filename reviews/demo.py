"""Demo data of the expert review: the experts' profiles, the default indicator system of each current
cycle, reviewers assigned to the strong-city application under review (常州市), so `expert2` …
`expert6` have something to score (`expert1` (江苏) is skipped for 常州 by the conflict rule), and the annual
assessments (年度考核) and patent-strength evaluations (专利实力状况评价) of every demonstration city, one of each
per year of its term (S0 四(一)(二)): the re-review of 天津市西青区 scores them (S1 三(二)3).

The assessment figures are demo figures, not the published results: 西青区's are written out below, the other
cities' are drawn from a checksum of (city, year, kind) between 70 and 95; grades follow the score (demo bands)
and ranks are within each year and kind. They are imported as national staff would, from one Excel sheet.

Called by ``manage.py load_demo`` after the applications demo (DEBUG only). Safe to run again.
"""

from __future__ import annotations

import datetime as dt
import io
import zlib
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from openpyxl import Workbook

from cities.enums import Tier
from cities.models import Designation, Membership, User
from evaluations.enums import CycleKind
from evaluations.models import Cycle
from ipcity.dates import local_today
from reviews.enums import AssessmentKind, Grade
from reviews.models import AnnualAssessment, ReviewerProfile, Rubric
from reviews.services.assessments import GRADE_NAMES, HEADERS, KIND_NAMES, import_assessments, term_years
from reviews.services.assignments import auto_assign
from reviews.services.reviewers import upsert_reviewer_profile
from reviews.services.rubrics import create_default_rubric

EXPERTISE = {
    "expert1": ["专利审查", "知识产权管理", "示范城市"],
    "expert2": ["知识产权运营", "产业经济", "示范城市"],
    "expert3": ["知识产权战略", "强市", "区域创新"],
    "expert4": ["知识产权保护", "行政执法", "试点城市"],
    "expert5": ["专利信息分析", "专利导航", "强市"],
    "expert6": ["知识产权金融", "质押融资", "复核"],
}
TITLES = {"expert1": "教授", "expert2": "教授", "expert3": "研究员", "expert4": "教授", "expert5": "副教授",
          "expert6": "教授"}

# 天津市西青区, designated 2016-05 … 2019-05 and re-reviewed in the demo: year → (年度考核, 专利实力状况评价).
XIQING = "120111"
XIQING_SCORES = {2016: ("86.50", "78.00"), 2017: ("88.00", "80.50"), 2018: ("79.50", "82.00"),
                 2019: ("83.00", "84.50")}
KIND_WORDS = {kind: word for word, kind in KIND_NAMES.items()}
GRADE_WORDS = {grade: word for word, grade in GRADE_NAMES.items()}
DEMO_GRADE_BANDS = ((Decimal(90), Grade.EXCELLENT), (Decimal(80), Grade.GOOD), (Decimal(70), Grade.FAIR),
                    (Decimal(0), Grade.POOR))


@transaction.atomic
def load() -> dict[str, int]:
    cnipa = User.objects.get(username="cnipa")
    profiles = 0
    for membership in Membership.objects.filter(user__username__in=EXPERTISE, role="reviewer").select_related(
            "user", "province", "city"):
        user = membership.user
        if ReviewerProfile.objects.filter(user=user).exists():
            continue
        upsert_reviewer_profile(user, expertise=EXPERTISE[user.username], province=membership.province,
                                city=membership.city, employer=membership.employer, title=TITLES[user.username],
                                by=cnipa)
        profiles += 1
    rubrics = 0
    for cycle in Cycle.objects.filter(year=local_today().year):
        if not Rubric.objects.filter(cycle=cycle).exists():
            create_default_rubric(cycle, by=cnipa)
            rubrics += 1
    assigned = 0
    strong = Cycle.objects.filter(year=local_today().year, kind="strong_city").first()
    if strong is not None and not strong.applications.filter(assignments__isnull=False).exists():
        result = auto_assign(strong, due_date=local_today() + dt.timedelta(days=21), by=cnipa)
        assigned = len(result.created)
    return {"reviewer profiles": profiles, "rubrics": rubrics, "assignments": assigned,
            "assessments": _load_assessments(cnipa)}


def _demo_score(code: str, year: int, kind: str) -> Decimal:
    if code == XIQING and year in XIQING_SCORES:
        return Decimal(XIQING_SCORES[year][0 if kind == AssessmentKind.ANNUAL else 1])
    return Decimal(7000 + zlib.crc32(f"{code}:{year}:{kind}".encode()) % 2500) / 100


def _demo_grade(score: Decimal) -> str:
    return next(grade for floor, grade in DEMO_GRADE_BANDS if score >= floor)


def _assessment_rows() -> list[tuple]:
    """(name, code, year, kind, score, grade) of every demonstration city's latest term, each year and kind."""
    rows = []
    latest = {}
    for designation in Designation.objects.filter(tier=Tier.DEMONSTRATION).select_related("city").order_by(
            "city__code", "term_start"):
        latest[designation.city.code] = designation
    for code, designation in sorted(latest.items()):
        years = term_years(cycle_kind=CycleKind.RE_REVIEW, cycle_year=local_today().year,
                           term_start=designation.term_start, term_end=designation.term_end)
        for year in years:
            if year >= local_today().year:  # a year is assessed early in the next
                continue
            for kind in AssessmentKind:
                score = _demo_score(code, year, kind)
                rows.append((designation.city.full_name, code, year, kind, score, _demo_grade(score)))
    return rows


def _load_assessments(cnipa: User) -> int:
    if AnnualAssessment.objects.exists():
        return 0
    rows = _assessment_rows()
    ranks = {}
    for key in {(year, kind) for _name, _code, year, kind, _score, _grade in rows}:
        ordered = sorted((r for r in rows if (r[2], r[3]) == key), key=lambda r: (-r[4], r[1]))
        ranks.update({(r[1], r[2], r[3]): rank for rank, r in enumerate(ordered, start=1)})
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADERS))
    for name, code, year, kind, score, grade in rows:
        sheet.append([name, code, year, KIND_WORDS[kind], f"{score:.2f}", GRADE_WORDS[grade], ranks[code, year, kind]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_assessments(SimpleUploadedFile("年度考核与专利实力状况评价（演示）.xlsx", buffer.getvalue()), by=cnipa)
    if not result.ok:
        raise ValueError("; ".join(result.errors))
    return result.created
