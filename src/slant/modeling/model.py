"""``SlantModel``: one encoder, a mean-pooled sentence head and a token evidence head, as a Hugging
Face ``PreTrainedModel`` (one ``config.json`` + one ``model.safetensors``)."""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass

import torch
from torch import nn
from transformers import MODEL_MAPPING, AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.utils import ModelOutput

from slant.modeling.configuration import SlantConfig
from slant.modeling.heads import EvidenceHead, max_pool, mean_pool

log = logging.getLogger(__name__)


@dataclass
class SlantOutput(ModelOutput):
    """Calibrated sentence logits ``(batch, n_labels)``, token logits ``(batch, seq, n_labels + 1)`` and,
    for a model with a stance head given a ``target_mask``, calibrated stance logits ``(batch, n_stances)``."""

    logits: torch.Tensor | None = None
    token_logits: torch.Tensor | None = None
    stance_logits: torch.Tensor | None = None


def encoder_options(config: PretrainedConfig) -> dict[str, bool]:
    """``add_pooling_layer=False`` for architectures that have that switch (BERT, XLM-R...): slant mean-pools."""
    try:
        model_class = MODEL_MAPPING[type(config)]
    except KeyError:
        return {}
    return {"add_pooling_layer": False} if "add_pooling_layer" in inspect.signature(model_class.__init__).parameters else {}


def drop_pooler(encoder: PreTrainedModel) -> PreTrainedModel:
    """Remove a [CLS] pooler: unused with mean pooling, and unused weights would break DDP."""
    if getattr(encoder, "pooler", None) is not None:
        encoder.pooler = None
    return encoder


class SlantModel(PreTrainedModel):
    """Encoder + sentence head on pooled states (``config.pooling``) + :class:`EvidenceHead` on every token (+ a stance
    head on the sentence and target vectors when ``config.stance_labels`` is set).

    Mean pooling is how e5 and sentence-transformers encoders were trained, so fine-tuning starts
    from a meaningful sentence vector instead of a randomly initialised [CLS] pooler. One encoder
    pass gives both outputs. The sentence logits are divided by the per-label temperatures of the
    config, so ``sigmoid(logits)`` are calibrated probabilities (temperatures are 1 until training
    fits them on validation).

    >>> from transformers import AutoModel
    >>> import slant  # registers SlantConfig and SlantModel with the Auto classes
    >>> model = AutoModel.from_pretrained("outputs/quickstart/model")  # doctest: +SKIP
    """

    config_class = SlantConfig
    base_model_prefix = "slant"
    main_input_name = "input_ids"

    def __init__(self, config: SlantConfig, encoder: PreTrainedModel | None = None) -> None:
        super().__init__(config)
        if encoder is None:
            encoder_config = config.encoder_config
            encoder = AutoModel.from_config(encoder_config, **encoder_options(encoder_config))
        self.encoder = drop_pooler(encoder)
        self.dropout = nn.Dropout(config.classifier_dropout)
        width = 2 * config.hidden_size if config.pooling == "mean_max" else config.hidden_size
        self.classifier = nn.Linear(width, len(config.labels))
        self.evidence = EvidenceHead(config.hidden_size, len(config.labels), config.classifier_dropout)
        # Stance toward a target reads the whole input and the target's own tokens: the same sentence
        # can praise one target and attack another.
        self.stance = nn.Linear(2 * config.hidden_size, len(config.stance_labels)) if config.stance_labels else None
        self.post_init()

    @classmethod
    def from_encoder(cls, path: str, config: SlantConfig, local_files_only: bool = True) -> SlantModel:
        """Wrap a pretrained encoder checkpoint with fresh heads (the start of fine-tuning).

        ``config.encoder`` is filled in from the checkpoint's own config.
        """
        encoder_config = AutoConfig.from_pretrained(path, local_files_only=local_files_only)
        encoder = AutoModel.from_pretrained(path, config=encoder_config, local_files_only=local_files_only,
                                            **encoder_options(encoder_config))
        config.encoder = {k: v for k, v in encoder_config.to_dict().items()
                          if k not in ("id2label", "label2id", "architectures", "transformers_version")}
        return cls(config, encoder=encoder)

    def _init_weights(self, module: nn.Module) -> None:
        """Heads: small normal weights (and the evidence prior); encoder modules: the encoder's own rule."""
        if module is getattr(self, "classifier", None) or module is getattr(self, "stance", None):
            nn.init.normal_(module.weight, std=0.02)
            nn.init.zeros_(module.bias)
        elif module is getattr(getattr(self, "evidence", None), "proj", None):
            nn.init.normal_(module.weight, std=0.02)
            self.evidence.reset_prior()
        elif hasattr(self, "encoder") and hasattr(self.encoder, "_init_weights"):
            self.encoder._init_weights(module)

    def set_temperatures(self, temperatures: dict[str, float]) -> None:
        """Store calibration temperatures (per label) in the config, where ``forward`` reads them."""
        self.config.temperatures = {n: float(temperatures.get(n, 1.0)) for n in self.config.labels}

    def forward(
        self, input_ids: torch.Tensor | None = None, attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None, token_labels: torch.Tensor | None = None,
        target_mask: torch.Tensor | None = None, stance_labels: torch.Tensor | None = None, **inputs: torch.Tensor,
    ) -> SlantOutput:
        """Targets are accepted (and ignored) so ``Trainer`` can pass whole batches; the masked loss
        lives in :mod:`slant.training`, where unknown labels are known to be NaN.

        ``target_mask`` ``(batch, seq)`` marks the tokens of each row's stance target (see
        :func:`slant.modeling.stance.encode_stance`); rows without a target have an all-zero mask."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **inputs).last_hidden_state
        pooled = mean_pool(hidden, attention_mask)
        features = pooled
        if self.config.pooling == "mean_max":  # one loaded word in a 40-word sentence is not averaged away
            features = torch.cat([pooled, max_pool(hidden, attention_mask)], dim=-1)
        # Read from the config on every call (not a buffer): the config is the one source of truth,
        # and a non-persistent buffer would be left uninitialised by from_pretrained's meta-device load.
        temperature = torch.tensor([self.config.temperatures[n] for n in self.config.labels],
                                   dtype=hidden.dtype, device=hidden.device)
        logits = self.classifier(self.dropout(features)) / temperature
        stance_logits = None
        if self.stance is not None and target_mask is not None:
            target = mean_pool(hidden, target_mask)
            stance_logits = self.stance(self.dropout(torch.cat([pooled, target], dim=-1))) / self.config.stance_temperature
        return SlantOutput(logits=logits, token_logits=self.evidence(hidden), stance_logits=stance_logits)
