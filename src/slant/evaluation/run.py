"""Evaluate exactly what ships: load a saved model through :class:`Predictor` and score a split.

One run gives per-label, per-language and per-source metrics, a bootstrap interval for macro-F1,
calibration before/after temperature scaling, baselines trained on the same data, an optional
paired comparison with a second model, ``metrics.json``, ``report.md`` and PNG plots.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from datasets import Dataset

from slant.evaluation import plots
from slant.evaluation.baselines import fit_lexicon, fit_majority, fit_tfidf_lr
from slant.evaluation.bootstrap import macro_f1_interval, paired_bootstrap
from slant.evaluation.calibration import expected_calibration_error, logit, sigmoid
from slant.config import EvalConfig
from slant.data.loading import LoadedData, load_splits, sentence_rows, stance_rows
from slant.labels import LabelSet
from slant.evaluation.metrics import binarize, evidence_scores, multilabel_metrics, pr_auc, tune_thresholds
from slant.atomic import write_json
from slant.evaluation.fitting import calibration_rows, fit_decisions, gold_spans, score_split, targets
from slant.modeling.checkpoint import load_model, save_model
from slant.inference.predictor import Predictor
from slant.evaluation.report import markdown_report
from slant.evaluation.stance import stance_report

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


def system_summary(y_true: np.ndarray, probs: np.ndarray, names: tuple[str, ...], thresholds, cfg: EvalConfig) -> dict:
    """Metrics, PR-AUC and a bootstrap interval of macro-F1 for one system's probabilities."""
    ci = [float("nan"), float("nan")]
    if cfg.bootstrap > 0:
        interval = macro_f1_interval(y_true, binarize(probs, thresholds), cfg.bootstrap, cfg.seed)
        ci = [interval.low, interval.high]
    return {**multilabel_metrics(y_true, probs, names, thresholds), **pr_auc(y_true, probs, names), "f1_macro_ci": ci}


def run_baselines(splits, split: Dataset, names: tuple[str, ...], cfg: EvalConfig) -> dict[str, tuple]:
    """Fit the baselines on the train split; return ``{name: (probs on split, thresholds)}``.

    TF-IDF+LR gets thresholds tuned on validation, as the model does; the 0/1 baselines use 0.5.
    """
    if "train" not in splits:
        log.warning("no train split: baselines skipped")
        return {}
    train = splits["train"]
    scorers = {
        "majority": fit_majority(targets(train)),
        "lexicon": fit_lexicon(names),
        "tfidf_lr": fit_tfidf_lr(train["text"], targets(train), cfg.seed),
    }
    results = {}
    for name, scorer in scorers.items():
        thresholds: np.ndarray | float = 0.5
        if name == "tfidf_lr" and "validation" in splits:
            validation = splits["validation"]
            thresholds = tune_thresholds(targets(validation), scorer(validation["text"], validation["lang"]))
        results[name] = (scorer(split["text"], split["lang"]), thresholds)
    return results


def split_report(predictor: Predictor, split: Dataset, cfg: EvalConfig) -> dict[str, Any]:
    """Overall, per-language and per-source metrics, calibration and evidence scores of one split."""
    names = predictor.labels
    y_true = targets(split)
    probs, preds = score_split(predictor, split)
    thresholds = predictor.thresholds
    temperatures = np.array([predictor.config.temperatures[n] for n in names])
    uncalibrated = sigmoid(logit(probs) * temperatures)  # undo the temperature: no second forward pass
    return {
        "overall": system_summary(y_true, probs, names, thresholds, cfg),
        "calibration": {"ece_uncalibrated": expected_calibration_error(uncalibrated, y_true),
                        "ece": expected_calibration_error(probs, y_true),
                        "temperatures": dict(zip(names, temperatures.tolist()))},
        "by_language": grouped_metrics(y_true, probs, split["lang"], names, thresholds),
        "by_source": grouped_metrics(y_true, probs, split["source"], names, thresholds),
        "evidence": evidence_scores([[(e.label, e.start, e.end, e.voice) for e in p.evidence] for p in preds],
                                    gold_spans(split), names),
        "_arrays": (y_true, probs, uncalibrated),
    }


def evaluate(cfg: EvalConfig) -> dict[str, Any]:
    """Score ``cfg.split`` of ``cfg.data`` with the model in ``cfg.model_dir``; write metrics, report, plots.

    Sentence rows get the sentence-label metrics, stance rows (when the data has them) the stance
    metrics of :func:`slant.evaluation.stance.stance_report` under ``stance``.

    Returns:
        The ``metrics.json`` content: ``overall``, ``by_language``, ``by_source``, ``calibration``,
        ``evidence``, ``baselines``, (with ``cfg.compare``) ``comparison`` and (with stance rows) ``stance``.
    """
    if cfg.refit_to:
        cfg = replace(cfg, model_dir=str(refit(cfg)))
    predictor = Predictor.from_pretrained(cfg.model_dir, device=cfg.device, batch_size=cfg.batch_size)
    names = predictor.labels
    data = load_splits(cfg.data, LabelSet.of(names), cfg.seed)
    if cfg.split not in data.splits:
        raise ValueError(f"split {cfg.split!r} not found; the data has {list(data.splits)}")
    check_split_integrity(predictor.config.training, data, cfg)
    split, pairs = sentence_rows(data.splits[cfg.split]), stance_rows(data.splits[cfg.split])
    metrics: dict[str, Any] = {
        "model_dir": str(cfg.model_dir), "split": cfg.split, "n_sentences": len(split), "seed": cfg.seed,
        "data_fingerprint": data.fingerprint, "model": model_summary(predictor),
    }
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    if len(split):
        metrics |= sentence_metrics(predictor, data.splits, split, cfg, out)
        log.info("macro-F1 %.3f %s on %d sentences", metrics["overall"]["f1_macro"],
                 metrics["overall"]["f1_macro_ci"], len(split))
    if len(pairs):
        train = stance_rows(data.splits["train"]) if cfg.baselines and "train" in data.splits else None
        metrics["stance"] = stance_report(predictor, pairs, train, cfg.bootstrap, cfg.seed)
        log.info("stance macro-F1 %.3f %s on %d (sentence, target) pairs", metrics["stance"]["overall"]["f1_macro"],
                 metrics["stance"]["overall"]["f1_macro_ci"], len(pairs))
    write_json(out / "metrics.json", metrics)
    (out / "report.md").write_text(markdown_report(metrics, names), encoding="utf-8")
    log.info("report in %s", out)
    return metrics


def refit(cfg: EvalConfig) -> Path:
    """Refit the decision settings of ``cfg.model_dir`` on the validation split of ``cfg.data`` (its
    ``calibrate_on`` sources) and save the model to ``cfg.refit_to``; the weights are unchanged.

    Raises:
        ValueError: the data has no validation rows, or its splits differ from those the model was
            trained with (unless ``allow_split_mismatch``).
    """
    model, tokenizer = load_model(cfg.model_dir)
    data = load_splits(cfg.data, LabelSet.of(model.config.labels), cfg.seed)
    if "validation" not in data.splits:
        raise ValueError(f"refit_to needs validation rows; the data has {list(data.splits)}")
    check_split_integrity(model.config.training, data, cfg)
    rows = calibration_rows(sentence_rows(data.splits["validation"]), cfg.data.calibrate_on)
    fit_decisions(model, tokenizer, rows, stance_rows(data.splits["validation"]), cfg.device, cfg.batch_size)
    model.config.training = {**model.config.training, "refitted_on": {
        "model_dir": str(cfg.model_dir), "sources": sorted(cfg.data.sources), "n_sentences": len(rows),
        "data_fingerprint": data.fingerprint}}
    log.info("refitted on %d validation sentences: thresholds %s", len(rows),
             {k: round(v, 3) for k, v in model.config.thresholds.items()})
    return save_model(Path(cfg.refit_to), model, tokenizer)


def sentence_metrics(predictor: Predictor, splits: Any, split: Dataset, cfg: EvalConfig, out: Path) -> dict[str, Any]:
    """The sentence-label part of :func:`evaluate`: report, baselines, comparison and plots."""
    names = predictor.labels
    report = split_report(predictor, split, cfg)
    y_true, probs, uncalibrated = report.pop("_arrays")
    metrics: dict[str, Any] = dict(report)
    systems = {"slant": probs}
    if cfg.baselines:
        baselines = run_baselines({k: sentence_rows(v) for k, v in splits.items()}, split, names, cfg)
        metrics["baselines"] = {name: system_summary(y_true, bprobs, names, bthresholds, cfg)
                                for name, (bprobs, bthresholds) in baselines.items()}
        if "tfidf_lr" in baselines:
            systems["tfidf_lr"] = baselines["tfidf_lr"][0]
    if cfg.compare:
        metrics["comparison"] = compare_models(cfg, split, y_true, binarize(probs, predictor.thresholds), names)
    if cfg.plots:
        metrics["plots"] = write_plots(out, y_true, systems, uncalibrated, metrics, names)
    return metrics


def check_split_integrity(training: dict[str, Any], data: LoadedData, cfg: EvalConfig) -> None:
    """Refuse to score a split that may hold training rows: a source the model was trained on whose
    train rows differ now (models that predate train-row fingerprints: whose files or split settings
    differ). Rows added to validation or test since training are fine. Sources the model never saw
    are fine. Validation is where thresholds were fitted, so its numbers are optimistic.

    Raises:
        ValueError: naming the source and both fingerprints, unless ``cfg.allow_split_mismatch``.
    """
    if cfg.split == "validation":
        log.warning("split=validation: thresholds and calibration were fitted on these rows, so the numbers "
                    "are optimistic; report split=test")
    kind = "train_fingerprints" if "train_fingerprints" in training else "split_fingerprints"
    trained = training.get(kind)
    evaluated = data.train_fingerprints if kind == "train_fingerprints" else data.source_fingerprints
    if trained is None:
        log.warning("%s records no split fingerprints (trained before they existed): cannot check that %s "
                    "holds no training rows", cfg.model_dir, cfg.split)
        return
    changed = [f"source {name!r}: trained on {trained[name][:12]}, now {evaluated[name][:12]} ({kind})"
               for name in sorted(set(trained) & set(evaluated)) if trained[name] != evaluated[name]]
    if not changed:
        return
    message = (f"the {cfg.split} split may hold training rows: the train rows (or, for older models, the files "
               f"and split settings) of a source differ from training ({'; '.join(changed)}); use the training "
               "data config, or pass allow_split_mismatch=true to evaluate anyway")
    if not cfg.allow_split_mismatch:
        raise ValueError(message)
    log.warning("%s (allow_split_mismatch=true)", message)


def model_summary(predictor: Predictor) -> dict[str, Any]:
    """What identifies the scored model in a report: labels, decisions, base model, training data."""
    config = predictor.config
    return {"labels": list(config.labels), "thresholds": config.thresholds, "temperatures": config.temperatures,
            "max_seq_length": config.max_seq_length, "text_prefix": config.text_prefix, "base_model": config.base_model,
            "data_fingerprint": config.training.get("data_fingerprint", ""), "seed": config.training.get("seed"),
            "slant_version": config.slant_version}


def compare_models(
    cfg: EvalConfig, split: Dataset, y_true: np.ndarray, pred_a: np.ndarray, names: tuple[str, ...]
) -> dict[str, Any]:
    """Paired bootstrap of this model against ``cfg.compare`` (same label order) on the same sentences."""
    if cfg.bootstrap <= 0:
        raise ValueError("compare= needs bootstrap > 0 resamples for the paired test")
    other = Predictor.from_pretrained(cfg.compare, device=cfg.device, batch_size=cfg.batch_size)
    if other.labels != names:
        raise ValueError(f"cannot compare: {cfg.compare} predicts {other.labels}, {cfg.model_dir} predicts {names}")
    pred_b = binarize(other.predict_proba(split["text"], progress=True), other.thresholds)
    result = paired_bootstrap(y_true, pred_a, pred_b, cfg.bootstrap, cfg.seed)
    return {"other_model_dir": cfg.compare, "delta_f1_macro": result.delta.value,
            "delta_ci": [result.delta.low, result.delta.high], "p_value": result.p_value}


def write_plots(out: Path, y_true: np.ndarray, systems: dict[str, np.ndarray], uncalibrated: np.ndarray,
                metrics: dict[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """PR curves, reliability diagram and per-language F1 bars; returns file names by plot."""
    files = {
        "pr_curves": plots.pr_curves(y_true, systems, names, out / "pr_curves.png"),
        "reliability": plots.reliability(y_true, {"uncalibrated": uncalibrated, "temperature-scaled": systems["slant"]},
                                         out / "reliability.png"),
        "f1_by_language": plots.f1_by_group(metrics["by_language"], names, out / "f1_by_language.png"),
    }
    return {name: path.name for name, path in files.items()}
