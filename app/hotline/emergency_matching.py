"""Finding the lexicon's words and patterns in a text, overlapping ones included (emergency_lexicon.py builds the
matchers; emergency.py runs them)."""

import importlib
import re
from dataclasses import dataclass
from typing import Any

# The standard library's own regular-expression parser (re._parser): it tells which characters a pattern can start with.
_parser: Any = importlib.import_module("re._parser")
_GAP = re.compile(r"(?<!\\)(\.\{\d*,?\d*\})")


@dataclass(frozen=True)
class Entry:
    key: str  # what a hazard counts once however often it matches: the lexicon entry
    owner: str  # the hazard (triggers) or the cue kind (cues)
    weak: bool
    source: str


_Found = tuple[int, int, Entry, tuple[tuple[int, int], ...]]  # start, end, entry, the gaps a pattern's .{0,N} matched


class Matcher:
    """Finds every entry of a word list in a text, overlapping ones included.

    Literal words go into one trie-shaped regular expression tried at every position (a lookahead, so a word
    inside or across another is still found); what it matches names, through a table, every word that is a prefix
    of the match. Patterns run one by one, but only those that can start with a character the text contains.
    """

    def __init__(self, literals: list[Entry], patterns: list[tuple[Entry, str]]):
        words = {e.source for e in literals}
        by_word: dict[str, list[Entry]] = {}
        for e in literals:
            by_word.setdefault(e.source, []).append(e)
        self.prefixes: dict[str, tuple[tuple[int, Entry], ...]] = {
            w: tuple((len(p), e) for p in _prefixes(w, words) for e in by_word[p]) for w in words}
        self.literal = re.compile("(?=(" + trie(words) + "))") if words else None
        # Each pattern is indexed by the characters it can start with (worked out from its parse tree), so a text
        # only runs the patterns whose first character it contains. The compiled pattern captures its gaps
        # (.{0,N}): what falls in a gap is the caller's free text, where cues still count (老人以前走丢过: 以前 is a
        # past cue, not part of the trigger).
        self.patterns: list[tuple[Entry, re.Pattern[str]]] = []
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

    def find_loose(self, text: str, fillers: re.Pattern[str]) -> list[_Found]:
        """Literal words found only once the fillers inside them are skipped (出了一身冷汗 as 出冷汗, 手一下子就麻了 as
        手麻): (start, end, entry, gaps) in the text's positions, the skipped fillers as the gaps."""
        if self.literal is None:
            return []
        kept: list[str] = []
        where: list[int] = []  # the text position of each kept character
        skipped: list[tuple[int, int]] = []
        last = 0
        for m in fillers.finditer(text):
            if m.end() > m.start():
                kept.append(text[last:m.start()])
                where.extend(range(last, m.start()))
                skipped.append(m.span())
                last = m.end()
        if not skipped:
            return []
        kept.append(text[last:])
        where.extend(range(last, len(text)))
        out = []
        for m in self.literal.finditer("".join(kept)):
            s = m.start()
            for length, entry in self.prefixes[m.group(1)]:
                start, end = where[s], where[s + length - 1] + 1
                if end - start > length:  # a filler lies inside: the plain scan did not see this one
                    out.append((start, end, entry, tuple(g for g in skipped if start < g[0] and g[1] < end)))
        return out

    def find(self, text: str) -> list[_Found]:
        """(start, end, entry, gaps) of every match; gaps are the spans the pattern's .{0,N} matched."""
        out: list[_Found] = []
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


def trie(words: set[str]) -> str:
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
