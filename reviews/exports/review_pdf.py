"""The expert review opinion form (专家评审意见表) of one review, and the summary of all submitted reviews of
one application (专家评审意见汇总表), as PDF.

The Chinese wording is the fixed text of the official forms. The summary names the experts 专家1, 专家2 …
(in the order they were assigned): it is also given to the city and its province once the results are
published, and experts' names stay with national staff. Pure: reads the database, writes nothing. The
PDFs' dates are the reviews' own submission dates, so the same reviews give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cities.enums import Role
from ipcity.dates import official_date
from ipcity.pdf import paragraphs, render_pdf
from reviews.aggregation import cycle_statistics
from reviews.enums import AssignmentStatus, CriterionKind
from reviews.exports.cycle_report import (
    AGGREGATE_NAMES,
    LEVEL_GROUP_NAMES,
    RECOMMENDATION_NAMES,
    SUGGESTION_NAMES,
    cell_text,
    local_date,
    objective_total_of,
)
from reviews.models import Criterion, Review, ReviewerProfile


def objective_points_by_criterion(application) -> dict[int, Decimal | None]:
    """criterion id → points of the objective criteria, from the scoring module when it is there."""
    try:
        from reviews.objective import objective_scores
    except ImportError:
        return {}
    return {row.criterion.pk: row.points for row in objective_scores(application)}


def employer_of(user) -> str:
    """The reviewer's employer: from the reviewer profile, else from the reviewer membership."""
    profile = ReviewerProfile.objects.filter(user=user).first()
    if profile is not None and profile.employer:
        return profile.employer
    return next((m.employer for m in user.active_memberships if m.role == Role.REVIEWER and m.employer), "")


# The comment column of an objective criterion: short, the note under the table says how it is computed.
OBJECTIVE_COMMENT = "客观指标"


@dataclass(frozen=True)
class CriterionLine:
    level: int
    code: str
    name: str
    max_points: str
    points: str
    comment: str
    heading: bool  # a parent criterion: its children carry the points
    objective: bool = False


def criterion_lines(review: Review, application) -> tuple[list[CriterionLine], Decimal]:
    """The rubric's criteria in order, with the reviewer's points and comment on the subjective leaves; and the
    reviewer's subjective total.

    The objective criteria are computed, not scored by the expert: each branch of them is one line, its topmost
    objective criterion with the sum of the computed points below it (the cycle's report itemizes them). So the
    form of a normal review stays on one page however detailed the objective part of the rubric is."""
    criteria = list(Criterion.objects.filter(rubric__cycle_id=application.cycle_id).order_by("position"))
    parents = {c.parent_id for c in criteria if c.parent_id is not None}
    scores = {s.criterion_id: s for s in review.scores.all()}
    objective = (objective_points_by_criterion(application)
                 if any(c.kind == CriterionKind.OBJECTIVE for c in criteria) else {})
    # criterion id -> the topmost objective criterion of its branch (itself for the top one)
    branch_of: dict[int, int] = {}
    for criterion in criteria:  # parents come before their children
        if criterion.parent_id in branch_of:
            branch_of[criterion.pk] = branch_of[criterion.parent_id]
        elif criterion.kind == CriterionKind.OBJECTIVE:
            branch_of[criterion.pk] = criterion.pk
    computed: dict[int, list[Decimal]] = {}
    for criterion in criteria:
        if criterion.pk in branch_of and criterion.pk not in parents and objective.get(criterion.pk) is not None:
            computed.setdefault(branch_of[criterion.pk], []).append(objective[criterion.pk])
    lines, total = [], Decimal("0.00")
    for criterion in criteria:
        points, comment = "", ""
        heading = criterion.pk in parents
        if criterion.pk in branch_of:
            if branch_of[criterion.pk] != criterion.pk:
                continue  # itemized in the cycle's report
            found = computed.get(criterion.pk)
            points = f"{sum(found):.2f}" if found else "—"
            comment, heading = OBJECTIVE_COMMENT, False
        elif not heading:
            score = scores.get(criterion.pk)
            points = "未评分" if score is None or score.points is None else cell_text(score.points)
            comment = score.comment if score is not None else ""
            total += score.points if score is not None and score.points is not None else 0
        lines.append(CriterionLine(level=criterion.level, code=criterion.code, name=criterion.name,
                                   max_points=cell_text(criterion.max_points), points=points, comment=comment,
                                   heading=heading, objective=criterion.pk in branch_of))
    return lines, total


def review_opinion_pdf(review: Review) -> bytes:
    """专家评审意见表: the city, the cycle, the reviewer and employer, each criterion with points and comment,
    the total, the overall opinion, the recommendation, and the signature line with the submission date."""
    assignment = review.assignment
    application = assignment.application
    reviewer = assignment.reviewer
    lines, total = criterion_lines(review, application)
    day = local_date(review.submitted_at)
    return render_pdf("pdf/review_opinion.html", {
        "application": application,
        "cycle": application.cycle,
        "city": application.city,
        "reviewer_name": str(reviewer),
        "employer": employer_of(reviewer),
        "lines": lines,
        "has_objective": any(line.objective for line in lines),
        "total": cell_text(total),
        "opinion_paragraphs": paragraphs(review.opinion),
        "recommendation": RECOMMENDATION_NAMES.get(review.recommendation, ""),
        "review_date": official_date(day) if day else "",
        "metadata_date": day,
    })


def submitted_reviews(application) -> list[Review]:
    return list(Review.objects.filter(assignment__application=application, submitted_at__isnull=False)
                .exclude(assignment__status=AssignmentStatus.CONFLICT)
                .select_related("assignment").order_by("assignment_id"))


def application_summary_pdf(application) -> bytes:
    """专家评审意见汇总表: each expert's subjective total and recommendation, the statistics of the
    application (as the cycle's ranking computes them) and every expert's overall opinion."""
    cycle = application.cycle
    reviews = submitted_reviews(application)
    stats = cycle_statistics(cycle, [application], objective={application.pk: objective_total_of(application)})[0]
    experts = []
    for number, review in enumerate(reviews, start=1):
        reviewer_id = review.assignment.reviewer_id
        day = local_date(review.submitted_at)
        experts.append({
            "label": f"专家{number}",
            "total": cell_text(stats.totals.get(reviewer_id)),
            "recommendation": RECOMMENDATION_NAMES.get(review.recommendation, ""),
            "outlier": reviewer_id in stats.outliers,
            "date": official_date(day) if day else "",
            "opinion_paragraphs": paragraphs(review.opinion),
        })
    latest = max((r.submitted_at for r in reviews), default=None)
    figures = [
        ("有效评审数", str(len(stats.totals))),
        ("主观平均分", cell_text(stats.mean)),
        ("主观中位数", cell_text(stats.median)),
        ("主观去极值平均分", cell_text(stats.trimmed_mean)),
        ("标准差", cell_text(stats.std_dev)),
        ("极差（最高分－最低分）", cell_text(stats.spread)),
        (f"采用的主观分（{AGGREGATE_NAMES.get(cycle.rubric.aggregate, '')}）", cell_text(stats.counted)),
        ("客观分", cell_text(stats.objective)),
        ("最终得分（百分制）", cell_text(stats.final)),
        ("建议结果", SUGGESTION_NAMES.get(stats.suggestion, "—")),
    ]
    return render_pdf("pdf/review_summary.html", {
        "application": application,
        "cycle": cycle,
        "city": application.city,
        "level_group": LEVEL_GROUP_NAMES.get(stats.level_group, ""),
        "experts": experts,
        "figures": figures,
        "summary_date": official_date(local_date(latest)) if latest else "",
        "metadata_date": local_date(latest),
    })
