"""Evaluate exactly what ships: load a saved model through :class:`Predictor` and score a split."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from slant.config import EvalConfig
from slant.data.loading import load_splits
from slant.labels import LabelSet
from slant.metrics import multilabel_metrics
from slant.model_dir import write_json
from slant.predictor import Predictor

log = logging.getLogger(__name__)


def grouped_metrics(
    y_true: np.ndarray, probs: np.ndarray, groups: list[str], names: tuple[str, ...], thresholds: np.ndarray
) -> dict[str, dict[str, float]]:
    """:func:`multilabel_metrics` for each distinct value of ``groups`` (e.g. language or source)."""
    keys = np.asarray(groups)
    return {
        key: multilabel_metrics(y_true[keys == key], probs[keys == key], names, thresholds)
        for key in sorted(set(groups))
    }


def markdown_report(cfg: EvalConfig, metrics: dict[str, Any], names: tuple[str, ...]) -> str:
    """A short human-readable table of per-label and per-language F1."""
    lines = [f"# Evaluation of `{cfg.model_dir}` on `{cfg.split}`", "",
             f"Data fingerprint: `{metrics['data_fingerprint']}`", "",
             "| group | n | " + " | ".join(f"F1 {n}" for n in names) + " | macro-F1 |",
             "|---|---|" + "---|" * (len(names) + 1)]
    rows = {"overall": metrics["overall"], **metrics["by_language"]}
    for group, m in rows.items():
        n = max(int(m[f"support/{name}"]) for name in names)
        cells = " | ".join(f"{m[f'f1/{name}']:.3f}" for name in names)
        lines.append(f"| {group} | {n} | {cells} | {m['f1_macro']:.3f} |")
    return "\n".join(lines) + "\n"


def evaluate(cfg: EvalConfig) -> dict[str, Any]:
    """Score ``cfg.split`` of ``cfg.data`` with the model in ``cfg.model_dir``; write metrics.json and report.md.

    Returns:
        ``{"overall": {...}, "by_language": {lang: {...}}, "by_source": {...}, "thresholds": {...}}``.
    """
    predictor = Predictor.from_pretrained(cfg.model_dir, device=cfg.device, batch_size=cfg.batch_size)
    labels = LabelSet.of(predictor.labels)
    data = load_splits(cfg.data, labels)
    if cfg.split not in data.splits:
        raise ValueError(f"split {cfg.split!r} not found; the data has {list(data.splits)}")
    split = data.splits[cfg.split]
    probs = predictor.predict_proba(split["text"]).astype(np.float64)
    y_true = np.asarray(split["labels"], dtype=np.float64)
    thresholds = predictor.thresholds
    metrics = {
        "model_dir": str(cfg.model_dir),
        "split": cfg.split,
        "data_fingerprint": data.fingerprint,
        "thresholds": dict(zip(labels.names, thresholds.tolist())),
        "overall": multilabel_metrics(y_true, probs, labels.names, thresholds),
        "by_language": grouped_metrics(y_true, probs, split["lang"], labels.names, thresholds),
        "by_source": grouped_metrics(y_true, probs, split["source"], labels.names, thresholds),
    }
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "metrics.json", metrics)
    (out / "report.md").write_text(markdown_report(cfg, metrics, labels.names), encoding="utf-8")
    log.info("macro-F1 %.3f on %d sentences; report in %s", metrics["overall"]["f1_macro"], len(y_true), out)
    return metrics
