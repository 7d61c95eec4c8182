"""Community boundaries, pure: a spatial index (shapely's STRtree) that places a point in its community, and the
checks a boundary file passes before it is stored.

GeoJSON positions are [longitude, latitude]. Areas and distances are computed in a local equirectangular
projection around the polygons (metres; good to well under 1% across a city), so no projection library is
needed. PostGIS is not used: the index is built in each process from the stored GeoJSON, on SQLite and
PostgreSQL alike.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely import Point, STRtree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LNG_EQUATOR = 111_320.0
# Every place in China lies in this box (south, west, north, east); a position whose swap lies in it and which
# does not is a latitude/longitude swap. The longitude and latitude ranges do not overlap, so a swap always shows.
CHINA_BOX = (3.0, 73.0, 54.0, 136.0)


@dataclass(frozen=True)
class Box:
    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lng: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lng <= self.east


@dataclass(frozen=True)
class Problem:
    feature: int  # the feature's position in the file, from 1
    code: str  # an error code of the imports package
    params: Mapping[str, Any]
    community: str | None = None


def _metric(geom: BaseGeometry, lat0: float) -> BaseGeometry:
    scale = M_PER_DEG_LNG_EQUATOR * math.cos(math.radians(lat0))
    return shapely.transform(geom, lambda xy: xy * [scale, M_PER_DEG_LAT])


class BoundaryIndex:
    """Community polygons in an STRtree; `locate` answers the community holding a point."""

    def __init__(self, polygons: Mapping[str, Mapping[str, Any]]):
        self.codes = sorted(polygons)
        self.geoms = [shape(polygons[c]) for c in self.codes]
        self.tree = STRtree(self.geoms) if self.geoms else None

    def __len__(self) -> int:
        return len(self.codes)

    def locate(self, lat: float, lng: float) -> str | None:
        """The community whose polygon holds the point; on a shared edge, the lowest code; outside all, None."""
        if self.tree is None:
            return None
        point = Point(lng, lat)
        hits = self.tree.query(point, predicate="intersects")  # `within` misses a point on an edge
        return min((self.codes[int(i)] for i in hits), default=None)

    def near(self, lat: float, lng: float, radius_m: float) -> set[str]:
        """Communities whose polygon comes within `radius_m` of the point."""
        if self.tree is None:
            return set()
        dlat = radius_m / M_PER_DEG_LAT
        dlng = radius_m / (M_PER_DEG_LNG_EQUATOR * max(math.cos(math.radians(lat)), 1e-6))
        box = shapely.box(lng - dlng, lat - dlat, lng + dlng, lat + dlat)
        point = _metric(Point(lng, lat), lat)
        return {self.codes[int(i)] for i in self.tree.query(box)
                if _metric(self.geoms[int(i)], lat).distance(point) <= radius_m}


def _positions(geometry: Mapping[str, Any]) -> list[list[list[Any]]]:
    """The rings of a Polygon or MultiPolygon, as given."""
    coords = geometry.get("coordinates")
    if not isinstance(coords, list):
        return []
    if geometry.get("type") == "Polygon":
        return [r for r in coords if isinstance(r, list)]
    return [r for poly in coords if isinstance(poly, list) for r in poly if isinstance(r, list)]


def _numbers(ring: list[Any]) -> list[tuple[float, float]] | None:
    out = []
    for pos in ring:
        if not (isinstance(pos, list | tuple) and len(pos) >= 2 and all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in pos[:2])):
            return None
        out.append((float(pos[0]), float(pos[1])))
    return out


def check_feature(index: int, feature: Any, box: Box) -> tuple[str | None, Mapping[str, Any] | None, list[Problem]]:
    """(community code, geometry, problems) of one GeoJSON feature: its shape, closed rings, valid polygons, and
    positions in the city's box in [longitude, latitude] order."""
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        return None, None, [Problem(index, "geojson_feature_invalid", {})]
    props = feature.get("properties") or {}
    code = str(props.get("code") or props.get("community_code") or "") if isinstance(props, Mapping) else ""
    geometry = feature.get("geometry")
    if not code:
        return None, None, [Problem(index, "geojson_code_missing", {})]
    if not isinstance(geometry, Mapping) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return code, None, [Problem(index, "geojson_not_polygon", {"code": code}, code)]
    problems: list[Problem] = []
    rings = _positions(geometry)
    if not rings:
        return code, None, [Problem(index, "geojson_not_polygon", {"code": code}, code)]
    points: list[tuple[float, float]] = []
    for ring in rings:
        numbers = _numbers(ring)
        if numbers is None:
            return code, None, [Problem(index, "geojson_position_invalid", {"code": code}, code)]
        if len(numbers) < 4 or numbers[0] != numbers[-1]:
            problems.append(Problem(index, "polygon_not_closed", {"code": code, "points": len(numbers)}, code))
        points += numbers
    if problems:
        return code, None, problems
    inside = sum(box.contains(lat, lng) for lng, lat in points)
    swapped = sum(box.contains(lng, lat) for lng, lat in points)  # read as [latitude, longitude]
    if inside < len(points):
        if swapped == len(points):
            return code, None, [Problem(index, "coordinates_swapped", {"code": code}, code)]
        return code, None, [Problem(index, "coordinates_outside_box", {
            "code": code, "box": f"{box.south},{box.west},{box.north},{box.east}"}, code)]
    geom = shape(geometry)
    if not geom.is_valid:
        return code, None, [Problem(index, "polygon_invalid", {"code": code, "reason": shapely.is_valid_reason(geom)},
                                    code)]
    return code, geometry, []


def overlaps(polygons: Mapping[str, Mapping[str, Any]], fresh: Iterable[str],
             tolerance_m2: float) -> list[tuple[str, str, float]]:
    """Pairs of communities (at least one of them in `fresh`) whose polygons overlap by more than the tolerance,
    with the overlap in square metres. Neighbours that only touch overlap by 0."""
    codes = sorted(polygons)
    if len(codes) < 2:
        return []
    fresh_set = set(fresh)
    geoms = [shape(polygons[c]) for c in codes]
    lat0 = sum(g.centroid.y for g in geoms) / len(geoms)
    tree = STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    out = []
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a >= b or (codes[a] not in fresh_set and codes[b] not in fresh_set):
            continue
        area = _metric(geoms[a].intersection(geoms[b]), lat0).area
        if area > tolerance_m2:
            out.append((codes[a], codes[b], round(area, 1)))
    return out


def synthetic_cells(points: Mapping[str, tuple[float, float]], box: Box) -> dict[str, dict[str, Any]]:
    """Voronoi cells around community points (lat, lng), clipped to the box: made-up boundaries for tests and
    demos that let point-in-polygon run. They are not any community's real boundary."""
    codes = sorted(points)
    seeds = shapely.multipoints([(points[c][1], points[c][0]) for c in codes])
    frame = shapely.box(box.west, box.south, box.east, box.north)
    cells = shapely.voronoi_polygons(seeds, extend_to=frame)
    out: dict[str, dict[str, Any]] = {}
    for cell in shapely.get_parts(cells):
        clipped = cell.intersection(frame)
        for code in codes:
            lat, lng = points[code]
            if clipped.covers(Point(lng, lat)) and code not in out:
                out[code] = _rounded(shapely.geometry.mapping(clipped))
                break
    return out


def _rounded(geometry: Mapping[str, Any]) -> dict[str, Any]:
    def walk(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 6)
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def geometry_points(geometries: Sequence[Mapping[str, Any]]) -> int:
    return sum(len(r) for g in geometries for r in _positions(g))
