"""What the predictor returns: typed, frozen, JSON-serialisable results and the article profile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from slant.inference.evidence import EvidenceSpan
from slant.inference.segmentation import CONTENT
from slant.inference.stance import TargetStance

TOP_SENTENCES = 3


@dataclass(frozen=True)
class SentencePrediction:
    """One sentence's probabilities, the labels at or above their thresholds, and their evidence spans.

    ``start``/``end`` and every evidence span's offsets index the scored text (the article for
    ``score_article``, the sentence itself for ``predictor(sentences)``). Boilerplate sentences
    (``kind="non_content"``) are kept with empty scores and their ``reason``.
    """

    text: str
    start: int
    end: int
    scores: dict[str, float]
    labels: tuple[str, ...]
    evidence: tuple[EvidenceSpan, ...] = ()
    kind: str = CONTENT
    reason: str = ""  # for ``kind="non_content"``: why it is furniture (``cookie``, ``caption``, ...)


@dataclass(frozen=True)
class ArticleScore:
    """An article's sentences and its profile.

    Attributes:
        counts / rates: content sentences flagged per label, and their share of content sentences.
        loaded_voice: loaded evidence spans by voice (``quoted`` vs ``authorial``).
        top: per label, indices into ``sentences`` of the highest-scoring flagged sentences.
        targets: per requested stance target, its mentions with stance and voice, and a summary.
    """

    sentences: tuple[SentencePrediction, ...]
    lang: str
    counts: dict[str, int] = field(default_factory=dict)
    rates: dict[str, float] = field(default_factory=dict)
    loaded_voice: dict[str, int] = field(default_factory=dict)
    top: dict[str, tuple[int, ...]] = field(default_factory=dict)
    n_content: int = 0
    targets: tuple[TargetStance, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable form."""
        return asdict(self)


def profile(sentences: Sequence[SentencePrediction], labels: Sequence[str], lang: str) -> ArticleScore:
    """Aggregate sentence predictions into an :class:`ArticleScore` (content sentences only)."""
    content = [i for i, s in enumerate(sentences) if s.kind == CONTENT]
    counts = {n: sum(n in sentences[i].labels for i in content) for n in labels}
    voices = [e.voice for i in content for e in sentences[i].evidence if e.voice]
    top = {
        n: tuple(sorted((i for i in content if n in sentences[i].labels),
                        key=lambda i: -sentences[i].scores[n])[:TOP_SENTENCES])
        for n in labels
    }
    return ArticleScore(
        sentences=tuple(sentences), lang=lang, counts=counts,
        rates={n: counts[n] / len(content) if content else 0.0 for n in labels},
        loaded_voice={v: voices.count(v) for v in ("quoted", "authorial")}, top=top, n_content=len(content),
    )
