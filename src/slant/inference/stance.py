"""Stance toward targets: finding a target's mentions in an article, the voice a stance is expressed
in, and the per-target summary of an article. The forward pass lives in :class:`~slant.inference.predictor.Predictor`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from slant.data.records import inside_quotes

AUTHORIAL, REPORTED = "authorial", "reported"
ATTRIBUTION = "attribution"
SUFFIX_LETTERS = 3  # inflected forms of a name: "Putin" finds "Putina", "Putinym", "Merkels"
MIN_STEM = 4  # names shorter than this match whole words only ("EU", "AfD")


@dataclass(frozen=True)
class MentionStance:
    """The stance one sentence takes toward one mention of a target.

    ``start``/``end`` index the scored text (the article, or the sentence for :meth:`Predictor.stance`);
    ``scores`` are calibrated class probabilities; ``voice`` is ``reported`` when the stance is voiced
    by a source (the mention is inside a quotation, or the sentence attributes its content to
    someone) and ``authorial`` otherwise; ``sentence`` indexes the article's sentences (-1 for
    standalone sentences).
    """

    target: str
    text: str
    start: int
    end: int
    stance: str
    scores: dict[str, float]
    voice: str
    sentence: int = -1


@dataclass(frozen=True)
class TargetStance:
    """One target across an article: its mentions and a summary.

    Attributes:
        counts: mentions per stance.
        by_voice: non-neutral mentions per ``"<voice>:<stance>"`` (e.g. ``reported:negative``).
        mean_scores: class probabilities averaged over the mentions.
        stance: the class with the highest mean probability (``none`` without mentions).
    """

    target: str
    mentions: tuple[MentionStance, ...]
    counts: dict[str, int] = field(default_factory=dict)
    by_voice: dict[str, int] = field(default_factory=dict)
    mean_scores: dict[str, float] = field(default_factory=dict)
    stance: str = "none"


def target_names(targets: Sequence[str] | Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """``{target: [name and variants]}`` from a list of names or a mapping of name to variants."""
    if isinstance(targets, str):
        raise TypeError("targets must be a list of names or a {name: [variants]} mapping, not one string")
    if isinstance(targets, Mapping):
        names = {str(k): [str(k), *map(str, v)] for k, v in targets.items()}
    else:
        names = {str(t): [str(t)] for t in targets}
    if any(not n.strip() for variants in names.values() for n in variants):
        raise ValueError("target names must be non-empty")
    return {k: list(dict.fromkeys(v.strip() for v in variants)) for k, variants in names.items()}


def parse_targets(value: str | Sequence[str] | None) -> dict[str, list[str]]:
    """Targets written as text: ``"Vladimir Putin|Putin|Путин,NATO"`` (comma-separated targets, each a
    name and its variants separated by ``|``), or a list of such items. Empty input gives ``{}``."""
    if value is None:
        return {}
    items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    targets: dict[str, list[str]] = {}
    for item in items:
        names = [n.strip() for n in item.split("|") if n.strip()]
        if names:
            targets[names[0]] = list(dict.fromkeys(names))
    return targets


def name_pattern(variants: Sequence[str]) -> re.Pattern[str]:
    """Whole-word matches of any variant, longest first; a variant of ``MIN_STEM`` letters or more may
    carry up to ``SUFFIX_LETTERS`` more letters (inflection: "Putina", "Merkels"); a possessive
    "'s" is left outside the mention."""
    parts = []
    for name in sorted(variants, key=len, reverse=True):
        tail = rf"\w{{0,{SUFFIX_LETTERS}}}" if len(name) >= MIN_STEM else ""
        parts.append(re.escape(name) + tail)
    return re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)")


def find_mentions(sentence: str, variants: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans of a target's mentions in one sentence (offsets relative to it)."""
    return [(m.start(), m.end()) for m in name_pattern(variants).finditer(sentence)]


def stance_voice(sentence: str, start: int, end: int, attributed: bool) -> str:
    """``reported`` when a source voices the sentence's content (it is attributed, or the mention is in
    a quotation), else ``authorial``."""
    return REPORTED if attributed or inside_quotes(sentence, start, end) else AUTHORIAL


def summarise(target: str, mentions: Sequence[MentionStance], classes: Sequence[str]) -> TargetStance:
    """The article-level view of one target's mentions."""
    counts = {c: sum(m.stance == c for m in mentions) for c in classes}
    by_voice: dict[str, int] = {}
    for m in mentions:
        if m.stance != "neutral":
            key = f"{m.voice}:{m.stance}"
            by_voice[key] = by_voice.get(key, 0) + 1
    if not mentions:
        return TargetStance(target, (), counts, by_voice, {})
    mean = {c: round(sum(m.scores[c] for m in mentions) / len(mentions), 6) for c in classes}
    return TargetStance(target, tuple(mentions), counts, by_voice, mean, max(mean, key=mean.get))
