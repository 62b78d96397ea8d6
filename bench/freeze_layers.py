"""Time one training step of the default encoder with 0, 2, 4 and 6 bottom blocks frozen.

    python bench/freeze_layers.py --batch 32 --tokens 48 --steps 6

Forward, backward and AdamW step of ``model=e5_small`` (word embeddings frozen as in training) on
random token ids; prints the median step time of each setting and its ratio to no frozen blocks,
measured side by side in one process. Quality is a separate question: choose ``freeze_layers`` on
validation data.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from slant.config import ModelConfig
from slant.modeling.checkpoint import build_model

LABELS = ("attribution", "hedging", "loaded")


def step_seconds(frozen: int, batch: int, tokens: int, steps: int, autocast: torch.dtype | None = None) -> float:
    """Median wall time of a training step (first step discarded as warm-up); ``autocast`` runs the
    forward pass in that dtype on the CPU (mixed precision, as ``trainer.precision=bf16``)."""
    model, _ = build_model(ModelConfig(freeze_layers=frozen), LABELS)
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    ids = torch.randint(5, 1000, (batch, tokens))
    mask = torch.ones_like(ids)
    times = []
    for _ in range(steps + 1):
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=autocast or torch.bfloat16, enabled=autocast is not None):
            hidden = model.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        hidden.float().pow(2).mean().backward()
        optimizer.step()
        optimizer.zero_grad()
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--tokens", type=int, default=48, help="sequence length (the training mix averages ~40)")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--frozen", type=int, nargs="+", default=[0, 2, 4, 6])
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"torch threads {torch.get_num_threads()}, batch {args.batch} x {args.tokens} tokens")
    print("| frozen blocks | s / step | ratio to 0 |\n|---|---|---|")
    base = None
    for frozen in args.frozen:
        seconds = step_seconds(frozen, args.batch, args.tokens, args.steps)
        base = base or seconds
        print(f"| {frozen} | {seconds:.3f} | {seconds / base:.2f} |", flush=True)


if __name__ == "__main__":
    main()
