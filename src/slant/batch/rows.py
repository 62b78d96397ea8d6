"""Stream the rows of a JSONL, CSV or Parquet input, one :class:`InputRow` per record.

A record that cannot be scored (malformed JSON, a CSV row with the wrong number of fields,
undecodable bytes, a missing or empty text field) still yields a row, carrying the reason, so a
batch job writes an error row for it instead of dropping it. Only problems with the whole file
(unknown format, not a regular file, a configured column absent from the header, schema or first
JSONL record, a Parquet file that cannot be decoded) raise :class:`InputFormatError`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from slant.inference.inputs import text_problem

SURROGATE = re.compile("[\ud800-\udfff]")
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}
PARQUET_ROWS_PER_READ = 1024


class InputFormatError(ValueError):
    """The input file as a whole cannot be read (named with the reason)."""


@dataclass(frozen=True)
class RowSpec:
    """Which fields of a record hold the article and its metadata, and the size limit."""

    text_column: str = "text"
    id_column: str | None = None
    lang_column: str | None = None
    max_chars: int = 1_000_000
    targets_column: str | None = None  # per-row stance targets ("A|variant,B" or a list of names)

    def options(self, text: bool = True) -> list[tuple[str, str]]:
        """The configured columns with the command-line option that names each (``text=False``: id
        and language only)."""
        named = [(self.text_column, "--text-column")] if text else []
        named += [(self.id_column, "--id-column"), (self.lang_column, "--lang-column"),
                  (self.targets_column, "--targets-column")]
        return [(column, option) for column, option in named if column]


@dataclass(frozen=True)
class InputRow:
    """One input record: ``row`` is its 0-based position; ``error`` is set when it cannot be scored."""

    row: int
    text: str | None = None
    id: str | None = None
    lang: str | None = None
    error: str | None = None
    targets: str | None = None  # stance targets as "A|variant,B" (see slant.inference.stance.parse_targets)


def detect_format(path: Path, fmt: str | None = None) -> str:
    """``jsonl``, ``csv`` or ``parquet``: ``fmt`` when given, else from the file suffix."""
    fmt = fmt or FORMATS.get(path.suffix.lower())
    if fmt not in ("jsonl", "csv", "parquet"):
        raise InputFormatError(f"{path}: cannot tell the format from the suffix {path.suffix!r}; "
                               "use .jsonl, .csv or .parquet, or pass --input-format")
    return fmt


def iter_rows(path: Path, spec: RowSpec, fmt: str | None = None) -> Iterator[InputRow]:
    """Yield every record of ``path`` in file order, in bounded memory.

    Args:
        path: the input file.
        spec: columns and limits.
        fmt: ``jsonl``, ``csv`` or ``parquet``; detected from the suffix when ``None``.

    Raises:
        InputFormatError: the file is missing or not a regular file, of unknown format, or lacks a
            configured column.
    """
    check_input(path)
    reader = {"jsonl": _jsonl_rows, "csv": _csv_rows, "parquet": _parquet_rows}[detect_format(path, fmt)]
    return reader(path, spec)


def check_input(path: Path) -> None:
    """Refuse a missing input or one that is not a regular file (a FIFO would block every reader)."""
    if not path.exists():
        raise InputFormatError(f"{path}: no such file")
    if not path.is_file():
        raise InputFormatError(f"{path}: not a regular file; give a .jsonl, .csv or .parquet file")


def check_columns(available: list[str], spec: RowSpec, where: str, text: bool = True) -> None:
    """Refuse up front a configured column the input does not have: a mistyped ``--id-column``
    would otherwise give every row a null id."""
    for column, option in spec.options(text):
        if column not in available:
            raise InputFormatError(f"{where}: no {column!r} column (columns: {', '.join(available) or 'none'}); "
                                   f"check {option}")


def row_text_problem(text: object, where: str, spec: RowSpec) -> str | None:
    """Why ``text`` cannot be scored, or ``None`` when it can."""
    if text is None:
        return f"{where}: field {spec.text_column!r} is missing or null"
    if problem := text_problem(text):
        return f"{where}: field {spec.text_column!r} {problem}"
    if not text.strip():
        return f"{where}: field {spec.text_column!r} is empty"
    if len(text) > spec.max_chars:
        return f"{where}: field {spec.text_column!r} has {len(text):,} characters, more than max_chars={spec.max_chars:,}"
    if SURROGATE.search(text):  # bytes that were not UTF-8 (kept by surrogateescape), or lone surrogates
        return f"{where}: field {spec.text_column!r} is not valid Unicode (undecodable bytes or lone surrogates)"
    return None


def make_row(row: int, record: dict, where: str, spec: RowSpec) -> InputRow:
    """An :class:`InputRow` from one parsed record (a dict of fields)."""
    text = record.get(spec.text_column)
    ident = record.get(spec.id_column) if spec.id_column else None
    lang = record.get(spec.lang_column) if spec.lang_column else None
    # Output parts are UTF-8: an id or language that cannot be written as UTF-8 would crash the part
    # and lose its rows on every rerun, so it becomes an error row (its value dropped) instead.
    meta, error = {}, None
    for key, column, value in (("id", spec.id_column, ident), ("lang", spec.lang_column, lang)):
        value = None if value is None or value == "" else str(value)
        if value is not None and SURROGATE.search(value):
            error = error or f"{where}: field {column!r} is not valid Unicode (undecodable bytes or lone surrogates)"
            value = None
        meta[key] = value
    targets, problem = row_targets(record.get(spec.targets_column) if spec.targets_column else None, where, spec)
    error = error or problem or row_text_problem(text, where, spec)
    return InputRow(row, None, error=error, **meta) if error else InputRow(row, text, targets=targets, **meta)


def row_targets(value: object, where: str, spec: RowSpec) -> tuple[str | None, str | None]:
    """A row's stance targets as one string (a list of names is joined with commas), or the reason the
    field cannot be used."""
    if value is None or value == "" or (isinstance(value, list) and not value):
        return None, None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = ",".join(value)
    if not isinstance(value, str) or SURROGATE.search(value):
        return None, f"{where}: field {spec.targets_column!r} must be text (\"A|variant,B\") or a list of names"
    return value, None


def _jsonl_rows(path: Path, spec: RowSpec) -> Iterator[InputRow]:
    row, checked = 0, False
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue  # blank lines separate nothing in JSONL; they are not records
            where = f"{path}:{number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as err:
                yield InputRow(row, error=f"{where}: undecodable bytes: not valid UTF-8 at byte {err.start}")
            else:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    yield InputRow(row, error=f"{where}: malformed JSON: {err.msg} (column {err.colno})")
                else:
                    if isinstance(record, dict):
                        if not checked:
                            check_columns(list(record), spec, f"{where} (first record)", text=False)
                            checked = True
                        yield make_row(row, record, where, spec)
                    else:
                        yield InputRow(row, error=f"{where}: expected a JSON object, got {type(record).__name__}")
            row += 1


def _csv_rows(path: Path, spec: RowSpec) -> Iterator[InputRow]:
    csv.field_size_limit(2**31 - 1)  # the length limit is max_chars, checked per field with a clear error
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t" if path.suffix.lower() == ".tsv" else ",", strict=True)
        header = next(reader, None) or []
        check_columns(header, spec, f"{path}: line 1 (header)")
        row = 0
        while True:
            start = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                if "unexpected end of data" in str(err):
                    # A quote that never closes would make the rest of the file one text: refuse the file.
                    raise InputFormatError(f"{path}:{start}: a quoted field opened on this line never closes; "
                                           "every later line would be swallowed into it") from None
                yield InputRow(row, error=f"{path}:{reader.line_num}: malformed CSV: {err}")
                row += 1
                continue
            if not fields:
                continue  # an empty line is not a record
            where = f"{path}:{reader.line_num}"
            if len(fields) != len(header):
                yield InputRow(row, error=f"{where}: malformed CSV row: {len(fields)} fields, the header has {len(header)}")
            else:
                yield make_row(row, dict(zip(header, fields)), where, spec)
            row += 1


def _parquet_rows(path: Path, spec: RowSpec) -> Iterator[InputRow]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as err:
        raise InputFormatError(f"{path}: not a readable Parquet file: {err}") from None
    check_columns(table.schema_arrow.names, spec, f"{path} (schema)")
    wanted = list(dict.fromkeys(column for column, _ in spec.options()))
    row = 0
    batches = table.iter_batches(batch_size=PARQUET_ROWS_PER_READ, columns=wanted)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as err:
            # Rows past a corrupt page cannot be located, so the file is refused rather than cut short.
            raise InputFormatError(f"{path}: row {row} onwards cannot be decoded (truncated or corrupt "
                                   f"Parquet): {err}") from None
        for record in batch.to_pylist():
            yield make_row(row, record, f"{path}: row {row}", spec)
            row += 1


def count_rows(path: Path, fmt: str | None = None) -> int | None:
    """Number of records when it is cheap to know (Parquet metadata), else ``None``."""
    if detect_format(path, fmt) != "parquet":
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path).metadata.num_rows
    except (pa.ArrowException, OSError) as err:
        raise InputFormatError(f"{path}: not a readable Parquet file: {err}") from None
