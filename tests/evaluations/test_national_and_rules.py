"""Deadline extensions, disqualification for fraud, the diff between rounds, and eligibility messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from cities import services as city_services
from cities.enums import DesignationStatus, Tier
from evaluations import eligibility
from evaluations.enums import Action, ApplicationState, CriticismTarget, CycleKind, Stage
from evaluations.models import Criticism, IndicatorValue
from evaluations.selectors import applications_visible_to
from evaluations.services import applications as application_services
from evaluations.services import national
from evaluations.workflow import TransitionRefused, transition
from tests.evaluations.conftest import application_in, grant
from tests.factories import CityFactory

S = ApplicationState
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_extended_deadline_lets_one_late_city_submit(world, time_machine):
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    deadline = application.cycle.city_deadline
    time_machine.move_to(dt.datetime.combine(deadline + dt.timedelta(days=2), dt.time(9), tzinfo=SHANGHAI), tick=False)
    with pytest.raises(TransitionRefused):
        transition(application, Action.SUBMIT, by=world["officers"][CycleKind.PILOT])
    with pytest.raises(ValidationError):
        application_services.extend_deadline(application, stage=Stage.CITY, until=deadline + dt.timedelta(days=5),
                                             reason=" ", by=world["national"])
    application_services.extend_deadline(application, stage=Stage.CITY, until=deadline + dt.timedelta(days=5),
                                         reason="市政府换届，申报函延迟签发", by=world["national"])
    transition(application, Action.SUBMIT, by=world["officers"][CycleKind.PILOT])
    application.refresh_from_db()
    assert (application.state, application.city_deadline_extension) == (S.SUBMITTED, deadline + dt.timedelta(days=5))


def test_disqualification_revokes_the_title_and_criticises_both_bureaus(world, review_done_guard):
    application = application_in(world, CycleKind.PILOT, S.UNDER_REVIEW)
    transition(application, Action.APPROVE, by=world["national"])
    title = city_services.grant_designation(application.city, tier=Tier.PILOT, term_start=dt.date(2026, 7, 1),
                                            by=world["national"])
    application.resulting_designation = title
    application.save(update_fields=["resulting_designation"])
    national.disqualify_application(application, finding="伪造专利质押融资合同", by=world["national"])
    application.refresh_from_db()
    title.refresh_from_db()
    assert (application.state, title.status) == (S.DISQUALIFIED, DesignationStatus.REVOKED)
    criticisms = list(Criticism.objects.order_by("id").values_list("target", "city__full_name", "province__name"))
    assert criticisms == [(CriticismTarget.CITY_BUREAU, "本溪市", "辽宁省"), (CriticismTarget.PROVINCE_BUREAU, None, "辽宁省")]


@pytest.fixture
def review_done_guard(monkeypatch):
    from evaluations import workflow

    monkeypatch.setattr(workflow, "DECISION_GUARDS", [lambda application: []])


def test_changes_between_rounds_are_shown(client, world):
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    officer = world["officers"][CycleKind.PILOT]
    transition(application, Action.SUBMIT, by=officer)
    transition(application, Action.RETURN, by=world["staff"], reason="GDP数据有误")
    IndicatorValue.objects.filter(city=application.city, indicator__number=4).update(number=Decimal("1350.5"))
    transition(application, Action.SUBMIT, by=officer)
    client.force_login(world["staff"])
    page = client.get(reverse("application_diff", args=[application.pk]))
    assert page.status_code == 200
    assert [(r["what"], r["before"], r["after"]) for r in page.context["rows"]] == [
        ("4. GDP总量", "40.0000", "1350.5000")]


def test_banned_city_is_told_until_when(world, national_admin):
    city = CityFactory(code="210600", province=world["cities"][CycleKind.PILOT].province, name="丹东市",
                       full_name="丹东市")
    title = grant(city, Tier.DEMONSTRATION, dt.date(2019, 1, 1), national_admin)
    city_services.revoke_designation(title, reason="再次复核未通过", ban_years=2, on=dt.date(2025, 9, 1),
                                     by=national_admin)
    grant(city, Tier.DEMO_CULTIVATION, dt.date(2024, 1, 1), national_admin)
    cycle = world["cycles"][CycleKind.DEMONSTRATION]
    with translation.override("en"):
        failures = eligibility.eligibility_failures(city, cycle, on=dt.date(2026, 6, 1))
    assert [(f.rule, f.message) for f in failures] == [
        ("not_banned", "丹东市 lost its demonstration title after failing its second re-review and may not apply to "
                       "be a demonstration city before 2027-09-01.")]


def test_cultivation_shorter_than_a_year_is_not_eligible(world, national_admin):
    city = CityFactory(code="210700", province=world["cities"][CycleKind.PILOT].province, name="锦州市",
                       full_name="锦州市")
    grant(city, Tier.DEMO_CULTIVATION, dt.date(2026, 1, 1), national_admin)
    cycle = world["cycles"][CycleKind.DEMONSTRATION]
    failures = eligibility.eligibility_failures(city, cycle, on=dt.date(2026, 6, 1))
    assert [f.rule for f in failures] == ["demonstration_cultivated_one_year"]


def test_strong_city_below_80_enforcement_points_cannot_be_recommended(world):
    application = application_in(world, CycleKind.STRONG_CITY, S.SUBMITTED)
    application.enforcement_score = Decimal("79.5")
    application.save(update_fields=["enforcement_score"])
    with translation.override("en"), pytest.raises(TransitionRefused) as err:
        transition(application, Action.RECOMMEND, by=world["staff"])
    assert err.value.messages == [
        "The previous year's patent enforcement performance score must be at least 80; recorded: 79.50."
        "（2018 notice, part 4 (1) 2）"]


def test_city_level_outside_the_pilot_rule_is_refused(world):
    from cities.enums import CityLevel

    county = CityFactory(code="210881", province=world["cities"][CycleKind.PILOT].province, name="盖州市",
                         full_name="盖州市", level=CityLevel.COUNTY_LEVEL)
    with translation.override("en"):
        failures = eligibility.eligibility_failures(county, world["cycles"][CycleKind.PILOT], on=dt.date(2026, 6, 1))
    assert [f.rule for f in failures] == ["pilot_city_level"]
    assert "盖州市 is a County-level city" in failures[0].message


def test_proof_documents_link_to_rows_of_the_table(client, world):
    from evaluations.enums import MaterialKind
    from evaluations.models import Material
    from tests.evaluations.conftest import add_material

    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    officer = world["officers"][CycleKind.PILOT]
    proof = add_material(application, MaterialKind.PROOF, title="2025年专利质押融资合同汇编", by=officer)
    rows = {v.indicator.number: v.indicator_id for v in IndicatorValue.objects.filter(city=application.city)
            .select_related("indicator") if v.indicator.number in (19, 20)}
    client.force_login(officer)
    response = client.post(reverse("application_basic_info_proof", args=[application.pk, proof.pk]),
                           {"indicators": [rows[19], rows[20]]})
    assert response.status_code == 302
    assert sorted(v.indicator.number for v in Material.objects.get(pk=proof.pk).indicator_values.all()) == [19, 20]
    transition(application, Action.SUBMIT, by=officer)
    snapshot = application.snapshots.get()
    assert (snapshot.data["values"]["19"]["proofs"], snapshot.data["values"]["20"]["proofs"]) == ([proof.pk],
                                                                                                  [proof.pk])


def test_a_refused_panel_form_shows_its_errors_next_to_the_fields(client, world):
    from evaluations.models import Measurement

    application = application_in(world, CycleKind.DEMONSTRATION, S.SUBMITTED)
    application.measurement.delete()
    client.force_login(world["staff"])
    response = client.post(reverse("application_measurement", args=[application.pk]),
                           {"measured_on": "2026-05-30", "score": "120", "notes": ""})
    assert response.status_code == 400
    form = response.context["measurement_form"]
    assert list(form.errors) == ["score"]
    html = response.content.decode()
    assert 'id="id_score_error"' in html
    assert Measurement.objects.filter(application=application).count() == 0
    # A refusal by the service (a second veto of a vetoed application) shows above the form, naming the rule.
    response = client.post(reverse("application_veto", args=[application.pk]),
                           {"grounds": ["excess_funding"], "finding": "超额资助"})
    assert response.status_code == 302
    response = client.post(reverse("application_veto", args=[application.pk]),
                           {"grounds": ["excess_funding"], "finding": "超额资助"})
    assert response.status_code == 400
    assert list(response.context["veto_form"].non_field_errors()) == [
        "申报当前状态为“一票否决”，不能执行“一票否决”操作。"]


def test_province_enters_the_measured_values_the_indicator_system_reads(client, api, world):
    """S1 二(二)1, 二(三)4: the province measures the objective indicators and submits "测评的原始资料及测评分数"; the
    measured values are entered with the score (page and API), unknown keys and negative numbers are refused by name
    and change nothing."""
    from evaluations.enums import MEASURED_VALUES
    from evaluations.models import Measurement

    application = application_in(world, CycleKind.DEMONSTRATION, ApplicationState.SUBMITTED)
    client.force_login(world["staff"])
    page = client.get(reverse("application_detail", args=[application.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert all(label in page.content.decode() for label in MEASURED_VALUES.values())
    response = client.post(reverse("application_measurement", args=[application.pk]), {
        "measured_on": "2026-05-28", "score": "86.50", "value_invention_grants": "2786",
        "value_invention_grant_rate": "61.25", "value_design_abandonment_rate": ""})
    assert response.status_code == 302
    assert Measurement.objects.get(application=application).values == {"invention_grants": "2786",
                                                                       "invention_grant_rate": "61.25"}

    refused = api(world["staff"]).post(f"/api/v1/applications/{application.pk}/measurement/", {
        "measured_on": "2026-05-29", "score": "88", "values": {"invention_grants": "-1", "gdp": "5"}},
        format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400
    message = refused.json()["message"]
    assert "发明专利授权量（件）" in message and "“gdp”" in message
    assert Measurement.objects.get(application=application).values == {"invention_grants": "2786",
                                                                       "invention_grant_rate": "61.25"}


# --- Issue #14 "Edges": who sees a draft the city never submitted ----------------------------------------------


def test_national_staff_see_an_application_once_submitted_not_its_first_draft(world, client):
    """Need to know: before the city submits, its draft is its own (national staff and the province get 404); once
    submitted, a returned draft stays visible to both."""
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    officer, staff, national_admin = world["officers"][CycleKind.PILOT], world["staff"], world["national"]

    def seen_by() -> list[str]:
        return [user.username for user in (national_admin, staff, officer)
                if applications_visible_to(user).filter(pk=application.pk).exists()]

    assert seen_by() == ["officer_pilot"]
    client.force_login(national_admin)
    assert client.get(reverse("application_detail", args=[application.pk])).status_code == 404
    transition(application, Action.SUBMIT, by=officer)
    transition(application, Action.RETURN, by=staff, reason="请补充专利质押融资证明材料")
    application.refresh_from_db()
    assert (application.state, application.round) == (S.DRAFT, 1)
    assert seen_by() == [national_admin.username, "ln_staff", "officer_pilot"]
    assert client.get(reverse("application_detail", args=[application.pk])).status_code == 200


def test_a_draft_withdrawn_without_being_submitted_stays_the_city_s_own(world):
    application = application_in(world, CycleKind.PILOT, S.DRAFT)
    officer, staff, national_admin = world["officers"][CycleKind.PILOT], world["staff"], world["national"]
    transition(application, Action.WITHDRAW, by=officer)
    application.refresh_from_db()
    assert (application.state, application.round) == (S.WITHDRAWN, 0)
    assert [user.username for user in (national_admin, staff, officer)
            if applications_visible_to(user).filter(pk=application.pk).exists()] == ["officer_pilot"]


def test_the_admin_lists_no_never_submitted_draft_to_national_staff(world, client):
    draft = application_in(world, CycleKind.PILOT, S.DRAFT)
    submitted = application_in(world, CycleKind.DEMONSTRATION, S.SUBMITTED)
    client.force_login(world["national"])
    listed = client.get("/admin/evaluations/application/").context["cl"].result_list
    assert [application.pk for application in listed] == [submitted.pk]
    response = client.get(f"/admin/evaluations/application/{draft.pk}/change/")
    assert (response.status_code, response["Location"]) == (302, "/admin/")
