"""Address text → region: find every division and named place in the text, keep what agrees, never guess.

Three kinds of evidence are read from the text, longest names first and never overlapping:

- **divisions** by their whole names, short forms (园岭 for 园岭街道) and old names (新南园);
- **named places** (the places table: compounds, landmarks, their aliases), each tied to one community, or to
  several when the place spans them or its community is not known (one row per community, tagged);
- **a road and a house number** (深南大道6021号, 两千零一号, 一千多号): the road segments whose number range and
  side (odd/even) hold the number. "对面" adds the other side of the road, "附近" the neighbouring numbers.

Places and numbers that agree narrow each other (车公庙 + 报业大厦 leaves the two communities both share); a
division named in the text filters what remains (园岭街道碧海名苑). One community left is the answer, with a
confidence that says what kind of match it was (`CONFIDENCE`); several are answered as candidates, each with its
reason, under their deepest common region, and never as a confident single guess. A place whose community is
only a guess (`uncertain-community`) is answered at its subdistrict. With no place or number, divisions decide as
before; typos fall back to fuzzy matching (rapidfuzz) and only ever give candidates.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process

from app.regions.address_text import SUFFIXES, chinese_number, normalise, short_form
from app.regions.places import (
    CONFIDENCE,
    CONFIDENT,
    FUZZY_CUTOFF,
    FUZZY_KINDS,
    KIND_WEIGHT,
    LEVEL_WEIGHT,
    NEAR,
    NEGATIONS,
    NOT_A_DIVISION_AFTER,
    OPPOSITE,
    PLACE_TAGS,
    Match,
    NamedPlace,
    Place,
    Resolution,
    place_tags,
)

__all__ = [  # the names callers import from here
    "CONFIDENCE", "CONFIDENT", "FUZZY_CUTOFF", "FUZZY_KINDS", "KIND_WEIGHT", "LEVEL_WEIGHT", "NEAR", "NEGATIONS",
    "NOT_A_DIVISION_AFTER", "OPPOSITE", "PLACE_TAGS", "SUFFIXES", "Gazetteer", "Match", "NamedPlace", "Place",
    "Resolution", "chinese_number", "normalise", "place_tags", "short_form",
]


@dataclass(frozen=True)
class _Term:
    code: str  # the region (divisions) or the community (places); "" for a road
    kind: str
    place: int | None = None  # index into Gazetteer.named
    road: str | None = None


@dataclass
class _Evidence:
    """Communities one piece of the text points at, with the reason for each."""

    reasons: dict[str, str]
    confidence: float  # when it alone names one community
    match: str
    uncertain: bool = False
    matches: tuple[Match, ...] = ()


@dataclass
class Gazetteer:
    places: dict[str, Place]  # divisions by code
    named: list[NamedPlace] = field(default_factory=list)
    terms: dict[str, list[_Term]] = field(default_factory=dict)
    segments: dict[str, list[int]] = field(default_factory=dict)  # road -> indexes of its segments

    @classmethod
    def build(cls, places: list[Place], named: Iterable[NamedPlace] = ()) -> "Gazetteer":
        g = cls(places={p.code: p for p in places}, named=list(named))
        for p in places:
            if p.level in ("province",):
                continue
            forms = [(p.name, "name")] + [(a, "alias") for a in p.aliases]
            forms += [(s, "short") for s in (short_form(p.name), *(short_form(a) for a in p.aliases)) if s]
            forms += [(landmark, "place") for landmark in p.landmarks]
            for term, kind in forms:
                g._add(term, _Term(p.code, kind))
        for i, n in enumerate(g.named):
            if n.community_code not in g.places:
                continue
            if n.kind == "road_segment":
                if n.road:
                    g.segments.setdefault(n.road, []).append(i)
                    g._add(n.road, _Term("", "road", road=n.road))
                continue
            g._add(n.name, _Term(n.community_code, n.kind, place=i))
            for alias in n.aliases:
                g._add(alias, _Term(n.community_code, f"{n.kind}_alias", place=i))
        return g

    def _add(self, term: str, entry: _Term) -> None:
        entries = self.terms.setdefault(term, [])
        if entry not in entries:
            entries.append(entry)

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

    # --- reading the text -----------------------------------------------------------------------------------------

    def _spans(self, text: str) -> list[tuple[int, int, str]]:
        """Every known term in the text, longest first, none overlapping a longer one, none ruled out."""
        longest, n = self.longest_term, len(text)
        spans = [(start, end, text[start:end]) for start in range(n)
                 for end in range(start + 1, min(n, start + longest) + 1) if text[start:end] in self.terms]
        taken, kept = [False] * n, []
        for start, end, term in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
            if any(taken[start:end]):
                continue
            kinds = {t.kind for t in self.terms[term]}
            if kinds == {"short"} and text[end:end + 1] in NOT_A_DIVISION_AFTER:
                continue
            for i in range(start, end):
                taken[i] = True
            if any(text[max(0, start - len(neg)):start] == neg for neg in NEGATIONS):
                continue
            kept.append((start, end, term))
        return sorted(kept)

    def _division_matches(self, spans: list[tuple[int, int, str]]) -> list[Match]:
        found = []
        for start, end, term in spans:
            entries = [t for t in self.terms[term] if t.place is None and t.road is None]
            # A bare short form naming nested divisions (西丽: 西丽街道 and its 西丽社区) names the area: the largest.
            if entries and all(t.kind == "short" for t in entries):
                codes = {t.code for t in entries}
                entries = [t for t in entries if not any(o != t.code and o in self.path(t.code) for o in codes)]
            for t in sorted(entries, key=lambda t: (t.code, t.kind)):
                found.append(Match(t.code, term, start, end, t.kind))
        return found

    def _place_evidence(self, spans: list[tuple[int, int, str]]) -> list[_Evidence]:
        out = []
        for start, end, term in spans:
            entries = [t for t in self.terms[term] if t.place is not None]
            # A name that is also a district's or subdistrict's (南山, 园岭) names that area, not a place in it.
            if not entries or any(t.place is None and t.road is None and t.kind in ("name", "short", "alias")
                                  and self.places[t.code].level in ("district", "subdistrict")
                                  for t in self.terms[term]):
                continue
            rows = [(t, self.named[t.place]) for t in entries if t.place is not None]
            names = {n.name for _, n in rows}
            reasons: dict[str, str] = {}
            for t, n in rows:
                if len(rows) == 1:
                    why = f"{n.name}在此社区"
                elif "uncertain-community" in n.tags:
                    why = f"{n.name}所在社区未经核实，可能在此"
                elif "ambiguous" in n.tags:
                    why = f"{n.name}位于几个社区交界，可能在此"
                elif "spans" in n.tags:
                    why = f"{n.name}跨几个社区，其中一部分在此"
                elif len(names) > 1:
                    why = f"“{term}”也是{n.name}的叫法，{n.name}在此"
                else:
                    why = f"{n.name}登记在几个社区，其中之一"
                reasons.setdefault(t.code, why)
            matches = tuple(Match(t.code, term, start, end, t.kind) for t, _ in rows)
            uncertain = all("uncertain-community" in n.tags for _, n in rows)
            t0, n0 = rows[0]
            if "by-name" in n0.tags:
                confidence, how = CONFIDENCE["by_name"], "by_name"
            else:
                confidence = CONFIDENCE["place"] if n0.verified else CONFIDENCE["place_unverified"]
                how = "place"
                if t0.kind.endswith("_alias"):
                    confidence, how = confidence - CONFIDENCE["alias_penalty"], "alias"
            out.append(_Evidence(reasons, confidence, how, uncertain, matches))
        return out

    def _number_evidence(self, text: str, spans: list[tuple[int, int, str]]) -> tuple[list[_Evidence], list[str]]:
        """(what house numbers on known roads say, roads named without a number a segment holds)."""
        out, loose = [], []
        for start, end, term in spans:
            roads = [t.road for t in self.terms[term] if t.road]
            if not roads:
                continue
            road = roads[0]
            m = re.match(r"(\d{1,6})(多)?号", text[end:])
            if m is None:
                loose.append(road)
                continue
            number, approx = int(m.group(1)), bool(m.group(2))
            after = text[end + m.end():end + m.end() + 4]
            opposite = any(after.startswith(w) for w in OPPOSITE)
            near = any(after.startswith(w) for w in NEAR)
            label = f"{road}{number}{'多' if approx else ''}号"
            found: dict[str, str] = {}
            verified = True
            for i in self.segments.get(road, []):
                s = self.named[i]
                lo, hi = s.number_from or 0, s.number_to or 0
                span = f"{road}{lo}–{hi}号（{_parity_name(s.parity)}）"
                if approx:
                    top = number + 10 ** (len(str(number)) - 1) - 1 if number >= 10 else number + 9
                    hit = lo <= top and number <= hi
                    why = f"{label}：号段{span}与之重叠，单双号不明"
                else:
                    hit = lo <= number <= hi and _parity_fits(s.parity, number)
                    why = f"{label}在号段{span}内"
                    if not hit and opposite:
                        hit = any(lo <= n <= hi and _parity_fits(s.parity, n) for n in (number - 1, number + 1))
                        why = f"{label}的对面在号段{span}内"
                    if not hit and near:
                        hit = any(lo <= n <= hi and _parity_fits(s.parity, n) for n in (number - 2, number + 2))
                        why = f"{label}附近的门牌在号段{span}内"
                if hit:
                    found.setdefault(s.community_code, why)
                    verified = verified and s.verified
            if not found:
                loose.append(road)
                continue
            confidence = CONFIDENCE["number_verified"] if verified else CONFIDENCE["number"]
            matches = tuple(Match(code, text[start:end + m.end()], start, end + m.end(), "road_number")
                            for code in sorted(found))
            out.append(_Evidence(found, confidence, "number", False, matches))
        return out, loose

    # --- deciding ---------------------------------------------------------------------------------------------------

    def resolve(self, text: str) -> Resolution:
        text = normalise(text)
        spans = self._spans(text)
        divisions = self._division_matches(spans)
        evidence = self._place_evidence(spans)
        numbers, loose_roads = self._number_evidence(text, spans)
        evidence += numbers
        if evidence:
            return self._decide(evidence, divisions)
        if divisions:
            return self._by_divisions(divisions, fuzzy=False)
        if loose_roads:
            return self._by_roads(loose_roads)
        fuzzy = self._fuzzy(text)
        if fuzzy:
            return self._by_divisions(fuzzy, fuzzy=True)
        return Resolution(None, None, None, 0.0, ())

    def _decide(self, evidence: list[_Evidence], divisions: list[Match]) -> Resolution:
        matched = tuple(m for e in evidence for m in e.matches)
        sets = [set(e.reasons) for e in evidence]
        common = set.intersection(*sets)
        if common:
            used = [e for e in evidence if set(e.reasons) >= common]
        else:  # the pieces disagree: the most specific ones speak, and all of them if they still disagree
            fewest = min(len(s) for s in sets)
            used = [e for e in evidence if len(e.reasons) == fewest]
            common = set().union(*(set(e.reasons) for e in used))
        reasons: dict[str, str] = {}
        for e in used:
            for code in sorted(common):
                if code in e.reasons:
                    reasons[code] = "；".join(dict.fromkeys(filter(None, [reasons.get(code), e.reasons[code]])))
        # Divisions named in the text settle between candidates (园岭街道碧海名苑), never against them all. A name that
        # is both a place and a division's short form (南油, 科技园) does not settle its own place's candidates.
        place_spans = {(m.start, m.end) for m in matched}
        named = {m.code for m in divisions
                 if self.places[m.code].level not in ("province", "city") and (m.start, m.end) not in place_spans}
        if named and len(reasons) > 1:
            inside = {c: r for c, r in reasons.items() if all(d in self.path(c) for d in named)}
            if inside:
                reasons = inside
        uncertain = all(e.uncertain for e in used)
        if len(reasons) == 1 and not uncertain:
            code = next(iter(reasons))
            agreeing = [e for e in evidence if code in e.reasons and len(e.reasons) == 1]
            confidence = max(e.confidence for e in agreeing) if agreeing else CONFIDENCE["candidates"]
            if len({e.match for e in agreeing}) > 1 or len(agreeing) > 1:
                confidence = min(0.98, confidence + CONFIDENCE["agree_bonus"])
            how = agreeing[0].match if len(agreeing) == 1 else "agree"
            place = self.places[code]
            return Resolution(place.code, place.name, place.level, round(confidence, 2), matched,
                              reasons=((code, reasons[code]),), match=how)
        codes = sorted(reasons)
        top = self._common_ancestor(codes)
        if uncertain and top is not None and self.places[top].level == "community":
            top = self.places[top].parent_code  # a lone guessed community: only its subdistrict is believed
        ancestor = self.places[top] if top else None
        return Resolution(ancestor.code if ancestor else None, ancestor.name if ancestor else None,
                          ancestor.level if ancestor else None,
                          CONFIDENCE["uncertain"] if uncertain else CONFIDENCE["candidates"], matched,
                          candidates=tuple(codes), ambiguous=True,
                          reasons=tuple((c, reasons[c]) for c in codes),
                          match="uncertain" if uncertain else "candidates")

    def _by_roads(self, roads: list[str]) -> Resolution:
        reasons: dict[str, str] = {}
        for road in roads:
            for i in self.segments.get(road, []):
                s = self.named[i]
                reasons.setdefault(s.community_code, f"{road}经过此社区（门牌号不明或不在已知号段内）")
        codes = sorted(reasons)
        top = self._common_ancestor(codes)
        ancestor = self.places[top] if top else None
        if len(codes) == 1:
            return Resolution(ancestor.code if ancestor else None, ancestor.name if ancestor else None,
                              ancestor.level if ancestor else None, CONFIDENCE["road_only"], (),
                              reasons=((codes[0], reasons[codes[0]]),), match="road_only")
        return Resolution(ancestor.code if ancestor else None, ancestor.name if ancestor else None,
                          ancestor.level if ancestor else None, CONFIDENCE["candidates"], (),
                          candidates=tuple(codes), ambiguous=True, reasons=tuple((c, reasons[c]) for c in codes),
                          match="road_only")

    def _by_divisions(self, matches: list[Match], fuzzy: bool) -> Resolution:
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
        used = tuple(m for m in matches if any(m.code in self.path(b) for b in best))
        if len(best) == 1 and not fuzzy:  # a fuzzy match is offered as a candidate, never taken silently
            place = self.places[best[0]]
            return Resolution(place.code, place.name, place.level, round(min(1.0, best_score + 0.2), 2), used,
                              match="division")
        common = self._common_ancestor(best)
        ancestor = self.places[common] if common else None
        why = "与地址中的名称相近（可能是错字）" if fuzzy else "地址中的名称与此区划同样相符"
        return Resolution(ancestor.code if ancestor else None, ancestor.name if ancestor else None,
                          ancestor.level if ancestor else None,
                          round(min(0.5, best_score) * (0.5 if fuzzy else 1.0), 2), used,
                          candidates=tuple(sorted(best)), ambiguous=True,
                          reasons=tuple((c, why) for c in sorted(best)), match="fuzzy" if fuzzy else "division")

    def _common_ancestor(self, codes: list[str]) -> str | None:
        paths = [list(reversed(self.path(c))) for c in codes]
        common = None
        for level in zip(*paths, strict=False):
            if len(set(level)) != 1:
                break
            common = level[0]
        return common

    def _fuzzy(self, text: str) -> list[Match]:
        """Same-length windows of the text against full division names: one wrong character in four still scores
        75."""
        by_length: dict[int, list[str]] = {}
        for term, entries in self.terms.items():
            if len(term) >= 4 and any(t.kind in FUZZY_KINDS for t in entries):
                by_length.setdefault(len(term), []).append(term)
        found: dict[str, Match] = {}
        for length, terms in by_length.items():
            for start in range(0, max(0, len(text) - length) + 1):
                window = text[start:start + length]
                for term, _score, _ in process.extract(window, terms, scorer=fuzz.ratio, limit=5,
                                                       score_cutoff=FUZZY_CUTOFF):
                    for t in self.terms[term]:
                        if t.kind in FUZZY_KINDS:
                            found.setdefault(t.code, Match(t.code, term, start, start + length, "fuzzy"))
        return list(found.values())


def _parity_fits(parity: str | None, number: int) -> bool:
    return parity in (None, "", "all") or (parity == "odd") == (number % 2 == 1)


def _parity_name(parity: str | None) -> str:
    return {"odd": "单号", "even": "双号"}.get(parity or "", "单双号")
