"""Where int8's drift comes from: rounding the weights alone vs weights and activations, next to bf16.

    python bench/int8_drift.py outputs/quickstart/model

On the same model and sentences (the starter test split), each variant's calibrated probabilities
are compared with fp32: max and p99 absolute drift, and agreement of label decisions. "weights
only" rounds every encoder linear weight exactly as :class:`slant.precision.Int8Linear` does (int8,
a scale per output row) and keeps activations and matmuls in fp32, so it isolates the error that no
activation-scaling scheme can remove.
"""

from __future__ import annotations

import argparse
import copy
import warnings

import torch
from throughput import (  # bench/ is on sys.path when this script runs
    drift_from,
    load_workload,
)
from torch import nn

from slant.modeling.precision import Int8Linear, cpu_supports_bf16
from slant.inference.predictor import Predictor


def round_weights_to_int8(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose encoder linear weights are replaced by their int8-rounded values (fp32)."""
    model = copy.deepcopy(model)
    for module in model.encoder.modules():
        if isinstance(module, nn.Linear):
            quantized = Int8Linear(module)
            rounded = quantized.weight_t.t().float() * quantized.weight_scale[:, None]
            module.weight = nn.Parameter(rounded, requires_grad=False)
    return model


def main() -> None:
    """Print one table row per variant."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", nargs="?", default="outputs/quickstart/model")
    parser.add_argument("--data", default="data/starter")
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    fp32 = Predictor.from_pretrained(args.model_dir, "cpu", precision="fp32")
    sentences = load_workload(args).sentences
    reference = fp32.predict_proba(sentences)
    variants = {"int8 weights only (activations fp32)": Predictor(
        round_weights_to_int8(fp32.model), fp32.tokenizer, "cpu", precision="fp32")}
    variants["int8 (weights and per-token activations)"] = Predictor.from_pretrained(args.model_dir, "cpu", precision="int8")
    if cpu_supports_bf16():
        variants["bf16"] = Predictor.from_pretrained(args.model_dir, "cpu", precision="bf16")

    print(f"{len(sentences)} sentences x {len(fp32.labels)} labels ({args.split} split of {args.data}), "
          f"torch {torch.__version__}\n")
    print("| variant | max drift | p99 drift | label agreement |")
    print("|---|---|---|---|")
    for name, predictor in variants.items():
        stats = drift_from(predictor.predict_proba(sentences), reference, fp32.thresholds)
        print(f"| {name} | {stats['max_drift']:.3f} | {stats['p99_drift']:.3f} | {stats['label_agreement']:.2%} |")


if __name__ == "__main__":
    main()
