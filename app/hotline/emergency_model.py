"""A learned second opinion for the emergency recogniser: how likely a text is an emergency, from its characters.

The lexicon (seed/emergency.yaml) knows words; callers find new ones faster than a lexicon grows. On batches of
calls written afresh, the lexicon tuned on every earlier batch recognised about four emergencies in five
(bench/data/README.md), while a linear model over character n-grams trained on the same texts generalised
better: it catches the emergency told in words no list holds (隔壁一直在惨叫, 一股臭鸡蛋味). The two are
combined in `assess` (app/hotline/emergency.py): the model only raises what the lexicon did not, and never where
the lexicon found a danger's words and a cue cancelled them (denied, past, asked about), so the cues keep the
last word on negations and past events.

Trained once per process from seed/emergency_utterances.csv (about half a second), with scikit-learn; scored
without it: the n-grams are looked up and dotted with the weights directly (tens of microseconds, where
scikit-learn's per-call checks cost about a millisecond). `EmergencyModel.probability` equals scikit-learn's
`predict_proba` (tests/unit/test_emergency_model.py checks).
"""

import csv
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.hotline.weights import SparseRows

_WHITE = re.compile(r"\s\s+")  # what scikit-learn's character analyser folds into one space


@dataclass(frozen=True)
class Utterance:
    text: str
    emergency: bool
    hazard: str


def read_utterances(path: Path) -> list[Utterance]:
    """The labelled utterances (`text,emergency,hazard,trait`; the trait is for reports only)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [Utterance(row["text"], row["emergency"] == "1", row["hazard"]) for row in csv.DictReader(handle)]


def _grams(text: str, low: int, high: int) -> Counter[str]:
    text = _WHITE.sub(" ", text.lower())
    return Counter([text[i:i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)])


CHAR_BITS = 21  # every Unicode code point fits; three of them fit one int64
MAX_GRAM = 3


def gram_key(gram: str) -> int:
    """An n-gram of up to three characters as one integer, distinct for distinct grams (no code point is 0)."""
    key = 0
    for i, char in enumerate(gram):
        key |= ord(char) << (CHAR_BITS * i)
    return key


def packed_vocabulary(vocabulary: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """The vocabulary as sorted gram keys and their columns: 2 MB where the dictionary of strings took 25."""
    keys = np.fromiter((gram_key(g) for g in vocabulary), dtype=np.int64, count=len(vocabulary))
    columns = np.fromiter(vocabulary.values(), dtype=np.int32, count=len(vocabulary))
    order = np.argsort(keys)
    return keys[order], columns[order]


@dataclass
class EmergencyModel:
    """P(emergency) from character n-grams (TF-IDF, logistic regression) and the likeliest hazard (linear SVM)."""

    ngrams: tuple[int, int]
    keys: np.ndarray  # the vocabulary's grams, packed (`gram_key`) and sorted
    columns: np.ndarray  # the column of each key
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    hazards: tuple[str, ...]
    hazard_coef: SparseRows  # by n-gram: the weight of each hazard
    hazard_intercept: np.ndarray
    threshold: float
    size: int  # utterances trained on
    ordinary: int = 0  # of them, ordinary hotline calls from the classifier's utterances
    min_chars: int = 0  # shorter texts give a model of characters too little to go on

    @classmethod
    def train(cls, utterances: list[Utterance], *, threshold: float, c: float = 10.0,
              ngrams: tuple[int, int] = (1, 3), min_chars: int = 0) -> "EmergencyModel":
        from sklearn.feature_extraction.text import TfidfVectorizer  # only when training: it is slow to import
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        if not 1 <= ngrams[0] <= ngrams[1] <= MAX_GRAM:
            raise ValueError(f"emergency model: n-grams of 1 to {MAX_GRAM} characters, not {ngrams}")
        if not any(u.emergency for u in utterances) or all(u.emergency for u in utterances):
            raise ValueError("emergency model: the utterances need emergencies and ordinary calls")
        vectoriser = TfidfVectorizer(analyzer="char", ngram_range=ngrams, sublinear_tf=True)
        x = vectoriser.fit_transform([u.text for u in utterances])
        labels = np.array([u.emergency for u in utterances])
        binary = LogisticRegression(C=c, solver="liblinear", class_weight="balanced").fit(x, labels)
        hazards = sorted({u.hazard for u in utterances if u.emergency})
        if len(hazards) > 1:
            which = LinearSVC(C=1.0).fit(x[labels], [u.hazard for u in utterances if u.emergency])
            hazard_coef = which.coef_ if len(hazards) > 2 else np.vstack([-which.coef_[0], which.coef_[0]])
            hazard_intercept = (which.intercept_ if len(hazards) > 2
                                else np.array([-which.intercept_[0], which.intercept_[0]]))
        else:
            hazard_coef, hazard_intercept = np.zeros((1, x.shape[1])), np.zeros(1)
        keys, columns = packed_vocabulary({str(k): int(v) for k, v in vectoriser.vocabulary_.items()})
        return cls(ngrams=ngrams, keys=keys, columns=columns,
                   idf=vectoriser.idf_, coef=binary.coef_[0], intercept=float(binary.intercept_[0]),
                   hazards=tuple(hazards), hazard_coef=SparseRows(np.ascontiguousarray(hazard_coef.T)),
                   hazard_intercept=hazard_intercept,
                   threshold=threshold, size=len(utterances), min_chars=min_chars)

    def _features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        grams = _grams(text, *self.ngrams)
        if not grams or not len(self.keys):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        wanted = np.fromiter((gram_key(g) for g in grams), dtype=np.int64, count=len(grams))
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        known = self.keys[at] == wanted
        if not known.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns = self.columns[at[known]].astype(np.int64)
        counts = np.fromiter(grams.values(), dtype=np.float64, count=len(grams))[known]
        weighted = (1.0 + np.log(counts)) * self.idf[columns]
        return columns, weighted / np.sqrt(weighted @ weighted)

    def probability(self, text: str) -> float:
        """How likely the text tells an emergency."""
        return self.judge(text)[0]

    def judge(self, text: str) -> tuple[float, str | None]:
        """How likely the text tells an emergency and, from the threshold up, the hazard it most resembles."""
        columns, values = self._features(text)
        z = float(self.coef[columns] @ values) + self.intercept
        probability = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        if probability < self.threshold or not self.hazards:
            return probability, None
        votes = values @ self.hazard_coef.take(columns) + self.hazard_intercept
        return probability, self.hazards[int(np.argmax(votes))]


def read_calls(seed_dir: Path, patterns: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """(category, text) of the hotline utterances in the seed files the patterns name (`category,text` CSV)."""
    out = []
    for pattern in patterns:
        for path in sorted(seed_dir.glob(pattern)):
            with path.open(encoding="utf-8", newline="") as handle:
                out += [(row["category"].strip(), row["text"].strip()) for row in csv.DictReader(handle)]
    return out


def train_from(path: Path, spec: dict, ordinary: list[str]) -> EmergencyModel:
    """The model the lexicon's `model` section asks for: the labelled utterances of `path`, and ordinary calls."""
    low, high = spec.get("ngrams", [1, 3])
    utterances = read_utterances(path) + [Utterance(text, False, "none") for text in ordinary]
    model = EmergencyModel.train(utterances, threshold=float(spec["threshold"]), c=float(spec.get("c", 10)),
                                 ngrams=(int(low), int(high)), min_chars=int(spec.get("min_chars", 0)))
    model.ordinary = len(ordinary)
    return model
