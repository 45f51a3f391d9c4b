"""Every model has a page in the Chinese admin; business records there are read-only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from cities.enums import Role
from tests.factories import user_with_role

MODELS = sorted((m._meta.app_label, m._meta.model_name) for m in admin.site._registry
                if m._meta.app_label in ("cities", "evaluations", "reviews", "plans"))
WHO_MANAGES = {("cities", "user"): Role.SYSTEM_ADMIN, ("cities", "membership"): Role.SECURITY_ADMIN,
               ("cities", "auditentry"): Role.AUDIT_ADMIN, ("cities", "apitoken"): Role.SECURITY_ADMIN}


def test_every_model_of_the_apps_is_registered():
    from django.apps import apps

    ours = {(m._meta.app_label, m._meta.model_name) for app in ("cities", "evaluations", "reviews", "plans")
            for m in apps.get_app_config(app).get_models()}
    # The inbox is each user's own; former passwords are hashes nobody has any business reading.
    assert ours - set(MODELS) == {("cities", "notification"), ("cities", "passwordhistory")}


@pytest.mark.parametrize(("app_label", "model"), MODELS)
def test_changelist_opens_in_chinese_for_its_administrator(client, db, app_label, model):
    user = user_with_role(WHO_MANAGES.get((app_label, model), Role.NATIONAL_ADMIN), username="admin_t")
    client.force_login(user)
    response = client.get(reverse(f"admin:{app_label}_{model}_changelist"))
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_reviewers_and_city_officers_cannot_reach_the_admin(client, reviewer, fushun_officer):
    for user in (reviewer, fushun_officer):
        client.force_login(user)
        assert client.get(reverse("admin:index")).status_code == 302
