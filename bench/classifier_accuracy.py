"""Top-1 and top-3 accuracy of the hotline classifier on its held-out split, and its speed.

Run: .venv/bin/python bench/classifier_accuracy.py

The split is fixed by a hash of each utterance (one in five held out), so the
figures are the same on every machine. Speed is printed as a ratio against a
ceiling measured in the same run: segmenting the same texts with jieba alone.
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.segment import words  # noqa: E402
from app.hotline.classifier import Classifier, load_examples, split  # noqa: E402


def main() -> None:
    examples = load_examples(ROOT / "seed")
    train, test = split(examples)
    started = time.perf_counter()
    model = Classifier(train)
    trained = time.perf_counter() - started
    hits1 = hits3 = 0
    started = time.perf_counter()
    for e in test:
        got = [s.category for s in model.suggest(e.text)]
        hits1 += bool(got) and got[0] == e.category
        hits3 += e.category in got
    classify = time.perf_counter() - started
    words.cache_clear()
    started = time.perf_counter()
    for e in test:
        words(e.text + " ")  # defeat the cache: a ceiling of segmentation alone
    segment = time.perf_counter() - started
    print(f"examples: {len(examples)} ({len({e.category for e in examples})} categories); "
          f"trained on {len(train)}, held out {len(test)}")
    print(f"top-1 accuracy: {hits1 / len(test):.3f}  ({hits1}/{len(test)})")
    print(f"top-3 accuracy: {hits3 / len(test):.3f}  ({hits3}/{len(test)})")
    print(f"training: {trained:.2f} s")
    per_call = classify / len(test) * 1000
    print(f"classify: {per_call:.2f} ms per utterance = {classify / segment:.1f}x segmentation alone "
          f"({segment / len(test) * 1000:.2f} ms)")


if __name__ == "__main__":
    main()
