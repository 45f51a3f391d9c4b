"""Assigning experts to applications: conflicts of interest (回避), manual and automatic assignment,
the reviewer's declaration, reassignment and the workload per reviewer.

National actions require ``reviews.manage_assignments``; a reviewer acts only on their own assignment
(``reviews.declare_assignment``). Every write is atomic and audited as ``assignment.*``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cities import audit
from cities.enums import Role
from cities.models import User
from cities.notifications import notify, users_with_role
from cities.services import require
from evaluations.enums import ApplicationState, CycleKind
from evaluations.models import Application, Cycle
from ipcity.dates import local_today
from reviews.enums import ACTIVE_ASSIGNMENT_STATUSES, AssignmentStatus
from reviews.models import Assignment, Rubric
from reviews.services.reviewers import (  # noqa: F401  (profile functions are part of this module's API)  # noqa: F401  (re-exported)
    affiliation_of,
    import_reviewers,
    profile_for,
    reviewer_memberships,
    reviewers,
    upsert_reviewer_profile,
)

DEFAULT_PER_APPLICATION = 5
ACTIVE = sorted(ACTIVE_ASSIGNMENT_STATUSES)
PENDING = [AssignmentStatus.ASSIGNED, AssignmentStatus.OPENED]  # not submitted, slot still taken
# Words in an expert's areas that match a procedure (the cycle kind's Chinese name).
KIND_KEYWORDS = {
    CycleKind.PILOT: ("试点",),
    CycleKind.DEMONSTRATION: ("示范",),
    CycleKind.RE_REVIEW: ("示范", "复核"),
    CycleKind.STRONG_CITY: ("强市",),
}
THEME_SEPARATORS = re.compile(r"[、，,；;／/\s]+")


def reviewable_states(cycle: Cycle) -> frozenset[str]:
    """Applications experts review: those under review; for strong cities also the shortlisted formal stage."""
    if cycle.kind == CycleKind.STRONG_CITY:
        return frozenset({ApplicationState.UNDER_REVIEW, ApplicationState.SHORTLISTED})
    return frozenset({ApplicationState.UNDER_REVIEW})


# --- Conflicts of interest -------------------------------------------------------------------


def conflict_reasons(reviewer: User, application: Application) -> list[str]:
    """Why ``reviewer`` may not review ``application``; empty when they may. Each message names its rule."""
    provinces, cities = affiliation_of(reviewer)
    city = application.city
    reasons = []
    if any(province.pk == city.province_id for province in provinces):
        reasons.append(_("same province (%(province)s)") % {"province": city.province.name})
    for own in cities:
        if own.pk == city.pk:
            reason = _("employer in the same city (%(city)s)") % {"city": city.full_name}
        elif own.pk == city.parent_id:
            reason = _("employer in %(employer_city)s, to which %(city)s belongs") % {
                "employer_city": own.full_name, "city": city.full_name}
        elif own.parent_id is not None and own.parent_id == city.pk:
            reason = _("employer in %(employer_city)s, part of %(city)s") % {
                "employer_city": own.full_name, "city": city.full_name}
        else:
            continue
        if reason not in reasons:
            reasons.append(reason)
    return reasons


def expertise_matches(expertise: list[str], application: Application) -> bool:
    """An area names the procedure (试点, 示范 …) or shares a word with the application's theme."""
    words = [*KIND_KEYWORDS.get(application.cycle.kind, ()),
             *(word for word in THEME_SEPARATORS.split(application.theme or "") if len(word) >= 2)]
    return any(word in area or (len(area) >= 2 and area in word) for area in expertise for word in words)


# --- Shared checks -------------------------------------------------------------------------


def _check_due_date(due_date: dt.date) -> None:
    if due_date is None:
        raise ValidationError(_("A due date is required."))
    if due_date < local_today():
        raise ValidationError(_("The due date %(date)s has already passed.") % {"date": due_date.isoformat()})


def _check_reviewable(application: Application) -> None:
    if application.state not in reviewable_states(application.cycle):
        raise ValidationError(_("%(city)s is not under review (it is %(state)s); only applications under review "
                                "get reviewers.") % {"city": application.city.full_name,
                                                     "state": ApplicationState(application.state).label})


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("A reason is required."))
    return reason


def freeze_cycle_rubric(cycle: Cycle, *, by) -> None:
    """The rubric cannot change once experts are assigned (no rubric yet is allowed)."""
    rubric = Rubric.objects.filter(cycle=cycle).first()
    if rubric is None or rubric.is_frozen:
        return
    if importlib.util.find_spec("reviews.services.rubrics") is not None:
        from reviews.services import rubrics

        if hasattr(rubrics, "freeze_rubric"):
            rubrics.freeze_rubric(rubric, by=by)
            return
    Rubric.objects.filter(pk=rubric.pk, frozen_at__isnull=True).update(frozen_at=timezone.now())


def _locked_application(application: Application) -> Application:
    return (Application.objects.select_for_update(of=("self",)).select_related("cycle", "city__province")
            .get(pk=application.pk))


def _locked_assignment(assignment: Assignment) -> Assignment:
    return (Assignment.objects.select_for_update(of=("self",))
            .select_related("reviewer", "application__cycle", "application__city__province")
            .get(pk=assignment.pk))


def _notify_assigned(assignments: list[Assignment]) -> None:
    by_reviewer: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        by_reviewer[assignment.reviewer_id].append(assignment)
    url = reverse("my_assignments")
    for rows in by_reviewer.values():
        first = rows[0]
        title = ngettext("%(count)s new review assignment: %(what)s", "%(count)s new review assignments, starting "
                         "with %(what)s", len(rows)) % {"count": len(rows), "what": _assignment_label(first)}
        body = _("Declare that you have no conflict of interest before %(date)s to open the application.") % {
            "date": min(row.due_date for row in rows).isoformat()}
        reviewer = first.reviewer
        transaction.on_commit(lambda reviewer=reviewer, title=title, body=body: notify(
            [reviewer], title=title, body=body, url=url))


def _assignment_label(assignment: Assignment) -> str:
    return f"{assignment.application.city.full_name} · {assignment.application.cycle.title}"


def _create(application: Application, reviewer: User, *, due_date: dt.date, override_reason: str, by,
            data: dict | None = None) -> Assignment:
    """Checks and writes one assignment; the caller holds the application's lock and checked permission."""
    _check_reviewable(application)
    _check_due_date(due_date)
    if not (reviewer.is_active and reviewer_memberships(reviewer)):
        raise ValidationError(_("%(user)s does not hold the reviewer role.") % {"user": reviewer.get_username()})
    mine = Assignment.objects.filter(application=application, reviewer=reviewer)
    if mine.exclude(status=AssignmentStatus.CONFLICT).exists():
        raise ValidationError(_("%(reviewer)s is already assigned to %(city)s.") % {
            "reviewer": reviewer.get_username(), "city": application.city.full_name})
    reasons = conflict_reasons(reviewer, application)
    declared = mine.filter(status=AssignmentStatus.CONFLICT).first()
    if declared is not None:
        reasons.append(_("declared a conflict: %(reason)s") % {"reason": declared.conflict_reason})
    override_reason = (override_reason or "").strip()
    if reasons and not override_reason:
        raise ValidationError(_("%(reviewer)s cannot review %(city)s: %(reasons)s. Assigning them anyway needs a "
                                "reason for overriding the conflict rule.") % {
            "reviewer": reviewer.get_username(), "city": application.city.full_name, "reasons": "; ".join(reasons)})
    assignment = Assignment(application=application, reviewer=reviewer, due_date=due_date, assigned_by=by,
                            override_reason=override_reason if reasons else "")
    assignment.save()
    audit.record(actor=by, action="assignment.override" if reasons else "assignment.assign", obj=assignment,
                 to_state=assignment.status, reason=assignment.override_reason, city=application.city,
                 data={"reviewer": reviewer.get_username(), "application": application.pk,
                       "due_date": due_date.isoformat(), "conflicts": reasons, **(data or {})})
    return assignment


# --- National actions ------------------------------------------------------------------------


@transaction.atomic
def assign_reviewer(application: Application, reviewer: User, *, due_date: dt.date, override_reason: str = "",
                    by) -> Assignment:
    """Assign one reviewer. A conflicted reviewer needs ``override_reason`` (audited)."""
    require(by, "reviews.manage_assignments")
    application = _locked_application(application)
    assignment = _create(application, reviewer, due_date=due_date, override_reason=override_reason, by=by)
    freeze_cycle_rubric(application.cycle, by=by)
    _notify_assigned([assignment])
    return assignment


@dataclass(frozen=True)
class Skip:
    reviewer: User
    application: Application
    reason: str

    def __str__(self) -> str:
        return _("%(reviewer)s was skipped for %(city)s: %(reason)s") % {
            "reviewer": self.reviewer.get_username(), "city": self.application.city.full_name, "reason": self.reason}


@dataclass(frozen=True)
class Shortfall:
    application: Application
    assigned: int
    wanted: int

    def __str__(self) -> str:
        return _("%(city)s has %(assigned)s of %(wanted)s reviewers: too few eligible reviewers") % {
            "city": self.application.city.full_name, "assigned": self.assigned, "wanted": self.wanted}


@dataclass
class AssignmentResult:
    created: list[Assignment] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    unfilled: list[Shortfall] = field(default_factory=list)


def auto_assign(cycle: Cycle, *, per_application: int | None = None, due_date: dt.date, by) -> AssignmentResult:
    """Top up every application under review to N reviewers (the rubric's number, 5 by default).

    Candidates are available reviewers without a conflict; the fewest active assignments in the cycle go
    first, then matching expertise, then the username, so the same data gives the same result. The most
    constrained applications are filled first. Running it again only fills slots freed since.
    """
    require(by, "reviews.manage_assignments")
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        rubric = Rubric.objects.filter(cycle=cycle).first()
        wanted = per_application or (rubric.reviewers_per_application if rubric else DEFAULT_PER_APPLICATION)
        if wanted < 1:
            raise ValidationError(_("At least one reviewer per application."))
        _check_due_date(due_date)
        applications = list(Application.objects.select_for_update(of=("self",))
                            .filter(cycle=cycle, state__in=reviewable_states(cycle))
                            .select_related("cycle", "city__province").order_by("city__code"))
        taken: dict[int, set[int]] = defaultdict(set)
        declared: dict[tuple[int, int], str] = {}
        for application_id, reviewer_id, status, reason in Assignment.objects.filter(
                application__in=applications).values_list("application_id", "reviewer_id", "status",
                                                          "conflict_reason"):
            if status == AssignmentStatus.CONFLICT:
                declared[application_id, reviewer_id] = reason
            else:
                taken[application_id].add(reviewer_id)
        load = dict(Assignment.objects.filter(application__cycle=cycle, status__in=ACTIVE)
                    .values_list("reviewer_id").annotate(n=Count("id")).values_list("reviewer_id", "n"))
        pool = [user for user in reviewers() if profile_for(user).available]
        result = AssignmentResult()
        plans = []
        for application in applications:
            need = wanted - len(taken[application.pk])
            if need <= 0:
                continue
            eligible, skipped = [], []
            for reviewer in pool:
                if reviewer.pk in taken[application.pk]:
                    continue
                reasons = conflict_reasons(reviewer, application)
                if (application.pk, reviewer.pk) in declared:
                    reasons.append(_("declared a conflict: %(reason)s") % {
                        "reason": declared[application.pk, reviewer.pk]})
                if reasons:
                    skipped.append(Skip(reviewer, application, "; ".join(reasons)))
                else:
                    eligible.append(reviewer)
            result.skipped += skipped
            plans.append((application, need, eligible))
        for application, need, eligible in sorted(plans, key=lambda p: (len(p[2]) - p[1], p[0].city.code)):
            ranked = sorted(eligible, key=lambda r: (load.get(r.pk, 0), not expertise_matches(
                profile_for(r).expertise, application), r.get_username()))
            for reviewer in ranked[:need]:
                result.created.append(_create(application, reviewer, due_date=due_date, override_reason="",
                                              by=by, data={"auto": True}))
                load[reviewer.pk] = load.get(reviewer.pk, 0) + 1
            if len(ranked) < need:
                result.unfilled.append(Shortfall(application, len(taken[application.pk]) + len(ranked), wanted))
        result.unfilled.sort(key=lambda s: s.application.city.code)
        if result.created:
            freeze_cycle_rubric(cycle, by=by)
            _notify_assigned(result.created)
        audit.record(actor=by, action="assignment.auto", obj=cycle, data={
            "per_application": wanted, "due_date": due_date.isoformat(), "created": len(result.created),
            "skipped": [str(skip) for skip in result.skipped], "unfilled": [str(s) for s in result.unfilled]})
    return result


@transaction.atomic
def unassign(assignment: Assignment, *, reason: str, by) -> None:
    """Withdraw an assignment not yet submitted (its draft review, if any, goes with it)."""
    require(by, "reviews.manage_assignments")
    reason = _check_reason(reason)
    assignment = _locked_assignment(assignment)
    _remove(assignment, reason=reason, by=by, action="assignment.unassign")


def _remove(assignment: Assignment, *, reason: str, by, action: str, data: dict | None = None) -> None:
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise ValidationError(_("%(reviewer)s has submitted the review; reopen it instead of withdrawing the "
                                "assignment.") % {"reviewer": assignment.reviewer.get_username()})
    if assignment.status == AssignmentStatus.CONFLICT:
        raise ValidationError(_("This assignment was already released by a declared conflict."))
    audit.record(actor=by, action=action, obj=assignment, from_state=assignment.status, reason=reason,
                 city=assignment.application.city,
                 data={"reviewer": assignment.reviewer.get_username(), "application": assignment.application_id,
                       **(data or {})})
    title = _("Review assignment withdrawn: %(what)s") % {"what": _assignment_label(assignment)}
    reviewer = assignment.reviewer
    transaction.on_commit(lambda: notify([reviewer], title=title, body=reason, url=reverse("my_assignments")))
    assignment.delete()


@transaction.atomic
def reassign(assignment: Assignment, new_reviewer: User, *, reason: str, due_date: dt.date | None = None,
             override_reason: str = "", by) -> Assignment:
    """Give the slot to another reviewer. A conflict-released assignment stays as a record; others are withdrawn."""
    require(by, "reviews.manage_assignments")
    reason = _check_reason(reason)
    application = _locked_application(assignment.application)
    assignment = _locked_assignment(assignment)
    if new_reviewer.pk == assignment.reviewer_id:
        raise ValidationError(_("Choose another reviewer."))
    moved = {"from": assignment.reviewer.get_username(), "to": new_reviewer.get_username()}
    if assignment.status != AssignmentStatus.CONFLICT:
        _remove(assignment, reason=reason, by=by, action="assignment.reassign", data=moved)
    else:
        audit.record(actor=by, action="assignment.reassign", obj=assignment, from_state=assignment.status,
                     reason=reason, city=application.city, data={**moved, "application": application.pk})
    created = _create(application, new_reviewer, due_date=due_date or assignment.due_date,
                      override_reason=override_reason, by=by, data={"replaces": moved["from"]})
    _notify_assigned([created])
    return created


# --- The reviewer's declarations -------------------------------------------------------------


@transaction.atomic
def declare_no_conflict(assignment: Assignment, *, by) -> Assignment:
    """The assigned reviewer declares no conflict of interest; the application opens to them."""
    require(by, "reviews.declare_assignment", assignment)
    assignment = _locked_assignment(assignment)
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise ValidationError(_("Only a new assignment can be opened; this one is “%(status)s”.") % {
            "status": AssignmentStatus(assignment.status).label})
    assignment.status = AssignmentStatus.OPENED
    assignment.declared_at = timezone.now()
    assignment.save(update_fields=["status", "declared_at"])
    audit.record(actor=by, action="assignment.declare_no_conflict", obj=assignment,
                 from_state=AssignmentStatus.ASSIGNED, to_state=assignment.status, city=assignment.application.city)
    return assignment


@transaction.atomic
def declare_conflict(assignment: Assignment, *, reason: str, by) -> Assignment:
    """The assigned reviewer declares a conflict: the slot is freed and national staff are told."""
    require(by, "reviews.declare_assignment", assignment)
    reason = _check_reason(reason)
    assignment = _locked_assignment(assignment)
    if assignment.status not in PENDING:
        raise ValidationError(_("A conflict can only be declared before the review is submitted; this assignment "
                                "is “%(status)s”.") % {"status": AssignmentStatus(assignment.status).label})
    before = assignment.status
    assignment.status = AssignmentStatus.CONFLICT
    assignment.conflict_reason = reason
    assignment.save(update_fields=["status", "conflict_reason"])
    audit.record(actor=by, action="assignment.declare_conflict", obj=assignment, from_state=before,
                 to_state=assignment.status, reason=reason, city=assignment.application.city)
    title = _("%(reviewer)s declared a conflict of interest: %(what)s") % {
        "reviewer": assignment.reviewer.get_username(), "what": _assignment_label(assignment)}
    url = reverse("cycle_assignments", args=[assignment.application.cycle_id])
    recipients = users_with_role(Role.NATIONAL_ADMIN)
    transaction.on_commit(lambda: notify(recipients, title=title, body=reason, url=url))
    return assignment


# --- Workload --------------------------------------------------------------------------------


def workload_queryset(cycle: Cycle | None = None) -> QuerySet[User]:
    """Every reviewer annotated with their counts (in ``cycle``, or overall), in one query plus a prefetch."""
    scope = Q(assignments__application__cycle=cycle) if cycle is not None else Q()

    def count(condition: Q) -> Count:
        return Count("assignments", filter=scope & condition)

    return reviewers().annotate(
        assigned=count(Q(assignments__status__in=ACTIVE)),
        waiting=count(Q(assignments__status=AssignmentStatus.ASSIGNED)),
        opened=count(Q(assignments__status=AssignmentStatus.OPENED)),
        submitted=count(Q(assignments__status=AssignmentStatus.SUBMITTED)),
        overdue=count(Q(assignments__status__in=PENDING, assignments__due_date__lt=local_today())),
        conflicts=count(Q(assignments__status=AssignmentStatus.CONFLICT)),
    )


def workload(cycle: Cycle | None = None) -> list[User]:
    """Rows per reviewer: ``assigned`` (active), ``waiting`` (no declaration yet), ``opened``, ``submitted``,
    ``overdue`` (due date passed, not submitted) and ``conflicts`` (declared)."""
    return list(workload_queryset(cycle))
