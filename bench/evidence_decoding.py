"""Compare rules that turn the evidence head's token probabilities into spans, on labelled data.

    python bench/evidence_decoding.py outputs/quickstart/model --data data/starter --split validation
    python bench/evidence_decoding.py outputs/quickstart/model --data data/realnews/annotations --format realnews

Prints character-overlap F1 and hit rate per label (see ``slant.metrics.evidence_scores``) for each
rule, side by side on the same forward pass. Choose on validation, report on test.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

import numpy as np

from slant.config import DataConfig, SourceConfig
from slant.data.loading import load_splits
from slant.inference.evidence import decode_evidence, grow_runs, threshold_or_argmax, threshold_or_grown_argmax
from slant.labels import LabelSet
from slant.evaluation.metrics import evidence_scores
from slant.inference.predictor import Predictor

Rule = Callable[[np.ndarray, float], np.ndarray]


RULES: dict[str, Rule] = {
    "the model's fitted thresholds, else argmax grown to neighbours >= 0.8 x max (slant)": threshold_or_grown_argmax,
    "fitted, else argmax (slant until 2026-12-06)": threshold_or_argmax,
    "fitted, else argmax grown to neighbours >= 0.5 x max": lambda c, t: threshold_or_grown_argmax(c, t, 0.5),
    "fitted, else every token >= 0.8 x max": lambda c, t: c >= min(t, 0.8 * c.max()),
    "fitted, else every token >= 0.6 x max": lambda c, t: c >= min(t, 0.6 * c.max()),
    "threshold 0.5, else argmax": lambda c, t: threshold_or_argmax(c, 0.5),
    "threshold 0.2, else argmax": lambda c, t: threshold_or_argmax(c, 0.2),
    "argmax only": lambda c, t: c == c.max(),
    "top 2": lambda c, t: c >= np.sort(c)[-2],
    ">= 0.8 x max": lambda c, t: c >= 0.8 * c.max(),
    ">= 0.5 x max": lambda c, t: c >= 0.5 * c.max(),
    "fitted, grown to >= 0.5 x threshold": lambda c, t: grow_runs(c, threshold_or_argmax(c, t), 0.5 * t),
    "fitted, grown to >= 0.2": lambda c, t: grow_runs(c, threshold_or_argmax(c, t), 0.2),
}


def main() -> None:
    """Score every rule on one split."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--data", default="data/starter")
    parser.add_argument("--format", default="slant", help="slant, or realnews for data/realnews/annotations")
    parser.add_argument("--split", default="validation")
    args = parser.parse_args()
    predictor = Predictor.from_pretrained(args.model_dir, device="cpu")
    names, shift = predictor.labels, len(predictor.config.text_prefix)
    split = load_splits(DataConfig(sources={"data": SourceConfig(format=args.format, path=args.data)}), LabelSet.of(names)).splits[args.split]
    probs, tokens = predictor.token_scores(split["text"])  # one forward pass shared by every rule
    gold = [[(s["label"], s["start"], s["end"], None) for s in json.loads(row)] for row in split["spans"]]
    print(f"| rule ({args.split}) | " + " | ".join(f"F1 {n} | hit {n}" for n in names) + " |")
    print("|---|" + "---|---|" * len(names))
    for title, rule in RULES.items():
        predicted = [
            [(e.label, e.start, e.end, None) for e in decode_evidence(
                token_probs, offsets, text, names, [n for n, p, t in zip(names, row, predictor.thresholds) if p >= t],
                shift=shift, select=rule, thresholds=predictor.config.evidence_thresholds)]
            for text, row, (token_probs, offsets) in zip(split["text"], probs, tokens)
        ]
        scores = evidence_scores(predicted, gold, names)
        cells = " | ".join(f"{scores[f'evidence_f1/{n}']:.3f} | {scores[f'evidence_hit/{n}']:.3f}" for n in names)
        print(f"| {title} | {cells} |")
    print("sentences scored per label: " + ", ".join(f"{n} {scores[f'evidence_n/{n}']}" for n in names))


if __name__ == "__main__":
    main()
