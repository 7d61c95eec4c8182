"""Which category a caller's words belong to: TF-IDF over jieba words, a linear model from scikit-learn.

Trained from the labelled utterances in seed/classifier/*.csv. The split is
fixed by a hash of each text, so the held-out fifth is never trained on and
is the same on every machine; `bench/classifier_accuracy.py` reports on it.
"""

import csv
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from app.core.segment import words

HELD_OUT_BUCKETS = 5  # one bucket in five is held out
SOFTMAX_SCALE = 8.0


@dataclass(frozen=True)
class Example:
    category: str
    text: str

    @property
    def held_out(self) -> bool:
        digest = hashlib.sha256(self.text.encode("utf-8")).digest()
        return digest[0] % HELD_OUT_BUCKETS == 0


@dataclass(frozen=True)
class Suggestion:
    category: str
    score: float
    reasons: tuple[str, ...]


def load_examples(seed_dir: Path) -> list[Example]:
    out = []
    for path in sorted((seed_dir / "classifier").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            out += [Example(row["category"].strip(), row["text"].strip()) for row in csv.DictReader(handle)]
    return out


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    return [e for e in examples if not e.held_out], [e for e in examples if e.held_out]


_HAN = re.compile(r"[\u4e00-\u9fff]+")


def _analyzer(text: str) -> list[str]:
    """jieba words, adjacent word pairs, and Chinese characters and character pairs.

    Word pairs catch phrases (拖欠 工资); characters catch what segmentation
    splits unevenly in spoken text (吵, 吵得, 太吵). On the held-out split,
    adding characters lifted top-1 from 0.66 to 0.75 (see bench/).
    """
    ws = list(words(text))
    features = ws + [f"{a}_{b}" for a, b in zip(ws, ws[1:], strict=False)]
    for run in _HAN.findall(text):
        features += ["#" + c for c in run] + ["#" + run[i:i + 2] for i in range(len(run) - 1)]
    return features


def _readable(feature: str) -> str:
    return feature.lstrip("#").replace("_", "")


class Classifier:
    def __init__(self, examples: list[Example]):
        if not examples:
            raise ValueError("no training examples")
        self.vectorizer = TfidfVectorizer(analyzer=_analyzer, sublinear_tf=True, min_df=1)
        matrix = self.vectorizer.fit_transform([e.text for e in examples])
        self.model = LinearSVC(C=1.0)
        self.model.fit(matrix, [e.category for e in examples])
        self.vocabulary = np.array(self.vectorizer.get_feature_names_out())
        self.trained_on = len(examples)
        # The fitted numbers, for scoring one text without scikit-learn's per-call input checks (they cost more
        # than the arithmetic: a third of an intake's classification time). Same formulas, same results.
        self._index: dict[str, int] = dict(self.vectorizer.vocabulary_)
        self._idf = np.asarray(self.vectorizer.idf_, dtype=np.float64)
        self._coef = np.asarray(self.model.coef_, dtype=np.float64)
        self._intercept = np.asarray(self.model.intercept_, dtype=np.float64)
        self._readable = [_readable(str(f)) for f in self.vocabulary]

    def _drivers(self, ranked: np.ndarray, reasons: int) -> tuple[str, ...]:
        """The readable features that drove a choice, strongest first. Words read better than lone characters;
        characters only when nothing longer drove the choice."""
        found: dict[str, None] = {}
        longer = 0
        for column in ranked.tolist():
            word = self._readable[column]
            if word not in found:
                found[word] = None
                longer += len(word) > 1
                if longer >= reasons:  # the first `reasons` words are settled
                    break
        return tuple([w for w in found if len(w) > 1] or list(found))[:reasons]

    def _vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's TF-IDF vector as (sorted columns, values): sublinear tf, the fitted idf, L2 norm."""
        counts = Counter(i for i in map(self._index.get, _analyzer(text)) if i is not None)
        if not counts:
            return np.empty(0, dtype=np.intp), np.empty(0)
        columns = np.fromiter(sorted(counts), dtype=np.intp, count=len(counts))
        data = (1.0 + np.log(np.fromiter((counts[c] for c in columns), dtype=np.float64, count=len(counts))))
        data *= self._idf[columns]
        data /= np.sqrt(np.dot(data, data))
        return columns, data

    def suggest(self, text: str, top: int = 3, reasons: int = 5) -> list[Suggestion]:
        columns, values = self._vector(text)
        if not len(columns):
            return []
        margins = self._coef[:, columns] @ values + self._intercept
        # A softmax over the margins ranks and spreads the choices; it is a relative score, not a calibrated
        # probability (a calibrated model trained 50 times slower for the same ranking).
        scaled = np.exp((margins - margins.max()) * SOFTMAX_SCALE)
        probabilities = scaled / scaled.sum()
        best = np.argsort(margins)[::-1][:top]
        out = []
        for index in best:
            weights = values * self._coef[index, columns]
            order = np.argsort(weights)[::-1]
            drivers = self._drivers(columns[order[weights[order] > 0]], reasons)
            out.append(Suggestion(str(self.model.classes_[index]), round(float(probabilities[index]), 4), drivers))
        return out


@dataclass(frozen=True)
class Accuracy:
    top1: float
    top3: float
    held_out: int
    trained_on: int


def evaluate(examples: list[Example]) -> Accuracy:
    train, test = split(examples)
    model = Classifier(train)
    hits1 = hits3 = 0
    for e in test:
        got = [s.category for s in model.suggest(e.text)]
        hits1 += bool(got) and got[0] == e.category
        hits3 += e.category in got
    return Accuracy(top1=hits1 / len(test), top3=hits3 / len(test), held_out=len(test), trained_on=len(train))
