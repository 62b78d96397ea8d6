"""Sentences per second: the transformers ``pipeline`` default vs slant fp32 / bf16 / int8, side by side.

    python bench/throughput.py outputs/quickstart/model [--rounds 5] [--compile]

All modes run in one process on the same model and the same sentences (the starter test split),
interleaved round by round so machine noise hits every mode alike; the median round is reported.
The baseline is what a user gets from ``pipeline("text-classification", model=...)`` with its
defaults (one sentence per forward pass) on the same model: ``import slant`` registers
``SlantModel`` with ``AutoModelForSequenceClassification``, so the pipeline runs slant's own encoder
and heads and returns its calibrated scores. For every mode the table
also gives the memory of its weights, the peak RSS of a fresh process that loads that mode alone
and scores the split (the timed process holds every mode at once), and the achieved GFLOP/s
(useful FLOPs on real tokens, padding not counted) against a measured fp32 matmul peak; for each
slant precision, the drift from fp32 (absolute difference of calibrated probabilities over all
sentences and labels), the agreement of label decisions with fp32, and the test macro-F1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from slant.config import DataConfig, SourceConfig
from slant.data.loading import load_splits
from slant.labels import LabelSet
from slant.evaluation.metrics import multilabel_metrics
from slant.modeling.configuration import SlantConfig
from slant.modeling.precision import cpu_supports_bf16
from slant.inference.predictor import Predictor


def matmul_peak(dtype: torch.dtype = torch.float32, n: int = 2048, repeats: int = 10) -> float:
    """Best GFLOP/s (GOP/s for int8) of an ``n x n`` matmul on this machine with torch's threads."""
    if dtype == torch.int8:
        a = torch.randint(-127, 127, (n, n), dtype=torch.int8)
        run = lambda: torch._int_mm(a, a)  # noqa: E731
    else:
        a = torch.randn(n, n, dtype=dtype)
        run = lambda: a @ a  # noqa: E731
    run()
    best = min(timed(run) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def weights_mib(model: torch.nn.Module) -> float:
    """Memory held by a model's parameters and buffers."""
    tensors = [*model.parameters(), *model.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors) / 2**20


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def encoder_flops(token_counts: np.ndarray, config) -> float:
    """Matmul FLOPs of a BERT-style encoder over sequences of ``token_counts`` real tokens (no padding)."""
    h, inter, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    linear = 2 * token_counts.sum() * (4 * h * h + 2 * h * inter)  # Q, K, V, output; FFN in and out
    attention = 2 * 2 * (token_counts.astype(np.float64) ** 2).sum() * h  # QK^T and AV
    return float(layers * (linear + attention))


PIPELINE, EVIDENCE = "transformers pipeline (default)", "slant fp32 + evidence spans"


@dataclass
class Workload:
    """The sentences every mode scores, and what the model sees of them."""

    sentences: list[str]
    y_true: np.ndarray
    texts: list[str]  # with the model's text prefix: what slant feeds the encoder, fed to the pipeline too
    tokens: np.ndarray  # real tokens per sentence


def load_workload(args: argparse.Namespace) -> Workload:
    """The chosen split, tokenised with the model's own tokenizer."""
    from transformers import AutoTokenizer

    settings = SlantConfig.from_pretrained(args.model_dir, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(args.model_dir, local_files_only=True)
    data = DataConfig(sources={"data": SourceConfig(path=args.data)})
    split = load_splits(data, LabelSet.of(settings.labels)).splits[args.split]
    sentences = list(split["text"])
    texts = [settings.text_prefix + s for s in sentences]
    tokens = tokenizer(texts, truncation=True, max_length=settings.max_seq_length)["input_ids"]
    return Workload(sentences, np.array(split["labels"], dtype=float), texts, np.array([len(t) for t in tokens]))


def drift_from(probs: np.ndarray, reference: np.ndarray, thresholds: np.ndarray) -> dict[str, float]:
    """Max and p99 absolute probability drift from ``reference``, and the share of equal label decisions."""
    drift = np.abs(probs - reference)
    return {"max_drift": float(drift.max()), "p99_drift": float(np.quantile(drift, 0.99)),
            "label_agreement": float(((probs >= thresholds) == (reference >= thresholds)).mean())}


def mode_names(compile: bool) -> list[str]:
    """Every mode of this run, in table order."""
    slant = ["fp32", *(["bf16"] if cpu_supports_bf16() else []), "int8"]
    slant += ["fp32 compiled", "int8 compiled"] if compile else []
    return [PIPELINE, *(f"slant {name}" for name in slant), EVIDENCE]


def build_mode(name: str, args: argparse.Namespace, work: Workload) -> tuple[Callable[[], object], torch.nn.Module, Predictor | None]:
    """``(run, model, predictor)`` for one mode; ``predictor`` is ``None`` for the pipeline."""
    if name == PIPELINE:
        from transformers import (
            AutoModelForSequenceClassification,
            AutoTokenizer,
            pipeline,
        )

        classifier = AutoModelForSequenceClassification.from_pretrained(args.model_dir, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(args.model_dir, local_files_only=True)
        baseline = pipeline("text-classification", model=classifier, tokenizer=tokenizer, device="cpu")
        return (lambda: baseline(work.texts)), classifier, None
    precision, _, compiled = name.removeprefix("slant ").partition(" ")
    predictor = Predictor.from_pretrained(args.model_dir, "cpu", args.batch_size, precision, compiled == "compiled")
    if name == EVIDENCE:
        return (lambda: predictor(work.sentences)), predictor.model, predictor
    return (lambda: predictor.predict_proba(work.sentences)), predictor.model, predictor


def peak_rss_of(name: str, args: argparse.Namespace) -> float:
    """Peak RSS (MiB) of a fresh process that loads one mode and scores the workload twice (warm-up + run)."""
    command = [sys.executable, __file__, args.model_dir, "--data", args.data, "--split", args.split,
               "--batch-size", str(args.batch_size), "--peak-rss-of", name]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def report_own_peak_rss(name: str, args: argparse.Namespace) -> None:
    """The child side of :func:`peak_rss_of`: print this process's peak RSS in MiB."""
    run, _, _ = build_mode(name, args, load_workload(args))
    run()
    run()
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
    status = Path("/proc/self/status").read_text().splitlines()
    print(next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024)  # kB -> MiB


def main() -> None:
    """Run every mode ``--rounds`` times, interleaved, and print one table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", nargs="?", default="outputs/quickstart/model")
    parser.add_argument("--data", default="data/starter")
    parser.add_argument("--split", default="test")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--compile", action="store_true", help="add torch.compile'd fp32 and int8 (compiled in warm-up)")
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.add_argument("--peak-rss-of", default=None, help=argparse.SUPPRESS)  # internal: one mode in a child
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    if args.peak_rss_of:
        return report_own_peak_rss(args.peak_rss_of, args)

    work = load_workload(args)
    names = mode_names(args.compile)
    built = {name: build_mode(name, args, work) for name in names}
    for run, _, _ in built.values():  # warm-up: first-call allocations, kernel selection, compilation
        run()
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(args.rounds):
        for name, (run, _, _) in built.items():
            seconds[name].append(timed(run))
    peak32, peak8 = matmul_peak(), matmul_peak(torch.int8)

    fp32 = built["slant fp32"][2]
    flops = encoder_flops(work.tokens, fp32.model.config)
    reference = fp32.predict_proba(work.sentences)
    base_rate = len(work.sentences) / statistics.median(seconds[PIPELINE])
    rows = []
    for name, (_, model, predictor) in built.items():
        rate = len(work.sentences) / statistics.median(seconds[name])
        row = {"mode": name, "sentences_per_s": rate, "ratio": rate / base_rate, "weights_mib": weights_mib(model),
               "peak_rss_mib": peak_rss_of(name, args),
               "gflops": flops / statistics.median(seconds[name]) / 1e9, "rounds_s": seconds[name]}
        if predictor is not None and name != EVIDENCE:
            probs = predictor.predict_proba(work.sentences)
            row |= drift_from(probs, reference, fp32.thresholds)
            row |= {"test_macro_f1": multilabel_metrics(work.y_true, probs, fp32.labels, fp32.thresholds)["f1_macro"]}
        rows.append(row)

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")
    print(f"{len(work.sentences)} sentences ({args.split} split of {args.data}), {work.tokens.mean():.1f} tokens on "
          f"average; {cpu}, {os.cpu_count()} cores, torch {torch.__version__} with {torch.get_num_threads()} threads; "
          f"median of {args.rounds} interleaved rounds")
    print(f"measured matmul peak: fp32 {peak32:.0f} GFLOP/s, int8 {peak8:.0f} GOP/s (2048 x 2048)\n")
    print("| mode | sentences/s | x pipeline | weights MiB | peak RSS MiB | GFLOP/s (% fp32 peak) | max / p99 drift "
          "| label agreement | test macro-F1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        quality = (f"{r['max_drift']:.3f} / {r['p99_drift']:.3f} | {r['label_agreement']:.2%} | {r['test_macro_f1']:.3f}"
                   if "max_drift" in r else "- | - | -")
        print(f"| {r['mode']} | {r['sentences_per_s']:.1f} | {r['ratio']:.2f} | {r['weights_mib']:.0f} | "
              f"{r['peak_rss_mib']:.0f} | {r['gflops']:.0f} ({r['gflops'] / peak32:.0%}) | {quality} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"matmul_peak_gflops": {"fp32": peak32, "int8": peak8}, "rows": rows},
                                              indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
