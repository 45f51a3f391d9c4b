"""The province inbox and the national lists make as many queries for 20 rows as for 1."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cities.enums import Role
from evaluations.enums import ApplicationState, CycleKind
from evaluations.models import Application
from evaluations.services import cycles as cycle_services
from tests.factories import CityFactory, user_with_role
from tests.utils import queries_for


def _applications(cycle, province, start, n, state=ApplicationState.SUBMITTED):
    for i in range(n):
        city = CityFactory(code=f"21{start + i:04d}", province=province)
        Application.objects.create(cycle=cycle, city=city, state=state,
                                   round=0 if state == ApplicationState.DRAFT else 1)


@pytest.mark.parametrize("who", ["province", "national"])
def test_application_lists_query_count_is_flat(client, national_admin, liaoning, template, who):
    cycle = cycle_services.create_cycle(kind=CycleKind.PILOT, year=2026, by=national_admin)
    user = national_admin if who == "national" else user_with_role(Role.PROVINCE_STAFF, username="inbox",
                                                                   province=liaoning)
    client.force_login(user)
    _applications(cycle, liaoning, 100, 1)
    one, response = queries_for(client, reverse("application_list"))
    assert len(response.context["rows"]) == 1
    _applications(cycle, liaoning, 200, 19)
    twenty, response = queries_for(client, reverse("application_list"))
    assert len(response.context["rows"]) == 20
    assert one == twenty


def test_cycle_list_query_count_is_flat(client, national_admin, template):
    client.force_login(national_admin)
    cycle_services.create_cycle(kind=CycleKind.PILOT, year=2000, by=national_admin)
    one, response = queries_for(client, reverse("cycle_list"))
    for year in range(2001, 2006):
        for kind in CycleKind:
            if len(response.context["page"].object_list) + (year - 2001) * 4 + list(CycleKind).index(kind) < 20:
                cycle_services.create_cycle(kind=kind, year=year, by=national_admin)
    twenty, response = queries_for(client, reverse("cycle_list"))
    assert len(response.context["page"].object_list) == 20
    assert one == twenty


def test_province_inbox_shows_only_its_submitted_applications(client, national_admin, liaoning, guangdong, template):
    cycle = cycle_services.create_cycle(kind=CycleKind.PILOT, year=2026, by=national_admin)
    _applications(cycle, liaoning, 300, 2)
    _applications(cycle, liaoning, 310, 1, state=ApplicationState.DRAFT)
    _applications(cycle, guangdong, 320, 1)
    staff = user_with_role(Role.PROVINCE_STAFF, username="inbox2", province=liaoning)
    client.force_login(staff)
    rows = client.get(reverse("application_list")).context["rows"]
    # Two submitted applications of 辽宁; neither the never-submitted draft nor 广东's.
    assert sorted(r["application"].state for r in rows) == ["submitted", "submitted"]
    assert {r["application"].city.province.code for r in rows} == {"210000"}


def test_national_admin_configures_materials_and_conditions(client, national_admin, template):
    from evaluations.models import Cycle

    client.force_login(national_admin)
    response = client.post(reverse("cycle_create"), {
        "kind": CycleKind.PILOT, "year": 2027, "required_materials": ["government_letter", "work_plan"]})
    assert response.status_code == 302
    cycle = Cycle.objects.get(year=2027)
    assert (cycle.required_materials, cycle.province_deadline.isoformat()) == (
        ["government_letter", "work_plan"], "2027-08-31")
    assert client.post(reverse("cycle_checklist_add", args=[cycle.pk]), {
        "text": "近三年未发生重大知识产权侵权事件", "source": "省局补充要求", "evidence_required": "on"}).status_code == 302
    assert list(cycle.checklist.values_list("text", flat=True))[-1] == "近三年未发生重大知识产权侵权事件"
    first = cycle.checklist.first()
    client.post(reverse("cycle_checklist_remove", args=[cycle.pk, first.pk]))
    assert not cycle.checklist.filter(pk=first.pk).exists()


def test_cycle_list_filters_by_procedure_year_and_status(client, national_admin, template):
    for year in (2025, 2026):
        for kind in (CycleKind.PILOT, CycleKind.DEMONSTRATION):
            cycle_services.create_cycle(kind=kind, year=year, by=national_admin)
    client.force_login(national_admin)
    page = client.get(reverse("cycle_list"), {"kind": CycleKind.PILOT, "year": 2026, "status": "draft"})
    assert [(c.kind, c.year) for c in page.context["page"].object_list] == [(CycleKind.PILOT, 2026)]
    empty = client.get(reverse("cycle_list"), {"status": "open"})
    assert list(empty.context["page"].object_list) == []
    assert "没有符合筛选条件的评定批次。" in empty.content.decode()
