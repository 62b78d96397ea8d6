"""Read articles for scoring from text or HTML files, folders, or standard input."""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterator
from pathlib import Path

HTML_SUFFIXES = {".html", ".htm"}
TEXT_SUFFIXES = {".txt", ".text", ".md"}


MAX_ARTICLE_BYTES = 20_000_000  # checked before reading: a bigger file is a dump or a mistake, not an article
MAX_SENTENCE_CHARS = 2000  # a longer "sentence" (a table, a run-on scrape) is cut in pieces, or refused in training data


class InputError(ValueError):
    """An input file that cannot be read as an article, named with the reason."""


def text_problem(text: object) -> str | None:
    """Why ``text`` is not article text, or ``None``: the one rule the API, ``slant score`` and
    ``slant batch`` share (a string, without NUL bytes, which only binary data has)."""
    if not isinstance(text, str):
        return f"expected str, got {type(text).__name__}; decode bytes first"
    if "\x00" in text:
        return "contains NUL bytes: this looks like binary data, not an article"
    return None


def html_to_text(markup: str, name: str) -> str:
    """Main text of a web page via trafilatura (navigation, ads and comments removed)."""
    try:
        import trafilatura
    except ImportError:
        raise InputError(f"{name}: HTML input needs trafilatura: pip install 'slant[html]'") from None
    text = trafilatura.extract(markup, include_comments=False, include_tables=False, favor_precision=True)
    return text or ""


def decode(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) or fail naming the byte; NUL bytes mean a binary file."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(f"{name}: line {line}: not valid UTF-8 at byte {err.start} ({err.reason})") from None
    if problem := text_problem(text):
        line = text[: text.index("\x00")].count("\n") + 1 if "\x00" in text else 1
        raise InputError(f"{name}: line {line}: {problem}")
    return text


def read_article(path: Path) -> str:
    """One file's article text (HTML goes through :func:`html_to_text`).

    The file is checked before it is opened: a FIFO or device would block or never end, and a
    file over :data:`MAX_ARTICLE_BYTES` would be read whole before any other check.
    """
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path}: not a regular file (a FIFO, socket or device); give a file or a folder")
        if info.st_size > MAX_ARTICLE_BYTES:
            raise InputError(f"{path}: {info.st_size:,} bytes, more than the {MAX_ARTICLE_BYTES:,} an article may have")
        text = decode(path.read_bytes(), str(path))
    except OSError as err:
        raise InputError(f"{path}: {err.strerror}") from None
    return html_to_text(text, str(path)) if path.suffix.lower() in HTML_SUFFIXES else text


def read_articles(source: str) -> Iterator[tuple[str, str | InputError]]:
    """Yield ``(name, text)`` from a file, every text/HTML file in a folder (sorted), or ``-`` (stdin).

    A file that cannot be read yields its :class:`InputError` instead of text, so a caller can
    report it and go on: no article is silently skipped.
    """
    if source == "-":
        try:
            raw = sys.stdin.buffer.read(MAX_ARTICLE_BYTES + 1)
            if len(raw) > MAX_ARTICLE_BYTES:
                raise InputError(f"<stdin>: more than the {MAX_ARTICLE_BYTES:,} bytes an article may have")
            yield "-", decode(raw, "<stdin>")
        except InputError as err:
            yield "-", err
        return
    path = Path(source)
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    files = [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in HTML_SUFFIXES | TEXT_SUFFIXES)
        if not files:
            raise InputError(f"{path}: no .txt, .md or .html files inside")
    for file in files:
        try:
            yield str(file), read_article(file)
        except InputError as err:
            yield str(file), err
