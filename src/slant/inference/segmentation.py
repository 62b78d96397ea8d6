"""Split article text into sentences with exact character offsets, and flag page boilerplate.

Lines are segmented separately (headlines, captions, bullets and bylines have no final full
stop), except that a line ending mid-sentence and followed by a lowercase line is treated as a
hard wrap and joined. Sentence boundaries inside a block come from ``sentencex`` (rules for
~240 languages, quotes handled). Boilerplate of scraped pages (cookie banners, newsletter prompts,
"Read more", bylines, image credits) is kept with ``kind="non_content"``, never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from sentencex import get_sentence_boundaries

from slant.inference.inputs import MAX_SENTENCE_CHARS  # longer "sentences" are cut at spaces into pieces

CONTENT, NON_CONTENT = "content", "non_content"
BULLET = re.compile(r"[•·▪◦●*‣⁃–—-]+\s+(?=\S)")  # a marker then a space: "-5 °C" is no bullet
FINAL = re.compile(r"[.!?…:;\"'»“”„)\]]\s*$")

# Short lines that match one of these are page furniture, not reporting. Multilingual on purpose;
# phrases rather than single words, so that a news sentence about cookies or newsletters survives.
BOILERPLATE = re.compile(
    r"""(
      we[ ]use[ ]cookies | accept[ ](all[ ])?cookies | cookie[ ](settings|policy|preferences) | ^accept[ ]all
    | (subscribe|sign[ ]up)[ ](to|for|now) | our[ ]newsletter | mailing[ ]list | ^read[ ]more | ^related[ ]topics
    | ^share[ ]this | ^follow[ ]us | all[ ]rights[ ]reserved | ^privacy[ ]policy | ^advertisement$ | ^click[ ]here
    | ^(image|photo|picture)[ ](source|credit|copyright) | getty[ ]images | ^(photo|foto|bild|image)\s*[:©]
    | ^© | ^copyright
    | lesen[ ]sie[ ]auch | ^mehr[ ]zum[ ]thema | newsletter[ ]abonnieren | ^werbung$ | cookies[ ]akzeptieren
    | ^lire[ ]aussi | abonnez-vous | inscrivez-vous | ^publicité$ | accepter[ ]les[ ]cookies
    | ^leer[ ]más | ^lee[ ]también | suscríbete | ^publicidad$ | aceptar[ ]cookies
    | ^leggi[ ]anche | iscriviti | ^pubblicità$ | accetta[ ]i[ ]cookie
    | ^czytaj[ ](też|także|więcej) | ^zobacz[ ]także | subskrybuj | ^reklama$ | akceptuj[ ]pliki[ ]cookie
    | ^читайте[ ]также | подписывайтесь | подпишитесь | ^реклама$
    | ^читайте[ ]також | підписуйтесь | підпишіться
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Bylines are case-sensitive (capitalised names) and never end like a sentence.
BYLINE = re.compile(r"^(By|Von|Par|Por|Di|Autor|Автор|Автор:)\s+[A-ZÀ-ÖØ-ÞĄĆĘŁŃÓŚŹŻА-ЯЁІЇЄ][\w'.-]+"
                    r"(\s+[A-ZÀ-ÖØ-ÞĄĆĘŁŃÓŚŹŻА-ЯЁІЇЄ][\w'.-]+){0,3}\s*(,|\||$)")
MAX_BOILERPLATE_CHARS = 160  # a long sentence mentioning "cookies" is reporting, not a banner


@dataclass(frozen=True)
class Sentence:
    """``text == original[start:end]``; ``kind`` is ``content`` or ``non_content`` (boilerplate)."""

    text: str
    start: int
    end: int
    kind: str = CONTENT


def blocks(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line, joining hard-wrapped continuation lines."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\r\n]+", text)]
    i = 0
    while i < len(lines):
        start, end = lines[i]
        while i + 1 < len(lines) and not FINAL.search(text[start:end]) and text[lines[i + 1][0]:].lstrip()[:1].islower():
            i += 1
            end = lines[i][1]
        yield start, end
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
    """Whether a short line looks like page furniture (cookie banner, byline, image credit, ...)."""
    if len(sentence) > MAX_BOILERPLATE_CHARS:
        return False
    byline = BYLINE.match(sentence) is not None and not sentence.endswith((".", "!", "?"))
    return byline or BOILERPLATE.search(sentence) is not None


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
    sentences = []
    for block_start, block_end in blocks(text):
        block = text[block_start:block_end]
        for piece in get_sentence_boundaries(lang, block):
            whole = trimmed(text, block_start + piece["start_index"], block_start + piece["end_index"])
            for start, end in pieces(text, *whole):
                if end > start:
                    chunk = text[start:end]
                    kind = NON_CONTENT if is_boilerplate(chunk) else CONTENT
                    sentences.append(Sentence(chunk, start, end, kind))
    return sentences
