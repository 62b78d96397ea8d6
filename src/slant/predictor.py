"""Score sentences and articles with a saved slant model. This is the only inference path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from slant.evidence import EvidenceSpan, decode_evidence
from slant.model import SlantModel
from slant.model_dir import ModelSettings, load_model, read_settings, save_model_dir
from slant.segmentation import split_sentences


@dataclass(frozen=True)
class SentencePrediction:
    """One sentence's probabilities, the labels at or above their thresholds, and their evidence spans.

    ``start``/``end`` and every evidence span's offsets index the scored text (the article for
    :meth:`Predictor.score_article`, the sentence itself for ``predictor(sentences)``).
    """

    text: str
    start: int
    end: int
    scores: dict[str, float]
    labels: tuple[str, ...]
    evidence: tuple[EvidenceSpan, ...] = ()


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
        self, model: SlantModel, tokenizer: PreTrainedTokenizerBase, settings: ModelSettings,
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
        model = load_model(model_dir)
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
        return self._run(sentences, evidence=False, progress=progress)[0]

    def __call__(self, sentences: Sequence[str]) -> list[SentencePrediction]:
        """Score standalone sentences (offsets are relative to each sentence)."""
        probs, tokens = self._run(sentences, evidence=True)
        return self._postprocess(list(sentences), [0] * len(sentences), probs, tokens)

    def score_article(self, text: str, lang: str = "en") -> ArticleScore:
        """Split ``text`` into sentences, score them, and count label rates."""
        sentences = split_sentences(text, lang)
        texts = [s.text for s in sentences]
        probs, tokens = self._run(texts, evidence=True)
        preds = self._postprocess(texts, [s.start for s in sentences], probs, tokens)
        counts = {n: sum(n in p.labels for p in preds) for n in self.labels}
        rates = {n: (counts[n] / len(preds) if preds else 0.0) for n in self.labels}
        return ArticleScore(tuple(preds), counts, rates, lang)

    def _run(self, sentences: Sequence[str], evidence: bool, progress: bool = False) -> tuple[np.ndarray, list]:
        """The one forward loop: probabilities, and per sentence ``(token_probs, offsets)`` if ``evidence``."""
        texts = [self.settings.text_prefix + s for s in sentences]
        # Sorting by length keeps padding per batch small; results go back in input order.
        order = np.argsort([len(t) for t in texts], kind="stable")
        probs = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        tokens: list = [None] * len(texts)
        for i in tqdm(range(0, len(texts), self.batch_size), disable=not progress, unit="batch"):
            idx = order[i : i + self.batch_size]
            batch, offsets = self._preprocess([texts[j] for j in idx])
            probs[idx], token_probs = self._forward(batch)
            if evidence:
                keep = batch["attention_mask"].bool().cpu().numpy()
                for k, j in enumerate(idx):
                    tokens[j] = (token_probs[k][keep[k]], offsets[k][keep[k]].tolist())
        return probs, tokens

    def _preprocess(self, texts: list[str]) -> tuple[dict[str, torch.Tensor], np.ndarray]:
        batch = self.tokenizer(texts, truncation=True, max_length=self.settings.max_length, padding=True,
                               return_tensors="pt", return_offsets_mapping=True)
        offsets = batch.pop("offset_mapping").numpy()
        return {k: v.to(self.device) for k, v in batch.items()}, offsets

    @torch.inference_mode()
    def _forward(self, batch: dict[str, torch.Tensor]) -> tuple[np.ndarray, np.ndarray]:
        out = self.model(**batch)
        probs = torch.sigmoid(out.logits.float() / self._temperatures)
        return probs.cpu().numpy(), torch.sigmoid(out.token_logits.float()).cpu().numpy()

    def _postprocess(self, texts: list[str], starts: list[int], probs: np.ndarray, tokens: list) -> list[SentencePrediction]:
        preds = []
        for text, start, row, (token_probs, offsets) in zip(texts, starts, probs, tokens):
            flagged = tuple(n for n, p, t in zip(self.labels, row, self.thresholds) if p >= t)
            evidence = decode_evidence(token_probs, offsets, text, self.labels, flagged,
                                       shift=len(self.settings.text_prefix), base=start)
            preds.append(SentencePrediction(
                text=text, start=start, end=start + len(text),
                scores={n: round(float(p), 4) for n, p in zip(self.labels, row)},
                labels=flagged, evidence=tuple(evidence),
            ))
        return preds
