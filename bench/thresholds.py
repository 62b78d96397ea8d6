"""Which rule picks decision thresholds that hold on unseen real news? Cross-validated on validation only.

    python bench/thresholds.py outputs/quickstart/model --repeats 50

The validation split is scored once. Its documents are then split in two halves at random, many
times: each rule picks per-label thresholds on one half and is scored (F1) on the other, and the
other way round. Rules: the best-F1 cut of the rows (``argmax``, slant's rule) and the
median of the best cuts of bootstrap resamples of the rows (``bagged``, which follows the shape of
the F1 curve rather than the score of one positive sentence). Printed: mean held-out F1 per label
and macro, each rule side by side, and the paired difference with its spread over the repeats.
The test split is never read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from slant.evaluation.fitting import targets
from slant.evaluation.metrics import best_f1_cut, binarize, label_scores, tune_thresholds
from slant.inference.predictor import Predictor

sys.path.insert(0, str(Path(__file__).parent))
from validation import ANNOTATIONS, documents, validation_split  # noqa: E402

BOOTSTRAP = 200


def bagged_thresholds(y: np.ndarray, probs: np.ndarray, resamples: int, seed: int = 0) -> np.ndarray:
    """Per label, the median best-F1 cut over ``resamples`` bootstrap resamples of the rows."""
    rng = np.random.default_rng(seed)
    cuts = tune_thresholds(y, probs)  # labels without positives keep the fallback
    for j in range(y.shape[1]):
        known = ~np.isnan(y[:, j])
        truth, scores = y[known, j], probs[known, j]
        picks = (rng.integers(0, truth.size, truth.size) for _ in range(resamples))
        best = [best_f1_cut(truth[p], scores[p]) for p in picks if truth[p].sum() > 0]
        if best:
            cuts[j] = float(np.median(best))
    return cuts


def pick_thresholds(y: np.ndarray, probs: np.ndarray, bootstrap: int) -> np.ndarray:
    """The ``argmax`` rule (``bootstrap=0``, slant's) or the ``bagged`` one."""
    return bagged_thresholds(y, probs, bootstrap) if bootstrap else tune_thresholds(y, probs)


def held_out_f1(y: np.ndarray, probs: np.ndarray, fit: np.ndarray, score: np.ndarray, bootstrap: int) -> np.ndarray:
    """Per-label F1 on rows ``score`` of thresholds picked on rows ``fit``."""
    cuts = pick_thresholds(y[fit], probs[fit], bootstrap)
    pred = binarize(probs[score], cuts)
    return np.array([label_scores(y[score, j], pred[:, j].astype(float))["f1"] for j in range(y.shape[1])])


def main() -> None:
    """Print held-out F1 of each threshold rule over repeated document-grouped halves of validation."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--data", type=Path, default=ANNOTATIONS)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    predictor = Predictor.from_pretrained(args.model_dir, device="cpu")
    split = validation_split(args.data, predictor.labels)
    probs = predictor.predict_proba(split["text"])
    y = targets(split)
    doc_of = documents(args.data)
    docs = np.array([doc_of[i] for i in split["id"]])
    unique = np.unique(docs)
    rules = {"argmax": 0, "bagged": BOOTSTRAP}
    rng = np.random.default_rng(args.seed)
    results = {rule: [] for rule in rules}  # per repeat and half: (n_labels,) F1
    for _ in range(args.repeats):
        half = np.isin(docs, rng.permutation(unique)[: len(unique) // 2])
        for fit, score in ((half, ~half), (~half, half)):
            for rule, bootstrap in rules.items():
                results[rule].append(held_out_f1(y, probs, fit, score, bootstrap))
    names = predictor.labels
    print(f"validation: {len(split)} sentences, {len(unique)} documents, positives "
          + ", ".join(f"{n} {int(np.nansum(y[:, j]))}" for j, n in enumerate(names)))
    print(f"{args.repeats} repeats x 2 halves; held-out F1 (mean over {2 * args.repeats} fits)\n")
    print(f"| rule | {' | '.join(names)} | macro | thresholds on all of validation |")
    print("|---|" + "---|" * (len(names) + 2))
    for rule, bootstrap in rules.items():
        scores = np.array(results[rule])
        full = pick_thresholds(y, probs, bootstrap)
        print(f"| {rule} | " + " | ".join(f"{v:.3f}" for v in scores.mean(0))
              + f" | {scores.mean(1).mean():.3f} | " + ", ".join(f"{v:.3f}" for v in full) + " |")
    diff = np.array(results["bagged"]) - np.array(results["argmax"])
    print("\nbagged - argmax, per label (mean, share of fits where bagged is better / worse):")
    for j, name in enumerate(names):
        print(f"  {name}: {diff[:, j].mean():+.4f}  ({(diff[:, j] > 0).mean():.2f} / {(diff[:, j] < 0).mean():.2f})")
    macro = diff.mean(1)
    print(f"  macro: {macro.mean():+.4f}  ({(macro > 0).mean():.2f} / {(macro < 0).mean():.2f})")


if __name__ == "__main__":
    main()
