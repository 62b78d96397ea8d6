"""``SlantConfig``: everything a saved slant model needs besides its weights, in one ``config.json``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from transformers import AutoConfig, PretrainedConfig

DEFAULT_LABELS = ("attribution", "hedging", "loaded")
POOLINGS = ("mean", "mean_max")  # the sentence head's input: see SlantModel.forward
CUE, TERM = "cue", "term"  # label kinds: a term's evidence also carries a voice (quoted / authorial)


class SlantConfig(PretrainedConfig):
    """Labels, decision settings and the wrapped encoder's own config.

    Args:
        encoder: the encoder's config as a dict (``to_dict()`` output, with its ``model_type``).
        labels: output order of the heads.
        thresholds: per label, applied to calibrated probabilities (default 0.5).
        temperatures: per label; the model's logits are ``raw / T`` (default 1, i.e. uncalibrated).
        evidence_thresholds: per label, the token probability that makes a token evidence (default 0.5;
            fitted on validation for whole-cue spans).
        label_kinds: per label, ``"cue"`` (evidence spans) or ``"term"`` (spans with a voice);
            default: ``loaded`` is a term, every other label a cue.
        voice_threshold: a term outside quotation marks is ``quoted`` when the mean quoted-voice
            probability of its tokens reaches this (see ``slant.inference.evidence.term_voice``).
        text_prefix: prepended to every sentence before tokenisation (e5 uses ``"query: "``).
        max_seq_length: tokens per window; longer sentences are read in overlapping windows.
        classifier_dropout: dropout before both heads while training.
        pooling: the sentence head's input, ``"mean"`` of the token vectors or ``"mean_max"`` (mean and
            per-dimension maximum side by side).
        base_model: the encoder's name; ``provenance`` says where its weights really came from.
        training: what the model was trained on (sources, licences, seed, data fingerprint).
        stance_labels: classes of the target-dependent stance head (empty: no stance head).
        stance_temperature: divides the stance logits, so their softmax is calibrated (fitted on validation).
    """

    model_type = "slant"

    def __init__(
        self,
        encoder: Mapping[str, Any] | None = None,
        labels: Sequence[str] = DEFAULT_LABELS,
        thresholds: Mapping[str, float] | None = None,
        temperatures: Mapping[str, float] | None = None,
        evidence_thresholds: Mapping[str, float] | None = None,
        label_kinds: Mapping[str, str] | None = None,
        voice_threshold: float = 0.8,
        text_prefix: str = "",
        max_seq_length: int = 128,
        classifier_dropout: float = 0.1,
        pooling: str = "mean",
        base_model: str = "",
        provenance: str = "",
        training: Mapping[str, Any] | None = None,
        slant_version: str = "",
        stance_labels: Sequence[str] = (),
        stance_temperature: float = 1.0,
        **kwargs: Any,
    ) -> None:
        labels = list(labels)
        self.encoder = dict(encoder or {})
        self.labels = labels
        self.thresholds = per_label("thresholds", thresholds, labels, 0.5, (0.0, float("inf")))  # > 1: never flag
        self.temperatures = per_label("temperatures", temperatures, labels, 1.0, (1e-6, float("inf")))
        self.evidence_thresholds = per_label("evidence_thresholds", evidence_thresholds, labels, 0.5,
                                             (0.0, float("inf")))
        kinds = dict(label_kinds or {})
        self.label_kinds = {name: kinds.get(name, TERM if name == "loaded" else CUE) for name in labels}
        bad = {name: kind for name, kind in self.label_kinds.items() if kind not in (CUE, TERM)}
        if bad:
            raise ValueError(f"label_kinds must be {CUE!r} or {TERM!r}, got {bad}")
        if isinstance(voice_threshold, bool) or not isinstance(voice_threshold, (int, float)) \
                or not 0.0 <= voice_threshold <= 1.0:
            raise ValueError(f"voice_threshold must be a probability in [0, 1], got {voice_threshold!r}")
        self.voice_threshold = float(voice_threshold)
        self.text_prefix = text_prefix
        if isinstance(max_seq_length, bool) or not isinstance(max_seq_length, int) or max_seq_length < 2:
            raise ValueError(f"max_seq_length must be a whole number of tokens >= 2, got {max_seq_length!r}")
        self.max_seq_length = max_seq_length
        self.classifier_dropout = classifier_dropout
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.pooling = pooling
        self.base_model = base_model
        self.provenance = provenance
        self.training = dict(training or {})
        self.slant_version = slant_version
        self.stance_labels = list(stance_labels)
        if isinstance(stance_temperature, bool) or not isinstance(stance_temperature, (int, float)) \
                or not stance_temperature > 0:
            raise ValueError(f"stance_temperature must be a positive number, got {stance_temperature!r}")
        self.stance_temperature = float(stance_temperature)
        for key in ("id2label", "label2id", "num_labels", "problem_type"):
            kwargs.pop(key, None)  # derived from ``labels``
        super().__init__(
            id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)},
            problem_type="multi_label_classification", **kwargs,
        )

    @property
    def encoder_config(self) -> PretrainedConfig:
        """The wrapped encoder's config object (BERT, XLM-R, ...)."""
        if "model_type" not in self.encoder:
            raise ValueError("SlantConfig.encoder has no model_type: was this config built by slant?")
        values = dict(self.encoder)
        return AutoConfig.for_model(values.pop("model_type"), **values)

    @property
    def hidden_size(self) -> int:
        """Width of the encoder's token vectors (what the heads read)."""
        return int(self.encoder.get("hidden_size") or self.encoder_config.hidden_size)

    def voiced(self, label: str) -> bool:
        """Whether ``label``'s evidence carries a voice (quoted or authorial)."""
        return self.label_kinds.get(label) == TERM


def per_label(field: str, values: Mapping[str, Any] | None, labels: Sequence[str], default: float,
              bounds: tuple[float, float]) -> dict[str, float]:
    """``{label: number}`` for every label (``default`` where absent); a value that is not a number
    in ``bounds`` raises ``ValueError`` naming ``field`` and the label (a hand-edited config)."""
    given = dict(values or {})
    result = {}
    for name in labels:
        value = given.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not bounds[0] <= value <= bounds[1]:
            raise ValueError(f"{field}[{name!r}] must be a number in [{bounds[0]}, {bounds[1]}], got {value!r}")
        result[name] = float(value)
    return result
