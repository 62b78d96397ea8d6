"""Average the weights of slant models fine-tuned from one start (a uniform "model soup").

    python bench/soup.py outputs/soup2 outputs/round6/model outputs/round8/model
    python evaluate.py model_dir=outputs/soup2 refit_to=outputs/soup2_fit/model split=validation \
        allow_split_mismatch=true baselines=false bootstrap=0 plots=false

A diagnostic, not a recipe: it says whether runs that differ only in their data land in one basin
whose middle scores better (Wortsman et al., 2022, "Model soups"). The heads share their start only
when the runs share the seed, so models of different seeds or architectures are refused. The soup
keeps the first model's config (its thresholds and temperatures are stale): refit it before use.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

COPIED = ("config.json", "tokenizer.json", "tokenizer_config.json", "README.md")
SAME = ("labels", "encoder", "pooling", "text_prefix", "max_seq_length")  # config keys every ingredient must share


def check_ingredients(model_dirs: list[Path]) -> None:
    """Refuse models that do not share architecture, labels and seed.

    Raises:
        ValueError: naming the first differing key and the two directories.
    """
    configs = [json.loads((d / "config.json").read_text(encoding="utf-8")) for d in model_dirs]
    first = configs[0]
    for directory, config in zip(model_dirs[1:], configs[1:]):
        for key in SAME:
            if config.get(key) != first.get(key):
                raise ValueError(f"{directory} differs from {model_dirs[0]} in config key {key!r}")
        seeds = (first.get("training", {}).get("seed"), config.get("training", {}).get("seed"))
        if seeds[0] != seeds[1]:
            raise ValueError(f"{directory} was trained with seed {seeds[1]}, {model_dirs[0]} with {seeds[0]}: "
                             "their heads started apart, so their average means nothing")


def average_weights(model_dirs: list[Path]) -> dict[str, torch.Tensor]:
    """Uniform mean of each floating-point tensor (in float64, stored in its own dtype); others from the first."""
    states = [load_file(d / "model.safetensors") for d in model_dirs]
    if any(state.keys() != states[0].keys() for state in states):
        raise ValueError("the models do not hold the same tensors")
    return {name: (torch.stack([s[name].double() for s in states]).mean(0).to(tensor.dtype)
                   if tensor.is_floating_point() else tensor).contiguous()
            for name, tensor in states[0].items()}


def main() -> None:
    """Write the soup of the given model directories."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("models", type=Path, nargs="+")
    args = parser.parse_args()
    if len(args.models) < 2:
        parser.error("a soup needs two models or more")
    check_ingredients(args.models)
    args.out.mkdir(parents=True, exist_ok=True)
    save_file(average_weights(args.models), args.out / "model.safetensors", metadata={"format": "pt"})
    for name in COPIED:
        shutil.copy(args.models[0] / name, args.out / name)
    print(f"averaged {len(args.models)} models into {args.out}; refit it on validation before use")


if __name__ == "__main__":
    main()
