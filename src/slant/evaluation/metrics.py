"""Multi-label metrics that ignore unknown labels (NaN targets), and per-label threshold tuning.

All arrays are ``(n_sentences, n_labels)`` in :class:`LabelSet` order. ``y_true`` holds 0, 1 or
NaN (label unknown for that row); ``probs`` holds sigmoid probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, precision_recall_fscore_support

DEFAULT_THRESHOLD = 0.5


def binarize(probs: np.ndarray, thresholds: np.ndarray | float) -> np.ndarray:
    """``1`` where ``probs >= threshold`` (per column when ``thresholds`` is an array)."""
    return (probs >= np.asarray(thresholds, dtype=probs.dtype)).astype(np.int64)


def label_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Scores of one label column with NaN rows masked out.

    Returns ``precision``, ``recall``, ``f1`` of the positive class, ``support`` (known rows) and
    ``f1_pos_neg``: the mean of positive- and negative-class F1, the "macro-F1" that binary
    benchmarks such as BABE and CheckThat! report.
    """
    known = ~np.isnan(y_true)
    if not known.any():
        return {"precision": math.nan, "recall": math.nan, "f1": math.nan, "support": 0, "f1_pos_neg": math.nan}
    truth = y_true[known].astype(np.int64)
    p, r, f, _ = precision_recall_fscore_support(truth, y_pred[known], average="binary", zero_division=0)
    _, _, f_neg, _ = precision_recall_fscore_support(1 - truth, 1 - y_pred[known], average="binary", zero_division=0)
    return {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(known.sum()),
            "f1_pos_neg": float((f + f_neg) / 2)}


def multilabel_metrics(
    y_true: np.ndarray, probs: np.ndarray, names: Sequence[str], thresholds: np.ndarray | float = DEFAULT_THRESHOLD
) -> dict[str, float]:
    """Per-label precision/recall/F1/support/f1_pos_neg plus micro and macro F1, masking unknown labels.

    Macro-F1 averages labels that have at least one known row; micro-F1 pools all known cells.

    >>> y = np.array([[1, np.nan], [0, 1]]); p = np.array([[0.9, 0.2], [0.1, 0.3]])
    >>> multilabel_metrics(y, p, ["a", "b"])["f1/a"]
    1.0
    """
    y_pred = binarize(probs, thresholds)
    out: dict[str, float] = {}
    f1s = []
    for j, name in enumerate(names):
        scores = label_scores(y_true[:, j], y_pred[:, j])
        out |= {f"{key}/{name}": value for key, value in scores.items()}
        if scores["support"]:
            f1s.append(scores["f1"])
    # Micro-F1 is the binary F1 of all known cells pooled, so flatten and reuse the masked scorer.
    out["f1_micro"] = label_scores(y_true.ravel(), y_pred.ravel())["f1"]
    out["f1_macro"] = float(np.mean(f1s)) if f1s else float("nan")
    return out


def pr_auc(y_true: np.ndarray, probs: np.ndarray, names: Sequence[str], recall: float = 0.6) -> dict[str, float]:
    """Per label, over known rows: area under the precision-recall curve (average precision), and
    the best precision at a recall of at least ``recall`` (``precision_at_recall<recall>/<label>``).

    NaN for a label without both classes among its known rows.
    """
    out = {}
    for j, name in enumerate(names):
        known = ~np.isnan(y_true[:, j])
        truth = y_true[known, j]
        both = known.any() and 0 < truth.sum() < truth.size
        out[f"pr_auc/{name}"] = float(average_precision_score(truth, probs[known, j])) if both else math.nan
        at_recall = math.nan
        if both:
            precision, recalls, _ = precision_recall_curve(truth, probs[known, j])
            at_recall = float(precision[recalls >= recall].max())
        out[f"precision_at_recall{recall:g}/{name}"] = at_recall
    return out


def best_f1_cut(truth: np.ndarray, scores: np.ndarray) -> float:
    """The probability cut with the highest F1 of one label column (known rows, with positives)."""
    precision, recall, cuts = precision_recall_curve(truth, scores)
    f1 = 2 * precision * recall / np.clip(precision + recall, 1e-12, None)
    return float(cuts[int(np.argmax(f1[:-1]))])


def tune_thresholds(y_true: np.ndarray, probs: np.ndarray, fallback: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """Per label, the probability cut that maximises F1 on these rows (``fallback`` if no positives).

    Returns:
        ``(n_labels,)`` thresholds; predict a label when ``prob >= threshold``.
    """
    thresholds = np.full(y_true.shape[1], fallback, dtype=np.float64)
    for j in range(y_true.shape[1]):
        known = ~np.isnan(y_true[:, j])
        if y_true[known, j].sum() > 0:
            thresholds[j] = best_f1_cut(y_true[known, j], probs[known, j])
    return thresholds


def evidence_scores(
    predicted: Sequence[Sequence[tuple[str, int, int, str | None]]],
    gold: Sequence[Sequence[tuple[str, int, int, str | None]]],
    names: Sequence[str],
) -> dict[str, float]:
    """Character-overlap precision/recall/F1 of evidence spans per label, and voice accuracy.

    Each item is a sentence's spans as ``(label, start, end, voice)``. Only sentences whose gold
    spans include the label and whose prediction flagged it count, so this scores *where* the
    evidence is, separately from *whether* the label fires. ``hit/<label>`` is the share of those
    sentences where a predicted span overlaps a gold one.
    """
    out: dict[str, float] = {}
    for name in names:
        tp = fp = fn = hits = n = 0
        for pred, ref in zip(predicted, gold):
            want = {i for lab, s, e, _ in ref if lab == name for i in range(s, e)}
            got = {i for lab, s, e, _ in pred if lab == name for i in range(s, e)}
            if not want or not got:
                continue
            n += 1
            tp, fp, fn, hits = tp + len(want & got), fp + len(got - want), fn + len(want - got), hits + bool(want & got)
        precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
        out |= {f"evidence_precision/{name}": precision, f"evidence_recall/{name}": recall,
                f"evidence_f1/{name}": 2 * precision * recall / max(precision + recall, 1e-12),
                f"evidence_hit/{name}": hits / n if n else math.nan, f"evidence_n/{name}": n}
    pairs = [(pv, rv) for pred, ref in zip(predicted, gold) for _, ps, pe, pv in pred if pv
             for _, rs, re_, rv in ref if rv and ps < re_ and rs < pe]
    out["voice_accuracy"] = sum(p == r for p, r in pairs) / len(pairs) if pairs else math.nan
    out["voice_n"] = len(pairs)
    return out
