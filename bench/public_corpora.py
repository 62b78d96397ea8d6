"""Score a trained model on the held-out splits of public corpora, next to published figures.

    python bench/public_corpora.py outputs/multi_source/model --corpora ../shared/corpora

Prints a Markdown table (paste it into docs/results.md with the command that made the model).
"Macro-F1" is the mean of the positive- and negative-class F1, the metric the papers report.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from slant.config import DataConfig, EvalConfig, SourceConfig
from slant.evaluation.run import evaluate
from slant.modeling.checkpoint import model_labels

# (name, format, path under --corpora, label, published macro-F1 or None, what the figure is)
BENCHMARKS = [
    ("BABE", "babe", "BABE/data/final_labels_SG2.csv", "loaded", 0.804,
     "Spinde et al. 2021 (DA-RoBERTa; their own 5-fold CV, not this split)"),
    ("CheckThat! 2025 subjectivity", "checkthat", "CheckThat2025_Task1_subjectivity", "subjective",
     {"de": 0.77, "it": 0.63, "en": 0.66, "ar": 0.56}, "one strong 2025 system, official test sets"),
    ("CoNLL-2010 Wikipedia (balanced subset)", "conll2010", "CoNLL2010_wiki_uncertainty_subset", "hedging", None,
     "full-data best uncertain-class F1 is about 0.60; this subset is balanced"),
    ("PolNeAR", "polnear", "PolNeAR/data", "attribution", None, "no sentence-level figure published"),
]


def score(model_dir: Path, fmt: str, path: Path, out: Path) -> dict:
    """Run :func:`evaluate` on the test split of one corpus."""
    data = DataConfig(sources={fmt: SourceConfig(format=fmt, path=str(path))})
    return evaluate(EvalConfig(model_dir=str(model_dir), data=data, split="test", output_dir=str(out)))


def rows_for(name: str, label: str, published, note: str, metrics: dict) -> list[str]:
    """Table rows: the overall score, and per language where a figure per language exists."""
    groups = {"all": metrics["overall"]}
    if isinstance(published, dict):
        groups |= {lang: m for lang, m in metrics["by_language"].items()}
    rows = []
    for group, m in groups.items():
        ref = published.get(group) if isinstance(published, dict) else (published if group == "all" else None)
        rows.append(f"| {name} | {group} | {label} | {int(m[f'support/{label}'])} | {m[f'f1_pos_neg/{label}']:.3f} "
                    f"| {m[f'f1/{label}']:.3f} | {'' if ref is None else f'{ref:.3f}'} | {note if group == 'all' else ''} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    """Evaluate ``model_dir`` on every benchmark found under ``--corpora``."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--corpora", type=Path, default=Path("../shared/corpora"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    lines = ["| corpus | group | label | n | macro-F1 (pos/neg) | F1 positive | published macro-F1 | reference |",
             "|---|---|---|---|---|---|---|---|"]
    labels = model_labels(args.model_dir)
    with tempfile.TemporaryDirectory() as tmp:
        for name, fmt, rel, label, published, note in BENCHMARKS:
            if not (args.corpora / rel).exists() or label not in labels:
                print(f"skipping {name}: no {args.corpora / rel} or no {label!r} label", file=sys.stderr)
                continue
            metrics = score(args.model_dir, fmt, args.corpora / rel, Path(tmp) / fmt)
            lines += rows_for(name, label, published, note, metrics)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
