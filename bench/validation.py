"""Real-news validation for the bench scripts that compare models: the split, its articles, two models.

The test split is never read here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from datasets import Dataset

from slant.config import DataConfig, SourceConfig
from slant.data.loading import load_splits
from slant.inference.predictor import Predictor
from slant.labels import LabelSet

ANNOTATIONS = Path("data/realnews/annotations")


def documents(annotations: Path) -> dict[str, str]:
    """Row id -> ``corpus/doc`` of the standoff annotations, so resamples and halves keep articles whole."""
    out = {}
    for path in sorted(annotations.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out[row["id"]] = f"{row['corpus']}/{row['doc']}"
    return out


def validation_split(data: Path, labels: tuple[str, ...]) -> Dataset:
    """The real-news validation split of the standoff annotations in ``data``, joined with the archives."""
    source = SourceConfig(format="realnews", path=str(data))
    return load_splits(DataConfig(sources={"data": source}), LabelSet.of(labels)).splits["validation"]


def pair_parser(description: str, label: str) -> argparse.ArgumentParser:
    """Arguments of a script comparing two model directories on one label: ``first second --label --data``."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--label", default=label)
    parser.add_argument("--data", type=Path, default=ANNOTATIONS)
    return parser


def load_pair(args: argparse.Namespace) -> tuple[list[Predictor], Dataset]:
    """Both models of :func:`pair_parser`'s arguments (on CPU) and the validation split they are compared on."""
    predictors = [Predictor.from_pretrained(path, device="cpu") for path in (args.first, args.second)]
    return predictors, validation_split(args.data, predictors[0].labels)
