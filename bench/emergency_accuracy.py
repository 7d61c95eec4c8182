"""Precision and recall of the emergency recogniser on a labelled set, and its cost per call.

Run: .venv/bin/python bench/emergency_accuracy.py                 # the fixed evaluation set
     .venv/bin/python bench/emergency_accuracy.py --data dev      # the development set (tune on this one only;
                                                                   # the second opinion is trained on it too)
     .venv/bin/python bench/emergency_accuracy.py --no-lines      # figures only, without the misclassified texts

The sets are bench/data/emergency_eval.csv and the development set, seed/emergency_utterances.csv, which the
recogniser's learned second opinion is trained on (bench/data/README.md describes both). Texts are assessed
without a category (the sets have none), so the figures are those of the words alone. The cost per
call is printed as a ratio against a ceiling measured in the same run: only turning each text into its clauses
(the first step of the recogniser). Prints everything; writes nothing.
"""

import argparse
import csv
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.hotline.emergency import _CLAUSE, _TRANSLATE, Assessment, assess, load_lexicon  # noqa: E402

DATA = {"eval": ROOT / "bench/data/emergency_eval.csv", "dev": ROOT / "seed/emergency_utterances.csv"}
EMERGENCY_TRAITS = ("plain", "indirect", "dialect", "third_party")
ORDINARY_TRAITS = ("negation", "past", "hypothetical", "other_sense", "policy_question", "ordinary")


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "n/a (0/0)"


def why_missed(a: Assessment) -> str:
    """Why an emergency was missed, without its words: no trigger, too little weight, or the cues that cancelled."""
    if not a.hits:
        return "no trigger word"
    cancelled = sorted({h.status for h in a.hits if not h.counts})
    if any(h.counts for h in a.hits):
        return "weak words only" + (f" (others cancelled by {'/'.join(cancelled)})" if cancelled else "")
    return "cancelled by " + "/".join(cancelled)


def clauses_only(text: str) -> list[str]:
    return _CLAUSE.findall(text.translate(_TRANSLATE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", choices=sorted(DATA), default="eval")
    parser.add_argument("--no-lines", action="store_true", help="do not print the misclassified texts")
    parser.add_argument("--rounds", type=int, default=20, help="timing rounds over the whole set")
    args = parser.parse_args()

    started = time.perf_counter()
    lexicon = load_lexicon(ROOT / "seed")
    loaded = time.perf_counter() - started
    model = lexicon.model
    with DATA[args.data].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    results = [(row, assess(row["text"], None, lexicon)) for row in rows]

    tp = sum(1 for r, a in results if r["emergency"] == "1" and a.emergency)
    fn = sum(1 for r, a in results if r["emergency"] == "1" and not a.emergency)
    fp = sum(1 for r, a in results if r["emergency"] == "0" and a.emergency)
    tn = sum(1 for r, a in results if r["emergency"] == "0" and not a.emergency)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"set: {DATA[args.data].relative_to(ROOT)}  ({len(rows)} rows: {tp + fn} emergencies, {fp + tn} ordinary)")
    print(f"lexicon: {lexicon.size} trigger entries over {len(lexicon.hazards)} hazards, "
          f"loaded and compiled in {loaded * 1000:.1f} ms")
    if model is not None:
        print(f"second opinion: character n-grams, trained at load on {model.size} utterances ({model.ordinary} of "
              f"them the classifier's ordinary hotline calls); raises from P(emergency) >= {model.threshold:g}")
    print()
    print("## Overall")
    print(f"precision: {ratio(tp, tp + fp)}")
    print(f"recall:    {ratio(tp, tp + fn)}")
    print(f"F1:        {f1:.3f}")
    print(f"confusion: TP {tp}  FN {fn}  FP {fp}  TN {tn}")
    by_model = [(r, a) for r, a in results if a.by_model]
    lexicon_only = tp - sum(r["emergency"] == "1" for r, _ in by_model)
    print(f"raised on the learned second opinion (the words alone not enough): {len(by_model)}, of them "
          f"{sum(r['emergency'] == '1' for r, _ in by_model)} emergencies; the words alone: recall "
          f"{ratio(lexicon_only, tp + fn)}, precision {ratio(lexicon_only, tp + fp - len(by_model))}")

    print()
    print("## By hazard")
    print("recall = emergencies of that hazard recognised as emergencies; named = ... with that hazard among those")
    print("raised; precision = texts where the hazard was raised that are emergencies; false alarms = ordinary")
    print("texts touching that hazard that were called emergencies")
    print(f"{'hazard':<10} {'recall':<18} {'named':<18} {'precision':<18} {'false alarms':<18}")
    for hazard in lexicon.hazard_codes:
        emerg = [(r, a) for r, a in results if r["emergency"] == "1" and r["hazard"] == hazard]
        ordinary = [(r, a) for r, a in results if r["emergency"] == "0" and r["hazard"] == hazard]
        raised = [(r, a) for r, a in results if hazard in a.hazards]
        print(f"{hazard:<10} {ratio(sum(a.emergency for _, a in emerg), len(emerg)):<18} "
              f"{ratio(sum(hazard in a.hazards for _, a in emerg), len(emerg)):<18} "
              f"{ratio(sum(r['emergency'] == '1' for r, _ in raised), len(raised)):<18} "
              f"{ratio(sum(a.emergency for _, a in ordinary), len(ordinary)):<18}")

    print()
    print("## By trait")
    print("emergency traits: recall; ordinary traits: false alarms (called emergencies) and specificity")
    traits = defaultdict(list)
    for r, a in results:
        traits[(r["emergency"], r["trait"])].append(a.emergency)
    for trait in EMERGENCY_TRAITS:
        got = traits.get(("1", trait), [])
        print(f"{trait:<16} recall      {ratio(sum(got), len(got))}")
    for trait in ORDINARY_TRAITS:
        got = traits.get(("0", trait), [])
        print(f"{trait:<16} false alarm {ratio(sum(got), len(got))}   "
              f"specificity {ratio(len(got) - sum(got), len(got))}")
    other = sorted({k for k in traits if k[1] not in EMERGENCY_TRAITS + ORDINARY_TRAITS})
    for key in other:
        print(f"{key[1]:<16} (emergency={key[0]}) called emergency {ratio(sum(traits[key]), len(traits[key]))}")

    wrong = [(r, a) for r, a in results if (r["emergency"] == "1") != a.emergency]
    print()
    print(f"## Misclassified ({len(wrong)})")
    print("by kind: " + ", ".join(f"{k}: {v}" for k, v in sorted(Counter(
        ("missed " if r["emergency"] == "1" else "false alarm ") + f"{r['hazard']}/{r['trait']}"
        for r, _ in wrong).items())))
    print("missed because: " + ", ".join(f"{k}: {v}" for k, v in sorted(Counter(
        why_missed(a) for r, a in wrong if r["emergency"] == "1").items())))
    print("false alarms raised by: " + ", ".join(f"{k}: {v}" for k, v in sorted(Counter(
        "+".join(sorted({("weak " if h.weak else "strong ") + h.hazard for h in a.hits if h.counts}
                        | ({"model"} if a.by_model else set())))
        for r, a in wrong if r["emergency"] == "0").items())))
    if args.no_lines:
        print("(texts not printed: --no-lines)")
    else:
        for r, a in wrong:
            kind = "MISSED" if r["emergency"] == "1" else "FALSE ALARM"
            print(f"- {kind} [{r['hazard']}/{r['trait']}] {r['text']}")
            for reason in a.why() or ("no trigger word found",):
                print(f"    {reason}")

    texts = [r["text"] for r in rows]
    wall, cpu, ceiling_wall, ceiling_cpu = [], [], [], []
    for _ in range(args.rounds):
        w, c = time.perf_counter(), time.process_time()
        for t in texts:
            assess(t, None, lexicon)
        wall.append((time.perf_counter() - w) / len(texts))
        cpu.append((time.process_time() - c) / len(texts))
        w, c = time.perf_counter(), time.process_time()
        for t in texts:
            clauses_only(t)
        ceiling_wall.append((time.perf_counter() - w) / len(texts))
        ceiling_cpu.append((time.process_time() - c) / len(texts))
    each = []
    for t in texts:
        started = time.perf_counter()
        assess(t, None, lexicon)
        each.append(time.perf_counter() - started)
    each.sort()
    cpu_us, wall_us = statistics.mean(cpu) * 1e6, statistics.mean(wall) * 1e6
    ceiling_us = statistics.mean(ceiling_cpu) * 1e6
    print()
    print("## Cost per call")
    print(f"assess: mean {cpu_us:.1f} µs CPU per text ({wall_us:.1f} µs wall; single texts p50 "
          f"{each[len(each) // 2] * 1e6:.1f} µs, p99 {each[int(len(each) * 0.99)] * 1e6:.1f} µs wall), "
          f"{args.rounds} rounds over {len(texts)} texts; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    print(f"ceiling, same run: splitting into clauses alone {ceiling_us:.2f} µs CPU per text "
          f"({statistics.mean(ceiling_wall) * 1e6:.2f} µs wall); assess costs {cpu_us / ceiling_us:.0f}x that")
    print(f"budget: 1000 µs per call; used {cpu_us / 1000:.1%} (CPU)")


if __name__ == "__main__":
    main()
