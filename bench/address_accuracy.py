"""How many held-out caller addresses the gazetteer resolves to the right community, and how many it answers
confidently and wrongly.

    .venv/bin/python -m bench.address_accuracy [--heldout bench/data/addresses_heldout.csv] [--show-misses]

The gazetteer is built as the application builds it: the divisions of seed/regions.csv and the places of
seed/places/*.csv (no database). Each held-out row expects one of three answers:

- `community`: that community, unambiguous;
- `ambiguous`: candidates, exactly the set listed (`|`-separated), and no single answer;
- `coarse`: that subdistrict or district (the places there only have a guessed community), never a community.

A *confident* answer is a single (unambiguous) one whose confidence is at least `CONFIDENT` (app/regions/
gazetteer.py). A confident wrong answer is the failure that matters most: a case sent to the wrong community
with nothing telling the agent to check. The target is accuracy ≥ 0.9 and no confident wrong answer.

The held-out file is kept held out: it is read here to be measured, never to tune rules row by row.
"""

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

from app.regions.gazetteer import CONFIDENT, Gazetteer, NamedPlace, Place, Resolution, place_tags

ROOT = Path(__file__).resolve().parents[1]


def load_gazetteer(seed: Path) -> Gazetteer:
    with (seed / "regions.csv").open(encoding="utf-8", newline="") as handle:
        regions = [Place(r["code"], r["name"], r["level"], r["parent_code"] or None,
                         tuple(a for a in r["aliases"].split("|") if a)) for r in csv.DictReader(handle)]
    named = []
    for path in sorted((seed / "places").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for r in csv.DictReader(handle):
                if r.get("active", "1") in ("0", "no", "false"):
                    continue
                named.append(NamedPlace(
                    kind=r["kind"], name=r["name"], community_code=r["community_code"],
                    aliases=tuple(a for a in r["aliases"].split("|") if a), road=r["road"] or None,
                    number_from=int(r["number_from"]) if r["number_from"] else None,
                    number_to=int(r["number_to"]) if r["number_to"] else None, parity=r["parity"] or None,
                    tags=place_tags(r["note"]), verified=r["verified"] in ("yes", "1", "true")))
    return Gazetteer.build(regions, named)


def judge(row: dict[str, str], found: Resolution) -> tuple[bool, bool]:
    """(right, confidently wrong)."""
    expected = row["expected_community_code"]
    kind = row["expected_kind"]
    if kind == "community":
        right = not found.ambiguous and found.region_code == expected
    elif kind == "ambiguous":
        right = found.ambiguous and set(found.candidates) == set(expected.split("|"))
    else:  # coarse
        right = found.region_code == expected and found.level != "community"
    return right, found.confident and not right


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--heldout", type=Path, default=ROOT / "bench/data/addresses_heldout.csv")
    parser.add_argument("--seed", type=Path, default=ROOT / "seed")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    gazetteer = load_gazetteer(args.seed)
    with args.heldout.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    right, confident_wrong, by_kind, wrong_by_kind = 0, 0, Counter(), Counter()
    started = time.perf_counter()
    misses = []
    for row in rows:
        found = gazetteer.resolve(row["text"])
        ok, bad = judge(row, found)
        right += ok
        confident_wrong += bad
        by_kind[row["expected_kind"]] += 1
        if not ok:
            wrong_by_kind[row["expected_kind"]] += 1
            misses.append((row, found, bad))
    per_call_ms = (time.perf_counter() - started) * 1000 / max(1, len(rows))
    print(f"held-out addresses: {len(rows)} ({', '.join(f'{k} {v}' for k, v in sorted(by_kind.items()))})")
    print(f"resolved right:     {right} = {right / len(rows):.3f}")
    for kind in sorted(by_kind):
        print(f"  {kind:10s} {by_kind[kind] - wrong_by_kind[kind]}/{by_kind[kind]}")
    print(f"confident wrong:    {confident_wrong} (confident = a single answer with confidence >= {CONFIDENT})")
    print(f"time per address:   {per_call_ms:.2f} ms")
    if args.show_misses:
        for row, found, bad in misses:
            print(f"{'CONFIDENT ' if bad else ''}MISS {row['text']} expected {row['expected_kind']} "
                  f"{row['expected_community_code']} got {found.region_code} {found.level} "
                  f"conf={found.confidence} amb={found.ambiguous} cands={'|'.join(found.candidates)} "
                  f"match={found.match} [{' '.join(m.text + ':' + m.kind for m in found.matched)}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
