"""Score sentences and articles with a saved slant model. This is the only inference path."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from slant.evidence import decode_evidence
from slant.language import detect_language
from slant.model import SlantModel
from slant.model_dir import ModelSettings, load_model, read_settings, save_model_dir
from slant.results import ArticleScore, SentencePrediction, profile
from slant.segmentation import CONTENT, split_sentences

SENTENCES_PER_CHUNK = 512  # articles are scored in chunks so token outputs of a huge text never pile up
WINDOW_STRIDE = 32  # tokens shared by consecutive windows of a sentence longer than max_length


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

    def __call__(self, sentences: Sequence[str], progress: bool = False) -> list[SentencePrediction]:
        """Score standalone sentences with evidence (offsets are relative to each sentence)."""
        return self._predict(list(sentences), [0] * len(sentences), progress)

    def score_article(self, text: str, lang: str | None = None) -> ArticleScore:
        """Split ``text`` into sentences, score the content ones, and build the article profile.

        Args:
            text: the article as a string (decode bytes first). Empty or blank text gives an empty profile.
            lang: ISO code for sentence splitting; detected from the text when ``None``.

        Raises:
            TypeError: ``text`` is not a string. ValueError: it contains NUL bytes (binary data).
        """
        if not isinstance(text, str):
            raise TypeError(f"score_article expects str, got {type(text).__name__}; decode bytes first")
        if "\x00" in text:
            raise ValueError("text contains NUL bytes: this looks like binary data, not an article")
        lang = lang or detect_language(text)
        sentences = split_sentences(text, lang if lang != "und" else "en")
        preds: list[SentencePrediction] = []
        for start in range(0, len(sentences), SENTENCES_PER_CHUNK):
            chunk = sentences[start : start + SENTENCES_PER_CHUNK]
            content = [s for s in chunk if s.kind == CONTENT]
            scored = iter(self._predict([s.text for s in content], [s.start for s in content]))
            preds += [next(scored) if s.kind == CONTENT else
                      SentencePrediction(s.text, s.start, s.end, {}, (), (), s.kind) for s in chunk]
        return profile(preds, self.labels, lang)

    def score_articles(self, texts: Iterable[str], lang: str | None = None) -> Iterator[ArticleScore]:
        """Stream :meth:`score_article` over many articles, one at a time."""
        for text in texts:
            yield self.score_article(text, lang)

    def _predict(self, texts: list[str], starts: list[int], progress: bool = False) -> list[SentencePrediction]:
        probs, tokens = self._run(texts, evidence=True, progress=progress)
        return self._postprocess(texts, starts, probs, tokens)

    def _run(self, sentences: Sequence[str], evidence: bool, progress: bool = False) -> tuple[np.ndarray, list]:
        """The one forward loop: probabilities, and per sentence ``(token_probs, offsets)`` if ``evidence``.

        A sentence longer than ``max_length`` tokens is read in overlapping windows; its label
        probability is the maximum over windows and its tokens are the union of the windows'.
        """
        texts = [self.settings.text_prefix + s for s in sentences]
        # Sorting by length keeps padding per batch small; results go back in input order.
        order = np.argsort([len(t) for t in texts], kind="stable")
        probs = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        tokens: list = [None] * len(texts)
        for i in tqdm(range(0, len(texts), self.batch_size), disable=not progress, unit="batch"):
            idx = order[i : i + self.batch_size]
            batch, offsets, owner = self._preprocess([texts[j] for j in idx])
            window_probs, token_probs = self._forward(batch)
            keep = batch["attention_mask"].bool().cpu().numpy()
            for k, j in enumerate(idx):
                rows = np.flatnonzero(owner == k)
                probs[j] = window_probs[rows].max(axis=0)
                if evidence:
                    tokens[j] = (np.concatenate([token_probs[r][keep[r]] for r in rows]),
                                 [tuple(o) for r in rows for o in offsets[r][keep[r]].tolist()])
        return probs, tokens

    def _preprocess(self, texts: list[str]) -> tuple[dict[str, torch.Tensor], np.ndarray, np.ndarray]:
        batch = self.tokenizer(texts, truncation=True, max_length=self.settings.max_length, padding=True,
                               return_tensors="pt", return_offsets_mapping=True, return_overflowing_tokens=True,
                               stride=min(WINDOW_STRIDE, self.settings.max_length // 4))
        offsets = batch.pop("offset_mapping").numpy()
        owner = batch.pop("overflow_to_sample_mapping").numpy()
        return {k: v.to(self.device) for k, v in batch.items()}, offsets, owner

    @torch.inference_mode()
    def _forward(self, batch: dict[str, torch.Tensor]) -> tuple[np.ndarray, np.ndarray]:
        out = self.model(**batch)
        probs = torch.sigmoid(out.logits.float() / self._temperatures)
        return probs.cpu().numpy(), torch.sigmoid(out.token_logits.float()).cpu().numpy()

    def _postprocess(self, texts: list[str], starts: list[int], probs: np.ndarray, tokens: list) -> list[SentencePrediction]:
        preds = []
        for text, start, row, (token_probs, offsets) in zip(texts, starts, probs, tokens):
            flagged = tuple(n for n, p, t in zip(self.labels, row, self.thresholds) if p >= t)
            # Overlapping windows can find the same words twice: keep each span once.
            evidence = {(e.label, e.start, e.end): e for e in reversed(decode_evidence(
                token_probs, offsets, text, self.labels, flagged, shift=len(self.settings.text_prefix), base=start))}
            preds.append(SentencePrediction(
                text=text, start=start, end=start + len(text),
                scores={n: round(float(p), 6) for n, p in zip(self.labels, row)},
                labels=flagged, evidence=tuple(sorted(evidence.values(), key=lambda e: (e.start, e.label))),
            ))
        return preds
