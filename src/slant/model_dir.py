"""The saved-model directory: Hugging Face files plus the ``slant.json`` sidecar and ``metrics.json``.

Thresholds and other slant settings live only in ``slant.json`` so re-tuning never rewrites HF files.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file
from transformers import AutoConfig, PreTrainedTokenizerBase

from slant.model import SlantModel, load_encoder

FORMAT_VERSION = 1
SETTINGS_FILE = "slant.json"
METRICS_FILE = "metrics.json"
HEADS_FILE = "slant_heads.safetensors"


@dataclass(frozen=True)
class ModelSettings:
    """What a saved model needs at inference besides its weights.

    ``temperatures`` (per label, default 1) calibrate probabilities as ``sigmoid(logit / T)``;
    ``thresholds`` apply to those calibrated probabilities.
    """

    labels: tuple[str, ...]
    thresholds: dict[str, float]
    max_length: int
    temperatures: dict[str, float] = field(default_factory=dict)
    text_prefix: str = ""
    base_model: str = ""
    data_fingerprint: str = ""
    slant_version: str = ""
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [name for name in self.labels if name not in self.thresholds]
        if missing:
            raise ValueError(f"no threshold for labels {missing}")


def save_model_dir(
    out_dir: Path,
    model: SlantModel,
    tokenizer: PreTrainedTokenizerBase,
    settings: ModelSettings,
    metrics: dict[str, Any] | None = None,
) -> Path:
    """Write the encoder (``save_pretrained``), the heads, tokenizer, ``slant.json`` and ``metrics.json``.

    All weights are safetensors; the encoder alone loads with ``transformers.AutoModel``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    model.encoder.save_pretrained(out_dir, safe_serialization=True)
    save_file({k: v.contiguous() for k, v in model.head_state_dict().items()}, str(out_dir / HEADS_FILE))
    tokenizer.save_pretrained(out_dir)
    write_json(out_dir / SETTINGS_FILE, asdict(settings))
    if metrics is not None:
        write_json(out_dir / METRICS_FILE, metrics)
    return out_dir


def load_model(model_dir: Path) -> SlantModel:
    """Load encoder and heads from safetensors only; never runs remote code."""
    path = model_dir / HEADS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: is {model_dir} a slant model directory?")
    config = AutoConfig.from_pretrained(model_dir, local_files_only=True)
    encoder = load_encoder(str(model_dir), config, local_files_only=True)
    model = SlantModel(encoder, encoder.config.num_labels)
    missing, unexpected = model.load_state_dict(load_file(str(path)), strict=False)
    heads_missing = [k for k in missing if k.split(".", 1)[0] in SlantModel.HEADS]
    if heads_missing or unexpected:
        raise ValueError(f"{path}: head weights do not match (missing {heads_missing}, unexpected {unexpected})")
    return model


def read_settings(model_dir: Path, id2label: dict[int, str]) -> ModelSettings:
    """Load ``slant.json`` and check it agrees with the HF config's label order."""
    path = model_dir / SETTINGS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: is {model_dir} a slant model directory?")
    raw = json.loads(path.read_text(encoding="utf-8"))
    if raw.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: format_version {raw.get('format_version')!r}, this slant reads {FORMAT_VERSION}")
    settings = ModelSettings(**{**raw, "labels": tuple(raw["labels"])})
    config_order = tuple(id2label[i] for i in range(len(id2label)))
    if settings.labels != config_order:
        raise ValueError(f"{path}: labels {settings.labels} differ from config.json id2label {config_order}")
    return settings


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write pretty UTF-8 JSON atomically (temp file + rename)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def model_labels(model_dir: Path) -> tuple[str, ...]:
    """The label order of a saved model, read from ``slant.json`` without loading weights."""
    path = Path(model_dir) / SETTINGS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{model_dir}: not a slant model directory (no {SETTINGS_FILE})")
    return tuple(json.loads(path.read_text(encoding="utf-8"))["labels"])
