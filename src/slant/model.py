"""The model: a pretrained encoder, a mean-pooled sentence head and a token evidence head."""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass

import torch
from torch import nn
from transformers import (
    MODEL_MAPPING,
    AutoConfig,
    AutoModel,
    AutoTokenizer,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers.utils import ModelOutput

from slant.backbones.resolve import resolve_backbone
from slant.config import ModelConfig
from slant.evidence import EvidenceHead
from slant.labels import LabelSet

log = logging.getLogger(__name__)


@dataclass
class SlantOutput(ModelOutput):
    """Sentence logits ``(batch, n_labels)`` and token logits ``(batch, seq, n_labels + 1)``."""

    logits: torch.Tensor | None = None
    token_logits: torch.Tensor | None = None


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average of the token vectors that the attention mask keeps: ``(batch, seq, h) -> (batch, h)``."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


class SlantModel(nn.Module):
    """Encoder + sentence head on mean-pooled states + :class:`EvidenceHead` on every token.

    Mean pooling is how e5 and sentence-transformers encoders were trained, so fine-tuning starts
    from a meaningful sentence vector instead of a randomly initialised [CLS] pooler. One encoder
    pass gives both outputs.
    """

    HEADS = ("classifier", "evidence")

    def __init__(self, encoder: PreTrainedModel, num_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(encoder.config.hidden_size, num_labels)
        self.evidence = EvidenceHead(encoder.config.hidden_size, num_labels, dropout)
        self.config = encoder.config  # Trainer and callers read model.config

    def forward(self, labels=None, token_labels=None, **inputs: torch.Tensor) -> SlantOutput:
        """Targets are accepted (and ignored) so Trainer can pass whole batches; the loss lives in training."""
        hidden = self.encoder(**inputs).last_hidden_state
        pooled = mean_pool(hidden, inputs["attention_mask"])
        return SlantOutput(logits=self.classifier(self.dropout(pooled)), token_logits=self.evidence(hidden))

    def head_state_dict(self) -> dict[str, torch.Tensor]:
        """Weights of the two heads (the encoder is saved by ``save_pretrained``)."""
        return {k: v for k, v in self.state_dict().items() if k.split(".", 1)[0] in self.HEADS}


def encoder_options(config: PretrainedConfig) -> dict[str, bool]:
    """``add_pooling_layer=False`` for architectures that have that switch (BERT, XLM-R...): slant mean-pools."""
    try:
        model_class = MODEL_MAPPING[type(config)]
    except KeyError:
        return {}
    return {"add_pooling_layer": False} if "add_pooling_layer" in inspect.signature(model_class.__init__).parameters else {}


def load_encoder(path: str, config: PretrainedConfig, local_files_only: bool) -> PreTrainedModel:
    """The backbone as a plain ``AutoModel`` without a [CLS] pooler."""
    encoder = AutoModel.from_pretrained(path, config=config, local_files_only=local_files_only,
                                        **encoder_options(config))
    if getattr(encoder, "pooler", None) is not None:
        encoder.pooler = None  # unused with mean pooling; unused parameters would also break DDP
    return encoder


def build_model(cfg: ModelConfig, labels: LabelSet) -> tuple[SlantModel, PreTrainedTokenizerBase]:
    """Load the configured encoder and attach fresh sentence and evidence heads.

    Args:
        cfg: which encoder, its max length and whether to freeze word embeddings.
        labels: output order of the heads; written into the saved ``config.json`` as ``id2label``.

    Returns:
        ``(model, tokenizer)``; see :class:`SlantOutput` for the output shapes.
    """
    backbone = resolve_backbone(cfg)
    config = AutoConfig.from_pretrained(
        backbone.path, local_files_only=backbone.local_files_only,
        num_labels=len(labels), id2label=labels.id2label, label2id=labels.label2id,
    )
    encoder = load_encoder(backbone.path, config, backbone.local_files_only)
    tokenizer = AutoTokenizer.from_pretrained(backbone.path, local_files_only=backbone.local_files_only)
    dropout = cfg.classifier_dropout if cfg.classifier_dropout is not None else 0.1
    model = SlantModel(encoder, len(labels), dropout)
    if cfg.freeze_embeddings:
        # A 250k-row embedding matrix is most of e5-small's weights: freezing it saves most of the
        # backward work and the AdamW state, which dominates CPU training time and memory.
        encoder.get_input_embeddings().requires_grad_(False)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    log.info("backbone %s: %.1fM parameters, %.1fM trainable", backbone.path, total / 1e6, trainable / 1e6)
    return model, tokenizer
