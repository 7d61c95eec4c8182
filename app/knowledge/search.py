"""Ranking articles by segmented-word relevance (Okapi BM25 over jieba words), pure."""

import math
from collections import Counter
from dataclasses import dataclass

from app.core.segment import words

K1, B = 1.5, 0.75
KEYWORD_BOOST = 3  # a resident's own word for the matter counts like three mentions in the text


@dataclass(frozen=True)
class Doc:
    code: str
    question: str
    keywords: tuple[str, ...]
    answer: str

    def terms(self) -> list[str]:
        out = list(words(self.question)) * 2 + list(words(self.answer))
        for keyword in self.keywords:
            out += [keyword.lower()] * KEYWORD_BOOST + list(words(keyword))
        return out


@dataclass(frozen=True)
class Hit:
    code: str
    score: float
    matched: tuple[str, ...]


class Index:
    def __init__(self, docs: list[Doc]):
        self.docs = docs
        self.tf = [Counter(d.terms()) for d in docs]
        self.lengths = [sum(tf.values()) for tf in self.tf]
        self.avg = (sum(self.lengths) / len(docs)) if docs else 1.0
        df: Counter[str] = Counter()
        for tf in self.tf:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        q = list(dict.fromkeys(words(query)))
        hits = []
        for doc, tf, length in zip(self.docs, self.tf, self.lengths, strict=True):
            score, matched = 0.0, []
            for term in q:
                f = tf.get(term, 0)
                if not f:
                    continue
                matched.append(term)
                score += self.idf[term] * f * (K1 + 1) / (f + K1 * (1 - B + B * length / self.avg))
            if score > 0:
                hits.append(Hit(doc.code, round(score, 4), tuple(matched)))
        hits.sort(key=lambda h: (-h.score, h.code))
        return hits[:limit]
