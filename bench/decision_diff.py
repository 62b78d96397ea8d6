"""Where two models' decisions on one label differ, sentence by sentence, on real-news validation.

    python bench/decision_diff.py outputs/old/model outputs/new/model --label hedging

Each model decides with its own fitted threshold. Every sentence the two decide differently is printed
with its language and what the change did to the second model against the gold label: ``new TP`` (the
second model finds a positive the first missed), ``new FP``, ``lost TP``, ``fixed FP``; then the counts
per language. Meant for reading a recipe change's errors on validation; the test split is never read.
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import numpy as np

from slant.inference.predictor import Predictor

sys.path.insert(0, str(Path(__file__).parent))
from validation import load_pair, pair_parser  # noqa: E402


def decisions(predictor: Predictor, texts: list[str], label: str) -> np.ndarray:
    """The model's yes/no for ``label`` on each text, at its own fitted threshold."""
    column = predictor.labels.index(label)
    return predictor.predict_proba(texts)[:, column] >= predictor.config.thresholds[label]


def change(gold: bool, first: bool, second: bool) -> str:
    """What moving from the first model's decision to the second's did, given the gold label."""
    if second:
        return "new TP" if gold else "new FP"
    return "lost TP" if gold else "fixed FP"


def main() -> None:
    """Print the sentences whose decision differs, then counts per language and kind of change."""
    args = pair_parser(__doc__, "hedging").parse_args()
    predictors, split = load_pair(args)
    gold = np.array(split["labels"])[:, predictors[0].labels.index(args.label)] == 1
    first, second = (decisions(p, split["text"], args.label) for p in predictors)
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for i in np.flatnonzero(first != second):
        kind = change(bool(gold[i]), bool(first[i]), bool(second[i]))
        counts[(split["lang"][i], kind)] += 1
        print(f"{kind:8} {split['lang'][i]}  {split['text'][i][:120]}")
    print(f"\n{args.label}: {len(split)} validation sentences, {int((first != second).sum())} decided differently")
    for lang in sorted({lang for lang, _ in counts}):
        row = ", ".join(f"{kind} {counts[(lang, kind)]}" for kind in ("new TP", "new FP", "lost TP", "fixed FP")
                        if counts[(lang, kind)])
        print(f"  {lang}: {row}")
    totals: collections.Counter[str] = collections.Counter()
    for (_, kind), n in counts.items():
        totals[kind] += n
    print("  all: " + ", ".join(f"{kind} {n}" for kind, n in sorted(totals.items())))


if __name__ == "__main__":
    main()
