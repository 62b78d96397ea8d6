"""Stance metrics: macro-F1 over negative / neutral / positive, per language and source, a calibration
temperature, and the baselines that show whether the target matters."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from datasets import Dataset
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support

from slant.data.records import STANCES
from slant.inference.predictor import Predictor
from slant.inference.stance import stance_voice

EPS = 1e-7


def stance_inputs(rows: Dataset) -> tuple[list[str], list[tuple[int, int]], np.ndarray]:
    """Sentences, target spans and gold class indices of stance rows."""
    return list(rows["text"]), [tuple(t) for t in rows["target"]], np.asarray(rows["stance"], dtype=np.int64)


def fit_stance_temperature(predictor: Predictor, rows: Dataset) -> float:
    """The temperature that minimises the negative log-likelihood of the gold stances of ``rows``.

    Probabilities from a model at temperature 1 give its logits up to a per-row constant, which
    softmax ignores, so one scoring pass is enough. Returns 1.0 without rows.
    """
    if len(rows) == 0:
        return 1.0
    texts, spans, gold = stance_inputs(rows)
    logits = np.log(np.clip(predictor.stance_proba(texts, spans), EPS, 1.0)) * predictor.config.stance_temperature

    def nll(temperature: float) -> float:
        scaled = logits / temperature
        scaled -= scaled.max(1, keepdims=True)
        log_probs = scaled - np.log(np.exp(scaled).sum(1, keepdims=True))
        return float(-log_probs[np.arange(len(gold)), gold].mean())

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


def class_scores(gold: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Macro-F1, accuracy and per-class precision/recall/F1/support."""
    if len(gold) == 0:
        return {"n": 0}
    classes = range(len(STANCES))
    p, r, f, support = precision_recall_fscore_support(gold, predicted, labels=classes, zero_division=0)
    scores = {"f1_macro": float(f1_score(gold, predicted, labels=classes, average="macro", zero_division=0)),
              "accuracy": float((gold == predicted).mean()), "n": int(len(gold))}
    for k, name in enumerate(STANCES):
        scores |= {f"precision/{name}": float(p[k]), f"recall/{name}": float(r[k]), f"f1/{name}": float(f[k]),
                   f"support/{name}": int(support[k])}
    return scores


def bootstrap_interval(gold: np.ndarray, predicted: np.ndarray, resamples: int, seed: int) -> list[float]:
    """95% percentile interval of macro-F1 over rows resampled with replacement."""
    if resamples <= 0 or len(gold) == 0:
        return [float("nan"), float("nan")]
    rng = np.random.default_rng(seed)
    draws = [f1_score(gold[i], predicted[i], labels=range(len(STANCES)), average="macro", zero_division=0)
             for i in (rng.integers(0, len(gold), len(gold)) for _ in range(resamples))]
    return [float(np.percentile(draws, 2.5)), float(np.percentile(draws, 97.5))]


def top_label_ece(probs: np.ndarray, gold: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the predicted class's probability."""
    confidence, correct = probs.max(1), (probs.argmax(1) == gold)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(total)


def grouped(gold: np.ndarray, predicted: np.ndarray, groups: list[str]) -> dict[str, dict[str, float]]:
    """:func:`class_scores` per distinct group (language, source)."""
    keys = np.asarray(groups)
    return {key: class_scores(gold[keys == key], predicted[keys == key]) for key in sorted(set(groups))}


def sentence_level(probs: np.ndarray, texts: list[str]) -> np.ndarray:
    """One prediction per sentence for all its targets (the mean of their probabilities): what a
    target-blind reading of the same model could at best do on sentences with several targets."""
    by_text: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        by_text.setdefault(text, []).append(i)
    predicted = np.empty(len(texts), dtype=np.int64)
    for rows in by_text.values():
        predicted[rows] = probs[rows].mean(0).argmax()
    return predicted


def baselines(train: Dataset | None, rows: Dataset) -> dict[str, np.ndarray]:
    """Predictions of the majority class (per source, from training rows) and of a target-blind
    TF-IDF logistic regression trained on the training sentences (the same text for every target)."""
    if train is None or len(train) == 0:
        return {}
    sources, gold = list(train["source"]), np.asarray(train["stance"])
    overall = Counter(gold.tolist()).most_common(1)[0][0]
    majority = {s: Counter(gold[np.asarray(sources) == s].tolist()).most_common(1)[0][0] for s in set(sources)}
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=200_000)
    classifier = LogisticRegression(max_iter=2000, class_weight="balanced")
    classifier.fit(vectorizer.fit_transform(train["text"]), gold)
    return {"majority": np.asarray([majority.get(s, overall) for s in rows["source"]]),
            "target_blind_tfidf_lr": classifier.predict(vectorizer.transform(rows["text"]))}


def voice_scores(predictor: Predictor, rows: Dataset) -> dict[str, Any]:
    """How often the predicted voice (:func:`~slant.inference.stance.stance_voice`: a quotation or the
    model's ``attribution`` decision) matches the annotated voice of non-neutral pairs, overall and per language."""
    annotated = rows.filter(lambda voice: bool(voice), input_columns="stance_voice")
    texts, spans, _ = stance_inputs(annotated)
    attributed = predictor.attributed(texts)
    predicted = [stance_voice(text, s, e, flag) for text, (s, e), flag in zip(texts, spans, attributed)]
    hits = np.asarray([p == g for p, g in zip(predicted, annotated["stance_voice"])])
    langs = np.asarray(annotated["lang"])
    return {"accuracy": float(hits.mean()), "n": int(len(hits)),
            "by_language": {lang: {"accuracy": float(hits[langs == lang].mean()), "n": int((langs == lang).sum())}
                            for lang in sorted(set(langs.tolist()))}}


def stance_report(predictor: Predictor, rows: Dataset, train: Dataset | None = None, bootstrap: int = 0,
                  seed: int = 0) -> dict[str, Any]:
    """Stance metrics of ``predictor`` on ``rows``: overall (with a bootstrap interval and calibration
    error), per language and per source, and the same for the baselines (trained on ``train``)."""
    texts, spans, gold = stance_inputs(rows)
    probs = predictor.stance_proba(texts, spans)
    predicted = probs.argmax(1)
    langs, sources = list(rows["lang"]), list(rows["source"])
    report: dict[str, Any] = {
        "overall": {**class_scores(gold, predicted), "f1_macro_ci": bootstrap_interval(gold, predicted, bootstrap, seed),
                    "ece": top_label_ece(probs, gold), "temperature": predictor.config.stance_temperature},
        "by_language": grouped(gold, predicted, langs),
        "by_source": grouped(gold, predicted, sources),
    }
    if "stance_voice" in rows.column_names and any(rows["stance_voice"]):
        report["voice"] = voice_scores(predictor, rows)
    systems = {"slant_sentence_level": sentence_level(probs, texts), **baselines(train, rows)}
    report["baselines"] = {name: {"overall": class_scores(gold, pred), "by_language": grouped(gold, pred, langs),
                                  "by_source": grouped(gold, pred, sources)}
                           for name, pred in systems.items()}
    return report
