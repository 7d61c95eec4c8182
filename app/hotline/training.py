"""Retraining the classifier on a city's history and its agents' corrections, and the held-out report a model
version keeps. Pure: labelled texts in, a model and its figures out; the worker runs it off the event loop.

Every source is split by the same rule as the seed's utterances (`Example.held_out`, a hash of the text), so a
text is held out in every version or in none: no version is ever evaluated on a text it, or the model it is
compared with, was trained on. The candidate and the model in force are measured on the same held-out texts,
and the version keeps both figures, so an administrator promotes (or not) knowing what changes.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.hotline.classifier import Classifier, Example, Knowledge

SOURCES = ("seed", "history", "corrections")


@dataclass(frozen=True)
class Corpus:
    """Labelled texts by source: the seed's utterances, an imported history (text, final category), and the
    agents' corrections (the text of a call and the category the agent chose over the suggestion)."""

    seed: Sequence[Example] = ()
    history: Sequence[Example] = ()
    corrections: Sequence[Example] = ()

    def merged(self) -> list[tuple[str, Example]]:
        """Every text once, with its source. The latest word on a text wins: a correction over the history, the
        history over the seed (the city's own final category over an utterance written for the seed)."""
        by_text: dict[str, tuple[str, Example]] = {}
        for source, rows in zip(SOURCES, (self.seed, self.history, self.corrections), strict=True):
            for e in rows:
                text = e.text.strip()
                if text:
                    by_text[text] = (source, Example(e.category, text))
        return list(by_text.values())


def _figures(hits1: int, hits3: int, n: int) -> dict[str, Any]:
    return {"n": n, "top1": round(hits1 / n, 4) if n else None, "top3": round(hits3 / n, 4) if n else None}


def measure(model: Classifier, held_out: Sequence[tuple[str, Example]]) -> dict[str, Any]:
    """Top-1 and top-3 over the held-out texts: overall, by source and by category (a category the model never
    learnt counts as missed)."""
    tally: dict[str, dict[str, list[int]]] = {"overall": {}, "by_source": {}, "by_category": {}}
    for source, e in held_out:
        got = [s.category for s in model.suggest(e.text)]
        hit1, hit3 = int(bool(got) and got[0] == e.category), int(e.category in got)
        for group, key in (("overall", "all"), ("by_source", source), ("by_category", e.category)):
            counts = tally[group].setdefault(key, [0, 0, 0])
            counts[0] += hit1
            counts[1] += hit3
            counts[2] += 1
    overall = tally["overall"].get("all", [0, 0, 0])
    return {
        **_figures(*overall),
        "by_source": {k: _figures(*v) for k, v in sorted(tally["by_source"].items())},
        "by_category": {k: _figures(*v) for k, v in sorted(tally["by_category"].items())},
    }


@dataclass(frozen=True)
class Trained:
    model: Classifier
    counts: dict[str, int]  # texts trained on by source, and held out
    report: dict[str, Any]  # the candidate on the held-out texts
    baseline: dict[str, Any] | None  # the model in force on the same texts (overall and by source)


def retrain(corpus: Corpus, knowledge: Knowledge | None, current: Classifier | None) -> Trained:
    merged = corpus.merged()
    train = [(s, e) for s, e in merged if not e.held_out]
    held = [(s, e) for s, e in merged if e.held_out]
    if not train:
        raise ValueError("no training texts")
    model = Classifier([e for _, e in train], knowledge)
    counts = {s: sum(1 for source, _ in train if source == s) for s in SOURCES}
    counts["held_out"] = len(held)
    baseline = None
    if current is not None:
        measured = measure(current, held)
        baseline = {k: v for k, v in measured.items() if k != "by_category"}
    return Trained(model, counts, measure(model, held), baseline)


def retrain_stored(corpus: Corpus, knowledge: Knowledge | None, current: Classifier | None,
                   ) -> tuple[dict[str, int], dict[str, Any], dict[str, Any] | None, bytes]:
    """`retrain`, answering what a version stores: counts, report, baseline and the weights (Classifier.dump).
    Run in a process of its own, so that training never holds the serving process's interpreter."""
    trained = retrain(corpus, knowledge, current)
    return trained.counts, trained.report, trained.baseline, trained.model.dump()
