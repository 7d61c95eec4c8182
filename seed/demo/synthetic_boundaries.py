"""Writes seed/demo/shenzhen_boundaries_synthetic.geojson and seed/demo/shanghai/boundaries_synthetic.geojson:
MADE-UP community polygons for tests and demos.

    .venv/bin/python seed/demo/synthetic_boundaries.py

Real community boundaries are not available offline. These are Voronoi cells around one point per community (the
mean of the coordinates seed/places gives for plain, one-community places), clipped to a box around each
district's points (the Shanghai demo's points are made up too). They let point-in-polygon, Open311 placement and duplicate search run end to end; they are
NOT where any community's boundary lies, and every feature says so (`synthetic: true`, `source`). Never load them
into a deployment that routes real cases: import the city's own GeoJSON instead.
"""

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.regions.boundaries import Box, synthetic_cells  # noqa: E402

SOURCE = "synthetic: Voronoi cells around seed/places coordinates; NOT a real boundary"
# The Shanghai demo's communities are illustrative (seed/demo/shanghai/README.md); so are these points.
SHANGHAI_POINTS = {"310104003001": (31.205, 121.437), "310104003002": (31.200, 121.441),
                   "310104004001": (31.210, 121.444), "310104014001": (31.195, 121.437),
                   "310104014002": (31.189, 121.432)}
SHANGHAI_BOX = Box(31.18, 121.42, 31.22, 121.46)
BOXES = {"440304": Box(22.50, 114.02, 22.59, 114.10), "440305": Box(22.47, 113.90, 22.56, 113.99)}


def write(path: Path, features: list[dict]) -> None:
    body = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    print(f"{path}: {len(features)} synthetic communities")


def main() -> None:
    names = {r["code"]: r["name"] for r in csv.DictReader((ROOT / "seed/regions.csv").open(encoding="utf-8"))}
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for path in sorted((ROOT / "seed/places").glob("*.csv")):
        for r in csv.DictReader(path.open(encoding="utf-8-sig")):
            if r["lat"] and not r["note"].startswith(("spans", "ambiguous", "uncertain")):
                points[r["community_code"]].append((float(r["lat"]), float(r["lng"])))
    features = []
    for district, box in BOXES.items():
        mine = {c: (sum(p[0] for p in v) / len(v), sum(p[1] for p in v) / len(v))
                for c, v in points.items() if c.startswith(district)}
        mine = {c: p for c, p in mine.items() if box.contains(*p)}
        for code, geometry in sorted(synthetic_cells(mine, box).items()):
            features.append({"type": "Feature", "geometry": geometry, "properties": {
                "code": code, "name": names.get(code), "source": SOURCE, "synthetic": True}})
    write(ROOT / "seed/demo/shenzhen_boundaries_synthetic.geojson", features)
    names.update({r["code"]: r["name"] for r in csv.DictReader(
        (ROOT / "seed/demo/shanghai/regions.csv").open(encoding="utf-8"))})
    write(ROOT / "seed/demo/shanghai/boundaries_synthetic.geojson", [
        {"type": "Feature", "geometry": geometry, "properties": {
            "code": code, "name": names.get(code), "source": SOURCE.replace("seed/places coordinates",
                                                                            "made-up demo points"),
            "synthetic": True}} for code, geometry in sorted(synthetic_cells(SHANGHAI_POINTS, SHANGHAI_BOX).items())])


if __name__ == "__main__":
    main()
