"""Time one CPU training step of the default encoder in fp32 and with bf16 autocast, side by side.

    python bench/cpu_precision.py --batch 32 --tokens 48 --steps 6

bf16 matrix products are fast only on CPUs with native bf16 instructions (AVX512-BF16 or AMX);
elsewhere they can be slower than fp32. The two settings alternate in rounds of ``--steps`` steps in
one process, so a busy machine slows both alike. Prints each setting's fastest round median and the ratio. Quality is a separate question:
choose ``trainer.precision`` on validation data.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from slant.modeling.precision import cpu_supports_bf16

sys.path.insert(0, str(Path(__file__).parent))
from freeze_layers import step_seconds  # noqa: E402


def main() -> None:
    """Print fp32 and bf16 step times, alternating rounds of ``--steps`` steps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--tokens", type=int, default=48, help="sequence length (the training mix averages ~40)")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3, help="alternations of the two settings")
    parser.add_argument("--frozen", type=int, default=2, help="bottom blocks frozen (the default recipe: 2)")
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, native bf16 {cpu_supports_bf16()}, "
          f"batch {args.batch} x {args.tokens} tokens, {args.frozen} blocks frozen")
    times: dict[str, list[float]] = {"fp32": [], "bf16": []}
    for _ in range(args.rounds):
        for name, dtype in (("fp32", None), ("bf16", torch.bfloat16)):
            times[name].append(step_seconds(args.frozen, args.batch, args.tokens, args.steps, dtype))
    fp32, bf16 = (min(times[name]) for name in ("fp32", "bf16"))  # the least disturbed round of each
    print("| precision | s / step | ratio to fp32 |\n|---|---|---|")
    print(f"| fp32 | {fp32:.3f} | 1.00 |\n| bf16 autocast | {bf16:.3f} | {bf16 / fp32:.2f} |")


if __name__ == "__main__":
    main()
