"""Errors in the product's own Chinese sentences: every constraint and unique field says what is wrong in words an
official uses (not Django's “包含 城市 和 年度 的 责任清单 已经存在。”), and a failed import says whether cells or
the file are at fault."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Field
from django.urls import reverse
from django.utils import translation

from evaluations.imports import cell_error, errors_heading
from plans.services.responsibility import create_list

OUR_APPS = ("cities", "evaluations", "plans", "reviews")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def our_models():
    return [model for model in apps.get_models() if model._meta.app_label in OUR_APPS]


def test_every_constraint_has_a_sentence_of_its_own_in_chinese():
    generic, untranslated = [], []
    for model in our_models():
        for constraint in model._meta.constraints:
            name = f"{model._meta.label}.{constraint.name}"
            if constraint.violation_error_message == constraint.default_violation_error_message:
                generic.append(name)
            with translation.override("zh-hans"):
                if not CHINESE.search(str(constraint.get_violation_error_message())):
                    untranslated.append(name)
    assert (generic, untranslated) == ([], [])
    assert len([c for model in our_models() for c in model._meta.constraints]) >= 40


def test_every_unique_field_has_a_sentence_of_its_own_in_chinese():
    generic, untranslated = [], []
    default = str(Field.default_error_messages["unique"])
    for model in our_models():
        for field in model._meta.concrete_fields:
            if not field.unique or field.primary_key:
                continue
            name = f"{model._meta.label}.{field.name}"
            if str(field.error_messages["unique"]) == default:
                generic.append(name)
            with translation.override("zh-hans"):
                if not CHINESE.search(str(field.error_messages["unique"])):
                    untranslated.append(name)
    assert (generic, untranslated) == ([], [])


def test_a_second_list_of_the_same_city_and_year_is_refused_in_our_words(fushun_city, fushun_officer):
    create_list(fushun_city, year=2022, title="", by=fushun_officer)
    with pytest.raises(ValidationError) as refused:
        create_list(fushun_city, year=2022, title="另一份清单", by=fushun_officer)
    assert refused.value.messages == ["该城市本年度的责任清单已存在。"]
    assert fushun_city.responsibility_lists.count() == 1


def test_the_list_page_says_the_list_exists(client, fushun_city, fushun_officer):
    client.force_login(fushun_officer)
    client.post(reverse("list_create"), {"city": fushun_city.pk, "year": 2022, "title": ""}, follow=True)
    response = client.post(reverse("list_create"), {"city": fushun_city.pk, "year": 2022, "title": ""}, follow=True)
    assert [str(message) for message in response.context["messages"]] == ["该城市本年度的责任清单已存在。"]
    assert fushun_city.responsibility_lists.count() == 1


def test_list_form_help_names_the_standard_title_in_full(client, fushun_city, fushun_officer):
    client.force_login(fushun_officer)
    form = client.get(reverse("list_index")).context["create_form"]
    with translation.override("zh-hans"):
        shown = (str(form.fields["title"].label), str(form.fields["title"].help_text))
    assert shown == (
        "清单名称", "不填则使用标准名称“XXXX年工作计划责任清单”（XXXX为所填年度）。")


def test_import_heading_names_cells_or_the_file():
    cells = [cell_error("B5", "必填")]
    whole_file = ["文件不是 Excel 工作簿"]
    assert errors_heading(cells) == "文件未导入，数据未作任何修改。请更正下列单元格后重新上传："
    assert errors_heading(whole_file) == "文件未导入，数据未作任何修改。请更正下列问题后重新上传："
    assert errors_heading(cells + whole_file) == "文件未导入，数据未作任何修改。请更正下列单元格和问题后重新上传："
    assert (cells[0], cells[0].cell) == ("B5：必填", "B5")


def test_a_file_that_is_not_a_workbook_is_not_called_a_cell_error(client, fushun_city, fushun_officer):
    rlist = create_list(fushun_city, year=2022, title="", by=fushun_officer)
    client.force_login(fushun_officer)
    response = client.post(reverse("list_import", args=[rlist.pk]),
                           {"file": SimpleUploadedFile("清单.xlsx", b"not a workbook")})
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "文件未导入，数据未作任何修改。请更正下列问题后重新上传："]
    assert len(response.context["import_errors"]) == 1
    assert rlist.items.count() == 0
