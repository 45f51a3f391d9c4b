"""One word per concept: the catalog and the state labels against ``cities.glossary``."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.utils import translation

from cities.audit import state_label
from cities.glossary import MIX_UPS, TERMS, Entry, Finding, catalog_mix_ups, state_mix_ups, wrong_terms

CATALOG = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# Each mix-up as issue #15 found it in the catalog or on the pages.
EXAMPLES = {
    "application state 草稿 (not the cycle's 筹备中)": Entry("Draft", "筹备中", paths=("evaluations/enums.py",)),
    "cycle state 筹备中 (not the application's 草稿)": Entry("Being prepared", "草稿", paths=("evaluations/enums.py",)),
    "a title (称号), not the procedure that grants it": Entry("Demonstration city", "示范城市评定",
                                                               paths=("cities/enums.py",)),
    "a title (称号), not the re-review": Entry("Demonstration city", "示范城市复核", paths=("cities/enums.py",)),
    "the name of a list or plan, not a city's title": Entry(
        "Title", "称号", paths=("cities/filters.py", "templates/plans/responsibilitylist_index.html")),
    "the kind of a plan, not of a material": Entry(
        "Kind", "材料类型", paths=("templates/evaluations/_materials.html", "templates/plans/cityplan_list.html")),
    "a version (round) picked on the diff page, not a date": Entry(
        "From", "起始日期", paths=("cities/filters.py", "templates/evaluations/application_diff.html")),
    "a placeholder that a browser swallows as an HTML tag (“ 年工作计划责任清单”)": Entry(
        "Empty: “<year>年工作计划责任清单”.", "不填则为“<year>年工作计划责任清单”。",
        paths=("plans/views/responsibility.py",)),
    "an import error about the file, not about cells": Entry(
        "The file was not imported; nothing was changed. Correct these problems and upload it again:",
        "文件未导入，数据未作任何修改。请更正下列单元格后重新上传：", paths=("evaluations/imports.py",)),
}
# The state labels pages and the activity log showed before each state was looked up under its subject.
OLD_STATE_LABELS = {("application", "draft"): "筹备中", ("cycle", "draft"): "草稿",
                    ("tier", "pilot"): "试点城市评定", ("tier", "demonstration"): "示范城市评定"}


def real_entries() -> list[Entry]:
    return [Entry(entry.msgid, entry.msgstr, entry.msgctxt or "", tuple(path for path, _line in entry.occurrences))
            for entry in polib.pofile(str(CATALOG)) if not entry.obsolete]


def chinese_state_label(subject: str, value: str) -> str:
    with translation.override("zh-hans"):
        return str(state_label(value, subject))


def test_every_mix_up_has_an_example():
    assert sorted(EXAMPLES) == sorted(mix_up.concept for mix_up in MIX_UPS)


@pytest.mark.parametrize("mix_up", MIX_UPS, ids=lambda mix_up: mix_up.wrong)
def test_checker_finds_each_mix_up_in_a_catalog_holding_it(mix_up):
    example = EXAMPLES[mix_up.concept]
    found = [finding for finding in catalog_mix_ups([example]) if finding.concept == mix_up.concept]
    assert found == [Finding(mix_up.concept, mix_up.wrong, example.msgid, example.msgstr)]


def test_checker_finds_the_old_state_labels():
    found = state_mix_ups(lambda subject, value: OLD_STATE_LABELS.get((subject, value), ""))
    assert sorted((finding.where, finding.text) for finding in found) == [
        ("application:draft", "筹备中"), ("cycle:draft", "草稿"), ("tier:demonstration", "示范城市评定"),
        ("tier:pilot", "试点城市评定")]


def test_checker_leaves_the_right_words_alone():
    right = [Entry("Draft", "草稿", paths=("evaluations/enums.py",)),
             Entry("Title", "清单名称", "list", ("templates/plans/responsibilitylist_index.html",)),
             Entry("Kind", "方案类型", "plan", ("templates/plans/cityplan_list.html",)),
             Entry("From", "变更前版本", "version", ("templates/evaluations/application_diff.html",))]
    assert catalog_mix_ups(right) == []


def test_catalog_has_no_mix_up():
    assert catalog_mix_ups(real_entries()) == []


def test_state_labels_have_no_mix_up():
    assert state_mix_ups(chinese_state_label) == []


def test_each_concept_has_its_one_word_in_catalog_and_labels():
    assert wrong_terms(real_entries(), chinese_state_label) == []
    assert {term.word for term in TERMS if term.state and term.state[0] == "tier"} == {
        "试点城市", "示范城市", "示范培育", "强市创建市"}


def test_a_draft_application_and_a_cycle_being_prepared_read_apart():
    """The same stored value, two concepts: each is looked up under its subject (pages and activity log)."""
    assert (chinese_state_label("application", "draft"), chinese_state_label("cycle", "draft")) == ("草稿", "筹备中")
    # An audit entry passes its action key: its first part is the subject.
    with translation.override("zh-hans"):
        assert (str(state_label("draft", "application.submit")), str(state_label("draft", "cycle.open"))) == (
            "草稿", "筹备中")
        assert (str(state_label("demonstration", "tier")), str(state_label("demonstration", "cycle_kind"))) == (
            "示范城市", "示范城市评定")
