"""Readers that turn corpus files into :class:`Example` rows, one registered name per format.

A reader takes a path and the label names and yields examples; it never drops a row silently:
anything malformed raises :class:`DataError` with the file, line and field.
"""

from __future__ import annotations

import csv
import importlib
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from slant.data.records import SPLITS, DataError, Example, Span
from slant.inference.inputs import MAX_SENTENCE_CHARS, text_problem  # the rules scoring applies
from slant.inference.language import ISO_639_1, UNKNOWN, normalise_language
from slant.labels import LabelSet

Reader = Callable[[Path, LabelSet], Iterator[Example]]
READERS: dict[str, Reader] = {}



def register_reader(name: str) -> Callable[[Reader], Reader]:
    """Decorator that makes a reader selectable as ``data.sources.<x>.format=<name>``."""

    def wrap(fn: Reader) -> Reader:
        READERS[name] = fn
        return fn

    return wrap


def get_reader(name: str) -> Reader:
    """Return the reader registered under ``name`` or raise with the known names."""
    importlib.import_module("slant.data.corpora")  # registers the public-corpus converters
    if name not in READERS:
        raise ValueError(f"unknown data format {name!r}; known formats: {sorted(READERS)}")
    return READERS[name]


def files_under(path: Path, suffix: str) -> list[Path]:
    """``path`` itself if it is a file, else every ``*suffix`` file below it, in sorted order."""
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted(p for p in path.rglob(f"*{suffix}") if p.is_file())
        if found:
            return found
        raise DataError(path, None, "path", f"directory has no *{suffix} files")
    raise DataError(path, None, "path", "no such file or directory")


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` of a UTF-8 text file, naming the line of a bad byte."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                yield number, raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as err:
                raise DataError(path, number, "<bytes>", f"not valid UTF-8 ({err.reason})") from None


def json_rows(path: Path) -> Iterator[tuple[Path, int, object]]:
    """``(file, line_number, decoded row)`` of every non-blank line of the ``*.jsonl`` files under
    ``path``; malformed JSON raises a :class:`DataError` naming file and line."""
    for file in files_under(path, ".jsonl"):
        for line, raw in read_lines(file):
            if not raw.strip():
                continue
            try:
                yield file, line, json.loads(raw)
            except json.JSONDecodeError as err:
                raise DataError(file, line, "<json>", f"malformed JSON ({err.msg} at column {err.colno})") from None


def read_table(
    path: Path, delimiter: str, required: Sequence[str], fieldnames: Sequence[str] | None = None,
    quoting: int = csv.QUOTE_MINIMAL,
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, row)`` of a delimited UTF-8 file, checking the ``required`` columns.

    Args:
        fieldnames: column names for files without a header line.
        quoting: ``csv.QUOTE_NONE`` for TSV files whose quote characters are plain text.
    """
    reader = None
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter=delimiter, fieldnames=fieldnames, quoting=quoting)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(path, 1, missing[0], f"missing column; header is {reader.fieldnames}")
            for row in reader:
                if None in row or any(row.get(c) is None for c in required):
                    raise DataError(path, reader.line_num, "<row>", f"expected {len(reader.fieldnames)} columns")
                yield reader.line_num, row
    except UnicodeDecodeError as err:
        raise DataError(path, reader.line_num if reader else None, "<bytes>", f"not valid UTF-8 ({err.reason})") from None
    except csv.Error as err:
        raise DataError(path, reader.line_num if reader else None, "<csv>", str(err)) from None


def check_text(value: object, path: Path, line: int, field: str = "text",
               max_chars: int | None = MAX_SENTENCE_CHARS) -> str:
    """Return ``value`` if it is a usable sentence (at most ``max_chars`` characters; ``None``: any
    length), else raise a located error."""
    if not isinstance(value, str) or not value.strip():
        raise DataError(path, line, field, "must be a non-empty string")
    if problem := text_problem(value):
        raise DataError(path, line, field, problem)
    if max_chars is not None and len(value) > max_chars:
        raise DataError(path, line, field, f"is {len(value)} characters; a sentence is at most {max_chars}")
    return value


def check_label(value: object, path: Path, line: int, field: str) -> int | None:
    """Accept 0/1/true/false, or null for unknown; reject anything else."""
    if value is None:
        return None
    if isinstance(value, bool) or value in (0, 1):
        return int(value)
    raise DataError(path, line, field, f"must be 0, 1 or null, got {value!r}")


def check_lang(value: object, path: str | Path, line: int | None, field: str = "lang") -> str:
    """A row's language as ISO 639-1 (``de-DE``, ``DE``, ``deu`` -> ``de``), ``und`` when absent or
    null; anything else (``xx``, ``english``, a number) raises a located error.

    Per-language metrics, the model card and ``languages`` filters key on this code, so a typo
    must not become a language of its own.
    """
    if value is None or value == "":
        return UNKNOWN
    code = normalise_language(value) if isinstance(value, str) else None
    if code != UNKNOWN and code not in ISO_639_1:
        raise DataError(path, line, field, f"{value!r} is not an ISO 639-1 language code (en, de, pt...) or 'und'")
    return code


def check_span_label(label: str, labels: LabelSet, path: Path, line: int, index: int) -> str:
    """Return ``label`` if it is a configured label; a span of any other label would be ignored by
    training (a typo, or a label left out of ``labels``), so it raises instead."""
    if label not in labels.names:
        raise DataError(path, line, f"spans[{index}].label",
                        f"{label!r} is not one of the configured labels {list(labels.names)}")
    return label


def check_span(raw: object, text: str, labels: LabelSet, path: Path, line: int, index: int) -> Span:
    """Validate one ``{"label", "start", "end", ["text"], ["voice"]}`` span against its sentence and labels."""
    field = f"spans[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("label"), str):
        raise DataError(path, line, field, "must be an object with a string 'label'")
    check_span_label(raw["label"], labels, path, line, index)
    start, end = raw.get("start"), raw.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise DataError(path, line, field, f"offsets {start}..{end} outside the {len(text)}-character text")
    if "text" in raw and text[start:end] != raw["text"]:
        raise DataError(path, line, field, f"text[{start}:{end}] is {text[start:end]!r}, span says {raw['text']!r}")
    voice = raw.get("voice")
    if voice not in (None, "quoted", "authorial"):
        raise DataError(path, line, f"{field}.voice", f"must be 'quoted' or 'authorial', got {voice!r}")
    return Span(raw["label"], start, end, voice)


def parse_slant_row(row: object, labels: LabelSet, path: Path, line: int) -> Example:
    """Validate one decoded JSON row of the slant schema (see ``data/README.md``)."""
    if not isinstance(row, dict):
        raise DataError(path, line, "<row>", "must be a JSON object")
    text = check_text(row.get("text"), path, line)
    split = row.get("split")
    if split is not None and split not in SPLITS:
        raise DataError(path, line, "split", f"must be one of {SPLITS}, got {split!r}")
    spans = row.get("spans") or []
    if not isinstance(spans, list):
        raise DataError(path, line, "spans", "must be a list")
    return Example(
        text=text,
        labels={name: check_label(row.get(name), path, line, name) for name in labels.names},
        lang=check_lang(row.get("lang"), path, line),
        id=str(row.get("id") or f"{path.name}:{line}"),
        split=split,
        spans=tuple(check_span(s, text, labels, path, line, i) for i, s in enumerate(spans)),
    )


@register_reader("slant")
def read_slant_jsonl(path: Path, labels: LabelSet) -> Iterator[Example]:
    """Read slant-schema JSONL: a file, or every ``*.jsonl`` in a directory.

    Each line holds ``text``, optional ``lang`` (ISO 639-1, default ``und``), ``id``, ``split``,
    ``spans`` (each of a configured label) and one key per label with 0, 1 or null (a missing key
    also means unknown).
    """
    for file, line, row in json_rows(path):
        yield parse_slant_row(row, labels, file, line)
