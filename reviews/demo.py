"""Demo data of the expert review: the experts' profiles, the default indicator system of each current
cycle, and reviewers assigned to the strong-city application under review (常州市), so `expert2` …
`expert6` have something to score. `expert1` (江苏) is skipped for 常州 by the conflict rule.

Called by ``manage.py load_demo`` after the applications demo (DEBUG only). Safe to run again.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from cities.models import Membership, User
from evaluations.models import Cycle
from ipcity.dates import local_today
from reviews.models import ReviewerProfile, Rubric
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
    return {"reviewer profiles": profiles, "rubrics": rubrics, "assignments": assigned}
