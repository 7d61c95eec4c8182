"""Writes seed/demo/shenzhen_boundaries_synthetic.geojson: MADE-UP community polygons for tests and demos.

    .venv/bin/python seed/demo/synthetic_boundaries.py

Real community boundaries are not available offline. These are Voronoi cells around one point per community (the
mean of the coordinates seed/places gives for plain, one-community places), clipped to a box around each
district's points. They let point-in-polygon, Open311 placement and duplicate search run end to end; they are
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
BOXES = {"440304": Box(22.50, 114.02, 22.59, 114.10), "440305": Box(22.47, 113.90, 22.56, 113.99)}


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
    out = ROOT / "seed/demo/shenzhen_boundaries_synthetic.geojson"
    body = {"type": "FeatureCollection", "features": features}
    out.write_text(json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    print(f"{out}: {len(features)} synthetic communities")


if __name__ == "__main__":
    main()
