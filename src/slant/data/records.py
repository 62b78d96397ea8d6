"""The in-memory form of one labelled sentence, and the error every reader raises."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

SPLITS = ("train", "validation", "test")
STANCES = ("negative", "neutral", "positive")  # target-dependent stance classes, in head order


class DataError(ValueError):
    """A problem in an input file, located by file, line and field.

    >>> str(DataError("data/x.jsonl", 3, "text", "must be a non-empty string"))
    "data/x.jsonl:3: field 'text': must be a non-empty string"
    """

    def __init__(self, path: str | Path, line: int | None, field: str, message: str) -> None:
        self.path, self.line, self.field = str(path), line, field
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: field '{field}': {message}")


class MissingCorpusError(DataError):
    """A source points at a corpus that is not on this machine (an ``optional`` source is then skipped)."""


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: the same sentence in two splits is one text."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[\W_]+", " ", "".join(c for c in folded if not unicodedata.combining(c))).strip()


QUOTES = {"\"": "\"", "“": "”", "„": "“", "«": "»", "‹": "›", "「": "」", "『": "』", "‚": "‘", "‘": "’", "»": "«"}


def quotation_around(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Bounds ``(first, last + 1)`` of the quoted words around ``text[start:end]``, between a pair of
    quotation marks of any language ("…", „…“, «…», »…«, 「…」), or ``None`` outside quotations."""
    for opening, closing in QUOTES.items():
        before = text.rfind(opening, 0, start)
        after = text.find(closing, end)
        if before >= 0 and after >= 0 and text.find(closing, before + 1, start) < 0:
            return before + 1, after
    return None


def inside_quotes(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies inside a quotation: a silver signal that words are a source's,
    for corpora without voice."""
    return quotation_around(text, start, end) is not None


def quotation_kind(text: str, start: int, end: int) -> str | None:
    """``"scare"`` when the quotation around ``text[start:end]`` holds nothing but these words
    (« élites »), which an outlet also uses in its own voice; ``"quotation"`` for a longer quotation,
    a source's words; ``None`` outside quotation marks."""
    bounds = quotation_around(text, start, end)
    if bounds is None:
        return None
    alone = not text[bounds[0]:start].strip(" ,.;:!?'") and not text[end:bounds[1]].strip(" ,.;:!?'")
    return "scare" if alone else "quotation"


@dataclass(frozen=True)
class Span:
    """Character span ``[start, end)`` of the words that triggered ``label``.

    ``voice`` is ``"quoted"`` or ``"authorial"`` for loaded terms, else ``None``.
    """

    label: str
    start: int
    end: int
    voice: str | None = None


@dataclass(frozen=True)
class Example:
    """One sentence with its labels; a label mapped to ``None`` is unknown for this row.

    A stance row also names a ``target`` (character span of the mention in ``text``) and the
    ``stance`` the sentence takes toward it (one of :data:`STANCES`) and, where annotated, the
    ``stance_voice`` it is expressed in; its sentence labels are unknown.
    """

    text: str
    labels: dict[str, int | None]
    lang: str = "und"
    source: str = ""
    id: str = ""
    split: str | None = None
    spans: tuple[Span, ...] = field(default_factory=tuple)
    target: tuple[int, int] | None = None
    stance: str | None = None
    stance_voice: str | None = None  # ``authorial`` | ``reported`` where annotated (non-neutral stances)

    @property
    def key(self) -> str:
        """What makes two rows the same item across splits: the text, plus the target for stance rows
        (one sentence may hold several targets, each a row of its own)."""
        text = normalise(self.text)
        return text if self.target is None else f"{text}\x00{self.target[0]}:{self.target[1]}"
