"""Build a fresh model from a backbone, save a model directory, load one (local, hub, or the older
four-file format).

A model directory is what every Hugging Face model is: ``config.json`` (a :class:`SlantConfig`),
``model.safetensors``, the tokenizer files, a model card ``README.md``, plus ``metrics.json``.
Only safetensors are ever read; no remote code runs.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from transformers import AutoConfig, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from slant.atomic import write_json
from slant.config import ModelConfig
from slant.modeling.backbones.resolve import resolve_backbone
from slant.modeling.card import write_model_card
from slant.modeling.configuration import SlantConfig
from slant.modeling.model import SlantModel

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"
LEGACY_SETTINGS, LEGACY_HEADS = "slant.json", "slant_heads.safetensors"  # format of slant <= 0.1


def build_model(cfg: ModelConfig, labels: tuple[str, ...],
                stance: tuple[str, ...] = ()) -> tuple[SlantModel, PreTrainedTokenizerBase]:
    """Load the configured encoder and attach fresh sentence and evidence heads (and a stance head).

    Args:
        cfg: which encoder, its max length, text prefix and whether to freeze word embeddings.
        labels: output order of the heads.
        stance: the stance classes, or ``()`` for a model without a stance head.

    Returns:
        ``(model, tokenizer)``.
    """
    backbone = resolve_backbone(cfg)
    config = SlantConfig(
        labels=labels, text_prefix=cfg.text_prefix, max_seq_length=cfg.max_length,
        classifier_dropout=cfg.classifier_dropout if cfg.classifier_dropout is not None else 0.1,
        pooling=cfg.pooling, base_model=cfg.name_or_path, provenance=backbone.provenance, stance_labels=stance,
    )
    model = SlantModel.from_encoder(backbone.path, config, backbone.local_files_only)
    tokenizer = AutoTokenizer.from_pretrained(backbone.path, local_files_only=backbone.local_files_only)
    if cfg.freeze_embeddings:
        # A 250k-row embedding matrix is most of e5-small's weights: freezing it saves most of the
        # backward work and the AdamW state, which dominates CPU training time and memory.
        model.encoder.get_input_embeddings().requires_grad_(False)
    if cfg.freeze_layers:
        freeze_bottom_layers(model.encoder, cfg.freeze_layers)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    log.info("backbone %s: %.1fM parameters, %.1fM trainable", backbone.path, total / 1e6, trainable / 1e6)
    return model, tokenizer


def freeze_bottom_layers(encoder: PreTrainedModel, count: int) -> None:
    """Fix the embedding module and the lowest ``count`` transformer blocks of ``encoder``.

    Autograd then stops at block ``count``: on CPU the backward pass, about two thirds of a training
    step, shrinks by the frozen share of the stack.

    Raises:
        ValueError: ``count`` is negative, not below the number of blocks, or the encoder's blocks
            cannot be found.
    """
    blocks = encoder_blocks(encoder)
    if not 0 <= count < len(blocks):
        raise ValueError(f"model.freeze_layers={count}: the encoder has {len(blocks)} blocks; "
                         f"freeze 0 to {len(blocks) - 1} of them")
    encoder.get_input_embeddings().requires_grad_(False)
    embeddings = getattr(encoder, "embeddings", None)
    if isinstance(embeddings, torch.nn.Module):
        embeddings.requires_grad_(False)
    for block in blocks[:count]:
        block.requires_grad_(False)


def encoder_blocks(encoder: PreTrainedModel) -> torch.nn.ModuleList:
    """The encoder's stack of transformer blocks: the longest ``ModuleList`` among its modules."""
    stacks = [m for m in encoder.modules() if isinstance(m, torch.nn.ModuleList)]
    if not stacks:
        raise ValueError(f"{type(encoder).__name__} has no list of transformer blocks to freeze")
    return max(stacks, key=len)


def save_model(
    out_dir: Path, model: SlantModel, tokenizer: PreTrainedTokenizerBase, metrics: dict[str, Any] | None = None,
) -> Path:
    """Write ``config.json``, ``model.safetensors``, the tokenizer, ``metrics.json`` and the model card."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    if metrics is None and (out_dir / METRICS_FILE).is_file():
        metrics = json.loads((out_dir / METRICS_FILE).read_text(encoding="utf-8"))
    write_metrics(out_dir, model.config, metrics)
    return out_dir


def write_metrics(model_dir: Path, config: SlantConfig, metrics: dict[str, Any] | None) -> None:
    """Write ``metrics.json`` (when given) and the model card that reports it."""
    if metrics is not None:
        write_json(Path(model_dir) / METRICS_FILE, metrics)
    write_model_card(Path(model_dir), config, metrics)


def model_labels(name_or_path: str | Path) -> tuple[str, ...]:
    """The label order of a saved model, read from its config without loading weights."""
    path = Path(name_or_path)
    legacy = path / LEGACY_SETTINGS
    if legacy.is_file():
        return tuple(json.loads(legacy.read_text(encoding="utf-8"))["labels"])
    if path.is_dir():
        check_slant_dir(path)
    return tuple(SlantConfig.from_pretrained(str(path), local_files_only=path.is_dir()).labels)


def load_model(name_or_path: str | Path) -> tuple[SlantModel, PreTrainedTokenizerBase]:
    """A saved slant model and its tokenizer from a local directory or a hub id.

    Only a name that is not a local directory reaches the hub. A directory in the older format
    (``slant.json`` + ``slant_heads.safetensors``) is converted in memory; save it again with
    ``Predictor.save_pretrained`` to convert it on disk.
    """
    path = Path(name_or_path).expanduser()
    local = path.is_dir()
    if local and (path / LEGACY_SETTINGS).is_file():
        return load_legacy(path), AutoTokenizer.from_pretrained(path, local_files_only=True)
    source = str(path) if local else str(name_or_path)
    if local:
        check_slant_dir(path)
    model = SlantModel.from_pretrained(source, local_files_only=local, use_safetensors=True)
    return model, AutoTokenizer.from_pretrained(source, local_files_only=local)


def check_slant_dir(path: Path) -> None:
    """Refuse a directory that is not a slant model, with a message that says what it is instead."""
    config_file = path / "config.json"
    if not config_file.is_file():
        raise FileNotFoundError(f"{path}: not a slant model directory (no config.json)")
    try:
        settings = json.loads(config_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{config_file}: not valid JSON ({error})") from None
    model_type = settings.get("model_type") if isinstance(settings, dict) else None
    if model_type != SlantConfig.model_type:
        raise ValueError(f"{path}: a {model_type!r} checkpoint, not a slant model (model_type 'slant'); "
                         "train one with `python train.py`")
    try:
        SlantConfig.from_dict(settings)  # every value checked here, so the message can name the file
    except (TypeError, ValueError) as error:
        raise ValueError(f"{config_file}: {error}") from None
    for name, why in (("model.safetensors", "slant loads safetensors only"),
                      ("tokenizer.json", "the fast tokenizer saved with the model; copy it from the training output")):
        if not (path / name).is_file():
            raise FileNotFoundError(f"{path}: no {name} ({why})")


def load_legacy(path: Path) -> SlantModel:
    """A model saved by slant 0.1 (encoder ``config.json`` + ``slant.json`` + two weight files)."""
    settings_file = path / LEGACY_SETTINGS
    try:
        settings = json.loads(settings_file.read_text(encoding="utf-8"))
        labels = tuple(settings["labels"])
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{settings_file}: unreadable slant 0.1 settings ({error!r})") from None
    log.warning("%s is in the slant 0.1 format; convert it with Predictor.from_pretrained(old).save_pretrained(new)", path)
    encoder_config = AutoConfig.from_pretrained(path, local_files_only=True)
    try:  # SlantConfig checks every value; the message must name the file that holds the bad one
        config = SlantConfig(
            encoder={k: v for k, v in encoder_config.to_dict().items()
                     if k not in ("id2label", "label2id", "architectures", "transformers_version")},
            labels=labels, thresholds=settings.get("thresholds"), temperatures=settings.get("temperatures"),
            text_prefix=settings.get("text_prefix", ""), max_seq_length=settings.get("max_length", 128),
            base_model=settings.get("base_model", ""),
            training={"data_fingerprint": settings.get("data_fingerprint", "")},
        )
    except (TypeError, ValueError) as error:
        raise ValueError(f"{settings_file}: {error}") from None
    model = SlantModel(config)
    for file, target in (("model.safetensors", model.encoder), (LEGACY_HEADS, model)):
        if not (path / file).is_file():
            raise FileNotFoundError(f"{path / file} not found (slant loads safetensors only)")
        missing, unexpected = target.load_state_dict(load_file(str(path / file)), strict=False)
        if unexpected or (target is model.encoder and missing):
            raise ValueError(f"{path / file}: weights do not match (missing {missing[:3]}, unexpected {unexpected[:3]})")
    return model.eval()
