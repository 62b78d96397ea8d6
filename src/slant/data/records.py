"""The in-memory form of one labelled sentence, and the error every reader raises."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

SPLITS = ("train", "validation", "test")


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
    """One sentence with its labels; a label mapped to ``None`` is unknown for this row."""

    text: str
    labels: dict[str, int | None]
    lang: str = "und"
    source: str = ""
    id: str = ""
    split: str | None = None
    spans: tuple[Span, ...] = field(default_factory=tuple)
