"""Split article text into sentences with exact character offsets, and flag page furniture.

Lines are segmented separately (headlines, captions, bullets and bylines have no final full
stop), except that a line ending mid-sentence and followed, right below, by a lowercase line is a
soft break and joined. Sentence boundaries inside a block come from ``sentencex`` (rules for ~240
languages, quotes handled). Page furniture of scraped pages (cookie banners, newsletter prompts,
navigation, captions, credits, bylines, ...) is decided line by line by
:mod:`slant.inference.furniture` and kept with ``kind="non_content"`` and its ``reason``, never
silently dropped. A sentence never spans a blank line or a furniture line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from sentencex import get_sentence_boundaries

from slant.inference.furniture import furniture_reasons
from slant.inference.furniture_rules import rule_reason
from slant.inference.inputs import MAX_SENTENCE_CHARS  # longer "sentences" are cut at spaces into pieces

CONTENT, NON_CONTENT = "content", "non_content"
BULLET = re.compile(r"[•·▪◦●*‣⁃–—-]+\s+(?=\S)")  # a marker then a space: "-5 °C" is no bullet
FINAL = re.compile(r"[.!?…:;\"'»“”„)\]]\s*$")  # a line ending like this is never joined to the next


@dataclass(frozen=True)
class Sentence:
    """``text == original[start:end]``; ``kind`` is ``content`` or ``non_content`` (page furniture)."""

    text: str
    start: int
    end: int
    kind: str = CONTENT
    reason: str = ""  # why a non-content sentence is furniture (``cookie``, ``caption``, ...); "" for content


def line_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each non-blank line."""
    return [(m.start(), m.end()) for m in re.finditer(r"[^\r\n]*\S[^\r\n]*", text)]


def adjacent(text: str, end: int, next_start: int) -> bool:
    """Whether two lines are separated by a single line break (no blank line between them)."""
    between = text[end:next_start]
    return between.count("\n") + between.count("\r") - between.count("\r\n") <= 1


def blocks(text: str, lines: list[tuple[int, int]], reasons: list[str]) -> Iterator[tuple[int, int, str]]:
    """``(start, end, reason)`` of each block: a furniture line alone, or content lines with the
    hard-wrapped continuations joined (a line ending mid-sentence, then a lowercase line right below).

    Only the last line is tested for a final stop, so the work is linear in the text.
    """
    i = 0
    while i < len(lines):
        start, end = lines[i]
        while (not reasons[i] and i + 1 < len(lines) and not reasons[i + 1] and adjacent(text, end, lines[i + 1][0])
               and not FINAL.search(text, lines[i][0], end) and text[slice(*lines[i + 1])].lstrip()[:1].islower()):
            i += 1
            end = lines[i][1]
        yield start, end, reasons[i]
        i += 1


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop surrounding whitespace and a leading bullet marker."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    bullet = BULLET.match(text, start, end)
    return (bullet.end(), end) if bullet else (start, end)


def is_boilerplate(sentence: str) -> bool:
    """Whether a sentence on its own is page furniture by the rule layer (cookie banner, byline, ...)."""
    return bool(rule_reason(sentence))


def pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut ``[start, end)`` into spans of at most ``MAX_SENTENCE_CHARS``, at whitespace where possible."""
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        yield trimmed(text, start, cut)
        start = cut
    yield trimmed(text, start, end)


def split_sentences(text: str, lang: str = "en") -> list[Sentence]:
    """Segment ``text`` into sentences whose offsets index the original string exactly.

    >>> [s.text for s in split_sentences("Hi there. It rained.\\nRead more")]
    ['Hi there.', 'It rained.', 'Read more']
    >>> split_sentences("Read more")[0].kind
    'non_content'
    """
    lines = line_spans(text)
    reasons = furniture_reasons([text[a:b] for a, b in lines])
    sentences = []
    for block_start, block_end, block_reason in blocks(text, lines, reasons):
        block = text[block_start:block_end]
        for piece in get_sentence_boundaries(lang, block):
            whole = trimmed(text, block_start + piece["start_index"], block_start + piece["end_index"])
            for start, end in pieces(text, *whole):
                if end > start:
                    chunk = text[start:end]
                    reason = block_reason or rule_reason(chunk)
                    sentences.append(Sentence(chunk, start, end, NON_CONTENT if reason else CONTENT, reason))
    return sentences
