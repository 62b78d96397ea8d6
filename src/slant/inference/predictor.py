"""Score sentences and articles with a saved slant model. This is the only inference path."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import PreTrainedTokenizerBase

from slant.inference.evidence import decode_evidence
from slant.inference.inputs import text_problem
from slant.inference.language import detect_language, normalise_language
from slant.modeling.checkpoint import load_model, save_model
from slant.modeling.configuration import SlantConfig
from slant.modeling.model import SlantModel
from slant.modeling.precision import apply_precision, compile_for_inference, resolve_precision
from slant.inference.results import ArticleScore, SentencePrediction, profile
from slant.inference.segmentation import CONTENT, split_sentences
from slant.inference.stance import ATTRIBUTION, MentionStance, find_mentions, stance_voice, summarise, target_names
from slant.modeling.stance import encode_stance

Targets = Sequence[str] | Mapping[str, Sequence[str]]

SURROGATE = re.compile("[\ud800-\udfff]")
SENTENCES_PER_CHUNK = 512  # articles are scored in chunks so token outputs of a huge text never pile up
WINDOW_STRIDE = 32  # tokens shared by consecutive windows of a sentence longer than max_seq_length
# A window is padded to its own length rounded up to this, never to a neighbour's: attention over a
# longer padding sums in another order, and int8 rounding turns that last-bit noise into real drift.
PAD_MULTIPLE = 8


def pick_device(device: str) -> torch.device:
    """``auto`` means the first CUDA GPU when there is one, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def check_article(text: object, where: str) -> None:
    """Refuse what is not article text (:func:`~slant.inference.inputs.text_problem`): TypeError for
    non-strings, ValueError for binary data."""
    if problem := text_problem(text):
        raise (TypeError if not isinstance(text, str) else ValueError)(f"{where}: {problem}")


def padded_widths(lengths: np.ndarray, limit: int) -> np.ndarray:
    """Width each window is padded to: its own length rounded up to ``PAD_MULTIPLE``, at most
    ``max(limit, length)``. A function of the window alone, so its scores are the same in any batch.

    >>> padded_widths(np.array([3, 8, 9, 511]), 512).tolist()
    [8, 8, 16, 512]
    """
    rounded = -(-lengths // PAD_MULTIPLE) * PAD_MULTIPLE
    return np.minimum(rounded, np.maximum(limit, lengths))


def same_width_batches(widths: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Window indices in batches of at most ``batch_size`` sharing one width, narrowest first."""
    order = np.argsort(widths, kind="stable")
    runs = np.split(order, np.flatnonzero(np.diff(widths[order])) + 1)
    return [run[i : i + batch_size] for run in runs for i in range(0, len(run), batch_size)]


@dataclass
class Windows:
    """Tokenised sentences, one entry per window (a sentence longer than max_seq_length has several).

    ``owner[w]`` is the index of the sentence window ``w`` belongs to; windows of one sentence are
    consecutive and in reading order. Lists are unpadded: padding happens per batch.
    """

    inputs: dict[str, list[list[int]]]
    offsets: list[list[tuple[int, int]]]
    owner: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per window (what a batch is padded to)."""
        return np.fromiter((len(ids) for ids in self.inputs["input_ids"]), dtype=np.int64, count=len(self.owner))


class Predictor:
    """Multi-label sentence scorer: ``predictor(["..."])`` -> ``list[SentencePrediction]``.

    Sentences are tokenised together, sorted by token length and batched, so each batch is padded
    only to its own longest sentence; :meth:`score_batch` pools the sentences of many articles.

    >>> predictor = Predictor.from_pretrained("outputs/quickstart/model")  # doctest: +SKIP
    >>> predictor(["Police said the suspect had fled."])[0].labels           # doctest: +SKIP
    ('attribution',)
    """

    def __init__(
        self, model: SlantModel, tokenizer: PreTrainedTokenizerBase,
        device: str = "auto", batch_size: int = 32, precision: str = "fp32", compile: bool = False,
    ) -> None:
        self.device = pick_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.model = apply_precision(model.to(self.device).eval(), self.precision)
        # The compiled wrapper only runs forward passes; self.model stays the plain module that is saved.
        self._scorer = compile_for_inference(self.model) if compile else self.model
        self.tokenizer = tokenizer
        self.config: SlantConfig = model.config
        self.batch_size = batch_size
        self.labels = tuple(self.config.labels)
        self.thresholds = np.array([self.config.thresholds[n] for n in self.labels])
        self._voiced = [n for n in self.labels if self.config.voiced(n)]
        prefix = self.config.text_prefix.strip()
        self._prefix_ids = tokenizer(prefix, add_special_tokens=False)["input_ids"] if prefix else []
        self._input_names = [n for n in tokenizer.model_input_names if n in ("input_ids", "attention_mask", "token_type_ids")]

    @classmethod
    def from_pretrained(
        cls, model_dir: str | Path, device: str = "auto", batch_size: int = 32, precision: str = "auto",
        compile: bool = False,
    ) -> Predictor:
        """Load a model saved by training (safetensors only, never remote code).

        Args:
            model_dir: a saved model directory, or a Hugging Face Hub id (the only case that downloads).
            device: ``auto`` (GPU if any), ``cpu``, ``cuda``, ``cuda:1``...
            batch_size: sentences (windows) per forward pass.
            precision: ``auto`` (bf16/fp16 on GPU, fp32 on CPU), ``fp32``, ``bf16``, ``fp16`` or ``int8``
                (CPU); see :mod:`slant.modeling.precision`.
            compile: ``torch.compile`` the model (:func:`~slant.precision.compile_for_inference`): faster
                batches after a one-off compilation, worth it for batch jobs, not for a few sentences.
        """
        model, tokenizer = load_model(model_dir)
        return cls(model, tokenizer, device, batch_size, precision, compile)

    def save_pretrained(self, out_dir: str | Path) -> Path:
        """Write this predictor's model, tokenizer and model card to ``out_dir`` (fp32/bf16/fp16 only)."""
        if self.precision == "int8":
            raise ValueError("an int8 predictor is a run-time mode: save the fp32 model and load it with precision=int8")
        return save_model(Path(out_dir), self.model, self.tokenizer)

    def push_to_hub(self, repo_id: str, **kwargs) -> str:
        """Upload model, tokenizer and model card to the Hugging Face Hub (``kwargs`` go to ``push_to_hub``)."""
        if self.precision == "int8":
            raise ValueError("an int8 predictor is a run-time mode: push the fp32 model")
        import tempfile

        from huggingface_hub import HfApi

        with tempfile.TemporaryDirectory() as tmp:
            self.save_pretrained(tmp)
            HfApi().create_repo(repo_id, exist_ok=True, private=kwargs.pop("private", None))
            return str(HfApi().upload_folder(repo_id=repo_id, folder_path=tmp, **kwargs))

    def predict_proba(self, sentences: Sequence[str], progress: bool = False) -> np.ndarray:
        """Calibrated probabilities, shape ``(len(sentences), n_labels)`` in ``self.labels`` order.

        Args:
            sentences: texts to score.
            progress: show a progress bar over batches (for long evaluations).
        """
        return self._run(sentences, evidence=False, progress=progress)[0]

    def __call__(self, sentences: Sequence[str], progress: bool = False) -> list[SentencePrediction]:
        """Score standalone sentences with evidence (offsets are relative to each sentence)."""
        if isinstance(sentences, str):
            raise TypeError("expected a list of sentences, got one string; wrap it in a list")
        return self._predict(list(sentences), [0] * len(sentences), progress)

    @property
    def stance_labels(self) -> tuple[str, ...]:
        """The stance classes of this model (empty for a model without a stance head)."""
        return tuple(getattr(self.config, "stance_labels", ()) or ())

    def stance_proba(self, sentences: Sequence[str], targets: Sequence[tuple[int, int]]) -> np.ndarray:
        """Calibrated stance probabilities ``(len(sentences), n_classes)`` in :attr:`stance_labels` order.

        Args:
            sentences: texts.
            targets: per sentence, the character span ``(start, end)`` of the target mention.

        Raises:
            ValueError: the model has no stance head, or a span is not inside its sentence.
        """
        if not self.stance_labels:
            raise ValueError("this model has no stance head: train it with stance=true (see docs/stance.md)")
        if len(sentences) != len(targets):
            raise ValueError(f"{len(sentences)} sentences but {len(targets)} targets")
        for i, (text, (start, end)) in enumerate(zip(sentences, targets)):
            check_article(text, f"sentence {i}")
            if not 0 <= start < end <= len(text):
                raise ValueError(f"sentence {i}: target span {start}..{end} is not inside its {len(text)} characters")
        out = np.zeros((len(sentences), len(self.stance_labels)), dtype=np.float32)
        if not sentences:
            return out
        clean = [SURROGATE.sub("\ufffd", s) for s in sentences]
        enc = encode_stance(self.tokenizer, clean, [tuple(t) for t in targets], self.config.text_prefix,
                            self.config.max_seq_length)
        names = [*self._input_names, "target_mask"]
        rows = {k: enc[k] for k in names if k in enc}
        lengths = np.array([len(ids) for ids in rows["input_ids"]])
        widths = padded_widths(lengths, self.config.max_seq_length)
        for idx in same_width_batches(widths, self.batch_size):
            with torch.inference_mode():
                logits = self._scorer(**self._collate(rows, idx, widths[idx[0]])).stance_logits
            out[idx] = torch.softmax(logits.float(), dim=-1).cpu().numpy()  # logits are temperature-scaled
        return out

    def stance(self, sentences: Sequence[str], targets: Sequence[str | tuple[int, int]]) -> list[MentionStance]:
        """Stance of each sentence toward its target, with calibrated probabilities and the voice.

        Args:
            sentences: standalone sentences.
            targets: per sentence, the mention's character span ``(start, end)``, or the mention as a
                string (its first whole-word occurrence).

        Raises:
            ValueError: no stance head, or a target string that does not occur in its sentence.
        """
        if isinstance(sentences, str):
            raise TypeError("expected a list of sentences, got one string; wrap it in a list")
        spans = []
        for i, (text, target) in enumerate(zip(sentences, targets)):
            if isinstance(target, str):
                # a whole-word mention first, else the string anywhere (a name glued to other characters)
                found = find_mentions(text, [target]) if target.strip() else []
                at = text.find(target) if target else -1
                if not found and at < 0:
                    raise ValueError(f"sentence {i}: target {target!r} does not occur in it")
                target = found[0] if found else (at, at + len(target))
            spans.append((int(target[0]), int(target[1])))
        probs = self.stance_proba(list(sentences), spans)
        attributed = self.attributed(list(sentences))
        return [self._mention(text, text[s:e], s, e, row, flag, -1, 0)
                for text, (s, e), row, flag in zip(sentences, spans, probs, attributed)]

    def attributed(self, sentences: Sequence[str]) -> list[bool]:
        """Whether each sentence is flagged ``attribution`` (all False for a model without that label)."""
        if ATTRIBUTION not in self.labels or not sentences:
            return [False] * len(sentences)
        column = self.labels.index(ATTRIBUTION)
        return [bool(p >= self.thresholds[column]) for p in self.predict_proba(sentences)[:, column]]

    def _mention(self, sentence: str, target: str, start: int, end: int, probs: np.ndarray, attributed: bool,
                 index: int, base: int) -> MentionStance:
        classes = self.stance_labels
        return MentionStance(target=target, text=sentence[start:end], start=base + start, end=base + end,
                             stance=classes[int(np.argmax(probs))],
                             scores={c: round(float(p), 6) for c, p in zip(classes, probs)},
                             voice=stance_voice(sentence, start, end, attributed), sentence=index)

    def score_article(self, text: str, lang: str | None = None, targets: Targets | None = None) -> ArticleScore:
        """Split ``text`` into sentences, score the content ones, and build the article profile.

        Args:
            text: the article as a string (decode bytes first). Empty or blank text gives an empty profile.
            lang: ISO code for sentence splitting; detected from the text when ``None``.
            targets: names to find and read stance toward (a list, or ``{name: [variants]}``); the
                result's ``targets`` then holds, per name, every mention with its stance and voice
                and an article-level summary (needs a model with a stance head).

        Raises:
            TypeError: ``text`` is not a string. ValueError: it contains NUL bytes (binary data).
        """
        return self.score_batch([text], lang, targets)[0]

    def score_batch(self, texts: Sequence[str], lang: str | Sequence[str | None] | None = None,
                    targets: Targets | Sequence[Targets | None] | None = None) -> list[ArticleScore]:
        """Score several articles at once: their sentences share length-sorted batches.

        Pooling matters for short articles: one article alone fills few batches. Sentences are
        scored in chunks of ``SENTENCES_PER_CHUNK``, so a huge article never holds all token outputs.

        Args:
            texts: articles as strings.
            lang: one ISO code for all, one per article (``None`` entries are detected), or ``None``.
            targets: stance targets (see :meth:`score_article`): one set for all articles, or one per
                article (a list of lists/mappings, ``None`` for none).

        Returns:
            One :class:`ArticleScore` per text, in order.

        Raises:
            TypeError / ValueError: as :meth:`score_article`, naming the article's position.
        """
        if isinstance(texts, str):
            raise TypeError("score_batch takes a list of articles; use score_article for one string")
        langs = list(lang) if isinstance(lang, (list, tuple)) else [lang] * len(texts)
        if len(langs) != len(texts):
            raise ValueError(f"lang has {len(langs)} codes for {len(texts)} texts: give one per text, one for all, or None")
        for i, text in enumerate(texts):
            check_article(text, f"article {i}")
        # Segmentation and detection read a copy without lone surrogates (one code point each, so
        # offsets hold); sentences keep the original characters.
        clean = [SURROGATE.sub("\ufffd", text) for text in texts]
        langs = [normalise_language(code) or detect_language(text) for code, text in zip(langs, clean)]
        articles = [[replace(s, text=text[s.start : s.end]) for s in split_sentences(plain, code if code != "und" else "en")]
                    for text, plain, code in zip(texts, clean, langs)]
        content = [s for sentences in articles for s in sentences if s.kind == CONTENT]
        scored: list[SentencePrediction] = []
        for start in range(0, len(content), SENTENCES_PER_CHUNK):
            chunk = content[start : start + SENTENCES_PER_CHUNK]
            scored += self._predict([s.text for s in chunk], [s.start for s in chunk])
        results = iter(scored)
        profiles = [profile([next(results) if s.kind == CONTENT else
                             SentencePrediction(s.text, s.start, s.end, {}, (), (), s.kind, s.reason) for s in sentences],
                            self.labels, code)
                    for sentences, code in zip(articles, langs)]
        per_article = self._per_article_targets(targets, len(texts))
        if any(per_article):
            profiles = self._with_targets(profiles, per_article)
        return profiles

    @staticmethod
    def _per_article_targets(targets: Targets | Sequence[Targets | None] | None, n: int) -> list[dict[str, list[str]]]:
        """One ``{target: [variants]}`` per article from ``score_batch``'s ``targets`` argument."""
        if targets is None:
            return [{}] * n
        if isinstance(targets, Mapping) or (isinstance(targets, Sequence) and not isinstance(targets, str)
                                            and all(isinstance(t, str) for t in targets)):
            return [target_names(targets)] * n
        per = list(targets)
        if len(per) != n:
            raise ValueError(f"targets has {len(per)} entries for {n} articles: give one set for all or one per article")
        return [target_names(t) if t else {} for t in per]

    def _with_targets(self, articles: list[ArticleScore], per_article: list[dict[str, list[str]]]) -> list[ArticleScore]:
        """Find each article's target mentions in its content sentences and read their stance in one pass."""
        found = []  # (article, target, sentence index, start, end)
        for a, (article, names) in enumerate(zip(articles, per_article)):
            for name, variants in names.items():
                for i, s in enumerate(article.sentences):
                    if s.kind == CONTENT:
                        found += [(a, name, i, start, end) for start, end in find_mentions(s.text, variants)]
        texts = [articles[a].sentences[i].text for a, _, i, _, _ in found]
        probs = self.stance_proba(texts, [(start, end) for *_, start, end in found])
        mentions: dict[tuple[int, str], list[MentionStance]] = {}
        for (a, name, i, start, end), row in zip(found, probs):
            s = articles[a].sentences[i]
            mentions.setdefault((a, name), []).append(
                self._mention(s.text, name, start, end, row, ATTRIBUTION in s.labels, i, s.start))
        return [replace(article, targets=tuple(summarise(name, mentions.get((a, name), []), self.stance_labels)
                                               for name in names))
                for a, (article, names) in enumerate(zip(articles, per_article))]

    def score_articles(
        self, texts: Iterable[str], lang: str | None = None, articles_per_batch: int = 32,
        targets: Targets | None = None,
    ) -> Iterator[ArticleScore]:
        """Stream :meth:`score_batch` over many articles, ``articles_per_batch`` at a time, in order
        (``targets``: one set of stance targets for every article)."""
        group: list[str] = []
        for text in texts:
            group.append(text)
            if len(group) == articles_per_batch:
                yield from self.score_batch(group, lang, targets)
                group = []
        if group:
            yield from self.score_batch(group, lang, targets)

    def token_scores(self, sentences: Sequence[str], progress: bool = False) -> tuple[np.ndarray, list]:
        """Sentence probabilities and, per sentence, ``(token_probs, offsets)`` of the evidence head.

        Offsets index ``text_prefix + sentence``; :meth:`decode` turns them into predictions, so
        several evidence thresholds can be tried on one forward pass.
        """
        return self._run(sentences, evidence=True, progress=progress)

    def decode(self, texts: Sequence[str], probs: np.ndarray, tokens: list, starts: Sequence[int] | None = None,
               evidence_thresholds: dict[str, float] | None = None) -> list[SentencePrediction]:
        """Predictions with evidence from :meth:`token_scores` output (``starts``: offsets in an article)."""
        return self._postprocess(list(texts), list(starts or [0] * len(texts)), probs, tokens,
                                 evidence_thresholds or self.config.evidence_thresholds)

    def _predict(self, texts: list[str], starts: list[int], progress: bool = False) -> list[SentencePrediction]:
        probs, tokens = self._run(texts, evidence=True, progress=progress)
        return self._postprocess(texts, starts, probs, tokens, self.config.evidence_thresholds)

    def _run(self, sentences: Sequence[str], evidence: bool, progress: bool = False) -> tuple[np.ndarray, list]:
        """The one forward loop: probabilities, and per sentence ``(token_probs, offsets)`` if ``evidence``.

        A sentence longer than ``max_seq_length`` tokens is read in overlapping windows; its label
        probability is the maximum over windows and its tokens are the union of the windows'.
        """
        if isinstance(sentences, str):
            raise TypeError("expected a list of sentences, got one string; wrap it in a list")
        if len(sentences) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32), []
        # Lone surrogates (possible in Python strings) become U+FFFD for the tokenizer only: one code
        # point each, so offsets still index the original text.
        windows = self._preprocess([self.config.text_prefix + SURROGATE.sub("\ufffd", s) for s in sentences])
        lengths = windows.lengths
        # Sorted by token count and batched by padded width (scores never depend on the neighbours);
        # results return in input order.
        widths = padded_widths(lengths, self.config.max_seq_length)
        window_probs = np.zeros((len(lengths), len(self.labels)), dtype=np.float32)
        window_tokens: list = [None] * len(lengths)
        for idx in tqdm(same_width_batches(widths, self.batch_size), disable=not progress, unit="batch"):
            probs, token_probs = self._forward(self._collate(windows.inputs, idx, widths[idx[0]]), evidence)
            window_probs[idx] = probs
            if evidence:
                for row, w in enumerate(idx):
                    window_tokens[w] = token_probs[row, : lengths[w]]
        probs = np.full((len(sentences), len(self.labels)), -np.inf, dtype=np.float32)
        np.maximum.at(probs, windows.owner, window_probs)
        tokens: list = [None] * len(sentences)
        if evidence:
            # A sentence's windows are consecutive: bounds[j]:bounds[j + 1].
            bounds = np.searchsorted(windows.owner, np.arange(len(sentences) + 1))
            for j in range(len(sentences)):
                mine = range(bounds[j], bounds[j + 1])
                tokens[j] = (np.concatenate([window_tokens[w] for w in mine]),
                             [o for w in mine for o in windows.offsets[w]])
        return probs, tokens

    def _preprocess(self, texts: list[str]) -> Windows:
        """Tokenise ``prefix + text`` into windows; every window after the first gets the prefix too.

        Windows are cut ``len(prefix tokens)`` short, then the prefix tokens go in after the first
        special token of each later window, with ``(0, 0)`` offsets so they are never evidence.
        """
        room = self.config.max_seq_length - len(self._prefix_ids)
        encoded = self.tokenizer(texts, truncation=True, max_length=room,
                                 return_offsets_mapping=True, return_overflowing_tokens=True,
                                 stride=min(WINDOW_STRIDE, room // 4))
        inputs = {k: encoded[k] for k in self._input_names if k in encoded}
        offsets = [[tuple(o) for o in window] for window in encoded["offset_mapping"]]
        owner = np.asarray(encoded["overflow_to_sample_mapping"], dtype=np.int64)
        if self._prefix_ids:
            n, at = len(self._prefix_ids), 1 if self.tokenizer.cls_token_id is not None else 0
            later = np.flatnonzero(np.r_[False, owner[1:] == owner[:-1]])
            for w in later:
                for name, rows in inputs.items():
                    fill = self._prefix_ids if name == "input_ids" else [1 if name == "attention_mask" else 0] * n
                    rows[w] = rows[w][:at] + list(fill) + rows[w][at:]
                offsets[w] = offsets[w][:at] + [(0, 0)] * n + offsets[w][at:]
        return Windows(inputs=inputs, offsets=offsets, owner=owner)

    def _collate(self, inputs: dict[str, list[list[int]]], idx: np.ndarray, width: int) -> dict[str, torch.Tensor]:
        """Right-pad the rows ``idx`` of every input field to ``width`` tokens (pad id for
        ``input_ids``, 0 for masks and type ids)."""
        batch = {}
        for name, rows in inputs.items():
            pad = self.tokenizer.pad_token_id if name == "input_ids" else 0
            array = np.full((len(idx), width), pad, dtype=np.int64)
            for r, w in enumerate(idx):
                array[r, : len(rows[w])] = rows[w]
            batch[name] = torch.from_numpy(array).to(self.device)
        return batch

    @torch.inference_mode()
    def _forward(self, batch: dict[str, torch.Tensor], evidence: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        out = self._scorer(**batch)
        probs = torch.sigmoid(out.logits.float())  # the model's logits are already temperature-scaled
        token_probs = torch.sigmoid(out.token_logits.float()).cpu().numpy() if evidence else None
        return probs.cpu().numpy(), token_probs

    def _postprocess(self, texts: list[str], starts: list[int], probs: np.ndarray, tokens: list,
                     evidence_thresholds: dict[str, float]) -> list[SentencePrediction]:
        preds = []
        for text, start, row, (token_probs, offsets) in zip(texts, starts, probs, tokens):
            flagged = tuple(n for n, p, t in zip(self.labels, row, self.thresholds) if p >= t)
            # Overlapping windows can find the same words twice: keep each span once.
            evidence = {(e.label, e.start, e.end): e for e in reversed(decode_evidence(
                token_probs, offsets, text, self.labels, flagged, shift=len(self.config.text_prefix), base=start,
                voiced=self._voiced, thresholds=evidence_thresholds,
                voice_threshold=self.config.voice_threshold))}
            preds.append(SentencePrediction(
                text=text, start=start, end=start + len(text),
                scores={n: round(float(p), 6) for n, p in zip(self.labels, row)},
                labels=flagged, evidence=tuple(sorted(evidence.values(), key=lambda e: (e.start, e.label))),
            ))
        return preds
