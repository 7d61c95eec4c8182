"""Whether a caller's words describe a life-safety emergency happening now, and whom to hand the caller to.

A pure rule: `assess(text, category_code, lexicon)` returns an `Assessment`. Everything it knows is data in
seed/emergency.yaml (`load_lexicon(seed_dir)` reads it, `Lexicon.parse(dict)` builds it); the file's header says
how words, cues, categories and weights combine. In short:

1. Separators (punctuation, spaces) become clause breaks, input-method slips are read as the word meant (电题 as
   电梯) and words used in another sense (燃气费, 火锅, 救命的药) are blanked, all keeping every character position,
   so what is reported quotes the text as typed. Some other senses are blanked for some hazards only (按了没反应
   hides 没反应 from medical; trapped still reads it as an unanswered alarm).
2. Each hazard's strong and weak trigger words are found, overlapping ones included, and literal words also with
   fillers inside them (出了一身冷汗 as 出冷汗). A cue that would cancel is not a cue inside a trigger word (没反应 is
   a trigger, not a negation), but it is inside a pattern's free gap (老人以前走丢过: 以前 still marks the past),
   and none counts inside a guess (会不会是煤气漏了 is neither a negation nor a what-if).
3. Each trigger is kept or cancelled by the cues near it, in this order: a negation before it in its clause (or a
   next clause that is only a negation); a hypothetical before it in its clause or in the clause before; a
   post-positional condition after it (的话); a resolution after it (已经修好), or before it when it closed the same
   hazard; the nearest past/recent/duration/habitual/present cue in its clause (present keeps, the others cancel,
   recent and duration not for hazards that last, missing and trapped, nor for a trigger whose own words say it
   goes on: 昨晚…一直在往下滚), or a habitual cue in the clause before unless
   this clause tells one happening (an event cue: 经常喝酒，拿着刀追着我砍); a policy question anywhere, or a
   consultation phrase in its clause unless the clause tells a happening, when its clause has no present cue and
   the text no urgent cue. Negations and past markers never reach beyond their own clause.
4. A hazard is raised when its surviving distinct triggers weigh enough (one strong or two weak words; an urgent
   cue adds a bonus; a linked hazard's sign apart from its own words adds a weak word's weight: a box that smokes).
   A weak word said to happen again (又) of a hazard an earlier clause named counts as strong (以前走丢过，这次又
   不见了). The case's category makes the weak words of the hazards it flags count as strong; it never raises a
   hazard by itself and never revives a cancelled trigger.

The answer carries every trigger found with its fate and the cue that decided it (`why()` reads them out), and
the hand-offs for the raised hazards: services, numbers (city data) and the script the agent reads.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from pathlib import Path

from app.hotline.emergency_lexicon import CLAUSE as _CLAUSE
from app.hotline.emergency_lexicon import TRANSLATE as _TRANSLATE
from app.hotline.emergency_lexicon import Entry, Lexicon, Service, read_lexicon
from app.hotline.emergency_model import EmergencyModel, read_calls, train_from

__all__ = ["Assessment", "Cue", "Handoff", "Hit", "Lexicon", "Service", "assess", "load_lexicon"]

SENTENCE_ENDS = frozenset("。！？!?；;\n")
CONFIRMING = frozenset({"present", "urgent", "again", "event"})
TIMED = ("past", "recent", "duration", "habitual", "present")  # the nearest of these in a clause decides
COUNTS = "counts"

_BLANK = "\x00"  # what a word used in another sense becomes


@dataclass(frozen=True)
class Handoff:
    """One hazard's hand-off: whom to put the caller through to, in order, and the line the agent reads."""

    hazard: str
    name: str
    name_en: str
    services: tuple[Service, ...]
    script_zh: str
    script_en: str


@dataclass(frozen=True)
class Cue:
    kind: str
    text: str
    clause: int


@dataclass(frozen=True)
class Hit:
    """A trigger word found in the text and what became of it.

    `status` is "counts" or the kind of cue that cancelled it; `cue` is that cue's words.
    """

    hazard: str
    text: str
    weak: bool
    clause: int
    clause_text: str
    status: str
    cue: str | None = None

    @property
    def counts(self) -> bool:
        return self.status == COUNTS


@dataclass(frozen=True)
class Assessment:
    """The answer: is it an emergency, which hazards, why (hits, cues, scores) and the hand-offs to make now."""

    emergency: bool
    hazards: tuple[str, ...]  # raised, in the lexicon's order
    hits: tuple[Hit, ...]  # every trigger found, kept or cancelled
    cues: tuple[Cue, ...]  # every cue found (cancelling ones only outside trigger words)
    flagged: tuple[str, ...]  # hazards the category flags (they make weak words count as strong)
    scores: tuple[tuple[str, float], ...]  # per hazard with any surviving trigger: the weight reached
    handoffs: tuple[Handoff, ...]  # one per raised hazard
    model: float | None = None  # the learned second opinion's P(emergency), when it was asked
    by_model: bool = False  # raised on the second opinion: the words alone were not enough

    @property
    def services(self) -> tuple[Service, ...]:
        """The services to hand the caller to, each once, most pressing first."""
        seen: dict[str, Service] = {}
        for handoff in self.handoffs:
            for service in handoff.services:
                seen.setdefault(service.code, service)
        return tuple(seen.values())

    @property
    def matched(self) -> tuple[str, ...]:
        return tuple(h.text for h in self.hits if h.counts)

    def why(self) -> tuple[str, ...]:
        """Readable reasons: each trigger, whether it counts, and the cue that decided it."""
        out = []
        for h in self.hits:
            strength = "weak" if h.weak else "strong"
            if h.counts:
                out.append(f"{h.hazard}: 「{h.text}」 counts ({strength}) in 「{h.clause_text}」")
            else:
                out.append(f"{h.hazard}: 「{h.text}」 cancelled by {h.status} 「{h.cue}」 in 「{h.clause_text}」")
        for hazard, score in self.scores:
            verdict = "raised" if hazard in self.hazards else "not enough"
            flag = ", category flags it" if hazard in self.flagged else ""
            out.append(f"{hazard}: weight {score:g} ({verdict}{flag})")
        if self.model is not None:
            verdict = f"raised {'/'.join(self.hazards)}" if self.by_model else "not enough"
            out.append(f"model: P(emergency) {self.model:.2f} ({verdict})")
        return tuple(out)



@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    text: str



def _without(s: int, e: int, gaps: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """The span s..e with its gaps taken out."""
    out = []
    for gs, ge in gaps:
        out.append((s, gs))
        s = ge
    out.append((s, e))
    return out


def _blank(m: re.Match[str]) -> str:
    return _BLANK * (m.end() - m.start())


def assess(text: str, category_code: str | None, lexicon: Lexicon) -> Assessment:
    """Is this an emergency happening now? Which hazards, why, and whom to hand the caller to."""
    lx = lexicon
    flagged = lx.flagged_by(category_code)
    flat = (text or "").translate(_TRANSLATE)
    if lx.typo is not None:
        flat = lx.typo.sub(lambda m: lx.typos[m.group()], flat)
    if lx.mask is not None:
        flat = lx.mask.sub(_blank, flat)
    # A scoped other sense hides its words from some hazards only (按了没反应 is no unconscious person, but in a
    # lift it still says the alarm goes unanswered): those hazards and the cues read the text with it blanked.
    shown, hidden = flat, []
    for pattern, hidden_from in lx.scoped:
        hidden += [(m.start(), m.end(), hidden_from) for m in pattern.finditer(shown) if m.end() > m.start()]
    for hs, he, _ in hidden:
        flat = flat[:hs] + _BLANK * (he - hs) + flat[he:]
    clauses = [m.span() for m in _CLAUSE.finditer(flat)]
    if not clauses:
        return _second_opinion(text, lx, Assessment(False, (), (), (), flagged, (), ()))
    starts = [s for s, _ in clauses]
    sentence = [0] * len(clauses)
    for i in range(1, len(clauses)):
        gap = text[clauses[i - 1][1]:clauses[i][0]]
        sentence[i] = sentence[i - 1] + (1 if any(c in SENTENCE_ENDS for c in gap) else 0)

    # Triggers. Within a hazard a hit inside a longer one is dropped, and a weak hit touching a strong one.
    raw = lx.triggers.find(flat)
    if lx.fillers is not None:
        raw += lx.triggers.find_loose(flat, lx.fillers)
    if hidden:
        raw += [t for t in lx.triggers.find(shown)
                if any(hs < t[1] and t[0] < he for hs, he, _ in hidden)
                and not any(hs < t[1] and t[0] < he and t[2].owner in only for hs, he, only in hidden)]
    raw.sort(key=lambda t: (t[2].weak, t[0] - t[1]))
    kept: dict[str, list[tuple[int, int, bool]]] = {}
    found: list[tuple[int, int, Entry, int]] = []  # start, end, entry, where the trigger's own words begin
    words: list[tuple[int, int]] = []  # the spans of trigger words, gaps left out
    for s, e, entry, gaps in raw:
        mine = kept.setdefault(entry.owner, [])
        if any((ts <= s and e <= te) or (entry.weak and not tweak and s < te and ts < e) for ts, te, tweak in mine):
            continue
        mine.append((s, e, entry.weak))
        found.append((s, e, entry, gaps[-1][1] if gaps else s))
        words += _without(s, e, gaps)
    if not found:
        return _second_opinion(text, lx, Assessment(False, (), (), (), flagged, (), ()))

    # Cues. One that cancels must lie outside trigger words (没反应 is a trigger, not a negation); present and
    # urgent cues count anywhere (喊救命 still says 救命). A cue pattern's gaps may hold trigger words.
    cues: dict[str, list[_Span]] = {}
    # A guess at the cause (会不会是煤气漏了) holds 不会是 and 会不会 but is neither a negation nor a what-if.
    cue_hits = sorted(lx.cues.find(flat), key=lambda t: t[0])
    guesses = [(s, e) for s, e, entry, _ in cue_hits if entry.owner == "guess"]
    for s, e, entry, gaps in cue_hits:
        if entry.owner not in CONFIRMING:
            own = _without(s, e, gaps)
            if any(cs < we and ws < ce for cs, ce in own for ws, we in words):
                continue
            if entry.owner != "guess" and any(gs < e and s < ge for gs, ge in guesses):
                continue
        cues.setdefault(entry.owner, []).append(_Span(s, e, text[s:e]))

    def clause_of(pos: int) -> int:
        return bisect_right(starts, pos) - 1

    by_clause: dict[str, list[list[_Span]]] = {}
    for kind, found_cues in cues.items():
        rows: list[list[_Span]] = [[] for _ in clauses]
        for cue in found_cues:
            rows[clause_of(cue.start)].append(cue)
        by_clause[kind] = rows
    empty: list[list[_Span]] = [[] for _ in clauses]
    negations = by_clause.get("negation", empty)
    hypotheticals = by_clause.get("hypothetical", empty)
    presents = by_clause.get("present", empty)
    habituals = by_clause.get("habitual", empty)
    agains = by_clause.get("again", empty)
    events = by_clause.get("event", empty)
    turns = [a + b for a, b in zip(by_clause.get("turn", empty), presents, strict=True)]
    conditions = by_clause.get("condition", empty)
    consults = by_clause.get("consult", empty)
    urgent = bool(cues.get("urgent"))
    policy = cues.get("policy") or []
    resolved = cues.get("resolved") or []
    negation_re = lx.negation

    def decide(ci: int, start: int, s: int, e: int, hazard: str) -> tuple[str, str | None]:
        for cue in negations[ci]:
            # a turn (但是, 就) or a present cue between them starts another predicate in a run-on clause
            # (还没来得及跑房子就塌了)
            if (cue.end <= s and s - cue.end <= lx.negation_window
                    and not any(cue.end <= t.start and t.end <= s for t in turns[ci])):
                return "negation", cue.text
        if ci + 1 < len(clauses) and negation_re is not None:
            after = flat[clauses[ci + 1][0]:clauses[ci + 1][1]]
            if negation_re.fullmatch(after):
                return "negation", text[clauses[ci + 1][0]:clauses[ci + 1][1]]
        for cue in hypotheticals[ci]:
            if cue.end <= s:
                return "hypothetical", cue.text
        for cue in conditions[ci]:
            if cue.start >= e:
                return "condition", cue.text
        for back in range(1, lx.hypothetical_reach + 1):
            cj = ci - back
            if cj < 0 or sentence[cj] != sentence[ci] or presents[ci]:
                break
            if hypotheticals[cj]:
                return "hypothetical", hypotheticals[cj][0].text
        for cue in resolved:
            if cue.start >= e and clause_of(cue.start) - ci <= lx.resolved_reach:
                return "resolved", cue.text
            if (cue.end <= s and 0 <= ci - clause_of(cue.start) <= lx.resolved_reach and not agains[ci]
                    and any(f[2].owner == hazard and f[1] <= cue.start for f in found)):
                return "resolved", cue.text
        timed = [(c, k) for k in TIMED for c in by_clause.get(k, empty)[ci]
                 if hazard not in lx.exempt.get(k, ())]
        before = [t for t in timed if t[0].end <= s]
        nearest = (max(before, key=lambda t: t[0].end) if before
                   else min((t for t in timed if t[0].start >= e), key=lambda t: t[0].start, default=None))
        # 昨晚下完雨一直在往下滚石子: a start time (recent, duration) does not end a trigger whose own words say it
        # goes on
        going = nearest is not None and nearest[1] in ("recent", "duration") and any(
            start <= c.start and c.end <= e for c in presents[ci])
        if nearest is not None and nearest[1] != "present" and not going:
            return nearest[1], nearest[0].text
        if nearest is None and not events[ci]:  # 他经常喝酒，拿着刀追着我砍: this one happens now
            for back in range(1, lx.habitual_reach + 1):
                cj = ci - back
                if cj < 0 or sentence[cj] != sentence[ci]:
                    break
                if habituals[cj]:
                    return "habitual", habituals[cj][0].text
        if not presents[ci] and not urgent:
            if policy:
                return "policy", policy[0].text
            if events[ci]:  # 请问一下，电梯停了我们被关在里面了: a question about what is happening to the caller now
                return COUNTS, None
            if consults[ci]:
                return "consult", consults[ci][0].text
            for back in range(1, lx.consult_reach + 1):
                cj = ci - back
                if cj < 0 or sentence[cj] != sentence[ci]:
                    break
                if consults[cj] and not any(clause_of(f[0]) == cj for f in found):
                    return "consult", consults[cj][0].text
        return COUNTS, None

    hits = []
    weights: dict[str, dict[str, float]] = {}
    spans: dict[str, list[tuple[int, int]]] = {}  # where each hazard's counted triggers are
    first: dict[str, int] = {}  # the first clause naming each hazard, whatever became of it
    for s, e, entry, core in sorted(found, key=lambda f: (f[0], f[1])):
        hazard, weak = entry.owner, entry.weak
        ci = clause_of(s)
        first.setdefault(hazard, ci)
        status, cue_text = decide(ci, s, core, e, hazard)
        cs, ce = clauses[ci]
        hits.append(Hit(hazard=hazard, text=text[s:e], weak=weak, clause=ci, clause_text=text[cs:ce],
                        status=status, cue=cue_text))
        if status == COUNTS:
            # 老人以前走丢过，这次又不见了: a weak word said to happen again, of a hazard named in an earlier clause,
            # is that hazard back
            again = agains[ci] and first[hazard] < ci
            weight = (lx.weak_when_flagged if hazard in flagged or again else lx.weak) if weak else lx.strong
            counted = weights.setdefault(hazard, {})
            counted[entry.key] = max(counted.get(entry.key, 0.0), weight)
            spans.setdefault(hazard, []).append((s, e))

    # Linked hazards corroborate each other (a live box that smokes, a gas smell and a dizzy head): a counted trigger
    # of a linked hazard, apart from this hazard's own words, adds at most a weak word's weight.
    support: dict[str, float] = {}
    for hazard, others in lx.links.items():
        own = spans.get(hazard, [])
        if own and any(not any(s < oe and os_ < e for os_, oe in own) for o in others for s, e in spans.get(o, [])):
            support[hazard] = lx.weak

    scores = []
    raised = []
    for hz in lx.hazards:
        if hz.code not in weights:
            continue
        score = sum(weights[hz.code].values()) + support.get(hz.code, 0.0) + (lx.urgent_bonus if urgent else 0.0)
        scores.append((hz.code, round(score, 3)))
        if score >= lx.threshold - 1e-9:
            raised.append(hz)
    cue_list = tuple(Cue(kind=kind, text=c.text, clause=clause_of(c.start))
                     for kind, found_cues in cues.items() for c in found_cues)
    handoffs = tuple(Handoff(hazard=hz.code, name=hz.name, name_en=hz.name_en, services=hz.services,
                             script_zh=hz.script_zh, script_en=hz.script_en) for hz in raised)
    found_now = Assessment(emergency=bool(raised), hazards=tuple(hz.code for hz in raised), hits=tuple(hits),
                           cues=cue_list, flagged=flagged, scores=tuple(scores), handoffs=handoffs)
    return found_now if raised else _second_opinion(text, lx, found_now)


def _second_opinion(text: str, lx: Lexicon, words: Assessment) -> Assessment:
    """What the words did not raise, the learned model may (emergency_model.py): never where a cue cancelled a
    danger's words (denied, past, asked about), since the cues know what a model of characters does not."""
    model = lx.model
    if model is None or any(not h.counts for h in words.hits) or len(text.strip()) < model.min_chars:
        return words
    # on fresh calls the model named the hazard better than the weak words found (23 against 20 of 29)
    probability, code = model.judge(text)
    if code is None:
        return replace(words, model=probability)
    hazard = next((hz for hz in lx.hazards if hz.code == code), None)
    if hazard is None:
        return replace(words, model=probability)
    handoff = Handoff(hazard=hazard.code, name=hazard.name, name_en=hazard.name_en, services=hazard.services,
                      script_zh=hazard.script_zh, script_en=hazard.script_en)
    return replace(words, emergency=True, hazards=(hazard.code,), handoffs=(handoff,), model=probability,
                   by_model=True)


def load_lexicon(seed_dir: Path, model: EmergencyModel | None = None) -> Lexicon:
    """seed/emergency.yaml compiled, with the learned second opinion its `model` section asks for.

    The model learns ordinary calls from the labelled emergency utterances and from the classifier's hotline
    utterances (`ordinary_calls`): those of categories that flag no hazard and whose words raise none. Without
    them it called one ordinary complaint in twenty (a river turned white, a dusty site) an emergency."""
    lexicon, spec = read_lexicon(seed_dir)
    if spec and model is not None:  # trained from the same seed by another process (app/hotline/preload.py)
        lexicon.model = model
    elif spec:
        ordinary = [text for category, text in read_calls(Path(seed_dir), spec.get("ordinary_calls") or ())
                    if not lexicon.flagged_by(category) and not assess(text, category, lexicon).emergency]
        lexicon.model = train_from(Path(seed_dir) / str(spec["utterances"]), spec, ordinary)
    return lexicon
