"""Decode the evidence head's token probabilities into word spans: which words triggered each
flagged label, and whether a term (a loaded word) is quoted or the outlet's own."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from slant.data.records import quotation_kind


@dataclass(frozen=True)
class EvidenceSpan:
    """Words that triggered ``label``: ``text == article[start:end]``; ``voice`` only for term labels (loaded)."""

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


NEAR_MAX = 0.8  # 0.5 spread over whole quoted clauses; see threshold_or_grown_argmax


def grow_runs(column: np.ndarray, seeds: np.ndarray, floor: float) -> np.ndarray:
    """``seeds`` grown token by token into neighbours whose probability reaches ``floor``.

    Tokens that cannot be evidence (-1: special, prefix, punctuation) stop the growth.
    """
    grown = np.zeros_like(seeds)
    for run in token_runs(seeds | (column >= floor)):
        if seeds[run].any():
            grown[run] = True
    return grown


def threshold_or_grown_argmax(column: np.ndarray, threshold: float = 0.5, near: float = NEAR_MAX) -> np.ndarray:
    """Tokens at or above ``threshold``; when none is, the most likely token grown into its
    neighbours that reach ``near`` times its probability.

    The head is often unsure of every word of a cue ("odiosa perseguição judicial" at 0.3-0.4): the
    most likely token alone names one word of it. Growing only into neighbours keeps the span one
    phrase, where a sentence-wide relative cut also took stray words ("attack" two words after "a gang
    of fascists"). Loaded-span character-F1 on validation (``bench/evidence_decoding.py``), against the
    most likely token alone: real news 0.715 against 0.642 (20 sentences), starter 0.674 against 0.640
    (134); attribution and hedging unchanged. ``near`` 0.5 scored 0.774 on the 20 real sentences but
    0.642 on the starter's 134 and spread over whole quoted clauses.
    """
    selected = column >= threshold
    if selected.any():
        return selected
    top = column.max()
    return grow_runs(column, column == top, near * top) if top > 0 else column == top


def term_voice(text: str, start: int, end: int, channel: float, voice_threshold: float = 0.8) -> str:
    """``"quoted"`` or ``"authorial"`` for the term ``text[start:end]``, given ``channel``, the mean
    quoted-voice probability of its tokens.

    Words inside a longer quotation are a source's. Scare quotes around the term alone are used by
    sources and outlets alike, so the channel decides at 0.5. Outside quotation marks only indirect
    speech is quoted, and the channel leans towards "quoted" for the outlet's own terms there, hence
    the higher ``voice_threshold`` (``bench/voice.py`` compares these rules).
    """
    bar = {"quotation": 0.0, "scare": 0.5, None: voice_threshold}[quotation_kind(text, start, end)]  # 0: always
    return "quoted" if channel >= bar else "authorial"


def decode_evidence(
    probs: np.ndarray, offsets: Sequence[tuple[int, int]], text: str, names: Sequence[str],
    flagged: Sequence[str], shift: int = 0, base: int = 0,
    select: Callable[[np.ndarray, float], np.ndarray] = threshold_or_grown_argmax, voiced: Collection[str] = ("loaded",),
    thresholds: Mapping[str, float] | None = None, voice_threshold: float = 0.8,
) -> list[EvidenceSpan]:
    """Turn token probabilities of one sentence into word-level spans for its flagged labels.

    ``select(column, threshold)`` picks tokens from one label's probabilities (special and prefix
    tokens are -1). The default, :func:`threshold_or_grown_argmax`, makes every flagged label name at least
    one word; its per-label ``thresholds`` (default 0.5) are fitted on validation at training time so
    that spans cover whole cues. ``bench/evidence_decoding.py`` compares decoding rules.

    Args:
        probs: ``(seq, len(names) + 1)`` sigmoid outputs of :class:`EvidenceHead`.
        offsets: token offsets into ``prefix + text``; ``shift`` is the prefix length.
        base: offset of ``text`` in the article, added to every span.
        voiced: labels whose spans get a voice (the config's ``term`` labels).
        thresholds: token threshold per label (missing labels: 0.5).
        voice_threshold: see :func:`term_voice`.
    """
    # Only tokens that carry a letter or digit can be evidence: a best token that is punctuation
    # would widen to nothing and leave a flagged label without a span.
    real = np.array([e > shift and any(ch.isalnum() for ch in text[max(s - shift, 0) : e - shift])
                     for s, e in offsets])
    if not real.any():
        return []  # "😡" alone: nothing a span could point at
    spans = []
    for name in flagged:
        j = names.index(name)
        threshold = (thresholds or {}).get(name, 0.5)
        for run in token_runs(select(np.where(real, probs[:, j], -1.0), threshold)):
            start, end = widen_to_words(text, max(offsets[run[0]][0] - shift, 0), offsets[run[-1]][1] - shift)
            if end <= start:
                continue
            voice = None
            if name in voiced:
                voice = term_voice(text, start, end, float(probs[run, -1].mean()), voice_threshold)
            spans.append(EvidenceSpan(name, base + start, base + end, text[start:end],
                                      round(float(probs[run, j].max()), 4), voice))
    return spans
