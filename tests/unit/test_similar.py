"""The duplicate ranker's place rules and the query prefilter that must never drop what they would keep."""

import math
import random

from app.hotline.similar import Candidate, bounding_box, distance_m, rank, text_similarity


def _point_at(lat: float, long: float, bearing_deg: float, metres: float) -> tuple[float, float]:
    """The point `metres` from (lat, long) along a bearing, on the same sphere as `distance_m`."""
    d = metres / 6_371_000
    b, p1, l1 = math.radians(bearing_deg), math.radians(lat), math.radians(long)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


def test_every_point_within_the_radius_is_inside_the_box():
    rng = random.Random(7)
    for _ in range(2000):
        lat, long = rng.uniform(18, 53), rng.uniform(73, 135)  # China's latitudes and longitudes
        radius = rng.choice([50, 250, 1000, 5000])
        lat2, long2 = _point_at(lat, long, rng.uniform(0, 360), radius * rng.uniform(0, 1))
        assert distance_m(lat, long, lat2, long2) <= radius + 0.01
        lat_min, lat_max, long_min, long_max = bounding_box(lat, long, radius)
        assert lat_min <= lat2 <= lat_max and long_min <= long2 <= long_max


def test_the_box_is_not_much_larger_than_the_circle():
    lat_min, lat_max, long_min, long_max = bounding_box(22.545, 114.087, 250)
    north = distance_m(22.545, 114.087, lat_max, 114.087)
    east = distance_m(22.545, 114.087, 22.545, long_max)
    assert 250 <= north <= 255 and 250 <= east <= 255


def test_rank_keeps_the_same_community_or_the_radius_and_nothing_else():
    here = (22.545, 114.087)
    near = _point_at(*here, 45, 120)
    far = _point_at(*here, 45, 400)
    candidates = [
        Candidate(1, "工地夜间施工噪声很大", "440304001026", *near),   # another community, 120 m
        Candidate(2, "工地夜间施工噪声很大", "440304001027", *far),    # another community, 400 m
        Candidate(3, "工地夜间施工噪声很大", "440304001020", None, None),  # the same community, no coordinates
        Candidate(4, "工地夜间施工噪声很大", "440304001028", None, None),  # elsewhere, no coordinates
    ]
    ranked = rank("路口工地夜间施工噪声", "440304001020", *here, candidates, 250)
    assert sorted(s.case_id for s in ranked) == [1, 3]
    assert {s.case_id: s.same_community for s in ranked} == {1: False, 3: True}


def test_rank_scores_as_the_pairwise_similarity_does():
    texts = ["酒吧凌晨放音乐太吵了", "小区门口的酒吧每天凌晨还在放音乐", "楼上邻居装修电钻声音",
             "", "的了吗", "路灯不亮"]
    candidates = [Candidate(i, t, "440304001020", None, None) for i, t in enumerate(texts)]
    for query in ["酒吧凌晨放音乐太吵了，声音大得睡不着", "路灯坏了", "的"]:
        ranked = rank(query, "440304001020", None, None, candidates, 250, limit=len(texts))
        assert {s.case_id: s.score for s in ranked} == {i: text_similarity(query, t) for i, t in enumerate(texts)}
