"""Duplicate scoring, pure: same category, same community or within a radius (or, without coordinates, in a community
whose boundary is within it), ranked by segmented-word similarity."""

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from app.core.segment import words

EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class Candidate:
    case_id: int
    description: str
    region_code: str
    lat: float | None
    long: float | None


@dataclass(frozen=True)
class Scored:
    case_id: int
    score: float
    distance_m: float | None
    same_community: bool


def distance_m(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bounding_box(lat: float, long: float, radius_m: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, long_min, long_max) holding every point within `radius_m`: a prefilter for a query.

    Slightly generous (1%), so that the exact distance in `rank` is what decides.
    """
    dlat = math.degrees(radius_m / EARTH_RADIUS_M) * 1.01
    dlong = dlat / max(math.cos(math.radians(abs(lat) + dlat)), 1e-6)
    return lat - dlat, lat + dlat, long - dlong, long + dlong


@lru_cache(maxsize=8192)
def _joined(text: str) -> str:
    return " ".join(words(text))


def text_similarity(a: str, b: str) -> float:
    """0–1: how much of the shorter text's words the other shares (token-set ratio over jieba words)."""
    wa, wb = _joined(a), _joined(b)
    if not wa or not wb:
        return 0.0
    return round(fuzz.token_set_ratio(wa, wb) / 100, 4)


def rank(description: str, region_code: str, lat: float | None, long: float | None, candidates: list[Candidate],
         radius_m: float, limit: int = 5, nearby: frozenset[str] = frozenset()) -> list[Scored]:
    """Candidates in the same community, within the radius, or (when they have no coordinates to measure) in a
    community whose boundary comes within the radius of the case (`nearby`), ranked by how alike they read."""
    kept = []
    for c in candidates:
        same = c.region_code == region_code
        dist = None
        if lat is not None and long is not None and c.lat is not None and c.long is not None:
            dist = round(distance_m(lat, long, c.lat, c.long), 1)
        near = dist is None and c.region_code in nearby
        if not same and not near and (dist is None or dist > radius_m):
            continue
        kept.append((c, dist, same))
    if not kept:
        return []
    # Scored in one call into rapidfuzz (C) rather than one Python call per candidate: a busy community has
    # hundreds of open cases of a category.
    query, texts = _joined(description), [_joined(c.description) for c, _, _ in kept]
    scores = process.cdist([query], texts, scorer=fuzz.token_set_ratio, dtype=np.float64)[0] if query else None
    out = [Scored(c.case_id, round(float(scores[i]) / 100, 4) if scores is not None and texts[i] else 0.0, dist, same)
           for i, (c, dist, same) in enumerate(kept)]
    out.sort(key=lambda s: (-s.score, s.distance_m if s.distance_m is not None else math.inf, -s.case_id))
    return out[:limit]
