"""Benchmark of the person-name matcher, each figure beside a reference from the same run.

    .venv/bin/python bench/names.py [--seed N] [--size N] [--threshold-sweep] [--errors N]

1. Precision, recall and F1 of ``name_compare`` at ``MATCH_THRESHOLD`` over the labelled
   pairs of ``concord.exchange.name_pairs`` (a verdict of "match" is a hit; "possible"
   is not), overall and by kind and origin of pair. Reference: ``exact_match`` (equality
   after NFKC, case folding and whitespace only) on the same pairs.
2. Blocking: the share of positive pairs whose ``name_keys`` intersect (the recall the
   index can give at most), and the mean and maximum number of keys per name.
3. Throughput of ``name_compare`` in pairs per second on one core. Reference: the raw
   rate of ``rapidfuzz.fuzz.ratio`` on the same strings.

``--threshold-sweep`` adds precision and recall for a range of thresholds, for operators
choosing one; ``--errors N`` prints N misjudged pairs of each sign.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rapidfuzz import fuzz  # noqa: E402

from concord.exchange.name_pairs import DEFAULT_SIZE, LabelledPair, labelled_pairs  # noqa: E402
from concord.exchange.names import (  # noqa: E402
    MATCH_THRESHOLD,
    exact_match,
    name_compare,
    name_keys,
)


def figures(outcomes: Iterable[tuple[bool, bool]]) -> tuple[float, float, float, int]:
    """Precision, recall, F1 and count of (predicted, actual) outcomes."""
    tp = fp = fn = n = 0
    for predicted, actual in outcomes:
        n += 1
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, n


def row(label: str, outcomes: list[tuple[bool, bool]]) -> str:
    p, r, f, n = figures(outcomes)
    positives = sum(actual for _, actual in outcomes)
    if positives == 0:
        # A group of negatives only: what matters is how many were wrongly matched.
        wrong = sum(predicted for predicted, _ in outcomes)
        return f"  {label:<22} {n:6}   false matches {wrong:4} ({wrong / n:6.1%})"
    if positives == n:
        return f"  {label:<22} {n:6}   recall {r:6.3f}"
    return f"  {label:<22} {n:6}   precision {p:6.3f}   recall {r:6.3f}   F1 {f:6.3f}"


def by_group(
    pairs: list[LabelledPair], predicted: list[bool], key: Callable[[LabelledPair], str]
) -> dict[str, list[tuple[bool, bool]]]:
    groups: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for pair, guess in zip(pairs, predicted, strict=True):
        groups[key(pair)].append((guess, pair.same))
    return dict(sorted(groups.items()))


def rate(function: Callable[[str, str], object], pairs: list[LabelledPair]) -> float:
    """Calls per second of ``function`` over the pairs (at least one second of work)."""
    done, start = 0, time.perf_counter()
    while True:
        for pair in pairs:
            function(pair.a, pair.b)
        done += len(pairs)
        elapsed = time.perf_counter() - start
        if elapsed >= 1.0:
            return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE)
    parser.add_argument("--threshold-sweep", action="store_true")
    parser.add_argument("--errors", type=int, default=0, help="misjudged pairs to print")
    args = parser.parse_args()

    pairs = labelled_pairs(seed=args.seed, size=args.size)
    positives = sum(p.same for p in pairs)
    print(
        f"Concord name matching benchmark: {len(pairs)} labelled pairs "
        f"({positives} same person), seed {args.seed}, threshold {MATCH_THRESHOLD}"
    )
    results = [name_compare(p.a, p.b, birth_a=p.birth_a, birth_b=p.birth_b) for p in pairs]
    matched = [r.verdict == "match" for r in results]
    exact = [exact_match(p.a, p.b) for p in pairs]

    print("name_compare")
    print(row("all pairs", list(zip(matched, [p.same for p in pairs], strict=True))))
    print("exact_match (reference)")
    print(row("all pairs", list(zip(exact, [p.same for p in pairs], strict=True))))

    print("name_compare by kind of pair")
    for label, outcomes in by_group(pairs, matched, lambda p: p.category.split("/")[0]).items():
        print(row(label, outcomes))
    print("name_compare by origin of the names")
    for label, outcomes in by_group(pairs, matched, lambda p: p.category.split("/")[1]).items():
        print(row(label, outcomes))

    print("blocking keys")
    key_counts, shared = [], 0
    for pair in pairs:
        ka, kb = name_keys(pair.a), name_keys(pair.b)
        key_counts += [len(ka), len(kb)]
        shared += pair.same and bool(ka & kb)
    print(f"  positive pairs sharing a key           {shared / positives:8.3f}")
    matched_positives = [p for p, m in zip(pairs, matched, strict=True) if m and p.same]
    shared_matched = sum(bool(name_keys(p.a) & name_keys(p.b)) for p in matched_positives)
    print(
        f"  of those name_compare matches          {shared_matched / max(1, len(matched_positives)):8.3f}"
    )
    print(f"  keys per name: mean {statistics.mean(key_counts):.1f}, max {max(key_counts)}")

    print("throughput (one core)")
    sample = pairs[:1000]
    raw = rate(fuzz.ratio, sample)
    ours = rate(name_compare, sample)
    print(f"  rapidfuzz.fuzz.ratio pairs/s           {raw:12,.0f}   reference")
    print(
        f"  name_compare pairs/s                   {ours:12,.0f}   {ours / raw:6.1%} of reference"
    )

    if args.threshold_sweep:
        print("threshold sweep (name_compare verdict 'match' at each threshold)")
        truth = [p.same for p in pairs]
        for step in range(60, 100, 2):
            t = step / 100
            at_t = [
                name_compare(p.a, p.b, birth_a=p.birth_a, birth_b=p.birth_b, threshold=t).verdict
                == "match"
                for p in pairs
            ]
            p_, r_, f_, _ = figures(zip(at_t, truth, strict=True))
            print(f"  threshold {t:4.2f}   precision {p_:6.3f}   recall {r_:6.3f}   F1 {f_:6.3f}")

    if args.errors:
        for sign, wanted in (("missed (same person, not matched)", True), ("false matches", False)):
            print(sign)
            shown = 0
            for pair, guess, result in zip(pairs, matched, results, strict=True):
                if pair.same == wanted and guess != wanted and shown < args.errors:
                    shown += 1
                    print(
                        f"  {pair.category:<18} {pair.a!r} | {pair.b!r} | "
                        f"{pair.birth_a} {pair.birth_b} | {result.score:.3f} {result.reason}"
                    )


if __name__ == "__main__":
    main()
