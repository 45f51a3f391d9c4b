"""Every row of the transitions table, and every kind of refusal (DESIGN.md §3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from cities.enums import Role
from cities.models import AuditEntry
from evaluations import workflow
from evaluations.enums import Action, ApplicationState, CycleKind, MaterialKind
from evaluations.models import Application, FraudFinding, IndicatorValue, Material, ProvinceQuota, Veto
from evaluations.services import province as province_services
from evaluations.workflow import TRANSITIONS, TransitionRefused, transition
from tests.evaluations.conftest import application_in
from tests.factories import CityFactory, user_with_role

S = ApplicationState
KIND_FOR_MOVE = {
    Action.SHORTLIST: CycleKind.STRONG_CITY, Action.SUBMIT_FORMAL: CycleKind.STRONG_CITY,
    Action.PASS: CycleKind.RE_REVIEW, Action.FAIL: CycleKind.RE_REVIEW, Action.CANCEL_TITLE: CycleKind.RE_REVIEW,
}
ROWS = sorted(TRANSITIONS, key=lambda key: (key[0], key[1]))


def actor_for(world, role, kind):
    return {Role.CITY_OFFICER: world["officers"][kind], Role.PROVINCE_STAFF: world["staff"],
            Role.NATIONAL_ADMIN: world["national"]}[role]


def prepare(world, state, action):
    kind = KIND_FOR_MOVE.get(action, CycleKind.DEMONSTRATION)
    application = application_in(world, kind, state)
    if action == Action.VETO:
        Veto.objects.create(application=application, grounds=["excess_funding"], finding="超额资助",
                            decided_by=world["staff"])
    if action == Action.DISQUALIFY:
        FraudFinding.objects.create(application=application, finding="伪造证明材料", decided_by=world["national"])
    if action == Action.LAPSE:  # only once the province's deadline has passed
        application.province_deadline_extension = dt.date(2001, 1, 1)
        application.save(update_fields=["province_deadline_extension"])
    if action == Action.SUBMIT_FORMAL:
        from tests.evaluations.conftest import add_material

        add_material(application, MaterialKind.REVISED_PLAN, by=world["officers"][kind])
        add_material(application, MaterialKind.FORMAL_LETTER, by=world["officers"][kind])
    return application, kind


@pytest.fixture
def review_done(monkeypatch):
    """The review app registers a guard when reviews are complete; here one that always allows."""
    monkeypatch.setattr(workflow, "DECISION_GUARDS", [lambda application: []])


@pytest.mark.parametrize(("state", "action"), ROWS, ids=[f"{s}-{a}" for s, a in ROWS])
def test_every_row_of_the_table_moves_and_audits(world, review_done, state, action):
    application, kind = prepare(world, state, action)
    move = TRANSITIONS[(state, action)]
    actor = actor_for(world, sorted(move.roles)[0], kind)
    result = transition(application, action, by=actor, reason="理由说明")
    assert Application.objects.get(pk=application.pk).state == move.to == result.state
    entry = AuditEntry.objects.filter(action=f"application.{action}").get()
    assert (entry.actor, entry.from_state, entry.to_state, entry.reason) == (actor, state, move.to, "理由说明")


@pytest.mark.parametrize(("state", "action"), ROWS, ids=[f"{s}-{a}" for s, a in ROWS])
def test_every_row_refuses_the_other_roles(world, review_done, state, action):
    application, kind = prepare(world, state, action)
    move = TRANSITIONS[(state, action)]
    for role in {Role.CITY_OFFICER, Role.PROVINCE_STAFF, Role.NATIONAL_ADMIN} - move.roles:
        with pytest.raises(PermissionDenied):
            transition(application, action, by=actor_for(world, role, kind), reason="理由")
    assert Application.objects.get(pk=application.pk).state == state


def test_not_applied_is_recorded_only_after_the_deadline(world):
    """A city is recorded as not having applied only once it can no longer apply (its province's deadline)."""
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    with translation.override("en"), pytest.raises(TransitionRefused) as err:
        transition(application, Action.LAPSE, by=world["national"], reason="未按期申报")
    assert err.value.messages == [
        f"The deadline of {application.cycle.province_deadline.isoformat()} has not passed yet; the city can still "
        "apply."]
    assert Application.objects.get(pk=application.pk).state == S.DRAFT


def test_moves_not_in_the_table_are_refused_with_the_states_named(world):
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    with translation.override("en"), pytest.raises(TransitionRefused) as err:
        transition(application, Action.ACCEPT, by=world["national"])
    assert err.value.messages == ["“Accept into review” is not possible while the application is “Draft”."]


def test_decisions_wait_for_the_review(world):
    application = application_in(world, CycleKind.PILOT, S.UNDER_REVIEW)
    with translation.override("en"), pytest.raises(TransitionRefused) as err:
        transition(application, Action.APPROVE, by=world["national"])
    assert err.value.messages == ["No review of this application has been submitted yet."]


def test_re_review_uses_pass_and_fail_not_approve(world, review_done):
    application = application_in(world, CycleKind.RE_REVIEW, S.UNDER_REVIEW)
    with translation.override("en"), pytest.raises(TransitionRefused) as err:
        transition(application, Action.APPROVE, by=world["national"])
    assert err.value.messages == ["“Approve” does not apply to Demonstration city re-review."]


def test_province_of_another_province_cannot_act(world, guangdong):
    application = application_in(world, CycleKind.PILOT, S.SUBMITTED)
    outsider = user_with_role(Role.PROVINCE_STAFF, username="gd_staff", province=guangdong)
    with pytest.raises(PermissionDenied):
        transition(application, Action.RETURN, by=outsider, reason="x")


def test_submission_after_the_deadline_is_refused_with_the_date(world, time_machine):
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    deadline = application.cycle.city_deadline
    time_machine.move_to(dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(0, 0, 1),
                                             tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
    with translation.override("en"), pytest.raises(TransitionRefused) as err:
        transition(application, Action.SUBMIT, by=world["officers"][CycleKind.PILOT])
    assert deadline.isoformat() in err.value.messages[0]
    assert Application.objects.get(pk=application.pk).state == S.DRAFT


def test_submission_at_23_59_of_the_deadline_is_accepted(world, time_machine):
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    deadline = application.cycle.city_deadline
    time_machine.move_to(dt.datetime.combine(deadline, dt.time(23, 59),
                                             tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
    transition(application, Action.SUBMIT, by=world["officers"][CycleKind.PILOT])
    assert Application.objects.get(pk=application.pk).state == S.SUBMITTED


def test_missing_material_refuses_submission_naming_it(world):
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    Material.objects.filter(application=application, kind=MaterialKind.GOVERNMENT_LETTER).delete()
    with translation.override("en"), pytest.raises(TransitionRefused) as err:
        transition(application, Action.SUBMIT, by=world["officers"][CycleKind.PILOT])
    assert err.value.messages == ["Cannot submit: Missing material: Municipal government's application letter."]


def test_incomplete_table_refuses_submission_naming_the_row(world):
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    IndicatorValue.objects.filter(city=application.city, indicator__number=17).delete()
    with translation.override("en"), pytest.raises(TransitionRefused) as err:
        transition(application, Action.SUBMIT, by=world["officers"][CycleKind.PILOT])
    assert err.value.messages == ["Cannot submit: Basic-information table: row 17 有效注册商标量 has no value."]


def test_quota_exceeded_refuses_recommendation(world, liaoning):
    application = application_in(world, CycleKind.DEMONSTRATION, S.SUBMITTED)
    other = CityFactory(code="210300", province=liaoning, name="鞍山市", full_name="鞍山市")
    Application.objects.create(cycle=application.cycle, city=other, state=S.RECOMMENDED)
    ProvinceQuota.objects.create(cycle=application.cycle, province=liaoning, quota=1)
    with translation.override("en"), pytest.raises(TransitionRefused) as err:
        transition(application, Action.RECOMMEND, by=world["staff"])
    assert err.value.messages == [
        "The province's quota of 1 recommendations for this cycle is used up (1 recommended)."]


def test_vetoed_application_cannot_be_recommended(world):
    application = application_in(world, CycleKind.DEMONSTRATION, S.SUBMITTED)
    province_services.veto_application(application, grounds=["pre_grant_funding", "duplicate_funding"],
                                       finding="对未授权专利给予资助", by=world["staff"])
    application.refresh_from_db()
    assert (application.state, application.veto.grounds) == (S.VETOED, ["duplicate_funding", "pre_grant_funding"])
    with pytest.raises(TransitionRefused):
        transition(application, Action.RECOMMEND, by=world["staff"])


def test_veto_clear_guard_refuses_a_recorded_veto(world):
    application = application_in(world, CycleKind.DEMONSTRATION, S.SUBMITTED)
    Veto.objects.create(application=application, grounds=["excess_funding"], finding="x", decided_by=world["staff"])
    with translation.override("en"):
        assert workflow.veto_clear(application) == [
            "A one-vote veto has been applied to this application (2018 notice, part 5 (1))."]


def test_demonstration_letter_needs_measurement_and_score_sheet(world):
    application = application_in(world, CycleKind.DEMONSTRATION, S.SUBMITTED)
    application.measurement.delete()
    Material.objects.filter(application=application, kind=MaterialKind.SCORE_SHEET).delete()
    application = Application.objects.get(pk=application.pk)
    with translation.override("en"), pytest.raises(TransitionRefused) as err:
        transition(application, Action.RECOMMEND, by=world["staff"])
    assert err.value.messages == [
        "The objective measurement has not been recorded (2018 notice, part 2 (2) 1).",
        "The indicator system score sheet is missing (2018 notice, part 2 (3) 4).",
    ]


def test_submit_and_return_store_snapshots_with_file_hashes(world):
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    transition(application, Action.SUBMIT, by=world["officers"][CycleKind.PILOT])
    transition(application, Action.RETURN, by=world["staff"], reason="请补充证明材料")
    snapshots = list(application.snapshots.order_by("id"))
    assert [(s.round, s.kind) for s in snapshots] == [(1, "submit"), (1, "return")]
    letter = next(m for m in snapshots[0].data["materials"] if m["kind"] == MaterialKind.GOVERNMENT_LETTER)
    assert len(letter["sha256"]) == 64


def test_next_actor_is_notified(world, django_capture_on_commit_callbacks):
    from cities.models import Notification

    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        transition(application, Action.SUBMIT, by=world["officers"][CycleKind.PILOT])
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["ln_staff"]

