"""Evidence: which words triggered each label, and whether a loaded term is quoted or authorial.

A linear token head reads the encoder's last hidden states (the same forward pass as the sentence
head) and predicts, per token, one probability per label ("this token is evidence for the label")
plus one voice probability ("this loaded term is quoted"). It is trained on the span annotations of
the data; tokens the data says nothing about are NaN targets and masked out of the loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from slant.data.records import Span

VOICE = "voice"  # name of the extra output channel


class EvidenceHead(nn.Module):
    """``(batch, seq, hidden) -> (batch, seq, n_labels + 1)`` token logits; the last channel is voice."""

    def __init__(self, hidden_size: int, num_labels: int, dropout: float = 0.1, prior: float = 0.02) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.proj = nn.Linear(hidden_size, num_labels + 1)
        with torch.no_grad():
            # Evidence tokens are rare: start the label channels at their prior, not at 0.5, so the
            # first steps do not push every token representation towards "no evidence".
            self.proj.bias[:num_labels] = math.log(prior / (1 - prior))

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:  # noqa: D102
        return self.proj(self.dropout(hidden_states))


def token_targets(
    offsets: Sequence[tuple[int, int]], spans: Sequence[Span], labels: Sequence[float], names: Sequence[str],
    shift: int = 0,
) -> list[list[float]]:
    """Per-token targets ``(seq, len(names) + 1)`` for one sentence.

    A label's column is known (0/1) only when the sentence label is known and either negative or
    backed by at least one span of that label; otherwise NaN. The voice column is 1/0 on tokens of
    loaded spans with a voice, NaN elsewhere. Special and prefix tokens are NaN.

    Args:
        offsets: ``(start, end)`` per token in the tokenised string; ``(0, 0)`` for special tokens.
        spans: evidence spans with offsets into the sentence.
        labels: sentence targets in ``names`` order (NaN = unknown).
        shift: characters added before the sentence (the model's text prefix).
    """
    rows = [[math.nan] * (len(names) + 1) for _ in offsets]
    real = [(t, s - shift, e - shift) for t, (s, e) in enumerate(offsets) if e > s and e > shift]
    for j, name in enumerate(names):
        own = [sp for sp in spans if sp.label == name]
        if math.isnan(labels[j]) or (labels[j] == 1 and not own):
            continue
        for t, start, end in real:
            rows[t][j] = float(any(start < sp.end and sp.start < end for sp in own))
    for sp in spans:
        if sp.voice is not None:
            for t, start, end in real:
                if start < sp.end and sp.start < end:
                    rows[t][-1] = float(sp.voice == "quoted")
    return rows


@dataclass(frozen=True)
class EvidenceSpan:
    """Words that triggered ``label``: ``text == article[start:end]``; ``voice`` only for loaded."""

    label: str
    start: int
    end: int
    text: str
    score: float
    voice: str | None = None


def widen_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim spaces and punctuation off ``[start, end)``, then complete a word cut in the middle.

    Sub-word tokens often carry the preceding space ("▁said"), so trimming comes first; only a
    span that starts or ends inside a word grows to the word's edge.
    """
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    if start == end:
        return start, end
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


def token_runs(selected: np.ndarray) -> list[list[int]]:
    """Group selected token indices into runs of consecutive indices."""
    runs: list[list[int]] = []
    for t in np.flatnonzero(selected):
        if runs and runs[-1][-1] == t - 1:
            runs[-1].append(int(t))
        else:
            runs.append([int(t)])
    return runs


def threshold_or_argmax(column: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Tokens at or above ``threshold``; when none is, the most likely token."""
    selected = column >= threshold
    return selected if selected.any() else column == column.max()


def decode_evidence(
    probs: np.ndarray, offsets: Sequence[tuple[int, int]], text: str, names: Sequence[str],
    flagged: Sequence[str], shift: int = 0, base: int = 0,
    select: Callable[[np.ndarray], np.ndarray] = threshold_or_argmax,
) -> list[EvidenceSpan]:
    """Turn token probabilities of one sentence into word-level spans for its flagged labels.

    ``select`` picks tokens from one label's probabilities (special and prefix tokens are -1). The
    default, :func:`threshold_or_argmax`, makes every flagged label name at least one word and
    stays precise; ``bench/evidence_decoding.py`` compares it with looser rules (``docs/results.md``).

    Args:
        probs: ``(seq, len(names) + 1)`` sigmoid outputs of :class:`EvidenceHead`.
        offsets: token offsets into ``prefix + text``; ``shift`` is the prefix length.
        base: offset of ``text`` in the article, added to every span.
    """
    # Only tokens that carry a letter or digit can be evidence: a best token that is punctuation
    # would widen to nothing and leave a flagged label without a span.
    real = np.array([e > shift and any(ch.isalnum() for ch in text[max(s - shift, 0) : e - shift])
                     for s, e in offsets])
    spans = []
    for name in flagged:
        j = names.index(name)
        for run in token_runs(select(np.where(real, probs[:, j], -1.0))):
            start, end = widen_to_words(text, max(offsets[run[0]][0] - shift, 0), offsets[run[-1]][1] - shift)
            if end <= start:
                continue
            voice = None
            if name == "loaded":
                voice = "quoted" if probs[run, -1].mean() >= 0.5 else "authorial"
            spans.append(EvidenceSpan(name, base + start, base + end, text[start:end],
                                      round(float(probs[run, j].max()), 4), voice))
    return spans
