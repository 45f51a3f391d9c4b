from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cities import services
from cities.enums import DesignationStatus, Tier
from cities.models import AuditEntry, Designation
from cities.selectors import city_timeline


def test_grant_renew_rectify_revoke_keeps_history_and_audits(national_admin, fushun_city):
    first = services.grant_designation(
        fushun_city, tier=Tier.DEMONSTRATION, term_start=dt.date(2018, 3, 1), document_number="国知发管函字〔2018〕1号",
        by=national_admin,
    )
    assert (first.term_end, first.status) == (dt.date(2021, 2, 28), DesignationStatus.ACTIVE)

    second = services.renew_designation(first, document_number="国知发管函字〔2021〕2号", by=national_admin)
    second = services.start_rectification(second, reason="复核未通过", deadline=dt.date(2025, 3, 1), by=national_admin)
    second = services.revoke_designation(second, reason="再次复核未通过", ban_years=2, on=dt.date(2025, 3, 2),
                                         by=national_admin)

    rows = list(Designation.objects.filter(city=fushun_city).order_by("term_start").values_list(
        "term_start", "term_end", "status", "ban_until", "previous_id", "document_number"))
    assert rows == [
        (dt.date(2018, 3, 1), dt.date(2021, 2, 28), DesignationStatus.EXPIRED, None, None, "国知发管函字〔2018〕1号"),
        (dt.date(2021, 3, 1), dt.date(2024, 2, 29), DesignationStatus.REVOKED, dt.date(2027, 3, 2), first.pk,
         "国知发管函字〔2021〕2号"),
    ]
    steps = list(city_timeline(fushun_city).order_by("id").values_list("action", "object_id", "from_state", "to_state"))
    assert steps == [
        ("designation.grant", str(first.pk), "", "active"),
        ("designation.renew", str(first.pk), "active", "expired"),
        ("designation.grant", str(second.pk), "", "active"),
        ("designation.rectify", str(second.pk), "active", "rectifying"),
        ("designation.revoke", str(second.pk), "rectifying", "revoked"),
    ]
    assert set(AuditEntry.objects.values_list("actor__username", flat=True)) == {"cnipa_t"}


def test_banned_city_cannot_be_granted_demonstration_before_ban_ends(national_admin, fushun_city):
    d = services.grant_designation(fushun_city, tier=Tier.DEMONSTRATION, term_start=dt.date(2020, 1, 1),
                                   by=national_admin)
    services.revoke_designation(d, reason="再次复核未通过", ban_years=2, on=dt.date(2023, 6, 1), by=national_admin)
    with pytest.raises(ValidationError) as err:
        services.grant_designation(fushun_city, tier=Tier.DEMONSTRATION, term_start=dt.date(2024, 1, 1),
                                   by=national_admin)
    assert "2025-06-01" in str(err.value)
    assert Designation.objects.filter(city=fushun_city).count() == 1


def test_granting_a_higher_tier_ends_the_lower_one(national_admin, fushun_city):
    pilot = services.grant_designation(fushun_city, tier=Tier.PILOT, term_start=dt.date(2017, 12, 1),
                                       by=national_admin)
    services.grant_designation(fushun_city, tier=Tier.DEMONSTRATION, term_start=dt.date(2019, 6, 1),
                               by=national_admin)
    pilot.refresh_from_db()
    assert (pilot.status, pilot.ended_on, pilot.term_end) == (
        DesignationStatus.EXPIRED, dt.date(2019, 5, 31), dt.date(2020, 11, 30))


def test_only_national_admin_may_grant(liaoning_staff, fushun_officer, fushun_city):
    for user in (liaoning_staff, fushun_officer):
        with pytest.raises(PermissionDenied):
            services.grant_designation(fushun_city, tier=Tier.PILOT, term_start=dt.date(2020, 1, 1), by=user)
    assert Designation.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_same_title_cannot_be_granted_twice(national_admin, fushun_city):
    services.grant_designation(fushun_city, tier=Tier.PILOT, term_start=dt.date(2020, 1, 1), by=national_admin)
    with pytest.raises(ValidationError):
        services.grant_designation(fushun_city, tier=Tier.PILOT, term_start=dt.date(2021, 1, 1), by=national_admin)


def test_rectification_and_revocation_need_a_reason(national_admin, fushun_city):
    d = services.grant_designation(fushun_city, tier=Tier.DEMONSTRATION, term_start=dt.date(2020, 1, 1),
                                   by=national_admin)
    with pytest.raises(ValidationError):
        services.start_rectification(d, reason="  ", by=national_admin)
    with pytest.raises(ValidationError):
        services.revoke_designation(d, reason="", by=national_admin)
    d.refresh_from_db()
    assert d.status == DesignationStatus.ACTIVE


def test_expire_ended_designations_is_idempotent(national_admin, fushun_city):
    d = services.grant_designation(fushun_city, tier=Tier.PILOT, term_start=dt.date(2017, 12, 1), by=national_admin)
    assert services.expire_ended_designations(today=dt.date(2020, 11, 30)) == 0
    assert services.expire_ended_designations(today=dt.date(2020, 12, 1)) == 1
    assert services.expire_ended_designations(today=dt.date(2020, 12, 2)) == 0
    d.refresh_from_db()
    assert (d.status, d.ended_on) == (DesignationStatus.EXPIRED, dt.date(2020, 11, 30))
    entry = AuditEntry.objects.get(action="designation.expire")
    assert (entry.actor, entry.actor_name, entry.from_state, entry.to_state) == (None, "", "active", "expired")


def test_demonstration_titles_do_not_lapse_with_their_term(national_admin, fushun_city):
    d = services.grant_designation(fushun_city, tier=Tier.DEMONSTRATION, term_start=dt.date(2015, 3, 1),
                                   by=national_admin)
    assert services.expire_ended_designations(today=dt.date(2026, 1, 1)) == 0
    d.refresh_from_db()
    assert d.status == DesignationStatus.ACTIVE
