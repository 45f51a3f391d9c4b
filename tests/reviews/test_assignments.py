"""Reviewer profiles, conflicts of interest (回避), manual and automatic assignment, declarations and workload."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cities.enums import Role
from cities.models import AuditEntry, Notification, User
from evaluations.enums import ApplicationState, CycleKind, CycleStatus
from evaluations.models import Application, Cycle
from reviews.enums import AssignmentStatus, CriterionKind
from reviews.models import Assignment, Criterion, ReviewerProfile, Rubric
from reviews.services.assignments import (
    assign_reviewer,
    auto_assign,
    conflict_reasons,
    declare_conflict,
    declare_no_conflict,
    import_reviewers,
    profile_for,
    reassign,
    unassign,
    upsert_reviewer_profile,
    workload,
)
from reviews.services.reviewers import COLUMNS, reviewers, reviewers_workbook
from tests.factories import CityFactory, MembershipFactory, ProvinceFactory, UserFactory
from tests.utils import queries_for

DUE = dt.date(2026, 11, 30)

# (province code, province, short name, city code, city) of the six applicants.
APPLICANTS = [
    ("320000", "江苏省", "江苏", "320400", "常州市"),
    ("210000", "辽宁省", "辽宁", "210400", "抚顺市"),
    ("440000", "广东省", "广东", "441700", "阳江市"),
    ("370000", "山东省", "山东", "370200", "青岛市"),
    ("510000", "四川省", "四川", "510100", "成都市"),
    ("610000", "陕西省", "陕西", "610100", "西安市"),
]
# (username, province code, province, city code, city, employer) of the six reviewers; only expert1 shares a
# province with an applicant.
EXPERTS = [
    ("expert1", "320000", "江苏省", "320100", "南京市", "南京大学"),
    ("expert2", "110000", "北京市", "", "", "中国科学院"),
    ("expert3", "330000", "浙江省", "330100", "杭州市", "浙江大学"),
    ("expert4", "420000", "湖北省", "420100", "武汉市", "华中科技大学"),
    ("expert5", "310000", "上海市", "", "", "同济大学"),
    ("expert6", "430000", "湖南省", "430100", "长沙市", "中南大学"),
]


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 10, 10, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)


def make_cycle(kind=CycleKind.DEMONSTRATION) -> Cycle:
    return Cycle.objects.create(kind=kind, year=2026, title="2026年度示范城市评定", status=CycleStatus.OPEN,
                                city_deadline=dt.date(2026, 9, 1), province_deadline=dt.date(2026, 9, 15),
                                data_year=2025)


def province(code: str, name: str):
    return ProvinceFactory(code=code, name=name, short_name=name[:-1])


def expert(username, province_code, province_name, city_code, city_name, employer):
    place = province(province_code, province_name)
    city = CityFactory(code=city_code, province=place, name=city_name, full_name=city_name) if city_code else None
    user = UserFactory(username=username, full_name=f"{username}专家")
    MembershipFactory(user=user, role=Role.REVIEWER, province=place, city=city, employer=employer)
    user.forget_memberships()
    return user


@pytest.fixture
def cycle(db):
    return make_cycle()


@pytest.fixture
def applications(cycle):
    made = []
    for code, name, _short, city_code, city_name in APPLICANTS:
        city = CityFactory(code=city_code, province=province(code, name), name=city_name, full_name=city_name)
        made.append(Application.objects.create(cycle=cycle, city=city, state=ApplicationState.UNDER_REVIEW,
                                               theme="知识产权运用"))
    return {application.city.full_name: application for application in made}


@pytest.fixture
def experts(db):
    return {row[0]: expert(*row) for row in EXPERTS}


def active(application) -> list[str]:
    return sorted(application.assignments.exclude(status=AssignmentStatus.CONFLICT)
                  .values_list("reviewer__username", flat=True))


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- Conflicts of interest ---------------------------------------------------------------------------


def test_conflict_reasons_name_the_province_and_city_rules(applications, experts):
    changzhou = applications["常州市"]
    with translation.override("en"):
        assert conflict_reasons(experts["expert1"], changzhou) == ["same province (江苏省)"]
        assert conflict_reasons(experts["expert2"], changzhou) == []
        district = CityFactory(code="320402", province=changzhou.city.province, parent=changzhou.city,
                               name="天宁区", full_name="常州市天宁区")
        upsert_reviewer_profile(experts["expert2"], expertise=[], city=district, by=None)
        assert conflict_reasons(experts["expert2"], changzhou) == [
            "same province (江苏省)", "employer in 常州市天宁区, part of 常州市"]


def test_profile_for_falls_back_to_the_membership_and_then_uses_the_stored_profile(experts, applications):
    profile = profile_for(experts["expert1"])
    assert (profile.pk, profile.province.name, profile.city.full_name, profile.employer) == (
        None, "江苏省", "南京市", "南京大学")
    fushun = applications["抚顺市"].city
    stored = upsert_reviewer_profile(experts["expert1"], expertise="示范城市、专利运用", city=fushun,
                                     employer="东北大学", title="教授", available=True, by=None)
    assert (stored.expertise, stored.province.name) == (["示范城市", "专利运用"], "辽宁省")
    with translation.override("en"):
        assert conflict_reasons(experts["expert1"], applications["抚顺市"]) == [
            "same province (辽宁省)", "employer in the same city (抚顺市)"]
        assert conflict_reasons(experts["expert1"], applications["常州市"]) == []


def test_profile_needs_the_reviewer_role_and_a_national_admin(experts, national_admin, fushun_officer):
    with pytest.raises(PermissionDenied):
        upsert_reviewer_profile(experts["expert1"], expertise=[], by=experts["expert2"])
    with translation.override("en"), pytest.raises(ValidationError) as error:
        upsert_reviewer_profile(fushun_officer, expertise=[], by=national_admin)
    assert error.value.messages == ["fushun_t does not hold the reviewer role."]


# --- Automatic assignment ----------------------------------------------------------------------------


def test_auto_assign_fills_every_application_without_conflicts_and_balances_loads(
        applications, experts, national_admin, cycle):
    with translation.override("en"):
        result = auto_assign(cycle, due_date=DUE, by=national_admin)
        skipped = [str(skip) for skip in result.skipped]
    assert len(result.created) == 30
    assert {name: len(active(application)) for name, application in applications.items()} == {
        "常州市": 5, "抚顺市": 5, "阳江市": 5, "青岛市": 5, "成都市": 5, "西安市": 5}
    assert active(applications["常州市"]) == ["expert2", "expert3", "expert4", "expert5", "expert6"]
    loads = Counter(Assignment.objects.values_list("reviewer__username", flat=True))
    assert loads == {f"expert{i}": 5 for i in range(1, 7)}
    assert max(loads.values()) - min(loads.values()) <= 1
    assert skipped == ["expert1 was skipped for 常州市: same province (江苏省)"]
    assert result.unfilled == []
    assert set(Assignment.objects.values_list("status", "due_date")) == {(AssignmentStatus.ASSIGNED, DUE)}
    assert AuditEntry.objects.filter(action="assignment.assign").count() == 30
    auto = AuditEntry.objects.get(action="assignment.auto")
    assert (auto.data["created"], auto.data["skipped"]) == (30, skipped)

    again = auto_assign(cycle, due_date=DUE, by=national_admin)
    assert (again.created, again.skipped, again.unfilled) == ([], [], [])
    assert Assignment.objects.count() == 30


def test_auto_assign_reports_applications_it_cannot_fill(applications, experts, national_admin, cycle):
    with translation.override("en"):
        result = auto_assign(cycle, per_application=6, due_date=DUE, by=national_admin)
        assert [str(shortfall) for shortfall in result.unfilled] == [
            "常州市 has 5 of 6 reviewers: too few eligible reviewers"]
    assert len(active(applications["抚顺市"])) == 6


def test_auto_assign_prefers_matching_expertise_when_loads_are_equal(cycle, national_admin):
    place = province("210000", "辽宁省")
    city = CityFactory(code="210400", province=place, name="抚顺市", full_name="抚顺市")
    application = Application.objects.create(cycle=cycle, city=city, state=ApplicationState.UNDER_REVIEW,
                                             theme="专利运用")
    users = {name: expert(name, code, pname, "", "", "") for name, code, pname in [
        ("a_expert", "110000", "北京市"), ("b_expert", "310000", "上海市"), ("c_expert", "330000", "浙江省")]}
    upsert_reviewer_profile(users["c_expert"], expertise=["示范城市建设"], by=None)
    upsert_reviewer_profile(users["b_expert"], expertise=["商标"], available=True, by=None)
    auto_assign(cycle, per_application=1, due_date=DUE, by=national_admin)
    assert active(application) == ["c_expert"]


def test_auto_assign_skips_unavailable_reviewers_and_uses_the_rubric_number(
        applications, experts, national_admin, cycle):
    rubric = Rubric.objects.create(cycle=cycle, title="评审指标", reviewers_per_application=2)
    Criterion.objects.create(rubric=rubric, level=1, position=1, code="1", name="综合评价",
                             max_points=Decimal("100"), kind=CriterionKind.SUBJECTIVE)
    for name in ("expert3", "expert4", "expert5", "expert6"):
        upsert_reviewer_profile(experts[name], expertise=[], available=False, by=None)
    result = auto_assign(cycle, due_date=DUE, by=national_admin)
    assert len(result.created) == 11
    assert active(applications["常州市"]) == ["expert2"]
    assert all(active(a) == ["expert1", "expert2"] for name, a in applications.items() if name != "常州市")
    rubric.refresh_from_db()
    assert rubric.is_frozen


# --- Manual assignment -------------------------------------------------------------------------------


def test_manual_assignment_of_a_conflicted_reviewer_needs_an_override_reason(
        applications, experts, national_admin):
    changzhou = applications["常州市"]
    with translation.override("en"), pytest.raises(ValidationError) as error:
        assign_reviewer(changzhou, experts["expert1"], due_date=DUE, by=national_admin)
    assert error.value.messages == [
        "expert1 cannot review 常州市: same province (江苏省). Assigning them anyway needs a reason for "
        "overriding the conflict rule."]
    assert Assignment.objects.count() == 0

    assignment = assign_reviewer(changzhou, experts["expert1"], due_date=DUE,
                                 override_reason="唯一的区域经济专家，已报局领导同意", by=national_admin)
    assert (assignment.status, assignment.override_reason) == (AssignmentStatus.ASSIGNED,
                                                               "唯一的区域经济专家，已报局领导同意")
    entry = AuditEntry.objects.get(action="assignment.override")
    assert (entry.reason, entry.data["reviewer"], entry.actor_id) == (
        "唯一的区域经济专家，已报局领导同意", "expert1", national_admin.pk)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        assign_reviewer(changzhou, experts["expert1"], due_date=DUE, override_reason="再次", by=national_admin)
    assert error.value.messages == ["expert1 is already assigned to 常州市."]


def test_manual_assignment_is_refused_outside_review_and_to_others(applications, experts, national_admin, cycle):
    fushun = applications["抚顺市"]
    with pytest.raises(PermissionDenied):
        assign_reviewer(fushun, experts["expert2"], due_date=DUE, by=experts["expert3"])
    Application.objects.filter(pk=fushun.pk).update(state=ApplicationState.RECOMMENDED)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        assign_reviewer(fushun, experts["expert2"], due_date=DUE, by=national_admin)
    assert error.value.messages == ["抚顺市 is not under review (it is Recommended); only applications under review "
                                    "get reviewers."]
    with translation.override("en"), pytest.raises(ValidationError) as error:
        assign_reviewer(applications["阳江市"], experts["expert2"], due_date=dt.date(2026, 10, 9),
                        by=national_admin)
    assert error.value.messages == ["The due date 2026-10-09 has already passed."]


def test_assignment_notifies_the_reviewer(applications, experts, national_admin,
                                          django_capture_on_commit_callbacks):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        assign_reviewer(applications["抚顺市"], experts["expert2"], due_date=DUE, by=national_admin)
    note = Notification.objects.get(recipient=experts["expert2"])
    assert (note.title, note.url) == ("1 new review assignment: 抚顺市 · 2026年度示范城市评定", reverse("my_assignments"))


def test_unassign_and_reassign_are_audited(applications, experts, national_admin):
    fushun = applications["抚顺市"]
    first = assign_reviewer(fushun, experts["expert2"], due_date=DUE, by=national_admin)
    second = assign_reviewer(fushun, experts["expert3"], due_date=DUE, by=national_admin)
    with pytest.raises(ValidationError):
        unassign(first, reason="  ", by=national_admin)
    unassign(first, reason="专家出国", by=national_admin)
    replaced = reassign(second, experts["expert4"], reason="工作冲突", by=national_admin)
    assert active(fushun) == ["expert4"]
    assert replaced.due_date == DUE
    assert list(AuditEntry.objects.filter(action__in=["assignment.unassign", "assignment.reassign"]).order_by("id")
                .values_list("action", "reason")) == [("assignment.unassign", "专家出国"),
                                                      ("assignment.reassign", "工作冲突")]


# --- The reviewer's declarations ---------------------------------------------------------------------


def test_reviewer_opens_the_application_only_after_declaring_no_conflict(
        client, applications, experts, national_admin):
    fushun = applications["抚顺市"]
    assignment = assign_reviewer(fushun, experts["expert2"], due_date=DUE, by=national_admin)
    client.force_login(experts["expert2"])
    assert client.get(reverse("application_detail", args=[fushun.pk])).status_code == 404
    response = client.post(reverse("assignment_declare_no_conflict", args=[assignment.pk]))
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.status, assignment.declared_at is not None) == (AssignmentStatus.OPENED, True)
    page = client.get(reverse("application_detail", args=[fushun.pk]))
    assert page.status_code == 200
    assert "抚顺市" in page.content.decode()
    assert AuditEntry.objects.filter(action="assignment.declare_no_conflict", actor=experts["expert2"]).count() == 1


def test_declaring_a_conflict_frees_the_slot_and_notifies_national_staff(
        client, applications, experts, national_admin, cycle, django_capture_on_commit_callbacks):
    auto_assign(cycle, due_date=DUE, by=national_admin)
    fushun = applications["抚顺市"]
    [free] = sorted(set(experts) - set(active(fushun)))
    assignment = Assignment.objects.get(application=fushun, reviewer=experts["expert2"])
    english(client).force_login(experts["expert2"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assignment_declare_conflict", args=[assignment.pk]),
                               {"reason": "曾为抚顺市知识产权局提供咨询"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.status, assignment.conflict_reason) == (AssignmentStatus.CONFLICT, "曾为抚顺市知识产权局提供咨询")
    assert len(active(fushun)) == 4
    row = next(r for r in workload(cycle) if r.username == "expert2")
    assert (row.assigned, row.waiting, row.conflicts) == (4, 4, 1)
    note = Notification.objects.get(recipient=national_admin)
    assert (note.title, note.body, note.url) == (
        "expert2 declared a conflict of interest: 抚顺市 · 2026年度示范城市评定", "曾为抚顺市知识产权局提供咨询",
        reverse("cycle_assignments", args=[cycle.pk]))

    result = auto_assign(cycle, due_date=DUE, by=national_admin)
    assert [a.reviewer.username for a in result.created] == [free]
    assert "expert2" not in active(fushun)


def test_another_reviewers_assignment_is_404(client, applications, experts, national_admin):
    assignment = assign_reviewer(applications["抚顺市"], experts["expert2"], due_date=DUE, by=national_admin)
    client.force_login(experts["expert3"])
    assert client.post(reverse("assignment_declare_no_conflict", args=[assignment.pk])).status_code == 404
    assert client.post(reverse("assignment_declare_conflict", args=[assignment.pk]),
                       {"reason": "x"}).status_code == 404
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED
    with pytest.raises(PermissionDenied):
        declare_no_conflict(assignment, by=experts["expert3"])
    with pytest.raises(PermissionDenied):
        declare_conflict(assignment, reason="x", by=experts["expert3"])


def test_national_pages_are_refused_to_reviewers_and_officers(client, cycle, experts, fushun_officer):
    for user in (experts["expert1"], fushun_officer):
        client.force_login(user)
        assert client.get(reverse("cycle_assignments", args=[cycle.pk])).status_code == 403
        assert client.get(reverse("reviewer_workload")).status_code == 403
    client.force_login(fushun_officer)
    assert client.get(reverse("my_assignments")).status_code == 403


def test_pages_show_the_skip_and_the_reviewers_assignments(client, applications, experts, national_admin, cycle):
    english(client).force_login(national_admin)
    response = client.post(reverse("cycle_auto_assign", args=[cycle.pk]),
                           {"per_application": 5, "due_date": DUE.isoformat()})
    assert response.status_code == 200
    assert [str(skip) for skip in response.context["result"].skipped] == [
        "expert1 was skipped for 常州市: same province (江苏省)"]
    assert "expert1 was skipped for 常州市: same province (江苏省)" in response.content.decode()
    client.force_login(experts["expert1"])
    mine = client.get(reverse("my_assignments"))
    assert sorted(row["assignment"].application.city.full_name for row in mine.context["rows"]) == sorted([
        "抚顺市", "成都市", "西安市", "阳江市", "青岛市"])
    home = client.get(reverse("home"))
    [panel] = [p for p in home.context["panels"] if p["template"] == "reviews/_home_panel.html"]
    assert sorted(row["assignment"].application.city.full_name for row in panel["rows"]) == sorted([
        "抚顺市", "成都市", "西安市", "阳江市", "青岛市"])


def test_manual_forms_assign_with_an_override_and_withdraw(client, applications, experts, national_admin, cycle):
    english(client).force_login(national_admin)
    changzhou = applications["常州市"]
    page = client.get(reverse("cycle_assignments", args=[cycle.pk]))
    [row] = [r for r in page.context["rows"] if r["application"] == changzhou]
    assert [(reviewer.username, reasons) for reviewer, reasons in row["options"]] == [
        ("expert1", ["same province (江苏省)"]), ("expert2", []), ("expert3", []), ("expert4", []), ("expert5", []),
        ("expert6", [])]
    url = reverse("assignment_create", args=[cycle.pk])
    data = {"application": changzhou.pk, "reviewer": experts["expert1"].pk, "due_date": DUE.isoformat()}
    refused = client.post(url, data, follow=True)
    assert [str(m) for m in refused.context["messages"]] == [
        "expert1 cannot review 常州市: same province (江苏省). Assigning them anyway needs a reason for overriding "
        "the conflict rule."]
    client.post(url, {**data, "override_reason": "回避专家不足"})
    assignment = Assignment.objects.get(application=changzhou)
    assert (assignment.reviewer, assignment.override_reason) == (experts["expert1"], "回避专家不足")
    page = client.get(reverse("cycle_assignments", args=[cycle.pk]))
    assert 'data-confirm="Withdraw the assignment of expert1? Any draft review of theirs is deleted."' in (
        page.content.decode())
    client.post(reverse("assignment_unassign", args=[assignment.pk]), {"reason": "改派"})
    assert Assignment.objects.count() == 0


def test_profile_edit_page_saves_the_profile(client, experts, national_admin, applications):
    english(client).force_login(national_admin)
    url = reverse("reviewer_profile", args=[experts["expert3"].pk])
    page = client.get(url)
    assert page.context["form"].initial["city"] == "330100"
    response = client.post(url, {"expertise": "专利、示范城市", "province": "", "city": "210400",
                                 "employer": "东北大学", "title": "研究员", "available": ""})
    assert response.status_code == 302
    profile = ReviewerProfile.objects.get(user=experts["expert3"])
    assert (profile.expertise, profile.province.name, profile.city.full_name, profile.employer, profile.title,
            profile.available) == (["专利", "示范城市"], "辽宁省", "抚顺市", "东北大学", "研究员", False)
    assert client.get(reverse("reviewer_profile", args=[national_admin.pk])).status_code == 404


# --- Excel import of profiles ------------------------------------------------------------------------


def workbook_bytes(rows, header=COLUMNS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("reviewers.xlsx", content)


def test_profiles_round_trip_through_excel(experts, national_admin):
    nanjing = profile_for(experts["expert1"]).city
    upsert_reviewer_profile(experts["expert1"], expertise=["示范城市", "专利运用"], city=nanjing, employer="南京大学",
                            title="教授", available=False, by=national_admin)
    exported = reviewers_workbook(reviewers())
    sheet = openpyxl.load_workbook(io.BytesIO(exported)).active
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    assert [cell.value for cell in sheet[2]] == ["expert1", "expert1专家", "示范城市、专利运用", "江苏省", "南京市",
                                                 "南京大学", "教授", "否"]
    assert [cell.value for cell in sheet[3]] == ["expert2", "expert2专家", None, "北京市", None, "中国科学院", None, "是"]

    result = import_reviewers(upload(exported), by=national_admin)
    assert result.errors == []
    assert len(result.profiles) == 6
    again = reviewers_workbook(reviewers())
    assert [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(again)).active.iter_rows()] == [
        [c.value for c in row] for row in sheet.iter_rows()]
    profile = ReviewerProfile.objects.get(user=experts["expert3"])
    assert (profile.province.name, profile.city.full_name, profile.employer, profile.available) == (
        "浙江省", "杭州市", "浙江大学", True)
    assert AuditEntry.objects.filter(action="assignment.profile_import").count() == 6


def test_import_reports_each_bad_cell_and_imports_nothing(experts, national_admin, fushun_officer):
    content = workbook_bytes([
        ("expert1", "陈立新", "示范城市", "江苏省", "南京市", "南京大学", "教授", "是"),
        ("nobody", "", "", "", "", "", "", ""),
        ("fushun_t", "", "", "", "", "", "", ""),
        ("expert2", "", "专利", "火星省", "", "", "", "也许"),
        ("expert3", "", "", "浙江省", "南京市", "", "", "否"),
        ("expert3", "", "", "", "", "", "", ""),
    ])
    with translation.override("en"):
        result = import_reviewers(upload(content), by=national_admin)
    assert result.errors == [
        "B2: the name does not match the account (expert1专家)",
        "A3: no account “nobody”",
        "A4: “fushun_t” does not hold the reviewer role",
        "D5: no province “火星省”",
        "H5: should be 是 or 否, got “也许”",
        "E6: no city “南京市” in 浙江省",
        "A7: “expert3” is already in row 6",
    ]
    assert ReviewerProfile.objects.count() == 0


def test_import_checks_the_header_and_the_file(national_admin, experts):
    with translation.override("en"):
        header = import_reviewers(upload(workbook_bytes([], header=("账号", "名字", *COLUMNS[2:]))),
                                  by=national_admin)
        garbage = import_reviewers(upload(b"not a workbook"), by=national_admin)
    assert header.errors == ["B1: the column should be “姓名”, found “名字”"]
    assert garbage.errors == ["the file is not an Excel workbook (.xlsx); save it as .xlsx and upload it again"]
    with pytest.raises(PermissionDenied):
        import_reviewers(upload(b""), by=experts["expert1"])


def test_import_view_shows_the_errors(client, experts, national_admin):
    english(client).force_login(national_admin)
    content = workbook_bytes([("nobody", "", "", "", "", "", "", "")])
    response = client.post(reverse("reviewer_import"), {"file": upload(content)})
    assert response.status_code == 400
    assert response.context["import_errors"] == ["A2: no account “nobody”"]
    good = workbook_bytes([("expert2", "", "专利、商标", "北京市", "", "中国科学院", "研究员", "是")])
    response = client.post(reverse("reviewer_import"), {"file": upload(good)})
    assert response.status_code == 302
    assert ReviewerProfile.objects.get(user=experts["expert2"]).expertise == ["专利", "商标"]


# --- Query counts ------------------------------------------------------------------------------------


def _many_applications(cycle, n: int, start: int) -> list[Application]:
    place = province("210000", "辽宁省")
    return [Application.objects.create(cycle=cycle, city=CityFactory(province=place, code=f"2199{i:02d}"),
                                       state=ApplicationState.UNDER_REVIEW) for i in range(start, start + n)]


def test_cycle_assignments_query_count_is_flat(client, cycle, experts, national_admin):
    client.force_login(national_admin)
    for application in _many_applications(cycle, 1, 0):
        assign_reviewer(application, experts["expert2"], due_date=DUE, by=national_admin)
    one, response = queries_for(client, reverse("cycle_assignments", args=[cycle.pk]))
    assert len(response.context["rows"]) == 1
    for application in _many_applications(cycle, 19, 1):
        assign_reviewer(application, experts["expert2"], due_date=DUE, by=national_admin)
    twenty, response = queries_for(client, reverse("cycle_assignments", args=[cycle.pk]))
    assert len(response.context["rows"]) == 20
    assert one == twenty


def test_reviewer_workload_query_count_is_flat(client, cycle, national_admin):
    client.force_login(national_admin)
    [application] = _many_applications(cycle, 1, 0)

    def add_reviewer(i: int):
        user = expert(f"w{i:02d}", "110000", "北京市", "", "", "单位")
        upsert_reviewer_profile(user, expertise=["专利"], by=national_admin)
        assign_reviewer(application, user, due_date=DUE, by=national_admin)

    add_reviewer(0)
    url = reverse("reviewer_workload") + f"?cycle={cycle.pk}&sort=load"
    one, response = queries_for(client, url)
    assert response.context["page"].paginator.count == 1
    for i in range(1, 20):
        add_reviewer(i)
    twenty, response = queries_for(client, url)
    assert [(u.username, u.assigned, u.waiting, u.overdue) for u in response.context["page"].object_list] == [
        (f"w{i:02d}", 1, 1, 0) for i in range(20)]
    assert one == twenty


def test_reviewer_workload_shows_contact_data_masked(client, cycle, national_admin):
    reviewer = expert("wang", "110000", "北京市", "", "", "单位")
    User.objects.filter(pk=reviewer.pk).update(phone="13812345678", email="wang.wu@example.cn")
    client.force_login(national_admin)
    html = client.get(reverse("reviewer_workload")).content.decode()
    assert "138****5678<br>w***@example.cn" in html
    assert ("13812345678" in html, "wang.wu" in html) == (False, False)


def test_my_assignments_query_count_is_flat(client, cycle, experts, national_admin):
    reviewer = experts["expert2"]
    client.force_login(reviewer)
    applications = _many_applications(cycle, 20, 0)
    assign_reviewer(applications[0], reviewer, due_date=DUE, by=national_admin)
    one, response = queries_for(client, reverse("my_assignments"))
    assert len(response.context["rows"]) == 1
    for application in applications[1:]:
        assign_reviewer(application, reviewer, due_date=DUE, by=national_admin)
    twenty, response = queries_for(client, reverse("my_assignments"))
    assert len(response.context["rows"]) == 20
    assert one == twenty
