"""The application workflow: one table of allowed moves and one function that applies them (DESIGN.md §3).

Read the table as a domain expert would: from a state, an action, by a role, guarded by rules,
leads to a new state. Every refusal names the rule that refused it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cities import audit
from cities.enums import Role
from cities.notifications import notify, users_with_role
from cities.rules import city_ids_of, province_ids_of
from evaluations import completeness, deadlines, eligibility
from evaluations.enums import (
    FINAL_STATES,
    PROVINCE_STATES,
    QUOTA_STATES,
    Action,
    ApplicationState,
    CycleKind,
    MaterialKind,
    SnapshotKind,
    Stage,
)
from evaluations.models import Application
from evaluations.selectors import shown_state
from evaluations.snapshots import take_snapshot
from ipcity.dates import local_today

S = ApplicationState
Guard = Callable[[Application], list[str]]


class TransitionRefused(ValidationError):
    """A move that the table or one of its rules does not allow. The messages say which rule."""

    # The API answers 409 with this code (ipcity.api reads both).
    api_status = 409
    api_code = "transition_refused"


@dataclass(frozen=True)
class Move:
    to: str
    roles: frozenset[str]
    guards: tuple[Guard, ...] = ()
    kinds: frozenset[str] | None = None  # None: every procedure
    stage: str | None = None  # whose deadline applies
    reason_required: bool = False
    snapshot: str | None = None
    notify: tuple[str, ...] = field(default=())  # roles told about the new state
    offered: bool = True  # False: a service applies it as part of a larger step (never a button of its own)


# --- guards -------------------------------------------------------------------------------------


def eligible(application: Application) -> list[str]:
    return [str(f) for f in eligibility.eligibility_failures(application.city, application.cycle, on=local_today())]


def materials_complete(application: Application) -> list[str]:
    return [_("Cannot submit: %(item)s.") % {"item": item} for item in completeness.missing_for_submit(application)]


def letter_complete(application: Application) -> list[str]:
    """The recommendation letter and what the procedure asks of the province (S1 一(三)1, 二(三)1, 二(三)4)."""
    errors = []
    letter = getattr(application, "recommendation", None)
    if letter is None:
        return [_("The recommendation letter has not been filled in (2018 notice: materials, item 1).")]
    if not letter.authenticity_conclusion.strip():
        errors.append(_("The recommendation letter lacks the authenticity review conclusion."))
    if not letter.opinion.strip():
        errors.append(_("The recommendation letter lacks the recommendation opinion."))
    if application.cycle.kind == CycleKind.DEMONSTRATION:
        if letter.measured_score is None:
            errors.append(_("A demonstration city's recommendation letter must give the measured score "
                            "(2018 notice, part 2 (3) 1)."))
        if getattr(application, "measurement", None) is None:
            errors.append(_("The objective measurement has not been recorded (2018 notice, part 2 (2) 1)."))
        if not application.materials.filter(kind=MaterialKind.SCORE_SHEET, files__isnull=False).exists():
            errors.append(_("The indicator system score sheet is missing (2018 notice, part 2 (3) 4)."))
    if application.cycle.kind == CycleKind.PILOT and getattr(application, "argumentation", None) is None:
        errors.append(_("The expert argumentation of the featured theme and work plan has not been recorded "
                        "(2018 notice, part 1 (2) 2)."))
    if application.cycle.kind == CycleKind.STRONG_CITY:
        failure = eligibility.strong_city_enforcement_failure(application.enforcement_score)
        if failure is not None:
            errors.append(str(failure))
    attested = {a.item_id: a for a in application.attestations.all()}
    for item in application.cycle.checklist.all():
        attestation = attested.get(item.pk)
        if attestation is None or not attestation.met:
            errors.append(_("Condition not attested as met: %(item)s") % {"item": item.text})
        elif item.evidence_required and attestation.evidence_id is None:
            errors.append(_("Condition attested without evidence: %(item)s") % {"item": item.text})
    return errors


def veto_clear(application: Application) -> list[str]:
    if getattr(application, "veto", None) is not None:
        return [_("A one-vote veto has been applied to this application (2018 notice, part 5 (1)).")]
    return []


def within_quota(application: Application) -> list[str]:
    cycle = application.cycle
    quota_row = cycle.quotas.filter(province_id=application.city.province_id).first()
    quota = quota_row.quota if quota_row else cycle.default_quota
    if quota is None:
        return []
    used = Application.objects.filter(cycle=cycle, city__province_id=application.city.province_id,
                                      state__in=QUOTA_STATES).exclude(pk=application.pk).count()
    if used >= quota:
        return [_("The province's quota of %(quota)s recommendations for this cycle is used up (%(used)s recommended).")
                % {"quota": quota, "used": used}]
    return []


def veto_recorded(application: Application) -> list[str]:
    veto = getattr(application, "veto", None)
    if veto is None or not veto.grounds:
        return [_("A veto needs at least one ground: subsidy before grant, excess subsidy or duplicate subsidy.")]
    return []


def formal_check(application: Application) -> list[str]:
    errors = [_("Formal check: %(item)s.") % {"item": item} for item in completeness.missing_for_submit(application)]
    letter = getattr(application, "recommendation", None)
    if letter is None or letter.pdf_id is None:
        errors.append(_("Formal check: the recommendation letter PDF is missing."))
    return errors


def site_visit_recorded(application: Application) -> list[str]:
    if getattr(application, "site_visit", None) is None:
        return [_("The experts' site-visit opinion has not been recorded (2018 notice, part 4 (2) 3).")]
    return []


def formal_materials(application: Application) -> list[str]:
    return [_("Cannot submit the formal application: %(item)s.") % {"item": item}
            for item in completeness.missing_for_formal(application)]


# Decision guards come from the review app (reviews complete or quorum); until it registers
# them, decisions are refused with this message.
DECISION_GUARDS: list[Guard] = []


def review_complete(application: Application) -> list[str]:
    if not DECISION_GUARDS:
        return [_("The expert review of this application is not complete.")]
    return [message for guard in DECISION_GUARDS for message in guard(application)]


def expert_review_complete(application: Application) -> list[str]:
    """S1 四(二)3–4: the experts review and give their opinion; only then are cities shortlisted (入围)."""
    return [_("Shortlisting comes after the expert review (2018 notice, part 4 (2) 3–4): %(reason)s")
            % {"reason": message} for message in review_complete(application)]


def deadline_passed(application: Application) -> list[str]:
    """A city is recorded as not having applied only once its province's deadline has passed."""
    deadline = deadlines.deadline_for(application, Stage.PROVINCE)
    if deadlines.is_past(application, Stage.PROVINCE):
        return []
    return [_("The deadline of %(date)s has not passed yet; the city can still apply.") % {"date": deadline.isoformat()}]


def fraud_found(application: Application) -> list[str]:
    if getattr(application, "fraud_finding", None) is None:
        return [_("A disqualification needs a recorded fraud finding (2018 notice, part 5 (2)).")]
    return []


# --- the table ----------------------------------------------------------------------------------

CITY = frozenset({Role.CITY_OFFICER})
PROVINCE = frozenset({Role.PROVINCE_STAFF})
NATIONAL = frozenset({Role.NATIONAL_ADMIN})
DECIDING_KINDS = frozenset({CycleKind.PILOT, CycleKind.DEMONSTRATION, CycleKind.STRONG_CITY})
RE_REVIEW_KINDS = frozenset({CycleKind.RE_REVIEW})

TRANSITIONS: dict[tuple[str, str], Move] = {
    (S.DRAFT, Action.SUBMIT): Move(S.SUBMITTED, CITY, (eligible, materials_complete), stage=Stage.CITY,
                                   snapshot=SnapshotKind.SUBMIT, notify=(Role.PROVINCE_STAFF,)),
    (S.SUBMITTED, Action.RETURN): Move(S.DRAFT, PROVINCE, reason_required=True, stage=Stage.PROVINCE,
                                       snapshot=SnapshotKind.RETURN, notify=(Role.CITY_OFFICER,)),
    (S.SUBMITTED, Action.RECOMMEND): Move(S.RECOMMENDED, PROVINCE, (letter_complete, veto_clear, within_quota),
                                         stage=Stage.PROVINCE, notify=(Role.NATIONAL_ADMIN, Role.CITY_OFFICER)),
    (S.SUBMITTED, Action.DECLINE): Move(S.NOT_RECOMMENDED, PROVINCE, reason_required=True, stage=Stage.PROVINCE,
                                       notify=(Role.CITY_OFFICER,)),
    (S.SUBMITTED, Action.VETO): Move(S.VETOED, PROVINCE | NATIONAL, (veto_recorded,), reason_required=True,
                                     notify=(Role.CITY_OFFICER, Role.PROVINCE_STAFF)),
    (S.RECOMMENDED, Action.VETO): Move(S.VETOED, PROVINCE | NATIONAL, (veto_recorded,), reason_required=True,
                                       notify=(Role.CITY_OFFICER, Role.PROVINCE_STAFF)),
    (S.RECOMMENDED, Action.RETURN): Move(S.SUBMITTED, NATIONAL, reason_required=True,
                                         snapshot=SnapshotKind.RETURN, notify=(Role.PROVINCE_STAFF,)),
    (S.RECOMMENDED, Action.ACCEPT): Move(S.UNDER_REVIEW, NATIONAL, (formal_check,),
                                         notify=(Role.CITY_OFFICER, Role.PROVINCE_STAFF)),
    (S.UNDER_REVIEW, Action.SHORTLIST): Move(S.SHORTLISTED, NATIONAL, (site_visit_recorded, expert_review_complete),
                                             kinds=frozenset({CycleKind.STRONG_CITY}),
                                             notify=(Role.CITY_OFFICER, Role.PROVINCE_STAFF)),
    (S.SHORTLISTED, Action.SUBMIT_FORMAL): Move(S.UNDER_REVIEW, CITY, (formal_materials,),
                                                kinds=frozenset({CycleKind.STRONG_CITY}),
                                                snapshot=SnapshotKind.FORMAL, notify=(Role.NATIONAL_ADMIN,)),
    (S.UNDER_REVIEW, Action.APPROVE): Move(S.APPROVED, NATIONAL, (review_complete,), kinds=DECIDING_KINDS),
    (S.UNDER_REVIEW, Action.REJECT): Move(S.REJECTED, NATIONAL, (review_complete,), kinds=DECIDING_KINDS,
                                          reason_required=True),
    (S.UNDER_REVIEW, Action.PASS): Move(S.PASSED, NATIONAL, (review_complete,), kinds=RE_REVIEW_KINDS),
    (S.UNDER_REVIEW, Action.FAIL): Move(S.FAILED, NATIONAL, (review_complete,), kinds=RE_REVIEW_KINDS,
                                        reason_required=True),
    # S1 三(二)1: a city that no longer meets 《办法》第十八条 loses its demonstration status.
    (S.UNDER_REVIEW, Action.CANCEL_TITLE): Move(S.TITLE_CANCELLED, NATIONAL, (review_complete,), kinds=RE_REVIEW_KINDS,
                                                reason_required=True),
    # Recorded when the results are published, for a city that never reached the national review.
    **{(state, Action.LAPSE): Move(S.LAPSED, NATIONAL, (deadline_passed,), reason_required=True, offered=False)
       for state in (S.DRAFT, S.SUBMITTED, S.RECOMMENDED)},
    (S.DRAFT, Action.WITHDRAW): Move(S.WITHDRAWN, CITY),
    (S.SUBMITTED, Action.WITHDRAW): Move(S.WITHDRAWN, CITY, notify=(Role.PROVINCE_STAFF,)),
    **{
        (state, Action.DISQUALIFY): Move(S.DISQUALIFIED, NATIONAL, (fraud_found,), reason_required=True,
                                         notify=(Role.CITY_OFFICER, Role.PROVINCE_STAFF))
        for state in ApplicationState if state not in (S.WITHDRAWN, S.DISQUALIFIED)
    },
}


def allowed_actions(application: Application, user) -> list[str]:
    """The actions the table offers ``user`` on ``application`` now (guards are checked when applied)."""
    actions = []
    for (state, action), move in TRANSITIONS.items():
        if state != application.state or not move.offered or (move.kinds and application.cycle.kind not in move.kinds):
            continue
        if _acts_as(user, move.roles, application):
            actions.append(action)
    return actions


def _shown(application: Application, user) -> str:
    """The state named in a refusal: an unpublished outcome stays hidden (as on the pages)."""
    return application.state if user is None else shown_state(application, user)


def _acts_as(user, roles: frozenset[str], application: Application) -> bool:
    if user is None:
        return False
    if Role.NATIONAL_ADMIN in roles and user.has_role(Role.NATIONAL_ADMIN):
        return True
    if Role.PROVINCE_STAFF in roles and application.city.province_id in province_ids_of(user):
        return True
    return Role.CITY_OFFICER in roles and application.city_id in city_ids_of(user)


def transition(application: Application, action: str, *, by, reason: str = "",
               now: dt.datetime | None = None, audit_data: dict | None = None) -> Application:
    """Apply ``action`` to ``application`` as ``by``, or raise PermissionDenied / TransitionRefused."""
    action = Action(action)
    now = now or timezone.now()
    with transaction.atomic():
        application = (Application.objects.select_for_update(of=("self",))
                       .select_related("cycle", "city__province").get(pk=application.pk))
        move = TRANSITIONS.get((application.state, action))
        if move is None:
            raise TransitionRefused(
                _("“%(action)s” is not possible while the application is “%(state)s”.")
                % {"action": action.label, "state": ApplicationState(_shown(application, by)).label})
        if move.kinds and application.cycle.kind not in move.kinds:
            raise TransitionRefused(
                _("“%(action)s” does not apply to %(kind)s.")
                % {"action": action.label, "kind": CycleKind(application.cycle.kind).label})
        if not _acts_as(by, move.roles, application):
            raise PermissionDenied(
                _("Only %(roles)s may “%(action)s” this application.")
                % {"roles": "、".join(str(Role(r).label) for r in sorted(move.roles)), "action": action.label})
        if move.reason_required and not reason.strip():
            raise TransitionRefused(_("A reason is required to “%(action)s”.") % {"action": action.label})
        if move.stage and deadlines.is_past(application, move.stage, now=now):
            raise TransitionRefused(
                _("The deadline of %(date)s (24:00 Beijing time) has passed; “%(action)s” is no longer possible. "
                  "The national administration can extend this application's deadline.")
                % {"date": deadlines.deadline_for(application, move.stage).isoformat(), "action": action.label})
        errors = [message for guard in move.guards for message in guard(application)]
        if errors:
            raise TransitionRefused(errors)
        before = application.state
        application.state = move.to
        fields = ["state", "updated_at"]
        if action == Action.SUBMIT:
            application.round += 1
            application.submitted_at = now
            fields += ["round", "submitted_at"]
        application.save(update_fields=fields)
        if move.snapshot:
            take_snapshot(application, kind=move.snapshot, by=by)
        audit.record(actor=by, action=f"application.{action.value}", obj=application, from_state=before,
                     to_state=application.state, reason=reason, data=audit_data or {}, city=application.city)
        if move.notify:
            _notify_next(application, action, move.notify, reason)
    return application


def _notify_next(application: Application, action: Action, roles: tuple[str, ...], reason: str) -> None:
    recipients = []
    for role in roles:
        if role == Role.CITY_OFFICER:
            recipients += users_with_role(role, city=application.city)
        elif role == Role.PROVINCE_STAFF:
            recipients += users_with_role(role, province_id=application.city.province_id)
        else:
            recipients += users_with_role(role)
    names = {"city": application.city.full_name, "cycle": application.cycle.title}
    if action == Action.RETURN:
        # A return leaves the application in an earlier state ("draft"): the title says it was sent back.
        title = (_("%(city)s · %(cycle)s: returned to the province by the national administration") if
                 application.state in PROVINCE_STATES else _("%(city)s · %(cycle)s: returned by the province")) % names
        body = _("Reason for return: %(reason)s") % {"reason": reason.strip()}
    else:
        title = _("%(city)s · %(cycle)s: %(state)s") % {**names, "state": ApplicationState(application.state).label}
        body = _("Reason: %(reason)s") % {"reason": reason.strip()} if reason.strip() else ""
    url = reverse("application_detail", args=[application.pk])
    transaction.on_commit(lambda: notify(recipients, title=title, body=body, url=url))


def is_final(application: Application) -> bool:
    return application.state in FINAL_STATES
