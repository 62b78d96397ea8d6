"""Per-label temperature scaling and expected calibration error, with unknown labels (NaN) masked.

Arrays are ``(n_sentences, n_labels)``; logits are pre-sigmoid scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from slant.evaluation.metrics import tune_thresholds


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    return np.exp(-np.logaddexp(0.0, -x))


def logit(p: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """Inverse of :func:`sigmoid`, clipped away from 0 and 1."""
    p = np.clip(p, eps, 1 - eps)
    return np.log(p) - np.log1p(-p)


def binary_nll(logits: np.ndarray, targets: np.ndarray) -> float:
    """Mean binary cross-entropy of 1-D ``logits`` against 0/1 ``targets``."""
    return float(np.mean(np.logaddexp(0.0, logits) - targets * logits))


def fit_temperatures(logits: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """One temperature per label minimising validation NLL of ``sigmoid(logit / T)``.

    Labels with no known rows, or only one class, keep ``T = 1``.

    >>> t = fit_temperatures(np.array([[4.0], [-4.0], [4.0], [-4.0]]), np.array([[1.0], [0.0], [0.0], [1.0]]))
    >>> bool(t[0] > 10)   # confident and half wrong: flatten
    True
    """
    temperatures = np.ones(logits.shape[1])
    for j in range(logits.shape[1]):
        known = ~np.isnan(y_true[:, j])
        z, y = logits[known, j], y_true[known, j]
        if known.sum() < 2 or y.min() == y.max():
            continue
        # Search log T so the temperature stays positive; bounds cover T in [0.05, 100].
        result = minimize_scalar(lambda log_t: binary_nll(z / np.exp(log_t), y), bounds=(-3.0, 4.6), method="bounded")
        temperatures[j] = float(np.exp(result.x))
    return temperatures


def expected_calibration_error(probs: np.ndarray, y_true: np.ndarray, bins: int = 15) -> float:
    """ECE over all known cells: bin by predicted probability, weight |accuracy - confidence| by bin size.

    Each cell is a binary prediction; "confidence" is the predicted probability of the positive
    class and "accuracy" the observed positive rate in the bin (the reliability-diagram convention).
    """
    known = ~np.isnan(y_true)
    p, y = probs[known], y_true[known]
    if p.size == 0:
        return float("nan")
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            ece += in_bin.mean() * abs(y[in_bin].mean() - p[in_bin].mean())
    return float(ece)


def reliability_curve(probs: np.ndarray, y_true: np.ndarray, bins: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per bin: mean predicted probability, observed positive rate and count (empty bins dropped)."""
    known = ~np.isnan(y_true)
    p, y = probs[known], y_true[known]
    which = np.clip(np.digitize(p, np.linspace(0, 1, bins + 1)[1:-1]), 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    keep = counts > 0
    mean_p = np.bincount(which, weights=p, minlength=bins)[keep] / counts[keep]
    rate = np.bincount(which, weights=y, minlength=bins)[keep] / counts[keep]
    return mean_p, rate, counts[keep]


@dataclass(frozen=True)
class Calibration:
    """Per-label temperatures and thresholds fitted on one split, and its ECE before and after."""

    temperatures: np.ndarray
    thresholds: np.ndarray
    ece_before: float
    ece_after: float


def calibrate(probs: np.ndarray, y_true: np.ndarray) -> Calibration:
    """Fit temperatures on uncalibrated probabilities, then thresholds on the calibrated ones.

    Training calls this on the validation split scored through the predictor, the same scoring
    ``evaluate.py`` uses; NaN targets are masked.
    """
    logits = logit(probs)
    temperatures = fit_temperatures(logits, y_true)
    calibrated = sigmoid(logits / temperatures)
    return Calibration(temperatures, tune_thresholds(y_true, calibrated),
                       expected_calibration_error(probs, y_true), expected_calibration_error(calibrated, y_true))
