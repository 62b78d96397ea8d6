"""Split text into sentences with exact character offsets into the original string."""

from __future__ import annotations

from dataclasses import dataclass

from sentencex import get_sentence_boundaries


@dataclass(frozen=True)
class Sentence:
    """``text == original[start:end]``, with surrounding whitespace excluded."""

    text: str
    start: int
    end: int


def split_sentences(text: str, lang: str = "en") -> list[Sentence]:
    """Segment ``text`` with sentencex's rules for ``lang`` and trim whitespace off each span.

    >>> [s.text for s in split_sentences("Hi there. It rained.")]
    ['Hi there.', 'It rained.']
    """
    sentences = []
    for piece in get_sentence_boundaries(lang, text):
        start, end = piece["start_index"], piece["end_index"]
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            sentences.append(Sentence(text[start:end], start, end))
    return sentences
