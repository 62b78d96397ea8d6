"""Score sentences and articles with a saved slant model. This is the only inference path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from slant.model_dir import ModelSettings, read_settings, save_model_dir
from slant.segmentation import split_sentences


@dataclass(frozen=True)
class SentencePrediction:
    """One sentence's probabilities and the labels at or above their thresholds."""

    text: str
    start: int
    end: int
    scores: dict[str, float]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class ArticleScore:
    """Sentence predictions of one article and how often each label fires."""

    sentences: tuple[SentencePrediction, ...]
    counts: dict[str, int]
    rates: dict[str, float]
    lang: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable form."""
        return asdict(self)


def pick_device(device: str) -> torch.device:
    """``auto`` means the first CUDA GPU when there is one, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


class Predictor:
    """Multi-label sentence scorer: ``predictor(["..."])`` -> ``list[SentencePrediction]``.

    >>> predictor = Predictor.from_pretrained("outputs/quickstart/model")  # doctest: +SKIP
    >>> predictor(["Police said the suspect had fled."])[0].labels           # doctest: +SKIP
    ('attribution',)
    """

    def __init__(
        self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, settings: ModelSettings,
        device: str = "auto", batch_size: int = 32,
    ) -> None:
        self.device = pick_device(device)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.settings = settings
        self.batch_size = batch_size
        self.labels = settings.labels
        self.thresholds = np.array([settings.thresholds[n] for n in self.labels])
        temperatures = [settings.temperatures.get(n, 1.0) for n in self.labels]
        self._temperatures = torch.tensor(temperatures, dtype=torch.float32, device=self.device)

    @classmethod
    def from_pretrained(cls, model_dir: str | Path, device: str = "auto", batch_size: int = 32) -> Predictor:
        """Load a directory written by training (safetensors only, never remote code)."""
        model_dir = Path(model_dir)
        model = AutoModelForSequenceClassification.from_pretrained(
            model_dir, local_files_only=True, use_safetensors=True
        )
        tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        return cls(model, tokenizer, read_settings(model_dir, model.config.id2label), device, batch_size)

    def save_pretrained(self, out_dir: str | Path) -> Path:
        """Write this predictor's model, tokenizer and settings to ``out_dir``."""
        return save_model_dir(Path(out_dir), self.model, self.tokenizer, self.settings)

    def predict_proba(self, sentences: Sequence[str], progress: bool = False) -> np.ndarray:
        """Calibrated probabilities, shape ``(len(sentences), n_labels)`` in ``self.labels`` order.

        Args:
            sentences: texts to score.
            progress: show a progress bar over batches (for long evaluations).
        """
        texts = [self.settings.text_prefix + s for s in sentences]
        # Sorting by length keeps padding per batch small; results go back in input order.
        order = np.argsort([len(t) for t in texts], kind="stable")
        probs = np.empty((len(texts), len(self.labels)), dtype=np.float32)
        for i in tqdm(range(0, len(texts), self.batch_size), disable=not progress, unit="batch"):
            idx = order[i : i + self.batch_size]
            probs[idx] = self._forward(self._preprocess([texts[j] for j in idx]))
        return probs

    def __call__(self, sentences: Sequence[str]) -> list[SentencePrediction]:
        """Score standalone sentences (offsets are relative to each sentence)."""
        return self._postprocess(list(sentences), [(0, len(s)) for s in sentences], self.predict_proba(sentences))

    def score_article(self, text: str, lang: str = "en") -> ArticleScore:
        """Split ``text`` into sentences, score them, and count label rates."""
        sentences = split_sentences(text, lang)
        texts = [s.text for s in sentences]
        probs = self.predict_proba(texts) if texts else np.zeros((0, len(self.labels)), dtype=np.float32)
        preds = self._postprocess(texts, [(s.start, s.end) for s in sentences], probs)
        counts = {n: sum(n in p.labels for p in preds) for n in self.labels}
        rates = {n: (counts[n] / len(preds) if preds else 0.0) for n in self.labels}
        return ArticleScore(tuple(preds), counts, rates, lang)

    def _preprocess(self, texts: list[str]) -> dict[str, torch.Tensor]:
        batch = self.tokenizer(texts, truncation=True, max_length=self.settings.max_length, padding=True,
                               return_tensors="pt")
        return {k: v.to(self.device) for k, v in batch.items()}

    @torch.inference_mode()
    def _forward(self, batch: dict[str, torch.Tensor]) -> np.ndarray:
        return torch.sigmoid(self.model(**batch).logits.float() / self._temperatures).cpu().numpy()

    def _postprocess(self, texts: list[str], offsets: list[tuple[int, int]], probs: np.ndarray) -> list[SentencePrediction]:
        return [
            SentencePrediction(
                text=text, start=start, end=end,
                scores={n: round(float(p), 4) for n, p in zip(self.labels, row)},
                labels=tuple(n for n, p, t in zip(self.labels, row, self.thresholds) if p >= t),
            )
            for text, (start, end), row in zip(texts, offsets, probs)
        ]
