"""Fine-tune an encoder on partially labelled sentences with the Hugging Face ``Trainer``.

Unknown labels arrive as NaN targets and are masked out of the loss, which is what lets one
model learn from several corpora that each annotate only some labels.
"""

from __future__ import annotations

import difflib
import json
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from datasets import DatasetDict, concatenate_datasets
from transformers import (
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    EvalPrediction,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
    set_seed,
)
from transformers.training_args import ParallelMode

from slant import __version__
from slant.config import EvalConfig, TrainConfig, TrainerOptions
from slant.data.loading import load_splits, sentence_rows, stance_rows
from slant.data.records import STANCES, Span
from slant.data.targets import token_targets
from slant.evaluation.calibration import sigmoid
from slant.evaluation.metrics import multilabel_metrics
from slant.evaluation.fitting import calibration_rows, fit_decisions
from slant.evaluation.run import split_report
from slant.evaluation.stance import class_scores, stance_report
from slant.inference.predictor import Predictor
from slant.labels import LabelSet
from slant.modeling.checkpoint import build_model, save_model, write_metrics
from slant.modeling.stance import encode_stance

log = logging.getLogger(__name__)
TARGETS = ("labels", "token_labels")
STANCE_TARGET = "stance_labels"
IGNORE = -100  # stance target of a row without one (cross-entropy's ignore_index)


@dataclass(frozen=True)
class TrainResult:
    """Where the model was saved and its validation/test metrics at the tuned thresholds."""

    model_dir: Path
    metrics: dict[str, dict[str, float]]


def masked_bce_with_logits(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy over the known cells; NaN targets contribute nothing (and no gradient).

    Args:
        logits: ``(batch, n_labels)``.
        targets: ``(batch, n_labels)`` of 0., 1. or NaN.
    """
    known = ~torch.isnan(targets)
    safe = torch.where(known, targets, torch.zeros_like(targets)).to(logits.dtype)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, safe, reduction="none")
    return (loss * known).sum() / known.sum().clamp(min=1)


class MaskedLossTrainer(Trainer):
    """``Trainer`` whose loss is masked BCE on sentences plus ``evidence_weight`` x masked BCE on tokens
    (plus ``stance_weight`` x cross-entropy on the stance rows when the model has a stance head)."""

    loss_is_scaled_for_ga = False  # a per-batch mean: let Trainer divide by accumulation steps

    def __init__(self, *args, evidence_weight: float = 0.5, evidence_lr_scale: float = 10.0,
                 stance_weight: float = 1.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.evidence_weight = evidence_weight
        self.evidence_lr_scale = evidence_lr_scale
        self.stance_weight = stance_weight

    def create_optimizer(self, model=None) -> torch.optim.Optimizer:
        """AdamW groups as in Trainer, with an ``evidence_lr_scale`` x learning rate for the fresh heads.

        New linear heads need larger steps than the pretrained encoder to learn within a few epochs.
        """
        if self.optimizer is None:
            model = model or self.model
            decay = set(self.get_decay_parameter_names(model))
            groups = []
            for head in (False, True):
                for decayed in (True, False):
                    params = [p for n, p in model.named_parameters()
                              if p.requires_grad and (not n.startswith("encoder.")) == head and (n in decay) == decayed]
                    if params:
                        groups.append({"params": params, "weight_decay": self.args.weight_decay if decayed else 0.0,
                                       "lr": self.args.learning_rate * (self.evidence_lr_scale if head else 1.0)})
            optimizer_cls, optimizer_kwargs = self.get_optimizer_cls_and_kwargs(self.args, model)
            self.optimizer = optimizer_cls(groups, **optimizer_kwargs)
        return self.optimizer

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):  # noqa: D102
        outputs = model(**{k: v for k, v in inputs.items() if k not in (*TARGETS, STANCE_TARGET)})
        loss = masked_bce_with_logits(outputs.logits, inputs["labels"])
        if self.evidence_weight:
            loss = loss + self.evidence_weight * masked_bce_with_logits(outputs.token_logits, inputs["token_labels"])
        if outputs.stance_logits is not None and STANCE_TARGET in inputs:
            loss = loss + self.stance_weight * stance_loss(outputs.stance_logits, inputs[STANCE_TARGET])
        return (loss, outputs) if return_outputs else loss


def stance_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the rows with a stance target; 0 (still a graph over ``logits``, which
    data-parallel training needs) for a batch without any."""
    known = targets != IGNORE
    if not known.any():
        return logits.sum() * 0.0
    return torch.nn.functional.cross_entropy(logits[known], targets[known])


@dataclass
class TokenTargetCollator:
    """Pad model inputs with the tokenizer and per-token targets with NaN (masked) to the same length."""

    tokenizer: PreTrainedTokenizerBase

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:  # noqa: D102
        token_labels = [f["token_labels"] for f in features]
        target_masks = [f["target_mask"] for f in features] if "target_mask" in features[0] else None
        batch = DataCollatorWithPadding(self.tokenizer)([{k: v for k, v in f.items()
                                                          if k not in ("token_labels", "target_mask")}
                                                         for f in features])
        length, width = batch["input_ids"].shape[1], len(token_labels[0][0])
        left = self.tokenizer.padding_side == "left"

        def padded(rows: list[list], pad: Any) -> list[list]:
            return [[pad] * (length - len(r)) + r if left else r + [pad] * (length - len(r)) for r in rows]

        batch["token_labels"] = torch.tensor(padded(token_labels, [math.nan] * width), dtype=torch.float32)
        if target_masks is not None:
            batch["target_mask"] = torch.tensor(padded(target_masks, 0), dtype=torch.long)
        return batch


def precision_flags(precision: str) -> dict[str, bool]:
    """Map ``fp32|bf16|fp16|auto`` to TrainingArguments flags; ``auto`` = bf16/fp16 on GPU, fp32 on CPU."""
    if precision == "auto":
        if not torch.cuda.is_available():
            precision = "fp32"
        else:
            precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if precision not in ("fp32", "bf16", "fp16"):
        raise ValueError(f"trainer.precision must be auto, fp32, bf16 or fp16, got {precision!r}")
    return {"bf16": precision == "bf16", "fp16": precision == "fp16"}


def launched_processes() -> int:
    """How many processes ``torchrun`` / ``accelerate launch`` started (1 without a launcher)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def launched_on_cpu() -> bool:
    """True when a launcher (``torchrun``, ``accelerate launch``) started several processes on a machine without CUDA.

    ``TrainingArguments`` only sets up multi-process CPU training when told ``use_cpu``; otherwise every
    process silently trains alone on the whole data set.
    """
    return launched_processes() > 1 and not torch.cuda.is_available()


def trainer_settings(trainer: Mapping[str, Any]) -> tuple[TrainerOptions, dict[str, Any]]:
    """Split the ``trainer`` config into slant's options and ``TrainingArguments`` fields.

    Raises:
        ValueError: a key that is neither, with the closest valid names.
    """
    own = {f.name for f in fields(TrainerOptions)}
    known = {f.name for f in fields(TrainingArguments) if f.init}
    unknown = [k for k in trainer if k not in own and k not in known]
    if unknown:
        hints = {k: difflib.get_close_matches(k, own | known, n=3) for k in unknown}
        raise ValueError(f"unknown trainer keys {hints} (key: closest valid names); trainer keys are "
                         "slant.config.TrainerOptions fields or transformers.TrainingArguments fields")
    return (TrainerOptions(**{k: v for k, v in trainer.items() if k in own}),
            {k: v for k, v in trainer.items() if k in known})


def training_arguments(trainer: Mapping[str, Any], output_dir: Path, seed: int, stance: bool = False) -> TrainingArguments:
    """``TrainingArguments`` from the ``trainer`` config (checkpoints under ``output_dir``).

    The user's fields pass through; slant sets what its training loop depends on (unused columns
    kept, label names, DDP on CPU) and defaults that differ from transformers' (checkpoints follow
    the evaluation schedule, the best one by macro-F1 is restored, nothing is reported unless
    ``report_to`` says so). Under ``torchrun`` / ``accelerate launch`` this also joins the process group.
    ``stance`` adds the stance targets to the label columns.
    """
    options, args = trainer_settings(trainer)
    evaluating = args.get("eval_strategy", "no") != "no"
    cpu_processes = launched_on_cpu()
    defaults = {
        "save_strategy": args.get("eval_strategy", "no"), "save_steps": args.get("eval_steps"),
        "load_best_model_at_end": evaluating, "metric_for_best_model": "f1_macro" if evaluating else None,
        "greater_is_better": True, "report_to": "none", "dataloader_pin_memory": torch.cuda.is_available(),
    }
    args = {**defaults, **args}
    flags = precision_flags(options.precision)
    # transformers runs bf16 on a CPU only when told the run is CPU-only (autocast on CPUs with bf16 units)
    asked_cpu = args.pop("use_cpu", False)
    cpu_only = cpu_processes or asked_cpu or (flags["bf16"] and not torch.cuda.is_available())
    if not evaluating:
        args["load_best_model_at_end"], args["save_strategy"] = False, "no"
    return TrainingArguments(
        **args,
        output_dir=str(output_dir),
        seed=seed,
        remove_unused_columns=False,  # tokenize_splits already keeps exactly the model's columns
        label_names=[*TARGETS, STANCE_TARGET] if stance else list(TARGETS),
        # DDP: every trainable weight gets a gradient (the unused pooler is dropped) unless the evidence
        # head is off; searching for unused weights would cost an extra autograd traversal per step.
        ddp_find_unused_parameters=options.evidence_weight == 0,
        use_cpu=cpu_only,
        ddp_backend="gloo" if cpu_processes else args.get("ddp_backend"),  # accelerate would pick MPI where torch has it
        **flags,
    )


def check_world(args: TrainingArguments) -> None:
    """Fail fast if a launcher started several processes that did not join one data-parallel job.

    Such processes would each train alone on all the data and race on one output directory.
    """
    launched = launched_processes()
    if launched > 1 and (args.world_size != launched or args.parallel_mode != ParallelMode.DISTRIBUTED):
        raise RuntimeError(f"{launched} processes were launched but transformers set up {args.parallel_mode.value} "
                           f"training with world_size={args.world_size}")
    if args.process_index == 0:
        log.info("world_size=%d (%s): global batch %d = %d per device x %d accumulation steps x %d processes",
                 args.world_size, args.parallel_mode.value,
                 args.per_device_train_batch_size * args.gradient_accumulation_steps * args.world_size,
                 args.per_device_train_batch_size, args.gradient_accumulation_steps, args.world_size)


def rank_zero_output_dir(output_dir: Path, args: TrainingArguments) -> Path:
    """Rank 0's ``output_dir``, on every rank.

    Checkpoints are written by rank 0 and the best one is reloaded by every rank, so all must use one
    directory; Hydra's default run directory is a per-second timestamp that ranks started in different
    seconds would not share.
    """
    if args.world_size == 1:
        return output_dir
    shared = [str(output_dir)]
    torch.distributed.broadcast_object_list(shared, src=0)
    if shared[0] != str(output_dir):
        log.warning("rank %d: writing under rank 0's output_dir %s, not %s", args.process_index, shared[0], output_dir)
    return Path(shared[0])


def tokenize_splits(
    splits: DatasetDict, tokenizer: PreTrainedTokenizerBase, max_length: int, names: tuple[str, ...], prefix: str = "",
    stance: bool = False,
) -> DatasetDict:
    """Tokenise ``text`` (with the model's prefix); add per-token evidence targets from ``spans``.

    Keeps only model inputs, ``labels`` and ``token_labels`` (see :func:`slant.data.targets.token_targets`).
    With ``stance``, stance rows are encoded as (sentence, target) pairs by
    :func:`~slant.modeling.stance.encode_stance` and every row also gets ``target_mask`` and
    ``stance_labels`` (all-zero and -100 on sentence rows; NaN sentence and token targets on stance rows).

    Raises:
        ValueError: stance rows in the data of a model without a stance head.
    """

    def encode(batch: dict[str, list]) -> dict[str, Any]:
        enc = tokenizer([prefix + t for t in batch["text"]], truncation=True, max_length=max_length,
                        return_offsets_mapping=True)
        offsets = enc.pop("offset_mapping")
        enc["token_labels"] = [
            token_targets(off, [Span(**s) for s in json.loads(spans)], labels, names, len(prefix))
            for off, spans, labels in zip(offsets, batch["spans"], batch["labels"])
        ]
        if stance:
            enc["target_mask"] = [[0] * len(ids) for ids in enc["input_ids"]]
            enc[STANCE_TARGET] = [IGNORE] * len(batch["text"])
        return enc

    def encode_pairs(batch: dict[str, list]) -> dict[str, Any]:
        enc = encode_stance(tokenizer, batch["text"], [tuple(t) for t in batch["target"]], prefix, max_length)
        enc.pop("window_start")
        enc["token_labels"] = [[[math.nan] * (len(names) + 1)] * len(ids) for ids in enc["input_ids"]]
        enc[STANCE_TARGET] = batch["stance"]
        return enc

    keep = {"labels", "token_labels"}
    encoded = {}
    for name, ds in splits.items():
        sentences, pairs = sentence_rows(ds), stance_rows(ds)
        if len(pairs) and not stance:
            raise ValueError(f"the {name} split holds {len(pairs)} stance rows but the model has no stance head "
                             "(set stance=true)")
        drop = [c for c in ds.column_names if c not in keep]
        parts = [sentences.map(encode, batched=True, remove_columns=drop)]
        if len(pairs):
            parts.append(pairs.map(encode_pairs, batched=True, remove_columns=drop))
        encoded[name] = concatenate_datasets(parts) if len(parts) > 1 else parts[0]
    return DatasetDict(encoded)


def evidence_metrics(token_logits: np.ndarray, token_targets: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    """Token-level F1 of the evidence head per label (and of "quoted" voice) over known tokens at 0.5.

    Trainer pads token arrays across batches with -100, which is masked like NaN.
    """
    targets = np.where(token_targets == -100, np.nan, token_targets).reshape(-1, len(names) + 1)
    probs = sigmoid(token_logits.reshape(-1, len(names) + 1))
    scores = multilabel_metrics(targets, probs, (*names, "voice_quoted"))
    return {f"evidence_{key}": value for key, value in scores.items() if key.startswith("f1/")}


def stance_metrics(stance_logits: np.ndarray, stance_targets: np.ndarray) -> dict[str, float]:
    """Macro-F1 and accuracy of the stance head over the rows with a stance target."""
    known = stance_targets != IGNORE
    if not known.any():
        return {}
    scores = class_scores(stance_targets[known], stance_logits[known].argmax(-1))
    return {"stance_f1_macro": scores["f1_macro"], "stance_accuracy": scores["accuracy"]}


def metrics_fn(labels: LabelSet):
    """``compute_metrics`` for Trainer: sentence metrics at 0.5, evidence token F1 and, for a model
    with a stance head, stance macro-F1."""

    def compute(pred: EvalPrediction) -> dict[str, float]:
        logits, token_logits, *stance = (np.asarray(p, dtype=np.float64) for p in pred.predictions)
        targets, token_targets, *stance_targets = (np.asarray(t, dtype=np.float64) for t in pred.label_ids)
        metrics = {**multilabel_metrics(targets, sigmoid(logits), labels.names),
                   **evidence_metrics(token_logits, token_targets, labels.names)}
        if stance and stance_targets:
            metrics |= stance_metrics(stance[0], stance_targets[0].astype(int))
        return metrics

    return compute


def log_label_table(split: str, metrics: dict[str, float], labels: LabelSet) -> None:
    """Log per-label P/R/F1 so a run's quality is readable in its log."""
    log.info("%s metrics at tuned thresholds:", split)
    for name in labels.names:
        log.info(
            "  %-14s P=%.3f R=%.3f F1=%.3f (n=%d)", name, metrics[f"precision/{name}"],
            metrics[f"recall/{name}"], metrics[f"f1/{name}"], metrics[f"support/{name}"],
        )
    log.info("  %-14s %.3f (micro %.3f)", "macro-F1", metrics["f1_macro"], metrics["f1_micro"])


def warn_if_collapsed(history: Sequence[Mapping[str, Any]]) -> bool:
    """Log an error when every validation evaluation had macro-F1 0: the encoder collapsed to
    predicting base rates (loss flat near its start, gradients shrinking), which a too-high learning
    rate does to small encoders on some data orders. Returns whether it happened."""
    scores = [entry["eval_f1_macro"] for entry in history if "eval_f1_macro" in entry]
    if not scores or max(scores) > 0:
        return False
    log.error("training collapsed: validation macro-F1 was 0 at all %d evaluations, so the model flags "
              "nothing; retrain with a lower trainer.learning_rate or a longer trainer.warmup_steps", len(scores))
    return True


def train(cfg: TrainConfig) -> TrainResult:
    """Fine-tune, calibrate on validation, save a model directory under ``cfg.output_dir`` and score it.

    Temperatures and thresholds are fitted on validation scores, and test metrics are computed, by
    scoring the model through :class:`~slant.inference.predictor.Predictor` with the same code
    ``evaluate.py`` runs, so ``metrics.json`` and an evaluation of the same split agree.

    Returns:
        The saved directory (``<output_dir>/model``) and metrics per split.
    """
    set_seed(cfg.seed)
    options, _ = trainer_settings(cfg.trainer)
    if options.torch_threads:
        torch.set_num_threads(options.torch_threads)
    labels = LabelSet.of(cfg.labels)
    data = load_splits(cfg.data, labels, cfg.seed)
    if "train" not in data.splits or "validation" not in data.splits:
        raise ValueError(f"need train and validation rows, got splits {list(data.splits)}")
    model, tokenizer = build_model(cfg.model, labels.names, STANCES if cfg.stance else ())
    encoded = tokenize_splits(data.splits, tokenizer, cfg.model.max_length, labels.names, cfg.model.text_prefix,
                              stance=cfg.stance)
    output_dir = Path(cfg.output_dir)
    args = training_arguments(cfg.trainer, output_dir / "checkpoints", cfg.seed, stance=cfg.stance)
    check_world(args)
    output_dir = rank_zero_output_dir(output_dir, args)
    args.output_dir = str(output_dir / "checkpoints")
    callbacks = [EarlyStoppingCallback(options.early_stopping_patience)] if options.early_stopping_patience else []
    trainer = MaskedLossTrainer(
        model=model, args=args, train_dataset=encoded["train"], eval_dataset=encoded["validation"],
        processing_class=tokenizer, data_collator=TokenTargetCollator(tokenizer),
        compute_metrics=metrics_fn(labels), callbacks=callbacks, evidence_weight=options.evidence_weight,
        evidence_lr_scale=options.evidence_lr_scale, stance_weight=options.stance_weight,
    )
    trainer.train(resume_from_checkpoint=options.resume_from_checkpoint)
    warn_if_collapsed(trainer.state.log_history)
    model_dir = output_dir / "model"
    if not trainer.is_world_process_zero():
        return TrainResult(model_dir=model_dir, metrics={})

    model = trainer.model.module if hasattr(trainer.model, "module") else trainer.model
    model.config.training = {
        "sources": {name: {"format": s.format, "path": s.path, "weight": s.weight} for name, s in cfg.data.sources.items()},
        "languages": sorted(set(data.splits["train"]["lang"])), "data_fingerprint": data.fingerprint,
        "split_fingerprints": data.source_fingerprints, "train_fingerprints": data.train_fingerprints,
        "skipped_sources": list(data.skipped), "calibrated_on": list(cfg.data.calibrate_on) or "all validation rows",
        "seed": cfg.seed, "labels": list(labels.names),
    }
    model.config.slant_version = __version__
    scoring = EvalConfig(bootstrap=0)  # evaluate.py's defaults: same batch size, same device rule
    sentences = {split: sentence_rows(rows) for split, rows in data.splits.items()}
    pairs = {split: stance_rows(rows) for split, rows in data.splits.items() if split != "train"}
    calibration = fit_decisions(model, tokenizer, calibration_rows(sentences["validation"], cfg.data.calibrate_on),
                                pairs["validation"] if cfg.stance else None, scoring.device, scoring.batch_size)
    save_model(model_dir, model, tokenizer)

    # Score the saved model exactly as evaluate.py would.
    predictor = Predictor.from_pretrained(model_dir, device=scoring.device, batch_size=scoring.batch_size, precision="fp32")
    metrics = {"validation": {**split_report(predictor, sentences["validation"], EvalConfig(bootstrap=0))["overall"],
                              "ece_uncalibrated": calibration.ece_before, "ece": calibration.ece_after}}
    if "test" in data.splits:
        report = split_report(predictor, sentences["test"], EvalConfig())
        metrics |= {"test": report["overall"], "evidence": {"test": report["evidence"]}}
    if cfg.stance:
        metrics["stance"] = {split: stance_report(predictor, rows)["overall"] for split, rows in pairs.items() if len(rows)}
    for split in ("validation", "test"):
        if split in metrics:
            metrics[split]["n_sentences"] = len(sentences[split])
            log_label_table(split, metrics[split], labels)
    write_metrics(model_dir, model.config, metrics)
    log.info("saved model to %s", model_dir)
    return TrainResult(model_dir=model_dir, metrics=metrics)
