"""Top-1 and top-3 accuracy of the hotline classifier on its held-out split, its training time and its speed.

Run: .venv/bin/python bench/classifier_accuracy.py [--confusion] [--baseline]

The split is fixed by a hash of each utterance (one in five held out), so the
figures are the same on every machine. Speed is printed as a ratio against a
ceiling measured in the same run: segmenting the same texts with jieba alone.
--confusion prints which categories the held-out errors went to, and each error.
--baseline trains without the seed's category texts and lexicon (the words of
the utterances alone, the training-only ones in seed/classifier/train/
included), for comparison.
"""

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.segment import words  # noqa: E402
from app.hotline.classifier import Classifier, Knowledge, load_examples, load_knowledge, split  # noqa: E402

REPEATS = 5  # timing passes over the held-out texts; the median pass is reported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--confusion", action="store_true", help="print the confused pairs and every error")
    parser.add_argument("--baseline", action="store_true", help="train on the utterances alone")
    args = parser.parse_args()

    examples = load_examples(ROOT / "seed")
    knowledge = load_knowledge(ROOT / "seed")
    if args.baseline:
        knowledge = Knowledge(utterances=knowledge.utterances)
    train, test = split(examples)
    words(test[0].text)  # jieba loads its dictionary on first use: not part of training
    started = time.perf_counter()
    model = Classifier(train, knowledge)
    trained = time.perf_counter() - started

    hits1 = hits3 = 0
    errors = []
    for e in test:
        got = model.suggest(e.text)
        names = [s.category for s in got]
        hits1 += bool(names) and names[0] == e.category
        hits3 += e.category in names
        if not names or names[0] != e.category:
            errors.append((e, got))

    # Timing: each pass defeats segment.words' cache, so every call segments afresh, as a new utterance would.
    classify, classify_cpu, segment = [], [], []
    for i in range(REPEATS):
        pad = " " * (i + 1)
        started, cpu = time.perf_counter(), time.process_time()
        for e in test:
            model.suggest(e.text + pad)
        classify.append(time.perf_counter() - started)
        classify_cpu.append(time.process_time() - cpu)
        pad = "\u3000" * (i + 1)
        started = time.perf_counter()
        for e in test:
            words(e.text + pad)
        segment.append(time.perf_counter() - started)
    classify_s, segment_s = statistics.median(classify), statistics.median(segment)
    # What a promoted version costs a process: its stored weights (classifier_artefacts) and loading them.
    started = time.perf_counter()
    artefact = model.dump()
    dumped = time.perf_counter() - started
    started = time.perf_counter()
    loaded = Classifier.load(artefact)
    load_s = time.perf_counter() - started
    same = all(loaded.suggest(e.text) == model.suggest(e.text) for e in test)

    print(f"examples: {len(examples)} ({len({e.category for e in examples})} categories); "
          f"trained on {len(train)} (+{len(knowledge.utterances)} training-only utterances, "
          f"{len(model.features.terms)} lexicon terms, {len(knowledge.texts)} category texts), held out {len(test)}")
    print(f"features: {len(model.vocabulary)}")
    print(f"top-1 accuracy: {hits1 / len(test):.3f}  ({hits1}/{len(test)})")
    print(f"top-3 accuracy: {hits3 / len(test):.3f}  ({hits3}/{len(test)})")
    print(f"training: {trained:.2f} s")
    per_call = classify_s / len(test) * 1000
    print(f"classify: {per_call:.2f} ms per utterance = {classify_s / segment_s:.1f}x segmentation alone "
          f"({segment_s / len(test) * 1000:.2f} ms); median of {REPEATS} passes")
    # The processor time the calls took: what a classification costs, whatever else the machine is running.
    print(f"classify: {statistics.median(classify_cpu) / len(test) * 1000:.2f} ms of CPU time per utterance")

    print(f"stored weights: {len(artefact) / 1e6:.1f} MB, written in {dumped:.2f} s, loaded in {load_s:.2f} s; "
          f"the loaded model answers {'the same' if same else 'DIFFERENTLY'} on every held-out utterance")

    if args.confusion:
        pairs = Counter((e.category, got[0].category if got else "-") for e, got in errors)
        print(f"\nconfused (true -> chosen), {len(errors)} errors:")
        for (true, chosen), n in pairs.most_common():
            print(f"  {n}  {true} -> {chosen}")
        by_true = Counter(e.category for e, _ in errors)
        print("\nerrors by true category: " + ", ".join(f"{c} {n}" for c, n in by_true.most_common(15)))
        print("\nerrors (true | top 3 | text):")
        for e, got in sorted(errors, key=lambda pair: pair[0].category):
            print(f"  {e.category} | {' '.join(s.category for s in got)} | {e.text}")


if __name__ == "__main__":
    main()
