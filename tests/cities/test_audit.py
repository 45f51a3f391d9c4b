from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from cities import audit
from cities.models import AuditEntry
from cities.models.audit import AppendOnlyError


def test_audit_entries_cannot_be_changed_or_deleted_through_the_orm(national_admin, fushun_city):
    entry = audit.record(actor=national_admin, action="place.update", obj=fushun_city, reason="测试")
    entry.reason = "篡改"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="篡改")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "测试"


def test_database_refuses_updates_of_audit_entries(national_admin, fushun_city):
    entry = audit.record(actor=national_admin, action="place.update", obj=fushun_city, reason="测试")
    with pytest.raises(Exception) as err, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cities_auditentry SET reason = %s WHERE id = %s", ["篡改", entry.pk])
    assert "append-only" in str(err.value)
    assert AuditEntry.objects.get(pk=entry.pk).reason == "测试"


def test_record_fills_actor_object_and_city(national_admin, fushun_city):
    entry = audit.record(actor=national_admin, action="place.update", obj=fushun_city, from_state="a", to_state="b")
    assert (entry.actor_name, entry.object_id, entry.object_repr, entry.city, entry.from_state, entry.to_state) == (
        "cnipa_t", str(fushun_city.pk), "抚顺市", fushun_city, "a", "b")


_ = IntegrityError
