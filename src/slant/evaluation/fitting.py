"""Score labelled rows through the predictor, and fit a model's decision settings on validation rows:
temperatures and thresholds of the sentence labels, token-evidence thresholds, the stance temperature.

Training ends with :func:`fit_decisions`; ``python evaluate.py refit_to=DIR`` runs it again on other
validation data (a newsroom's own, or a grown real-news validation split) without retraining.
"""

from __future__ import annotations

import json
import logging

import numpy as np
from datasets import Dataset
from transformers import PreTrainedTokenizerBase

from slant.evaluation.calibration import Calibration, calibrate
from slant.evaluation.metrics import evidence_scores
from slant.evaluation.stance import fit_stance_temperature
from slant.inference.predictor import Predictor
from slant.modeling.model import SlantModel

log = logging.getLogger(__name__)


def gold_spans(split: Dataset) -> list[list[tuple[str, int, int, str | None]]]:
    """Annotated evidence spans of each row as ``(label, start, end, voice)``."""
    return [[(s["label"], s["start"], s["end"], s.get("voice")) for s in json.loads(row)] for row in split["spans"]]


def targets(split: Dataset) -> np.ndarray:
    """``(n, n_labels)`` float targets with NaN for unknown labels."""
    return np.asarray(split["labels"], dtype=np.float64).reshape(len(split), -1)


def score_split(predictor: Predictor, split: Dataset) -> tuple[np.ndarray, list]:
    """Calibrated probabilities ``(n, n_labels)`` and predictions with evidence for every row of ``split``.

    The one scoring path: training calibrates and reports through it, and ``evaluate.py`` runs it.
    """
    preds = predictor(split["text"], progress=True)  # with evidence: the same forward pass as predict_proba
    probs = np.array([[p.scores[n] for n in predictor.labels] for p in preds], dtype=np.float64)
    return probs.reshape(len(preds), len(predictor.labels)), preds


EVIDENCE_GRID = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)
# A threshold fitted on a handful of sentences follows their accidents (5 loaded sentences of
# real-news validation chose 0.25, and the spans then spread to neighbouring words).
MIN_EVIDENCE_SENTENCES = 20
# Thresholds whose char-F1 is within one point of the best are a tie at these sample sizes (77 loaded
# validation sentences): the highest of them wins, because it leaves fewer stray words in the spans.
EVIDENCE_F1_TOLERANCE = 0.01


def tune_evidence_thresholds(predictor: Predictor, split: Dataset, grid: tuple[float, ...] = EVIDENCE_GRID,
                             min_sentences: int = MIN_EVIDENCE_SENTENCES) -> dict[str, float]:
    """Per label, the token threshold with the best character-overlap F1 of evidence spans on ``split``.

    One forward pass; each threshold only re-decodes. Of the thresholds within ``EVIDENCE_F1_TOLERANCE``
    of the best F1 the highest wins. A label keeps its current threshold when fewer than
    ``min_sentences`` sentences of ``split`` have its gold spans and were flagged for it.
    """
    probs, tokens = predictor.token_scores(split["text"])
    gold = gold_spans(split)
    best = dict(predictor.config.evidence_thresholds)
    curves: dict[str, dict[float, float]] = {}  # label -> threshold -> char-F1
    for threshold in grid:
        preds = predictor.decode(split["text"], probs, tokens, evidence_thresholds={n: threshold for n in predictor.labels})
        result = evidence_scores([[(e.label, e.start, e.end, e.voice) for e in p.evidence] for p in preds], gold,
                                 predictor.labels)
        for name in predictor.labels:
            if result[f"evidence_n/{name}"] >= min_sentences:
                curves.setdefault(name, {})[threshold] = result[f"evidence_f1/{name}"]
    for name, curve in curves.items():
        floor = max(curve.values()) - EVIDENCE_F1_TOLERANCE
        best[name] = max(t for t, f1 in curve.items() if f1 >= floor)
    log.info("evidence thresholds %s (validation char-F1 %s; by threshold %s)", best,
             {name: round(curve[best[name]], 3) for name, curve in curves.items()},
             {name: {t: round(f1, 3) for t, f1 in curve.items()} for name, curve in curves.items()})
    return best


def calibration_rows(validation: Dataset, sources: list[str]) -> Dataset:
    """The validation rows thresholds and temperatures are fitted on: those of ``sources`` if any, else all."""
    if not sources:
        return validation
    chosen = validation.filter(lambda row: row["source"] in sources)
    if len(chosen) == 0:
        log.warning("no validation rows from %s (calibrate_on): calibrating on all validation rows", sources)
        return validation
    log.info("calibrating on %d validation rows of %s", len(chosen), sources)
    return chosen


def fit_decisions(model: SlantModel, tokenizer: PreTrainedTokenizerBase, rows: Dataset, pairs: Dataset | None = None,
                  device: str = "auto", batch_size: int = 64) -> Calibration:
    """Set ``model.config``'s temperatures, thresholds and evidence thresholds from sentence ``rows``
    (and the stance temperature from stance ``pairs``, for a model with a stance head; without
    pairs it keeps its stance temperature).

    Scores go through :class:`Predictor`, the path ``evaluate.py`` scores with. Temperatures are reset
    to 1 first, so refitting a trained model gives what training would have fitted on the same rows.
    A label with too few flagged validation sentences keeps its evidence threshold (see
    :func:`tune_evidence_thresholds`).

    Returns:
        The fitted :class:`Calibration` (with expected calibration error before and after).
    """
    model.set_temperatures({name: 1.0 for name in model.config.labels})
    predictor = Predictor(model, tokenizer, device=device, batch_size=batch_size, precision="fp32")
    probs, _ = score_split(predictor, rows)
    calibration = calibrate(probs, targets(rows))
    model.set_temperatures(dict(zip(model.config.labels, calibration.temperatures.tolist())))
    model.config.thresholds = dict(zip(model.config.labels, calibration.thresholds.tolist()))
    model.config.evidence_thresholds = tune_evidence_thresholds(predictor, rows)
    if model.stance is not None and pairs is not None and len(pairs):
        # From temperature 1: a sharp fitted temperature saturates the probabilities the fit reads back.
        model.config.stance_temperature = 1.0
        model.config.stance_temperature = fit_stance_temperature(predictor, pairs)
    return calibration
