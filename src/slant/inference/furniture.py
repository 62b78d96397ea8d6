"""Decide, line by line, whether scraped text is page furniture, and say why.

Two logistic-regression stages, trained by ``bench/train_furniture.py`` on lines of real pages
(see ``docs/results.md``):

1. each line alone: hashed character n-grams (language-independent, no vocabulary to ship) plus
   layout (length, final punctuation, title case, digits, position, repetition);
2. each line in its page, by a one-hidden-layer network: stage-1 scores of its neighbours and of
   the surrounding windows, and the page's shape, because furniture comes in runs (menus, footers),
   a short line inside the story is story, and a naive scrape is not an extracted article.

A line is furniture when a rule of :mod:`slant.inference.furniture_rules` fires or, in text shaped
like a scrape (:func:`looks_scraped`), stage 2 scores it at or above the shipped threshold. The reason is the rule's, ``repeated`` for a repeated line,
or ``other`` when only the model fires. Weights ship as safetensors (no pickle), about 1 MB.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

import numpy as np

from slant.inference.furniture_rules import rule_reason

WEIGHTS_FILE = "furniture.safetensors"
N_HASH = 2**18
NGRAM_RANGE = (2, 4)
NEIGHBOURS = (-3, -2, -1, 1, 2, 3)
WINDOWS = (3, 10, 30)
N_LAYOUT = 19
# The model reads only text shaped like a scrape (many short lines); an extracted or hand-pasted
# article (few short lines) gets the rule layer alone, where the model would mostly cost content.
SCRAPED_MIN_LINES = 20
SCRAPED_SHORT_SHARE = 0.5
SHORT_LINE_CHARS = 40
FINAL = re.compile(r"[.!?…。！？\"'»”)\]]\s*$")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def hasher():
    """The stateless character n-gram hasher both training and inference use."""
    from sklearn.feature_extraction.text import HashingVectorizer  # deferred: sklearn loads in ~1 s

    return HashingVectorizer(analyzer="char_wb", ngram_range=NGRAM_RANGE, n_features=N_HASH,
                             alternate_sign=False, norm="l2", dtype=np.float32)


def repeated_flags(lines: Sequence[str]) -> list[bool]:
    """Per line: the same stripped line appeared earlier in the document."""
    seen: set[str] = set()
    flags = []
    for line in lines:
        key = line.strip().lower()
        flags.append(key in seen)
        seen.add(key)
    return flags


def layout_features(lines: Sequence[str]) -> np.ndarray:
    """Per line, layout and position in ``[0, ~1]``: shape ``(len(lines), N_LAYOUT)``."""
    n = len(lines)
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.strip().lower()] = counts.get(line.strip().lower(), 0) + 1
    repeated, inside = repeated_flags(lines), inside_sentence(lines)
    rows = []
    for i, line in enumerate(lines):
        text = line.strip()
        words = text.split()
        cjk = len(CJK.findall(text)) / max(len(text), 1)
        n_words = len(words) + len(text) * cjk / 2  # a CJK sentence has no spaces: count characters
        letters = sum(c.isalpha() for c in text) or 1
        rows.append([
            np.log1p(len(text)) / 6, np.log1p(n_words) / 4, float(bool(FINAL.search(text))),
            float(text.endswith(":")), float(text[:1].isupper()), float(text[:1].islower()),
            sum(w[:1].isupper() for w in words) / max(len(words), 1), sum(c.isdigit() for c in text) / max(len(text), 1),
            sum(c.isupper() for c in text) / letters, float(bool(re.search(r"[|•›»©@#]|https?:|www\.", text))),
            i / max(n - 1, 1), float(counts[text.lower()] > 1), float(repeated[i]),
            float(n_words < 4 and not FINAL.search(text)), cjk, np.log1p(n) / 8, float(inside[i]),
            np.log1p(len(lines[i - 1]) if i else 0) / 6, np.log1p(len(lines[i + 1]) if i + 1 < n else 0) / 6,
        ])
    return np.asarray(rows, dtype=np.float32).reshape(n, N_LAYOUT)


def inside_sentence(lines: Sequence[str]) -> list[bool]:
    """Per line: a fragment inside a sentence (the line above ends mid-sentence and this line or the
    next one continues it in lowercase or punctuation), as inline links leave in scraped text."""
    def continues(line: str) -> bool:
        first = line.strip()[:1]
        return first.islower() or (bool(first) and not first.isalnum() and first not in "\"'“„«(")

    flags = []
    for i, line in enumerate(lines):
        open_above = i > 0 and not FINAL.search(lines[i - 1].strip())
        flags.append(open_above and (continues(line) or (i + 1 < len(lines) and continues(lines[i + 1]))))
    return flags


def nearest_distance(positions: np.ndarray, marks: np.ndarray) -> np.ndarray:
    """Distance from each position to the nearest of the sorted, non-empty ``marks`` (linear time)."""
    right = np.clip(np.searchsorted(marks, positions), 0, len(marks) - 1)
    left = np.clip(right - 1, 0, len(marks) - 1)
    return np.minimum(np.abs(positions - marks[left]), np.abs(positions - marks[right]))


def main_block(first: np.ndarray, log_length: np.ndarray) -> tuple[int, int]:
    """``[start, end)`` of the run of lines with the most story in it: the maximum-sum run of
    ``(0.5 - p) * length`` (Kadane's algorithm, linear), as in densest-block boilerplate removal."""
    gain = (0.5 - first) * log_length
    best, best_span, total, start = 0.0, (0, 0), 0.0, 0
    for i, g in enumerate(gain):
        if total <= 0:
            total, start = 0.0, i
        total += g
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


def context_features(first: np.ndarray, layout: np.ndarray) -> np.ndarray:
    """Stage-2 inputs: a line's stage-1 logit, its neighbours', window means and its layout."""
    n = len(first)
    logit = np.log(np.clip(first, 1e-4, 1 - 1e-4) / np.clip(1 - first, 1e-4, 1))
    padded = np.pad(logit, 3, constant_values=0.0)
    neighbours = [padded[3 + k : 3 + k + n] for k in NEIGHBOURS]
    cumulative = np.concatenate([[0.0], np.cumsum(first)])
    windows = []
    for w in WINDOWS:
        lo, hi = np.clip(np.arange(n) - w, 0, n), np.clip(np.arange(n) + w + 1, 0, n)
        windows.append((cumulative[hi] - cumulative[lo]) / np.maximum(hi - lo, 1))
    # How far the line is from the nearest long, story-like line (runs of content are where the story is).
    story = np.flatnonzero((first < 0.3) & (layout[:, 0] > np.log1p(80) / 6))
    distance = nearest_distance(np.arange(n), story) if len(story) else np.full(n, 50)
    block = main_block(first, layout[:, 0])
    inside_block = (np.arange(n) >= block[0]) & (np.arange(n) < block[1])
    to_block = np.maximum(block[0] - np.arange(n), np.arange(n) - block[1] + 1).clip(0)
    # Page-level shape: a naive scrape is many short lines, an extracted article a few long ones.
    short_share = np.full(n, float(np.mean(layout[:, 0] < np.log1p(40) / 6)))
    median_length = np.full(n, float(np.median(layout[:, 0])))
    columns = [logit / 8, *(c / 8 for c in neighbours), *windows, np.log1p(distance) / 4, short_share, median_length,
               inside_block.astype(np.float32), np.log1p(to_block) / 4]
    return np.hstack([np.stack(columns, axis=1).astype(np.float32), layout])


class LineModel:
    """The two-stage furniture classifier; load with :meth:`load`, apply with :meth:`scores`."""

    def __init__(self, tensors: dict[str, np.ndarray], threshold: float) -> None:
        self.ngram_weights = tensors["ngram_weights"]
        self.layout_weights = tensors["layout_weights"]
        self.hidden_weights, self.hidden_bias = tensors["hidden_weights"], tensors["hidden_bias"]
        self.output_weights = tensors["output_weights"]
        self.biases = tensors["biases"]
        self.threshold = threshold

    @classmethod
    def load(cls) -> LineModel:
        """The shipped weights (``slant/resources/furniture.safetensors``)."""
        from safetensors import safe_open

        path = resources.files("slant.resources") / WEIGHTS_FILE
        with resources.as_file(path) as file, safe_open(str(file), framework="numpy") as handle:
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}
            meta = json.loads(handle.metadata()["config"])
        return cls(tensors, float(meta["threshold"]))

    def first_stage(self, lines: Sequence[str], layout: np.ndarray) -> np.ndarray:
        """Per-line furniture probability from the line alone."""
        logits = hasher().transform(lines) @ self.ngram_weights + layout @ self.layout_weights + self.biases[0]
        return 1 / (1 + np.exp(-np.asarray(logits, dtype=np.float64)))

    def scores(self, lines: Sequence[str]) -> np.ndarray:
        """Per-line furniture probability in the context of the whole document, shape ``(len(lines),)``."""
        if not lines:
            return np.zeros(0)
        layout = layout_features(lines)
        hidden = np.maximum(context_features(self.first_stage(lines, layout), layout) @ self.hidden_weights
                            + self.hidden_bias, 0)
        return 1 / (1 + np.exp(-(hidden @ self.output_weights + self.biases[1]).astype(np.float64)))


@lru_cache(maxsize=1)
def line_model() -> LineModel:
    """The shipped model, loaded once per process."""
    return LineModel.load()


def looks_scraped(lines: Sequence[str]) -> bool:
    """Whether a document is shaped like naive-scraper text: enough lines, most of them short."""
    short = sum(len(line.strip()) < SHORT_LINE_CHARS for line in lines)
    return len(lines) >= SCRAPED_MIN_LINES and short >= SCRAPED_SHORT_SHARE * len(lines)


def furniture_reasons(lines: Sequence[str]) -> list[str]:
    """Per line of one document, the furniture reason, or ``""`` for content.

    Args:
        lines: the document's non-blank lines, in order.

    Returns:
        ``cookie``, ``newsletter``, ``form``, ``share``, ``navigation``, ``caption``, ``credit``,
        ``advertisement``, ``comment``, ``paywall``, ``app``, ``byline``, ``timestamp``, ``dateline``,
        ``outlet``, ``repeated``, ``other`` (the model alone), or ``""``.

    >>> furniture_reasons(["Storm closes schools", "Schools across the region shut on Monday as the storm hit.",
    ...                    "Accept all cookies"])[2]
    'cookie'
    """
    model = line_model()
    probabilities = model.scores(lines) if looks_scraped(lines) else np.zeros(len(lines))
    reasons = []
    headline = lines[0].strip().lower() if lines else ""
    for i, (line, repeated, inside, p) in enumerate(zip(lines, repeated_flags(lines), inside_sentence(lines), probabilities)):
        reason = rule_reason(line, i > 0 and line.strip().lower() == headline, inside)
        reasons.append(reason or ("" if p < model.threshold else "repeated" if repeated else "other"))
    return reasons
