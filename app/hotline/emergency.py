"""Whether a caller's words describe a life-safety emergency happening now, and whom to hand the caller to.

A pure rule: `assess(text, category_code, lexicon)` returns an `Assessment`. Everything it knows is data in
seed/emergency.yaml (`load_lexicon(seed_dir)` reads it, `Lexicon.parse(dict)` builds it); the file's header says
how words, cues, categories and weights combine. In short:

1. Separators (punctuation, spaces) become clause breaks, input-method slips are read as the word meant (电题 as
   电梯) and words used in another sense (燃气费, 火锅, 救命的药) are blanked, all keeping every character position,
   so what is reported quotes the text as typed.
2. Each hazard's strong and weak trigger words are found, overlapping ones included. A cue that would cancel is
   not a cue inside a trigger word (没反应 is a trigger, not a negation), but it is inside a pattern's free gap
   (老人以前走丢过: 以前 still marks the past).
3. Each trigger is kept or cancelled by the cues near it, in this order: a negation before it in its clause (or a
   next clause that is only a negation); a hypothetical before it in its clause or in the clause before; a
   post-positional condition after it (的话); a resolution after it (已经修好), or before it when it closed the same
   hazard; the nearest past/recent/duration/habitual/present cue in its clause (present keeps, the others cancel,
   recent and duration not for hazards that last: missing, trapped); a policy question anywhere, or a consultation
   phrase in its clause, when its clause has no present cue and the text no urgent cue. Negations and past markers
   never reach beyond their own clause.
4. A hazard is raised when its surviving distinct triggers weigh enough (one strong or two weak words; an urgent
   cue adds a bonus). The case's category makes the weak words of the hazards it flags count as strong; it never
   raises a hazard by itself and never revives a cancelled trigger.

The answer carries every trigger found with its fate and the cue that decided it (`why()` reads them out), and
the hand-offs for the raised hazards: services, numbers (city data) and the script the agent reads.
"""

import importlib
import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LEXICON_FILE = "emergency.yaml"

SEPARATORS = " \t\r\n\u3000\u00a0，,。．.！!？?；;：:、…~～—－-_()（）[]【】{}「」『』“”\"'‘’《》<>/|\\"
SENTENCE_ENDS = frozenset("。！？!?；;\n")
CUE_KINDS = ("negation", "past", "recent", "duration", "habitual", "resolved", "again", "hypothetical", "condition",
             "policy", "consult", "present", "urgent")
CONFIRMING = frozenset({"present", "urgent", "again"})
TIMED = ("past", "recent", "duration", "habitual", "present")  # the nearest of these in a clause decides
COUNTS = "counts"

_BREAK = "\n"  # every separator becomes this; `.` in a pattern never matches it, so no pattern spans two clauses
_BLANK = "\x00"  # what a word used in another sense becomes
_TRANSLATE = str.maketrans({c: _BREAK for c in SEPARATORS})
_CLAUSE = re.compile(r"[^\n]+")
_VOCAB = re.compile(r"<(\w+)>")
# The standard library's own regular-expression parser (re._parser): it tells which characters a pattern can start with.
_parser: Any = importlib.import_module("re._parser")
_GAP = re.compile(r"(?<!\\)(\.\{\d*,?\d*\})")


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    name_en: str
    number: str
    verified: bool
    source: str


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
        return tuple(out)


@dataclass(frozen=True)
class _Entry:
    key: str  # what a hazard counts once however often it matches: the lexicon entry
    owner: str  # the hazard (triggers) or the cue kind (cues)
    weak: bool
    source: str


@dataclass(frozen=True)
class _Hazard:
    code: str
    name: str
    name_en: str
    services: tuple[Service, ...]
    script_zh: str
    script_en: str


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    text: str


class _Matcher:
    """Finds every entry of a word list in a text, overlapping ones included.

    Literal words go into one trie-shaped regular expression tried at every position (a lookahead, so a word
    inside or across another is still found); what it matches names, through a table, every word that is a prefix
    of the match. Patterns run one by one, but only those that can start with a character the text contains.
    """

    def __init__(self, literals: list[_Entry], patterns: list[tuple[_Entry, str]]):
        words = {e.source for e in literals}
        by_word: dict[str, list[_Entry]] = {}
        for e in literals:
            by_word.setdefault(e.source, []).append(e)
        self.prefixes: dict[str, tuple[tuple[int, _Entry], ...]] = {
            w: tuple((len(p), e) for p in _prefixes(w, words) for e in by_word[p]) for w in words}
        self.literal = re.compile("(?=(" + _trie(words) + "))") if words else None
        # Each pattern is indexed by the characters it can start with (worked out from its parse tree), so a text
        # only runs the patterns whose first character it contains. The compiled pattern captures its gaps
        # (.{0,N}): what falls in a gap is the caller's free text, where cues still count (老人以前走丢过: 以前 is a
        # past cue, not part of the trigger).
        self.patterns: list[tuple[_Entry, re.Pattern[str]]] = []
        self.by_first: dict[str, list[int]] = {}
        self.always: list[int] = []
        for i, (entry, body) in enumerate(patterns):
            self.patterns.append((entry, re.compile(_GAP.sub(r"(\1)", body))))
            first = _first_chars(body)
            if first is None:
                self.always.append(i)
            else:
                for ch in first:
                    self.by_first.setdefault(ch, []).append(i)

    def find(self, text: str) -> list[tuple[int, int, _Entry, tuple[tuple[int, int], ...]]]:
        """(start, end, entry, gaps) of every match; gaps are the spans the pattern's .{0,N} matched."""
        out: list[tuple[int, int, _Entry, tuple[tuple[int, int], ...]]] = []
        if self.literal is not None:
            for m in self.literal.finditer(text):
                s = m.start()
                for length, entry in self.prefixes[m.group(1)]:
                    out.append((s, s + length, entry, ()))
        chosen = set(self.always)
        for ch in set(text):
            chosen.update(self.by_first.get(ch, ()))
        for i in sorted(chosen):
            entry, pattern = self.patterns[i]
            for m in pattern.finditer(text):
                if m.end() > m.start():
                    out.append((m.start(), m.end(), entry, tuple(g for g in m.regs[1:] if g[1] > g[0])))
        return out


def _first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of the pattern can start with, or None when that cannot be told (then it always runs)."""
    try:
        tree = _parser.parse(pattern)
    except re.error:
        return None
    first, nullable = _first_of(list(tree))
    return None if first is None or nullable else frozenset(first)


def _first_of(items: list[Any]) -> tuple[set[str] | None, bool]:
    """First characters of a sequence of parse-tree items, and whether the sequence can match the empty string."""
    out: set[str] = set()
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            return out | {chr(av)}, False
        if name == "IN":
            chars = set()
            for kind, value in av:
                if str(kind) == "LITERAL":
                    chars.add(chr(value))
                elif str(kind) == "RANGE" and value[1] - value[0] < 64:
                    chars.update(chr(c) for c in range(value[0], value[1] + 1))
                else:
                    return None, False
            return out | chars, False
        if name in ("ASSERT", "ASSERT_NOT", "AT"):
            continue  # zero width: the next item starts the match
        if name == "SUBPATTERN":
            inner, nullable = _first_of(list(av[3]))
        elif name == "BRANCH":
            inner, nullable = set(), False
            for alternative in av[1]:
                part, part_nullable = _first_of(list(alternative))
                if part is None:
                    return None, False
                inner |= part
                nullable = nullable or part_nullable
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            inner, nullable = _first_of(list(av[2]))
            nullable = nullable or av[0] == 0
        else:
            return None, False  # ANY (.), back-references and the rest: cannot tell
        if inner is None:
            return None, False
        out |= inner
        if not nullable:
            return out, False
    return out, True


def _prefixes(word: str, words: set[str]) -> list[str]:
    return [word[:i] for i in range(1, len(word) + 1) if word[:i] in words]


def _trie(words: set[str]) -> str:
    """A regular expression matching the longest of the words at a position, shaped as a trie (fast to try)."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            body = (body if len(branches) > 1 else "(?:" + body + ")") + "?"
        return body

    return build(root)


class Lexicon:
    """seed/emergency.yaml, compiled. Build it once per process (`load_lexicon`) and reuse it."""

    def __init__(self, *, hazards: tuple[_Hazard, ...], triggers: _Matcher, mask: re.Pattern[str] | None,
                 cues: _Matcher, negation: re.Pattern[str] | None, flags: dict[str, tuple[str, ...]],
                 scoring: dict[str, Any], services: dict[str, Service], size: int,
                 typos: dict[str, str] | None = None):
        self.hazards = hazards
        self.typos = typos or {}
        self.typo = re.compile("(?:" + _trie(set(self.typos)) + ")") if self.typos else None
        self.triggers = triggers
        self.mask = mask
        self.cues = cues
        self.negation = negation
        self.flags = flags
        self.services = services
        self.size = size
        self.strong = float(scoring.get("strong", 1.0))
        self.weak = float(scoring.get("weak", 0.5))
        self.weak_when_flagged = float(scoring.get("weak_when_flagged", 1.0))
        self.urgent_bonus = float(scoring.get("urgent_bonus", 0.5))
        self.threshold = float(scoring.get("threshold", 1.0))
        self.negation_window = int(scoring.get("negation_window", 12))
        self.hypothetical_reach = int(scoring.get("hypothetical_reach", 1))
        self.resolved_reach = int(scoring.get("resolved_reach", 3))
        self.habitual_reach = int(scoring.get("habitual_reach", 1))
        self.consult_reach = int(scoring.get("consult_reach", 1))
        exempt = scoring.get("exempt") or {}
        if not isinstance(exempt, dict):
            raise ValueError("emergency lexicon: scoring.exempt must map a cue kind to hazards")
        self.exempt = {str(kind): frozenset(str(h) for h in hazards or ()) for kind, hazards in exempt.items()}

    @property
    def hazard_codes(self) -> tuple[str, ...]:
        return tuple(h.code for h in self.hazards)

    def flagged_by(self, category_code: str | None) -> tuple[str, ...]:
        """Hazards the category (or a group above it) flags."""
        if not category_code:
            return ()
        parts = category_code.split(".")
        out: list[str] = []
        for i in range(len(parts), 0, -1):
            for hazard in self.flags.get(".".join(parts[:i]), ()):
                if hazard not in out:
                    out.append(hazard)
        return tuple(out)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> "Lexicon":
        """Build the lexicon from the YAML's mapping; a ValueError names what is wrong."""
        if not isinstance(data, dict) or not isinstance(data.get("hazards"), dict):
            raise ValueError("emergency lexicon: 'hazards' mapping is missing")
        vocab = {name: "(?:" + _trie(set(_strings(words, f"vocab.{name}"))) + ")"
                 for name, words in (data.get("vocab") or {}).items()}
        services = {}
        for code, spec in (data.get("services") or {}).items():
            try:
                services[code] = Service(code=code, name=str(spec["name"]), name_en=str(spec["name_en"]),
                                         number=str(spec["number"]), verified=bool(spec.get("verified", False)),
                                         source=str(spec.get("source", "")))
            except (KeyError, TypeError) as exc:
                raise ValueError(f"emergency lexicon: service {code!r} needs name, name_en and number") from exc
        numbers = {code: s.number for code, s in services.items()}
        hazards = []
        literals: list[_Entry] = []
        patterns: list[tuple[_Entry, str]] = []
        for code, spec in data["hazards"].items():
            spec = spec or {}
            unknown = [s for s in spec.get("handoff") or () if s not in services]
            if unknown or not spec.get("handoff"):
                raise ValueError(f"emergency lexicon: hazard {code!r} hands off to unknown services {unknown}")
            script = spec.get("script") or {}
            try:
                script_zh = str(script["zh"]).format(**numbers)
                script_en = str(script["en"]).format(**numbers)
            except KeyError as exc:
                raise ValueError(f"emergency lexicon: hazard {code!r} script needs zh and en; "
                                 f"placeholders must name services ({exc})") from exc
            for weak, prefix in ((False, ""), (True, "weak_")):
                where = f"hazards.{code}.{prefix}"
                for word in _strings(spec.get(prefix + "terms"), where + "terms"):
                    literals.append(_Entry(f"{code}:{prefix}{word}", code, weak, word))
                for p in _strings(spec.get(prefix + "patterns"), where + "patterns"):
                    patterns.append((_Entry(f"{code}:{prefix}{p}", code, weak, p), _checked(p, vocab, where)))
            hazards.append(_Hazard(code=code, name=str(spec.get("name", code)),
                                   name_en=str(spec.get("name_en", code)),
                                   services=tuple(services[s] for s in spec["handoff"]),
                                   script_zh=script_zh, script_en=script_en))
        codes = {h.code for h in hazards}
        others = data.get("other_senses") or {}
        mask_terms = set(_strings(others.get("terms"), "other_senses.terms"))
        mask_parts = ["(?:" + _trie(mask_terms) + ")"] if mask_terms else []
        mask_parts += ["(?:" + _checked(p, vocab, "other_senses") + ")"
                       for p in _strings(others.get("patterns"), "other_senses.patterns")]
        mask = re.compile("|".join(mask_parts)) if mask_parts else None
        cue_literals: list[_Entry] = []
        cue_patterns: list[tuple[_Entry, str]] = []
        negation_parts: list[str] = []
        for kind, spec in (data.get("cues") or {}).items():
            if kind not in CUE_KINDS:
                raise ValueError(f"emergency lexicon: unknown cue kind {kind!r} (known: {', '.join(CUE_KINDS)})")
            spec = spec or {}
            terms = _strings(spec.get("terms"), f"cues.{kind}.terms")
            bodies = [_checked(p, vocab, f"cues.{kind}") for p in _strings(spec.get("patterns"), f"cues.{kind}")]
            cue_literals += [_Entry(f"{kind}:{t}", kind, False, t) for t in terms]
            cue_patterns += [(_Entry(f"{kind}:{b}", kind, False, b), b) for b in bodies]
            if kind == "negation":
                negation_parts = ["(?:" + _trie(set(terms)) + ")"] if terms else []
                negation_parts += ["(?:" + b + ")" for b in bodies]
        negation = re.compile("(?:" + "|".join(negation_parts) + ")+") if negation_parts else None
        flags = {}
        for category, flagged in (data.get("category_flags") or {}).items():
            bad = [h for h in flagged or () if h not in codes]
            if bad:
                raise ValueError(f"emergency lexicon: category {category!r} flags unknown hazards {bad}")
            flags[str(category)] = tuple(flagged)
        typos = data.get("typos") or {}
        if not isinstance(typos, dict) or any(len(str(k)) != len(str(v)) or not str(k) for k, v in typos.items()):
            raise ValueError("emergency lexicon: typos must map each slip to a word of the same length")
        return cls(hazards=tuple(hazards), triggers=_Matcher(literals, patterns), mask=mask,
                   cues=_Matcher(cue_literals, cue_patterns), negation=negation, flags=flags,
                   scoring=data.get("scoring") or {}, services=services, size=len(literals) + len(patterns),
                   typos={str(k): str(v) for k, v in typos.items()})


def load_lexicon(seed_dir: Path) -> Lexicon:
    """Read and compile seed_dir/emergency.yaml."""
    return Lexicon.parse(yaml.safe_load((Path(seed_dir) / LEXICON_FILE).read_text(encoding="utf-8")))


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ValueError(f"emergency lexicon: {where} must be a list of strings")
    return [str(v) for v in value if str(v)]


def _checked(pattern: str, vocab: dict[str, str], where: str) -> str:
    """The pattern with its <lists> spelled out, checked to compile."""
    def one(m: re.Match[str]) -> str:
        if m.group(1) not in vocab:
            raise ValueError(f"emergency lexicon: {where}: unknown list <{m.group(1)}> in {pattern!r}")
        return vocab[m.group(1)]

    # (?<= and (?<! are regex syntax, not lists; named groups are not allowed
    if "(?P" in pattern:
        raise ValueError(f"emergency lexicon: {where}: named groups are not allowed in {pattern!r}")
    # plain groups become non-capturing: capturing ones would turn off the regex engine's fast scan
    expanded = re.sub(r"(?<!\\)\((?!\?)", "(?:", _VOCAB.sub(one, pattern))
    try:
        re.compile(expanded)
    except re.error as exc:
        raise ValueError(f"emergency lexicon: {where}: bad pattern {pattern!r}: {exc}") from exc
    return expanded


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
    clauses = [m.span() for m in _CLAUSE.finditer(flat)]
    if not clauses:
        return Assessment(False, (), (), (), flagged, (), ())
    starts = [s for s, _ in clauses]
    sentence = [0] * len(clauses)
    for i in range(1, len(clauses)):
        gap = text[clauses[i - 1][1]:clauses[i][0]]
        sentence[i] = sentence[i - 1] + (1 if any(c in SENTENCE_ENDS for c in gap) else 0)

    # Triggers. Within a hazard a hit inside a longer one is dropped, and a weak hit touching a strong one.
    raw = sorted(lx.triggers.find(flat), key=lambda t: (t[2].weak, t[0] - t[1]))
    kept: dict[str, list[tuple[int, int, bool]]] = {}
    found: list[tuple[int, int, _Entry, int]] = []  # start, end, entry, where the trigger's own words begin
    words: list[tuple[int, int]] = []  # the spans of trigger words, gaps left out
    for s, e, entry, gaps in raw:
        mine = kept.setdefault(entry.owner, [])
        if any((ts <= s and e <= te) or (entry.weak and not tweak and s < te and ts < e) for ts, te, tweak in mine):
            continue
        mine.append((s, e, entry.weak))
        found.append((s, e, entry, gaps[-1][1] if gaps else s))
        words += _without(s, e, gaps)
    if not found:
        return Assessment(False, (), (), (), flagged, (), ())

    # Cues. One that cancels must lie outside trigger words (没反应 is a trigger, not a negation); present and
    # urgent cues count anywhere (喊救命 still says 救命). A cue pattern's gaps may hold trigger words.
    cues: dict[str, list[_Span]] = {}
    for s, e, entry, gaps in sorted(lx.cues.find(flat), key=lambda t: t[0]):
        if entry.owner not in CONFIRMING:
            own = _without(s, e, gaps)
            if any(cs < we and ws < ce for cs, ce in own for ws, we in words):
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
    conditions = by_clause.get("condition", empty)
    consults = by_clause.get("consult", empty)
    urgent = bool(cues.get("urgent"))
    policy = cues.get("policy") or []
    resolved = cues.get("resolved") or []
    negation_re = lx.negation

    def decide(ci: int, s: int, e: int, hazard: str) -> tuple[str, str | None]:
        for cue in negations[ci]:
            if cue.end <= s and s - cue.end <= lx.negation_window:
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
        if nearest is not None and nearest[1] != "present":
            return nearest[1], nearest[0].text
        if nearest is None:
            for back in range(1, lx.habitual_reach + 1):
                cj = ci - back
                if cj < 0 or sentence[cj] != sentence[ci]:
                    break
                if habituals[cj]:
                    return "habitual", habituals[cj][0].text
        if not presents[ci] and not urgent:
            if policy:
                return "policy", policy[0].text
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
    for s, e, entry, core in sorted(found, key=lambda f: (f[0], f[1])):
        hazard, weak = entry.owner, entry.weak
        ci = clause_of(s)
        status, cue_text = decide(ci, core, e, hazard)
        cs, ce = clauses[ci]
        hits.append(Hit(hazard=hazard, text=text[s:e], weak=weak, clause=ci, clause_text=text[cs:ce],
                        status=status, cue=cue_text))
        if status == COUNTS:
            weight = (lx.weak_when_flagged if hazard in flagged else lx.weak) if weak else lx.strong
            counted = weights.setdefault(hazard, {})
            counted[entry.key] = max(counted.get(entry.key, 0.0), weight)

    scores = []
    raised = []
    for hz in lx.hazards:
        if hz.code not in weights:
            continue
        score = sum(weights[hz.code].values()) + (lx.urgent_bonus if urgent else 0.0)
        scores.append((hz.code, round(score, 3)))
        if score >= lx.threshold - 1e-9:
            raised.append(hz)
    cue_list = tuple(Cue(kind=kind, text=c.text, clause=clause_of(c.start))
                     for kind, found_cues in cues.items() for c in found_cues)
    handoffs = tuple(Handoff(hazard=hz.code, name=hz.name, name_en=hz.name_en, services=hz.services,
                             script_zh=hz.script_zh, script_en=hz.script_en) for hz in raised)
    return Assessment(emergency=bool(raised), hazards=tuple(hz.code for hz in raised), hits=tuple(hits),
                      cues=cue_list, flagged=flagged, scores=tuple(scores), handoffs=handoffs)
