"""The table page, the downloads and the import: who sees, who edits, what is saved, and the query count."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from cities.models import AuditEntry
from evaluations.exports.basic_info_xlsx import basic_info_workbook
from evaluations.enums import ApplicationState
from evaluations.models import Application, IndicatorValue
from tests.evaluations.basic_info_support import (  # noqa: F401 (fixtures)
    DATA_YEAR,
    TYPED,
    application,
    cycle,
    english,
    indicator,
    load,
    save,
    store,
    stored,
    submitted_application,
    table_snapshot,
    template,
    upload,
)
from tests.utils import queries_for


def page(application) -> str:
    return reverse("application_basic_info", args=[application.pk])


def field(template, number: int, sub_item: str = "") -> str:
    return f"v{indicator(template, number, sub_item).pk}"


def invalid_feedback(html: str) -> list[str]:
    return re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', html)


# --- The page ------------------------------------------------------------------------------------


def test_officer_sees_the_editable_table(english, template, application, fushun_city, fushun_officer):
    store(fushun_city, template, {(5, ""): Decimal("652300.5000"), (14, "行政级别"): "正处级"})
    english.force_login(fushun_officer)
    response = english.get(page(application))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["can_edit"] is True
    assert [title for title, _rows in response.context["sections"]] == ["一、城市基本情况", "二、城市知识产权工作基本情况"]
    assert [len(rows) for _title, rows in response.context["sections"]] == [13, 22]
    five = field(template, 5)
    assert (f'<input type="text" name="{five}" value="652300.5" inputmode="decimal" autocomplete="off" '
            f'class="form-control" id="id_{five}">') in html
    assert '<span class="input-group-text">万元</span>' in html
    eleven = field(template, 11)
    assert (f'<textarea name="{eleven}" cols="40" rows="5" data-char-counter="" data-max-chars="500" '
            f'class="form-control" id="id_{eleven}">') in html
    assert f'<div class="form-text" id="id_{eleven}-count" aria-live="polite"><span data-count>0</span> / 500 ' \
           f'characters</div>' in html
    level = field(template, 14, "行政级别")
    assert f'<input type="text" name="{level}" value="正处级" class="form-control" id="id_{level}">' in html
    assert '<script src="/static/evaluations/basic_info.js" defer></script>' in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " style=" not in html
    assert response.context["problems"][0] == "row 1 面积 has no value"
    assert len(response.context["problems"]) == 33


def test_browser_save_stores_the_values(english, template, application, fushun_city, fushun_officer):
    english.force_login(fushun_officer)
    response = english.post(page(application), {
        field(template, 4): "８３６．１", field(template, 20): "3000万元", field(template, 11): "东北振兴的重要节点城市",
        field(template, 14, "编制人数"): "8人"}, follow=True)
    assert response.redirect_chain == [(page(application), 302)]
    assert [str(m) for m in response.context["messages"]] == ["The basic-information table was saved."]
    assert stored(fushun_city) == {(4, ""): Decimal("836.1"), (20, ""): Decimal("3000"),
                                   (11, ""): "东北振兴的重要节点城市", (14, "编制人数"): Decimal("8")}
    assert AuditEntry.objects.get(action="basic_info.save").data == {
        "year": 2020, "changed": [4, 11, 14, 20], "source": "browser"}


def test_browser_save_with_errors_shows_them_next_to_the_fields_and_saves_nothing(
        english, template, application, fushun_city, fushun_officer):
    store(fushun_city, template, {(4, ""): Decimal("836.1")})
    before = table_snapshot()
    english.force_login(fushun_officer)
    response = english.post(page(application), {
        field(template, 4): "900", field(template, 5): "约三千", field(template, 7): "3亿元",
        field(template, 11): "定" * 501})
    eleven = field(template, 11)
    html = response.content.decode()
    assert response.status_code == 200
    assert invalid_feedback(html) == ["should be a number, got “约三千”", "unit should be 万元, got “3亿元”",
                                      "should be at most 500 characters, got 501"]
    five = field(template, 5)
    assert (f'<input type="text" name="{five}" value="约三千" inputmode="decimal" autocomplete="off" '
            f'class="form-control is-invalid" aria-invalid="true" aria-describedby="id_{five}_error" id="id_{five}">'
            '<span class="input-group-text">万元</span></div>') in html
    assert (f'<div id="id_{five}_error"><div class="invalid-feedback d-block">should be a number, got “约三千”</div>'
            '</div>') in html
    # The error sits in the same form row as its field.
    block = html[html.index(f'id="id_{five}"'):]
    assert block.index("should be a number, got “约三千”") < block.index(f'id="id_{field(template, 6)}"')
    assert f'<div class="form-text" id="id_{eleven}-count" aria-live="polite"><span data-count>501</span> / 500' in html
    assert [str(m) for m in response.context["messages"]] == ["Nothing was saved: correct the rows marked below."]
    assert table_snapshot() == before


def test_browser_save_of_part_of_the_form_leaves_the_other_rows(english, template, application, fushun_city,
                                                                fushun_officer):
    store(fushun_city, template, {(4, ""): Decimal("836.1")})
    english.force_login(fushun_officer)
    english.post(page(application), {field(template, 5): "652300"})
    assert stored(fushun_city) == {(4, ""): Decimal("836.1"), (5, ""): Decimal("652300")}


# --- Who may see and who may change -----------------------------------------------------------------


def urls(application) -> list[tuple[str, str]]:
    return [("get", page(application)), ("post", page(application)),
            ("get", reverse("application_basic_info_xlsx", args=[application.pk])),
            ("post", reverse("application_basic_info_import", args=[application.pk]))]


@pytest.mark.parametrize("persona", ["guangdong_staff", "yangjiang_officer", "reviewer", "liaoning_staff"])
def test_out_of_scope_users_get_404(request, client, template, application, persona):
    client.force_login(request.getfixturevalue(persona))
    assert [getattr(client, method)(url).status_code for method, url in urls(application)] == [404] * 4


def test_anonymous_is_sent_to_sign_in(client, template, application):
    responses = [getattr(client, method)(url) for method, url in urls(application)]
    assert [r.status_code for r in responses] == [302] * 4
    assert all(r["Location"].startswith(reverse("login")) for r in responses)


@pytest.mark.parametrize("persona", ["liaoning_staff", "national_admin"])
def test_province_and_national_staff_read_a_submitted_table(request, english, template, submitted_application,
                                                            fushun_city, persona):
    store(fushun_city, template, {(4, ""): Decimal("836.1"), (14, "隶属关系"): "市市场监督管理局"})
    before = table_snapshot()
    english.force_login(request.getfixturevalue(persona))
    response = english.get(page(submitted_application))
    html = response.content.decode()
    assert response.status_code == 200
    assert (response.context["can_edit"], response.context["form"]) == (False, None)
    assert re.findall(r'<textarea|<input[^>]* name="v\d+"', html) == []
    four, first = indicator(template, 4).pk, indicator(template, 14, "隶属关系").pk
    assert f'<td class="text-break" data-indicator="{four}">836.1</td>' in html
    assert f'<td class="text-break" data-indicator="{first}">市市场监督管理局</td>' in html
    assert english.post(page(submitted_application), {field(template, 4): "1"}).status_code == 403
    assert english.post(reverse("application_basic_info_import", args=[submitted_application.pk])).status_code == 403
    assert english.get(reverse("application_basic_info_xlsx", args=[submitted_application.pk])).status_code == 200
    assert table_snapshot() == before


def test_officer_cannot_change_a_submitted_application(english, template, submitted_application, fushun_city,
                                                       fushun_officer):
    store(fushun_city, template, {(4, ""): Decimal("836.1")})
    before = table_snapshot()
    english.force_login(fushun_officer)
    response = english.get(page(submitted_application))
    assert (response.status_code, response.context["can_edit"]) == (200, False)
    assert re.findall(r'<textarea|<input[^>]* name="v\d+"', response.content.decode()) == []

    response = english.post(page(submitted_application), {field(template, 4): "900"})
    assert response.status_code == 409
    assert [str(m) for m in response.context["messages"]] == [
        "The application is Submitted to the province; its basic-information table can no longer be changed."]
    workbook = load(basic_info_workbook(fushun_city, DATA_YEAR, template))
    workbook.active["D17"] = 900
    response = english.post(reverse("application_basic_info_import", args=[submitted_application.pk]),
                            {"file": upload(save(workbook))})
    assert response.status_code == 409
    assert table_snapshot() == before


def test_city_export_for_national_staff_and_the_citys_officers(english, template, yangjiang_city, fushun_city,
                                                              national_admin, guangdong_staff, fushun_officer,
                                                              yangjiang_officer):
    store(yangjiang_city, template, {(4, ""): Decimal("1350.2"), (8, ""): Decimal("9000")}, year=2019)
    url = reverse("city_basic_info_xlsx", args=[yangjiang_city.code, 2019])
    english.force_login(national_admin)
    response = english.get(url)
    assert response.status_code == 200
    ws = load(response.content).active
    assert (ws["C3"].value, ws["D13"].value, ws["D17"].value, ws["D21"].value, ws["C5"].value) == (
        "阳江市", "2019年度数据", 1350.2, 9000, None)
    assert response["Content-Disposition"].startswith('attachment; filename="basic-info-441700-2019.xlsx"')
    assert english.get(reverse("city_basic_info_xlsx", args=[yangjiang_city.code, 1999])).status_code == 404

    english.force_login(yangjiang_officer)
    assert english.get(url).status_code == 200
    # Province staff read a city's table through its submitted application, not before.
    english.force_login(guangdong_staff)
    assert english.get(url).status_code == 404
    assert english.get(reverse("city_basic_info_xlsx", args=[fushun_city.code, 2019])).status_code == 404
    english.force_login(fushun_officer)
    assert english.get(url).status_code == 404


# --- Queries and the summary partial -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["fushun_officer", "national_admin"])
def test_table_page_query_count_does_not_grow_with_values(request, client, template, application, fushun_city,
                                                          persona):
    client.force_login(request.getfixturevalue(persona))
    if persona == "national_admin":  # national staff read the table once the city has submitted it (issue #14)
        Application.objects.filter(pk=application.pk).update(state=ApplicationState.SUBMITTED, round=1)
    store(fushun_city, template, {(1, ""): Decimal("11271")})
    one, _response = queries_for(client, page(application))
    IndicatorValue.objects.all().delete()
    store(fushun_city, template, {key: expected for key, (_raw, expected) in TYPED.items()})
    assert IndicatorValue.objects.count() == 35
    full, response = queries_for(client, page(application))
    assert response.context["problems"] == []
    assert full == one


def test_summary_partial(template, application, fushun_officer):
    request = RequestFactory().get("/")
    request.user = fushun_officer
    context = {"application": application, "problems": ["row 1 面积 has no value"] * 7, "can_edit": True}
    from django.utils import translation

    with translation.override("en"):
        html = render_to_string("evaluations/_basic_info_summary.html", context, request=request)
        read_only = render_to_string("evaluations/_basic_info_summary.html",
                                     {**context, "problems": [], "can_edit": False}, request=request)
    assert '<span class="badge text-bg-warning">7 rows still to complete</span>' in html
    assert html.count("<li>row 1 面积 has no value</li>") == 5
    assert "<li>……</li>" in html
    assert f'href="{page(application)}">Fill in the browser</a>' in html
    assert f'href="{reverse("application_basic_info_xlsx", args=[application.pk])}"' in html
    assert f'action="{reverse("application_basic_info_import", args=[application.pk])}"' in html
    assert '<span class="badge text-bg-success">Complete</span>' in read_only
    assert f'href="{page(application)}">View the table</a>' in read_only
    assert "application_basic_info_import" not in read_only and 'type="file"' not in read_only
