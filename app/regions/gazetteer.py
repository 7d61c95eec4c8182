"""Address text → region: find every division named in the text, keep the chains that agree, never guess.

Names are matched whole and by their short forms (园岭 for 园岭街道), and old
names (aliases such as 新南园) count like current ones, and so do the residential compounds and
landmarks an administrator has placed in a community (places). Overlapping matches
keep the longest, so 新南园 is not also read as 南园. When the text fits more
than one community equally, the answer is their deepest common region plus
the candidates. Typos fall back to fuzzy matching (rapidfuzz) with a lower
confidence.
"""

import re
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process

SUFFIXES = ("社区居委会", "居委会", "社区", "街道办事处", "街道办", "街道", "区", "市", "省")
LEVEL_WEIGHT = {"province": 0.05, "city": 0.1, "district": 0.3, "subdistrict": 0.35, "community": 0.5}
FUZZY_CUTOFF = 75
KIND_WEIGHT = {"name": 1.0, "alias": 1.0, "place": 1.0, "short": 0.8, "fuzzy": 0.5}
# A short form followed by one of these names a road or a station, not the division (红荔路 is not 红荔社区).
NOT_A_DIVISION_AFTER = tuple("路街道巷桥站")


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str
    parent_code: str | None
    aliases: tuple[str, ...] = ()
    landmarks: tuple[str, ...] = ()  # residential compounds and landmarks inside the place, matched whole


@dataclass(frozen=True)
class Match:
    code: str
    text: str
    start: int
    end: int
    kind: str  # name | short | alias | place | fuzzy


@dataclass(frozen=True)
class Resolution:
    region_code: str | None
    name: str | None
    level: str | None
    confidence: float
    matched: tuple[Match, ...]
    candidates: tuple[str, ...] = ()
    ambiguous: bool = False


def short_form(name: str) -> str | None:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


@dataclass
class Gazetteer:
    places: dict[str, Place]
    terms: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # term -> {(code, kind)}

    @classmethod
    def build(cls, places: list[Place]) -> "Gazetteer":
        g = cls(places={p.code: p for p in places})
        for p in places:
            if p.level in ("province",):
                continue
            forms = [(p.name, "name")] + [(a, "alias") for a in p.aliases]
            forms += [(s, "short") for s in (short_form(p.name), *(short_form(a) for a in p.aliases)) if s]
            forms += [(landmark, "place") for landmark in p.landmarks]
            for term, kind in forms:
                g.terms.setdefault(term, set()).add((p.code, kind))
        return g

    @cached_property
    def longest_term(self) -> int:
        return max(map(len, self.terms), default=0)

    def path(self, code: str) -> list[str]:
        out = []
        step: str | None = code
        while step:
            out.append(step)
            step = self.places[step].parent_code
        return out

    def _matches(self, text: str) -> list[Match]:
        found, taken = [], [False] * len(text)
        # Every occurrence of every term: each substring up to the longest term's length looked up in the term
        # table (an address is short; a regex per term was thousands of searches per call).
        longest, n = self.longest_term, len(text)
        spans = [(start, end, text[start:end]) for start in range(n)
                 for end in range(start + 1, min(n, start + longest) + 1) if text[start:end] in self.terms]
        # Longest terms first; a position already inside a longer match is not reused.
        for start, end, term in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
            if any(taken[start:end]):
                continue
            kinds = {kind for _, kind in self.terms[term]}
            if kinds == {"short"} and text[end:end + 1] in NOT_A_DIVISION_AFTER:
                continue
            for i in range(start, end):
                taken[i] = True
            for code, kind in sorted(self.terms[term]):
                found.append(Match(code, term, start, end, kind))
        return found

    def resolve(self, text: str) -> Resolution:
        text = re.sub(r"\s+", "", text or "")
        matches = self._matches(text)
        fuzzy = False
        if not matches:
            matches, fuzzy = self._fuzzy(text), True
        if not matches:
            return Resolution(None, None, None, 0.0, ())
        weight: dict[str, float] = {}
        for m in matches:
            weight[m.code] = max(weight.get(m.code, 0.0), KIND_WEIGHT[m.kind])
        # A chain is the path of a matched place; it is supported by every matched place on it.
        best_score, best = -1.0, []
        for code in weight:
            support = [c for c in self.path(code) if c in weight]
            score = sum(LEVEL_WEIGHT[self.places[c].level] * weight[c] for c in support)
            if score > best_score + 1e-9:
                best_score, best = score, [code]
            elif abs(score - best_score) <= 1e-9:
                best.append(code)
        # Prefer the deepest place among equally supported chains when one contains the others.
        best = [c for c in best if not any(o != c and c in self.path(o) for o in best)]
        used = [m for m in matches if any(m.code in self.path(b) for b in best)]
        if len(best) == 1 and not fuzzy:  # a fuzzy match is offered as a candidate, never taken silently
            place = self.places[best[0]]
            return Resolution(place.code, place.name, place.level, round(min(1.0, best_score + 0.2), 2), tuple(used))
        common = self._common_ancestor(best)
        ancestor = self.places[common] if common else None
        return Resolution(ancestor.code if ancestor else None, ancestor.name if ancestor else None,
                          ancestor.level if ancestor else None,
                          round(min(0.5, best_score) * (0.5 if fuzzy else 1.0), 2), tuple(used),
                          candidates=tuple(sorted(best)), ambiguous=True)

    def _common_ancestor(self, codes: list[str]) -> str | None:
        paths = [list(reversed(self.path(c))) for c in codes]
        common = None
        for level in zip(*paths, strict=False):
            if len(set(level)) != 1:
                break
            common = level[0]
        return common

    def _fuzzy(self, text: str) -> list[Match]:
        """Same-length windows of the text against full names: one wrong character in four still scores 75."""
        by_length: dict[int, list[str]] = {}
        for term, entries in self.terms.items():
            if len(term) >= 4 and any(kind != "short" for _, kind in entries):
                by_length.setdefault(len(term), []).append(term)
        found: dict[str, Match] = {}
        for length, terms in by_length.items():
            for start in range(0, max(0, len(text) - length) + 1):
                window = text[start:start + length]
                for term, _score, _ in process.extract(window, terms, scorer=fuzz.ratio, limit=5,
                                                       score_cutoff=FUZZY_CUTOFF):
                    for code, _kind in self.terms[term]:
                        found.setdefault(code, Match(code, term, start, start + length, "fuzzy"))
        return list(found.values())
