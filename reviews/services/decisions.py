"""Decisions and publication (DESIGN.md §3 "Effects of a decision on Designation", §4).

The national administration decides an application once its reviews are in; the decision moves the
application through ``evaluations.workflow.transition`` and changes the city's title through the
designation services of ``cities.services`` (this module never writes Designation rows itself):

- PILOT approved → a PILOT title, DEMONSTRATION approved → a DEMONSTRATION title, STRONG_CITY approved →
  a STRONG_CITY_CANDIDATE title; each a 3-year term from the decision date (or ``term_start``).
- RE_REVIEW passed → a new term of the title under re-review (renewal: a new row, the old one kept).
- RE_REVIEW failed → an active title enters rectification with a deadline one year on (the RE_REVIEW
  cycle of that year lists it again); a title already in rectification is revoked with a 2-year ban
  on demonstration applications.

Outcomes stay hidden from cities and provinces until ``publish_cycle_results``.
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
from evaluations.enums import Action, ApplicationState, CycleKind
from evaluations.models import Application, Cycle
from evaluations.workflow import transition
from ipcity.dates import add_years, local_today
from reviews.aggregation import ApplicationStats, cycle_statistics
from reviews.enums import AssignmentStatus, Outcome
from reviews.selectors import ranked_applications
from reviews.models import Assignment, Decision, Review, Rubric

# Which outcomes end which procedure (DESIGN.md §3: re-reviews pass or fail, evaluations approve or reject).
OUTCOMES_BY_KIND = {
    CycleKind.PILOT: (Outcome.APPROVED, Outcome.REJECTED),
    CycleKind.DEMONSTRATION: (Outcome.APPROVED, Outcome.REJECTED),
    CycleKind.STRONG_CITY: (Outcome.APPROVED, Outcome.REJECTED),
    CycleKind.RE_REVIEW: (Outcome.PASSED, Outcome.FAILED),
}
ACTION_FOR_OUTCOME = {
    Outcome.APPROVED: Action.APPROVE,
    Outcome.REJECTED: Action.REJECT,
    Outcome.PASSED: Action.PASS,
    Outcome.FAILED: Action.FAIL,
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


def cycle_ranking(cycle: Cycle, applications: list[Application] | None = None) -> list[ApplicationStats]:
    """The statistics of every application of ``cycle`` in review or decided, best first (empty without a rubric)."""
    if rubric_of(cycle) is None:
        return []
    applications = list(ranked_applications(cycle)) if applications is None else applications
    return cycle_statistics(cycle, applications, objective=objective_points(cycle, applications))


# --- deciding -------------------------------------------------------------------------------------------


def check_outcome(application: Application, outcome: str) -> Outcome:
    allowed = OUTCOMES_BY_KIND[application.cycle.kind]
    if outcome not in allowed:
        shown = Outcome(outcome).label if outcome in Outcome.values else outcome
        raise ValidationError(
            _("A %(kind)s ends in “%(first)s” or “%(second)s”, not “%(outcome)s” (decision rule: re-reviews pass "
              "or fail, evaluations approve or reject).")
            % {"kind": CycleKind(application.cycle.kind).label, "first": allowed[0].label,
               "second": allowed[1].label, "outcome": shown})
    return Outcome(outcome)


def _apply_effect(application: Application, outcome: Outcome, *, rationale: str, today: dt.date,
                  term_start: dt.date | None, document_number: str, by) -> Designation | None:
    """Change the city's title as the decision says, through the designation services."""
    cycle = application.cycle
    source = cycle.title
    if outcome == Outcome.APPROVED:
        return grant_designation(application.city, tier=TIER_FOR_APPROVAL[cycle.kind], term_start=term_start or today,
                                 document_number=document_number, source_decision=source, by=by)
    if outcome not in (Outcome.PASSED, Outcome.FAILED):
        return None
    if application.designation_id is None:
        raise ValidationError(_("This re-review names no demonstration title to pass or fail."))
    designation = Designation.objects.get(pk=application.designation_id)
    if outcome == Outcome.PASSED:
        # The new term follows the old one; a title re-reviewed after its term ended starts on the decision date.
        start = term_start or max(designation.term_end + dt.timedelta(days=1), today)
        return renew_designation(designation, term_start=start, document_number=document_number,
                                 source_decision=source, by=by)
    if designation.status == DesignationStatus.ACTIVE:
        return start_rectification(designation, reason=rationale, deadline=add_years(today, RECTIFICATION_YEARS),
                                   by=by)
    if designation.status == DesignationStatus.RECTIFYING:
        return revoke_designation(designation, reason=rationale, ban_years=BAN_YEARS, on=today, by=by)
    raise ValidationError(_("The title under re-review is %(status)s; only an active or rectifying title can fail.")
                          % {"status": designation.get_status_display()})


def _decide(application: Application, *, outcome: str, rationale: str, by, stats: ApplicationStats | None,
            term_start: dt.date | None, document_number: str) -> Decision:
    outcome = check_outcome(application, outcome)
    if not rationale.strip():
        raise ValidationError(_("A decision needs a rationale."))
    today = local_today()
    application = transition(application, ACTION_FOR_OUTCOME[outcome], by=by, reason=rationale,
                             audit_data={"outcome": outcome.value})
    designation = _apply_effect(application, outcome, rationale=rationale, today=today, term_start=term_start,
                                document_number=document_number, by=by)
    decision = Decision(application=application, outcome=outcome, rationale=rationale.strip(),
                        final_score=stats.final if stats else None, rank=stats.rank if stats else None,
                        designation=designation, decided_by=by)
    decision.full_clean()
    decision.save()
    application.resulting_designation = designation
    application.save(update_fields=["resulting_designation", "updated_at"])
    audit.record(actor=by, action="decision.record", obj=application, to_state=outcome, reason=rationale,
                 city=application.city,
                 data={"decision": decision.pk, "outcome": outcome.value,
                       "final_score": str(decision.final_score) if decision.final_score is not None else None,
                       "rank": decision.rank, "designation": designation.pk if designation else None,
                       "designation_status": designation.status if designation else None})
    return decision


def _require_national(by) -> None:
    if by is None:
        raise PermissionDenied(_("Only the national administration may decide."))
    require(by, "evaluations.act_as_national")


def decide(application: Application, *, outcome: str, rationale: str, by, term_start: dt.date | None = None,
           document_number: str = "") -> Decision:
    """Decide one application (national administration) and apply the decision to the city's title."""
    _require_national(by)
    with transaction.atomic():
        stats = {s.application.pk: s for s in cycle_ranking(application.cycle)}
        return _decide(application, outcome=outcome, rationale=rationale, by=by, stats=stats.get(application.pk),
                       term_start=term_start, document_number=document_number)


def decide_many(applications, *, outcome: str, rationale: str, by, term_start: dt.date | None = None,
                document_number: str = "") -> list[Decision]:
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
                                             document_number=document_number))
            except ValidationError as exc:
                errors += [f"{application.city.full_name}: {message}" for message in exc.messages]
        if errors:
            raise ValidationError(errors)  # rolls back the decisions already made
    return decisions


# --- publication (公示) ------------------------------------------------------------------------------


def publish_cycle_results(cycle: Cycle, *, by) -> Cycle:
    """Make the cycle's outcomes visible to cities, provinces and the public page, and tell the cities."""
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
        decided = list(Application.objects.filter(cycle=cycle, decision__isnull=False)
                       .select_related("city", "decision").order_by("city__code"))
        if not decided:
            raise ValidationError(_("Nothing to publish: no application of this cycle has been decided."))
        cycle.results_published_at = timezone.now()
        cycle.save(update_fields=["results_published_at"])
        audit.record(actor=by, action="cycle.publish_results", obj=cycle,
                     data={"decided": len(decided), "document_number": cycle.document_number,
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
