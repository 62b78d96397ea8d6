"""Paired, document-grouped bootstrap of two models' PR-AUC on one label, on real-news validation.

    python bench/pr_auc_diff.py outputs/old/model outputs/new/model --label loaded

The adoption rule asks that validation ``loaded`` PR-AUC does not fall; this says how far a difference
is from noise: articles are resampled with replacement (their sentences together) and both models are
scored on each resample. Prints the difference (second minus first), its 95% interval and the share of
resamples where the second model is lower. The test split is never read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score

from slant.evaluation.fitting import targets

sys.path.insert(0, str(Path(__file__).parent))
from validation import documents, load_pair, pair_parser  # noqa: E402


def paired_pr_auc(y: np.ndarray, first: np.ndarray, second: np.ndarray, groups: np.ndarray,
                  resamples: int, seed: int) -> np.ndarray:
    """PR-AUC(second) - PR-AUC(first) on each resample of whole groups (resamples without a positive skipped)."""
    names, index = np.unique(groups, return_inverse=True)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(resamples):
        weight = np.bincount(rng.integers(0, len(names), len(names)), minlength=len(names))[index]
        if (y * weight).sum() > 0:
            diffs.append(average_precision_score(y, second, sample_weight=weight)
                         - average_precision_score(y, first, sample_weight=weight))
    return np.asarray(diffs)


def main() -> None:
    """Score both models on validation and print the paired bootstrap."""
    parser = pair_parser(__doc__, "loaded")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    models, split = load_pair(args)
    y = targets(split)[:, models[0].labels.index(args.label)]
    known = ~np.isnan(y)
    first, second = (m.predict_proba(split["text"])[:, m.labels.index(args.label)] for m in models)
    doc_of = documents(args.data)  # read once: it parses every annotation file
    groups = np.array([doc_of[i] for i in split["id"]])
    y, first, second, groups = y[known], first[known], second[known], groups[known]
    diffs = paired_pr_auc(y, first, second, groups, args.resamples, args.seed)
    point = average_precision_score(y, second) - average_precision_score(y, first)
    low, high = np.percentile(diffs, [2.5, 97.5])
    print(f"{args.label} PR-AUC on {len(y)} validation sentences ({int(y.sum())} positive, "
          f"{len(np.unique(groups))} documents): first {average_precision_score(y, first):.3f}, "
          f"second {average_precision_score(y, second):.3f}")
    print(f"second - first {point:+.3f} [{low:+.3f}, {high:+.3f}], lower in {(diffs < 0).mean():.0%} "
          f"of {len(diffs)} resamples")


if __name__ == "__main__":
    main()
