"""The emergency recogniser's lexicon: seed/emergency.yaml read, checked and compiled for `emergency.assess`.

`read_lexicon(seed_dir)` reads the file, `Lexicon.parse(dict)` builds it from its mapping and raises a ValueError
that names what is wrong. Trigger words and cues are compiled into `Matcher`s (emergency_matching.py) that find
every entry in a text, overlapping ones included; the file's header says what each part means. `TRANSLATE` and
`CLAUSE` turn a text into its clauses the way the recogniser reads it (every separator a clause break, every
position kept).
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.hotline.emergency_matching import Entry, Matcher, trie
from app.hotline.emergency_model import EmergencyModel

LEXICON_FILE = "emergency.yaml"

SEPARATORS = " \t\r\n\u3000\u00a0，,。．.！!？?；;：:、…~～—－-_()（）[]【】{}「」『』“”\"'‘’《》<>/|\\"
CUE_KINDS = ("negation", "past", "recent", "duration", "habitual", "resolved", "again", "hypothetical", "condition",
             "policy", "consult", "present", "urgent", "guess", "event", "turn")

BREAK = "\n"  # every separator becomes this; `.` in a pattern never matches it, so no pattern spans two clauses
TRANSLATE = str.maketrans({c: BREAK for c in SEPARATORS})
CLAUSE = re.compile(r"[^\n]+")
_VOCAB = re.compile(r"<(\w+)>")


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    name_en: str
    number: str
    verified: bool
    source: str


@dataclass(frozen=True)
class _Hazard:
    code: str
    name: str
    name_en: str
    services: tuple[Service, ...]
    script_zh: str
    script_en: str


class Lexicon:
    """seed/emergency.yaml, compiled. Build it once per process (`load_lexicon`) and reuse it."""

    def __init__(self, *, hazards: tuple[_Hazard, ...], triggers: Matcher, mask: re.Pattern[str] | None,
                 cues: Matcher, negation: re.Pattern[str] | None, flags: dict[str, tuple[str, ...]],
                 scoring: dict[str, Any], services: dict[str, Service], size: int,
                 typos: dict[str, str] | None = None, fillers: list[str] | None = None,
                 scoped: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = ()):
        self.hazards = hazards
        self.model: EmergencyModel | None = None  # the learned second opinion, trained by load_lexicon
        self.scoped = scoped  # blanks that hide words from some hazards only
        self.fillers = re.compile("(?:" + trie(set(fillers)) + ")") if fillers else None
        self.typos = typos or {}
        self.typo = re.compile("(?:" + trie(set(self.typos)) + ")") if self.typos else None
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
        codes = {h.code for h in self.hazards}
        self.links: dict[str, frozenset[str]] = {}
        for pair in scoring.get("corroborate") or ():
            if not isinstance(pair, list) or len(pair) != 2 or any(h not in codes for h in pair):
                raise ValueError(f"emergency lexicon: scoring.corroborate needs pairs of known hazards, not {pair!r}")
            self.links[pair[0]] = self.links.get(pair[0], frozenset()) | {pair[1]}
            self.links[pair[1]] = self.links.get(pair[1], frozenset()) | {pair[0]}

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
        vocab = {name: "(?:" + trie(set(_strings(words, f"vocab.{name}"))) + ")"
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
        literals: list[Entry] = []
        patterns: list[tuple[Entry, str]] = []
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
                    literals.append(Entry(f"{code}:{prefix}{word}", code, weak, word))
                for p in _strings(spec.get(prefix + "patterns"), where + "patterns"):
                    patterns.append((Entry(f"{code}:{prefix}{p}", code, weak, p), _checked(p, vocab, where)))
            hazards.append(_Hazard(code=code, name=str(spec.get("name", code)),
                                   name_en=str(spec.get("name_en", code)),
                                   services=tuple(services[s] for s in spec["handoff"]),
                                   script_zh=script_zh, script_en=script_en))
        codes = {h.code for h in hazards}
        others = data.get("other_senses") or {}
        mask_terms = set(_strings(others.get("terms"), "other_senses.terms"))
        mask_parts = ["(?:" + trie(mask_terms) + ")"] if mask_terms else []
        mask_parts += ["(?:" + _checked(p, vocab, "other_senses") + ")"
                       for p in _strings(others.get("patterns"), "other_senses.patterns")]
        mask = re.compile("|".join(mask_parts)) if mask_parts else None
        scoped = []
        for i, spec in enumerate(others.get("only_for") or ()):
            where = f"other_senses.only_for[{i}]"
            hidden_from = _strings((spec or {}).get("hazards"), where + ".hazards")
            if not hidden_from or any(h not in codes for h in hidden_from):
                raise ValueError(f"emergency lexicon: {where} must name known hazards, not {hidden_from}")
            words = set(_strings(spec.get("terms"), where + ".terms"))
            parts = (["(?:" + trie(words) + ")"] if words else []) + [
                "(?:" + _checked(p, vocab, where) + ")" for p in _strings(spec.get("patterns"), where + ".patterns")]
            if parts:
                scoped.append((re.compile("|".join(parts)), frozenset(hidden_from)))
        cue_literals: list[Entry] = []
        cue_patterns: list[tuple[Entry, str]] = []
        negation_parts: list[str] = []
        for kind, spec in (data.get("cues") or {}).items():
            if kind not in CUE_KINDS:
                raise ValueError(f"emergency lexicon: unknown cue kind {kind!r} (known: {', '.join(CUE_KINDS)})")
            spec = spec or {}
            terms = _strings(spec.get("terms"), f"cues.{kind}.terms")
            bodies = [_checked(p, vocab, f"cues.{kind}") for p in _strings(spec.get("patterns"), f"cues.{kind}")]
            cue_literals += [Entry(f"{kind}:{t}", kind, False, t) for t in terms]
            cue_patterns += [(Entry(f"{kind}:{b}", kind, False, b), b) for b in bodies]
            if kind == "negation":
                negation_parts = ["(?:" + trie(set(terms)) + ")"] if terms else []
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
        return cls(hazards=tuple(hazards), triggers=Matcher(literals, patterns), mask=mask,
                   cues=Matcher(cue_literals, cue_patterns), negation=negation, flags=flags,
                   scoring=data.get("scoring") or {}, services=services, size=len(literals) + len(patterns),
                   typos={str(k): str(v) for k, v in typos.items()},
                   fillers=_strings(data.get("fillers"), "fillers"), scoped=tuple(scoped))


def read_lexicon(seed_dir: Path) -> tuple[Lexicon, dict[str, Any]]:
    """seed_dir/emergency.yaml compiled, and its `model` section (`emergency.load_lexicon` trains what it asks)."""
    data = yaml.safe_load((Path(seed_dir) / LEXICON_FILE).read_text(encoding="utf-8"))
    spec = data.get("model") or {}
    if spec and (not isinstance(spec, dict) or not spec.get("utterances") or "threshold" not in spec):
        raise ValueError("emergency lexicon: model needs utterances (a file in seed/) and a threshold")
    return Lexicon.parse(data), spec


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

