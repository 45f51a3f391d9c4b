"""Accounts' passwords: who sets them, and when the account must choose its own."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cities import services
from cities.enums import Role
from cities.models import AuditEntry, User
from tests.factories import PASSWORD, user_with_role


def test_create_user_forces_a_password_change_only_when_asked(sysadmin):
    forced = services.create_user(username="forced_t", password="Initial-pass-2026", must_change_password=True,
                                  by=sysadmin)
    plain = services.create_user(username="plain_t", password="Initial-pass-2026", by=None)
    assert (forced.must_change_password, plain.must_change_password) == (True, False)


def test_reset_password_by_anyone_but_the_system_admin_is_refused(fushun_officer, national_admin):
    security = user_with_role(Role.SECURITY_ADMIN, username="secadmin_t")
    for actor in (security, national_admin, fushun_officer):
        with pytest.raises(PermissionDenied):
            services.reset_password(fushun_officer, password="Reset-pass-2026", by=actor)
    fushun_officer.refresh_from_db()
    assert (fushun_officer.check_password(PASSWORD), fushun_officer.must_change_password) == (True, False)
    assert AuditEntry.objects.filter(action="user.password_reset").count() == 0


def test_reset_password_refuses_a_weak_password(sysadmin, fushun_officer):
    with pytest.raises(ValidationError) as error:
        services.reset_password(fushun_officer, password="password", by=sysadmin)
    assert error.value.messages == ["密码须包含大写字母、小写字母、数字、特殊字符四类中的至少3类，该密码只包含1类。",
                                    "这个密码太常见了。"]
    fushun_officer.refresh_from_db()
    assert fushun_officer.must_change_password is False


def test_nobody_changes_another_account_s_own_password(sysadmin, fushun_officer):
    with pytest.raises(PermissionDenied):
        services.change_own_password(fushun_officer, password="Own-choice-2026", by=sysadmin)
    assert User.objects.get(pk=fushun_officer.pk).check_password(PASSWORD)


def test_change_own_password_refuses_a_password_the_validators_refuse(fushun_officer):
    User.objects.filter(pk=fushun_officer.pk).update(must_change_password=True)
    fushun_officer.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.change_own_password(fushun_officer, password="20262026", by=fushun_officer)
    assert error.value.messages == ["密码须包含大写字母、小写字母、数字、特殊字符四类中的至少3类，该密码只包含1类。"]
    fushun_officer.refresh_from_db()
    assert (fushun_officer.must_change_password, fushun_officer.check_password(PASSWORD)) == (True, True)
