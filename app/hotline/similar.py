"""Duplicate scoring, pure: same category, same community or within a radius, ranked by segmented-word similarity."""

import math
from dataclasses import dataclass

from rapidfuzz import fuzz

from app.hotline.segment import words

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


def text_similarity(a: str, b: str) -> float:
    """0–1: how much of the shorter text's words the other shares (token-set ratio over jieba words)."""
    wa, wb = " ".join(words(a)), " ".join(words(b))
    if not wa or not wb:
        return 0.0
    return round(fuzz.token_set_ratio(wa, wb) / 100, 4)


def rank(description: str, region_code: str, lat: float | None, long: float | None, candidates: list[Candidate],
         radius_m: float, limit: int = 5) -> list[Scored]:
    out = []
    for c in candidates:
        same = c.region_code == region_code
        dist = None
        if lat is not None and long is not None and c.lat is not None and c.long is not None:
            dist = round(distance_m(lat, long, c.lat, c.long), 1)
        if not same and (dist is None or dist > radius_m):
            continue
        out.append(Scored(c.case_id, text_similarity(description, c.description), dist, same))
    out.sort(key=lambda s: (-s.score, s.distance_m if s.distance_m is not None else math.inf, -s.case_id))
    return out[:limit]
