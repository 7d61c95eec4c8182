"""What the gazetteer reads and answers: divisions, named places, matches and resolutions, and the confidence
each kind of match earns."""

import re
from dataclasses import dataclass

LEVEL_WEIGHT = {"province": 0.05, "city": 0.1, "district": 0.3, "subdistrict": 0.35, "community": 0.5}
FUZZY_CUTOFF = 75
KIND_WEIGHT = {"name": 1.0, "alias": 1.0, "place": 1.0, "short": 0.8, "fuzzy": 0.5}
# A short form followed by one of these names a road or a station, not the division (红荔路 is not 红荔社区).
NOT_A_DIVISION_AFTER = tuple("路街道巷桥站")
# A name right after one of these is what the caller rules out (西丽那边，不是大学城).
NEGATIONS = ("不是", "不在", "并非", "除了")
OPPOSITE = ("对面", "对过", "马路对面")
NEAR = ("附近", "旁边", "边上", "隔壁", "一带")

# Confidence by the kind of match. An answer at or above CONFIDENT is a confident one: the benchmark counts a
# confident wrong community as the worst outcome, so anything that rests on a guess stays below it.
CONFIDENT = 0.8
CONFIDENCE = {
    "place": 0.95,           # the exact name of a verified compound or landmark
    "place_unverified": 0.85,  # the exact name of one not yet checked against an official address
    "alias_penalty": 0.05,   # a colloquial, old or variant name instead of the usual one
    "by_name": 0.7,          # a village assumed inside the community named after it
    "number": 0.85,          # a house number inside one road segment's range and side
    "number_verified": 0.9,  # ... of a segment checked against official addresses
    "agree_bonus": 0.03,     # several independent pieces of evidence name the same community
    "road_only": 0.6,        # a road whose known segments lie in one community, the number outside them
    "candidates": 0.4,       # several candidates: the ceiling of an ambiguous answer
    "uncertain": 0.3,        # only the subdistrict is believed
}
# Terms a typo may be matched against (short forms are too short to tell a typo from another word).
FUZZY_KINDS = frozenset({"name", "alias", "place", "compound", "landmark", "compound_alias", "landmark_alias"})
PLACE_TAGS = ("spans", "ambiguous", "uncertain-community", "by-name")


@dataclass(frozen=True)
class Place:
    """A division (region) of the 12-digit tree."""

    code: str
    name: str
    level: str
    parent_code: str | None
    aliases: tuple[str, ...] = ()
    landmarks: tuple[str, ...] = ()  # names an administrator placed on the region (PUT /regions/{code}/places)


@dataclass(frozen=True)
class NamedPlace:
    """A row of the places table: a compound, landmark or road segment tied to one community."""

    kind: str  # compound | landmark | road_segment
    name: str
    community_code: str
    aliases: tuple[str, ...] = ()
    road: str | None = None
    number_from: int | None = None
    number_to: int | None = None
    parity: str | None = None  # odd | even | all
    tags: tuple[str, ...] = ()  # of PLACE_TAGS, read from the note
    verified: bool = False


def place_tags(note: str | None) -> tuple[str, ...]:
    """The tags a place's note starts with (`spans;`, `uncertain-community; by-name; …`)."""
    found = []
    for part in re.split(r"[;:；：]", note or ""):
        tag = part.strip()
        if tag not in PLACE_TAGS:
            break
        found.append(tag)
    return tuple(found)


@dataclass(frozen=True)
class Match:
    code: str
    text: str
    start: int
    end: int
    kind: str  # name | short | alias | place | fuzzy (divisions); compound | landmark (+ _alias); road_number


@dataclass(frozen=True)
class Resolution:
    region_code: str | None
    name: str | None
    level: str | None
    confidence: float
    matched: tuple[Match, ...]
    candidates: tuple[str, ...] = ()
    ambiguous: bool = False
    reasons: tuple[tuple[str, str], ...] = ()  # (candidate code, why it is one)
    match: str = "none"  # what decided: place | alias | by_name | number | agree | candidates | uncertain |
    #                      road_only | division | fuzzy | none

    @property
    def confident(self) -> bool:
        return not self.ambiguous and self.confidence >= CONFIDENT
