"""Decisions and publication (DESIGN.md §3 "Effects of a decision on Designation", §4).

The national administration decides an application once its reviews are in; the decision moves the
application through ``evaluations.workflow.transition`` and changes the city's title through the
designation services of ``cities.services`` (this module never writes Designation rows itself):

- PILOT approved → a PILOT title, DEMONSTRATION approved → a DEMONSTRATION title, STRONG_CITY approved →
  a STRONG_CITY_CANDIDATE title; each a 3-year term from the decision date (or ``term_start``).
- RE_REVIEW passed → a new term of the title under re-review (renewal: a new row, the old one kept).
- RE_REVIEW failed → an active title enters rectification with a deadline one year on (the RE_REVIEW
  cycle of that year lists it again); a title already in rectification is revoked with a 2-year ban
  on demonstration applications (S1 三(三)3).
- RE_REVIEW "取消示范城市资格" → the city no longer meets 《办法》第十八条 (S1 三(二)1): the title is revoked, no ban.
- A city due for re-review that never applied gets an outcome when the results are published (the notice is
  silent: the cycle's ``missed_re_review`` setting says whether it counts as failing or as cancelled).

Each decision records its effect on the title (``Decision.effect``): every published label is derived from it
(``reviews.outcomes``). Outcomes stay hidden from cities and provinces until ``publish_cycle_results``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cities import audit
from cities.enums import DesignationStatus, Role, Tier
from cities.models import Designation
from cities.notifications import notify, users_with_role
from cities.services import grant_designation, renew_designation, require, revoke_designation, start_rectification
from evaluations.enums import Action, ApplicationState, CycleKind, MissedReReview
from evaluations.models import Application, Cycle
from evaluations.selectors import NOT_SUBMITTED_STATES, DueCity, due_cities
from evaluations.services.applications import new_application
from evaluations.workflow import transition
from ipcity.dates import add_years, local_today
from reviews.aggregation import ApplicationStats, cycle_statistics
from reviews.enums import AssignmentStatus, DecisionEffect, Outcome
from reviews.selectors import ranked_applications
from reviews.models import Assignment, Decision, Review, Rubric

# Which outcomes end which procedure (DESIGN.md §3: re-reviews pass or fail, evaluations approve or reject).
OUTCOMES_BY_KIND = {
    CycleKind.PILOT: (Outcome.APPROVED, Outcome.REJECTED),
    CycleKind.DEMONSTRATION: (Outcome.APPROVED, Outcome.REJECTED),
    CycleKind.STRONG_CITY: (Outcome.APPROVED, Outcome.REJECTED),
    CycleKind.RE_REVIEW: (Outcome.PASSED, Outcome.FAILED, Outcome.TITLE_CANCELLED),
}
ACTION_FOR_OUTCOME = {
    Outcome.APPROVED: Action.APPROVE,
    Outcome.REJECTED: Action.REJECT,
    Outcome.PASSED: Action.PASS,
    Outcome.FAILED: Action.FAIL,
    Outcome.TITLE_CANCELLED: Action.CANCEL_TITLE,
    Outcome.NOT_SUBMITTED: Action.LAPSE,
}
# The title an approval gives.
TIER_FOR_APPROVAL = {
    CycleKind.PILOT: Tier.PILOT,
    CycleKind.DEMONSTRATION: Tier.DEMONSTRATION,
    CycleKind.STRONG_CITY: Tier.STRONG_CITY_CANDIDATE,
}
# Applications that take part in a cycle's ranking: in review, or decided.
# Applications a cycle's publication waits for.
UNDECIDED_STATES = frozenset({ApplicationState.UNDER_REVIEW, ApplicationState.SHORTLISTED})
RECTIFICATION_YEARS = 1  # S1 三(三)3: one year to rectify, then a second re-review
BAN_YEARS = 2  # after a second failure, no demonstration application for two years


# --- the decision guard (registered into evaluations.workflow.DECISION_GUARDS) ---------------------


def reviews_complete(application: Application) -> list[str]:
    """Every assignment without a declared conflict is submitted, and at least one review is submitted."""
    statuses = list(Assignment.objects.filter(application=application)
                    .exclude(status=AssignmentStatus.CONFLICT).values_list("status", flat=True))
    pending = sum(1 for status in statuses if status != AssignmentStatus.SUBMITTED)
    if pending:
        return [ngettext("%(pending)s of %(total)s reviews is not submitted yet.",
                         "%(pending)s of %(total)s reviews are not submitted yet.", pending)
                % {"pending": pending, "total": len(statuses)}]
    if not Review.objects.filter(assignment__application=application, submitted_at__isnull=False).exclude(
            assignment__status=AssignmentStatus.CONFLICT).exists():
        return [_("No review of this application has been submitted yet.")]
    return []


# --- statistics of a cycle --------------------------------------------------------------------------


def objective_points(cycle: Cycle, applications: list[Application]) -> dict[int, Decimal | None]:
    """Objective points per application from the scoring module, or none while it is not installed."""
    try:
        from reviews.objective import objective_totals
    except ImportError:
        return {}
    return objective_totals(cycle, applications)


def rubric_of(cycle: Cycle) -> Rubric | None:
    """The cycle's rubric (cached on the cycle, so the statistics do not load it again), or None."""
    try:
        return cycle.rubric
    except Rubric.DoesNotExist:
        return None


def cycle_ranking(cycle: Cycle, applications: list[Application] | None = None, *,
                  objective: dict[int, Decimal | None] | None = None) -> list[ApplicationStats]:
    """The statistics of every application of ``cycle`` in review or decided, best first (empty without a rubric).
    ``objective``: the objective points when the caller has computed them already."""
    if rubric_of(cycle) is None:
        return []
    applications = list(ranked_applications(cycle)) if applications is None else applications
    if objective is None:
        objective = objective_points(cycle, applications)
    return cycle_statistics(cycle, applications, objective=objective)


# --- deciding -------------------------------------------------------------------------------------------


def check_outcome(application: Application, outcome: str) -> Outcome:
    allowed = OUTCOMES_BY_KIND[application.cycle.kind]
    if outcome not in allowed:
        shown = Outcome(outcome).label if outcome in Outcome.values else outcome
        raise ValidationError(
            _("A %(kind)s ends in %(allowed)s, not “%(outcome)s” (decision rule: re-reviews pass, fail or cancel the "
              "demonstration status; evaluations approve or reject).")
            % {"kind": CycleKind(application.cycle.kind).label,
               "allowed": " / ".join(f"“{o.label}”" for o in allowed), "outcome": shown})
    return Outcome(outcome)


def _fail_title(designation: Designation, *, rationale: str, on: dt.date, by) -> tuple[Designation, DecisionEffect]:
    """S1 三(三)3: a first failure gives one year to rectify; failing again revokes with a 2-year ban."""
    if designation.status == DesignationStatus.ACTIVE:
        return (start_rectification(designation, reason=rationale, deadline=add_years(on, RECTIFICATION_YEARS), by=by),
                DecisionEffect.RECTIFICATION)
    if designation.status == DesignationStatus.RECTIFYING:
        return (revoke_designation(designation, reason=rationale, ban_years=BAN_YEARS, on=on, by=by),
                DecisionEffect.REVOKED)
    raise ValidationError(_("The title under re-review is %(status)s; only an active or rectifying title can fail.")
                          % {"status": designation.get_status_display()})


def _cancel_title(designation: Designation, *, rationale: str, on: dt.date, by) -> tuple[Designation, DecisionEffect]:
    """S1 三(二)1: no longer meeting 《办法》第十八条 cancels the demonstration status (no ban is stated)."""
    return revoke_designation(designation, reason=rationale, on=on, by=by), DecisionEffect.CANCELLED


def _apply_effect(application: Application, outcome: Outcome, *, rationale: str, on: dt.date,
                  term_start: dt.date | None, document_number: str, by) -> tuple[Designation | None, DecisionEffect]:
    """Change the city's title as the decision says, through the designation services."""
    cycle = application.cycle
    source = cycle.title
    if outcome == Outcome.APPROVED:
        return (grant_designation(application.city, tier=TIER_FOR_APPROVAL[cycle.kind], term_start=term_start or on,
                                  document_number=document_number, source_decision=source, by=by),
                DecisionEffect.GRANTED)
    if cycle.kind != CycleKind.RE_REVIEW or outcome == Outcome.REJECTED:
        return None, DecisionEffect.NONE
    if application.designation_id is None:
        raise ValidationError(_("This re-review names no demonstration title to decide on."))
    designation = Designation.objects.get(pk=application.designation_id)
    if outcome == Outcome.PASSED:
        # The new term follows the old one; a title re-reviewed after its term ended starts on the decision date.
        start = term_start or max(designation.term_end + dt.timedelta(days=1), on)
        return (renew_designation(designation, term_start=start, document_number=document_number,
                                  source_decision=source, by=by), DecisionEffect.RENEWED)
    if outcome == Outcome.TITLE_CANCELLED or (outcome == Outcome.NOT_SUBMITTED
                                              and cycle.missed_re_review == MissedReReview.CANCEL):
        return _cancel_title(designation, rationale=rationale, on=on, by=by)
    return _fail_title(designation, rationale=rationale, on=on, by=by)


def _decide(application: Application, *, outcome: str, rationale: str, by, stats: ApplicationStats | None,
            term_start: dt.date | None, document_number: str, decided_on: dt.date | None) -> Decision:
    outcome = Outcome(outcome) if outcome == Outcome.NOT_SUBMITTED else check_outcome(application, outcome)
    if not rationale.strip():
        raise ValidationError(_("A decision needs a rationale."))
    document_number = document_number.strip()
    on = decided_on or local_today()
    if on > local_today():
        raise ValidationError(_("The date of the decision cannot be in the future."))
    if outcome != Outcome.NOT_SUBMITTED or application.state in NOT_SUBMITTED_STATES:
        application = transition(application, ACTION_FOR_OUTCOME[outcome], by=by, reason=rationale,
                                 audit_data={"outcome": outcome.value})
    designation, effect = _apply_effect(application, outcome, rationale=rationale, on=on, term_start=term_start,
                                        document_number=document_number, by=by)
    decision = Decision(application=application, outcome=outcome, effect=effect, rationale=rationale.strip(),
                        document_number=document_number, decided_on=on,
                        final_score=stats.final if stats else None, rank=stats.rank if stats else None,
                        designation=designation, decided_by=by)
    decision.full_clean()
    decision.save()
    if effect != DecisionEffect.NONE:
        application.resulting_designation = designation
        application.save(update_fields=["resulting_designation", "updated_at"])
    audit.record(actor=by, action="decision.record", obj=application, to_state=outcome, reason=rationale,
                 city=application.city,
                 data={"decision": decision.pk, "outcome": outcome.value, "effect": effect.value,
                       "document_number": decision.document_number, "decided_on": on.isoformat(),
                       "final_score": str(decision.final_score) if decision.final_score is not None else None,
                       "rank": decision.rank, "designation": designation.pk if designation else None,
                       "designation_status": designation.status if designation else None})
    return decision


def _require_national(by) -> None:
    if by is None:
        raise PermissionDenied(_("Only the national administration may decide."))
    require(by, "evaluations.act_as_national")


def decide(application: Application, *, outcome: str, rationale: str, by, term_start: dt.date | None = None,
           document_number: str = "", decided_on: dt.date | None = None) -> Decision:
    """Decide one application (national administration) and apply the decision to the city's title."""
    _require_national(by)
    with transaction.atomic():
        stats = {s.application.pk: s for s in cycle_ranking(application.cycle)}
        return _decide(application, outcome=outcome, rationale=rationale, by=by, stats=stats.get(application.pk),
                       term_start=term_start, document_number=document_number, decided_on=decided_on)


def decide_many(applications, *, outcome: str, rationale: str, by, term_start: dt.date | None = None,
                document_number: str = "", decided_on: dt.date | None = None) -> list[Decision]:
    """Decide several applications of one cycle the same way: all of them, or none (every refusal is listed)."""
    _require_national(by)
    applications = list(applications)
    if not applications:
        raise ValidationError(_("Choose at least one application."))
    if len({a.cycle_id for a in applications}) > 1:
        raise ValidationError(_("Decide the applications of one cycle at a time."))
    with transaction.atomic():
        stats = {s.application.pk: s for s in cycle_ranking(applications[0].cycle)}
        decisions, errors = [], []
        for application in applications:
            try:
                with transaction.atomic():
                    decisions.append(_decide(application, outcome=outcome, rationale=rationale, by=by,
                                             stats=stats.get(application.pk), term_start=term_start,
                                             document_number=document_number, decided_on=decided_on))
            except ValidationError as exc:
                errors += [f"{application.city.full_name}: {message}" for message in exc.messages]
        if errors:
            raise ValidationError(errors)  # rolls back the decisions already made
    return decisions


# --- publication (公示) ------------------------------------------------------------------------------


class MissingOutcomes(ValidationError):
    """Publishing would leave cities that were due without an outcome: national staff must confirm the list."""

    api_status = 409
    api_code = "confirmation_required"

    def __init__(self, rows: list[DueCity]):
        self.rows = rows
        super().__init__(
            _("%(count)s cities were due in this cycle and have no decision: %(cities)s. Publishing records "
              "“%(outcome)s” for each of them; confirm to publish.")
            % {"count": len(rows), "cities": "、".join(row.city.full_name for row in rows),
               "outcome": Outcome.NOT_SUBMITTED.label})


def missing_outcomes(cycle: Cycle) -> list[DueCity]:
    """The cities due in ``cycle`` that publishing would leave without an outcome (see ``DueCity.needs_decision``)."""
    return [row for row in due_cities(cycle) if row.needs_decision]


def not_submitted_rationale(cycle: Cycle) -> str:
    """The rationale recorded for a city that did not apply; always in Chinese (it is part of the record)."""
    if cycle.kind != CycleKind.RE_REVIEW:
        return "未在规定期限内完成申报。"
    treated = ("通知未规定，按国家知识产权局确定的规则取消示范城市资格" if cycle.missed_re_review == MissedReReview.CANCEL
               else "通知未规定，按国家知识产权局确定的规则视同未通过复核（2018年通知 三（三）3）")
    return f"应参加{cycle.year}年度示范城市复核，未按期提交申请复核函；{treated}。"


def _record_missing(cycle: Cycle, rows: list[DueCity], *, by) -> list[Decision]:
    rationale = not_submitted_rationale(cycle)
    decisions = []
    for row in rows:
        application = row.application or new_application(cycle, row.city, designation=row.designation, by=by)
        decisions.append(_decide(application, outcome=Outcome.NOT_SUBMITTED, rationale=rationale, by=by, stats=None,
                                 term_start=None, document_number=cycle.document_number, decided_on=None))
    return decisions


def publish_cycle_results(cycle: Cycle, *, by, confirm_missing: bool = False) -> Cycle:
    """Make the cycle's outcomes visible to cities, provinces and the public page, and tell the cities.

    Cities that were due and have no decision (a re-review's due titles, or applications never submitted) are
    listed in a ``MissingOutcomes`` refusal; with ``confirm_missing`` each of them gets a "did not apply in
    time" decision, with the effect the cycle's ``missed_re_review`` setting gives."""
    _require_national(by)
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.results_published:
            raise ValidationError(_("The results of this cycle were published on %(date)s.")
                                  % {"date": timezone.localdate(cycle.results_published_at).isoformat()})
        undecided = list(Application.objects.filter(cycle=cycle, state__in=UNDECIDED_STATES)
                         .select_related("city").order_by("city__code"))
        if undecided:
            raise ValidationError(
                _("These applications are not decided yet: %(cities)s.")
                % {"cities": "、".join(a.city.full_name for a in undecided)})
        missing = missing_outcomes(cycle)
        if missing and not confirm_missing:
            raise MissingOutcomes(missing)
        recorded = _record_missing(cycle, missing, by=by)
        decided = list(Application.objects.filter(cycle=cycle, decision__isnull=False)
                       .select_related("city", "decision").order_by("city__code"))
        if not decided:
            raise ValidationError(_("Nothing to publish: no application of this cycle has been decided."))
        cycle.results_published_at = timezone.now()
        cycle.save(update_fields=["results_published_at"])
        audit.record(actor=by, action="cycle.publish_results", obj=cycle,
                     data={"decided": len(decided), "document_number": cycle.document_number,
                           "not_submitted": [d.application.city.code for d in recorded],
                           "outcomes": {a.city.code: a.decision.outcome for a in decided}})
        for application in decided:
            _tell_outcome(cycle, application)
    return cycle


def _tell_outcome(cycle: Cycle, application: Application) -> None:
    """The city's officers and its province's staff learn the outcome (the rationale stays with national staff)."""
    recipients = (users_with_role(Role.CITY_OFFICER, city=application.city)
                  + users_with_role(Role.PROVINCE_STAFF, province_id=application.city.province_id))
    title = _("%(city)s · %(cycle)s: %(outcome)s") % {
        "city": application.city.full_name, "cycle": cycle.title,
        "outcome": Outcome(application.decision.outcome).label}
    body = (_("The results were published under %(number)s.") % {"number": cycle.document_number}
            if cycle.document_number else _("The results were published."))
    url = reverse("application_detail", args=[application.pk])
    transaction.on_commit(lambda: notify(recipients, title=title, body=body, url=url))
