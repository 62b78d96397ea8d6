"""Build the model (encoder + sentence head + evidence head) and its tokenizer."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch
from torch import nn

from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from transformers.utils import ModelOutput

from slant.backbones.resolve import resolve_backbone
from slant.config import ModelConfig
from slant.evidence import EvidenceHead
from slant.labels import LabelSet


@dataclass
class SlantOutput(ModelOutput):
    """Sentence logits ``(batch, n_labels)`` and token logits ``(batch, seq, n_labels + 1)``."""

    logits: torch.Tensor | None = None
    token_logits: torch.Tensor | None = None


class SlantModel(nn.Module):
    """A Hugging Face sequence classifier plus an :class:`EvidenceHead` on its last hidden states.

    One encoder pass gives both outputs. The classifier stays a standard ``transformers`` model,
    so a saved directory loads with ``AutoModelForSequenceClassification`` alone.
    """

    def __init__(self, classifier: PreTrainedModel, evidence: EvidenceHead) -> None:
        super().__init__()
        self.classifier = classifier
        self.evidence = evidence
        self.config = classifier.config  # Trainer and callers read model.config

    def forward(self, labels=None, token_labels=None, **inputs: torch.Tensor) -> SlantOutput:
        """Targets are accepted (and ignored) so Trainer can pass whole batches; the loss lives in training."""
        out = self.classifier(**inputs, output_hidden_states=True)
        return SlantOutput(logits=out.logits, token_logits=self.evidence(out.hidden_states[-1]))

log = logging.getLogger(__name__)


def build_model(cfg: ModelConfig, labels: LabelSet) -> tuple[SlantModel, PreTrainedTokenizerBase]:
    """Load the configured encoder with fresh sentence and evidence heads.

    Args:
        cfg: which encoder, its max length and whether to freeze word embeddings.
        labels: output order of the head; written into ``config.id2label``.

    Returns:
        ``(model, tokenizer)``; see :class:`SlantOutput` for the output shapes.
    """
    backbone = resolve_backbone(cfg)
    config = AutoConfig.from_pretrained(
        backbone.path,
        local_files_only=backbone.local_files_only,
        num_labels=len(labels),
        id2label=labels.id2label,
        label2id=labels.label2id,
        problem_type="multi_label_classification",
    )
    if cfg.classifier_dropout is not None:
        config.classifier_dropout = cfg.classifier_dropout
    model = AutoModelForSequenceClassification.from_pretrained(
        backbone.path, config=config, local_files_only=backbone.local_files_only
    )
    tokenizer = AutoTokenizer.from_pretrained(backbone.path, local_files_only=backbone.local_files_only)
    model = SlantModel(model, EvidenceHead(config.hidden_size, len(labels)))
    if cfg.freeze_embeddings:
        # A 250k-row embedding matrix is most of e5-small's weights: freezing it saves most of the
        # backward work and the AdamW state, which dominates CPU training time and memory.
        model.classifier.get_input_embeddings().requires_grad_(False)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    log.info("backbone %s: %.1fM parameters, %.1fM trainable", backbone.path, total / 1e6, trainable / 1e6)
    return model, tokenizer
