"""PNG figures for the evaluation report (matplotlib, headless)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import precision_recall_curve  # noqa: E402

from slant.evaluation.calibration import reliability_curve  # noqa: E402


def pr_curves(y_true: np.ndarray, systems: Mapping[str, np.ndarray], names: Sequence[str], path: Path) -> Path:
    """One precision-recall panel per label, one line per system (e.g. model vs TF-IDF)."""
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 4), squeeze=False)
    for j, (ax, name) in enumerate(zip(axes[0], names)):
        known = ~np.isnan(y_true[:, j])
        for system, probs in systems.items():
            if known.any() and y_true[known, j].max() > 0:
                precision, recall, _ = precision_recall_curve(y_true[known, j], probs[known, j])
                ax.plot(recall, precision, label=system)
        ax.set(title=name, xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
        ax.grid(alpha=0.3)
    axes[0][0].legend(loc="lower left")
    return save(fig, path)


def reliability(y_true: np.ndarray, curves: Mapping[str, np.ndarray], path: Path) -> Path:
    """Reliability diagram over all known cells: observed positive rate against predicted probability."""
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfect")
    for label, probs in curves.items():
        mean_p, rate, _ = reliability_curve(probs, y_true)
        ax.plot(mean_p, rate, marker="o", label=label)
    ax.set(xlabel="predicted probability", ylabel="observed positive rate", xlim=(0, 1), ylim=(0, 1))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return save(fig, path)


def f1_by_group(by_group: Mapping[str, Mapping[str, float]], names: Sequence[str], path: Path) -> Path:
    """Grouped bars: F1 of each label for each group (language or source)."""
    groups = list(by_group)
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(max(5, 0.9 * len(groups) + 2), 4))
    x = np.arange(len(groups))
    for j, name in enumerate(names):
        values = [by_group[g].get(f"f1/{name}", np.nan) for g in groups]
        ax.bar(x + (j - (len(names) - 1) / 2) * width, np.nan_to_num(values), width, label=name)
    ax.set_xticks(x, groups)
    ax.set(ylabel="F1", ylim=(0, 1))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=len(names), frameon=False)
    return save(fig, path)


def save(fig: plt.Figure, path: Path) -> Path:
    """Write ``fig`` as PNG and free it."""
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
