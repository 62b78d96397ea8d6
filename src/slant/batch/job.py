"""``slant batch``: score every row of a file into atomic, resumable output parts.

The job reads the input as a stream, skips the rows that finished parts already cover, cuts the
rest into parts of ``rows_per_part`` rows, scores each part with an engine (in this process, or
on Ray Data) and writes it atomically. Memory stays bounded by a part (times the Ray window).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from slant.batch.parts import (
    JobMismatchError,
    PartFile,
    check_manifest,
    count_errors,
    finished_parts,
    read_part,
    sync_dir,
    verified_parts,
    write_part,
)
from slant.batch.output import ERROR, ScorerSpec
from slant.batch.rows import InputFormatError, InputRow, RowSpec, check_input, count_rows, detect_format, iter_rows
from slant.modeling.checkpoint import model_labels

log = logging.getLogger(__name__)

DONE = "_SUCCESS"
LOCK = ".slant_batch.lock"


@dataclass(frozen=True)
class Part:
    """Consecutive input rows scored and written together, or (``retry``) the error rows of a
    finished part, scored again and merged into it."""

    first: int
    rows: list[InputRow]
    retry: PartFile | None = None

    @property
    def end(self) -> int:
        """One past the last row."""
        return self.first + len(self.rows)


Engine = Callable[[Iterable[Part], ScorerSpec], Iterator[tuple[Part, list[dict[str, Any]]]]]


@dataclass
class BatchSummary:
    """What a run did: ``rows`` in the input, ``errors`` among them, and this run's share of the work."""

    rows: int = 0
    errors: int = 0
    scored_now: int = 0
    skipped: int = 0
    sentences_now: int = 0
    parts: int = 0
    seconds: float = 0.0
    error_examples: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every row was scored, 1 when some rows are error rows."""
        return 1 if self.errors else 0


def local_engine(parts: Iterable[Part], spec: ScorerSpec) -> Iterator[tuple[Part, list[dict[str, Any]]]]:
    """Score parts one after another with one predictor in this process."""
    scorer = spec.build()
    for part in parts:
        yield part, scorer(part.rows)


def pending_parts(rows: Iterable[InputRow], done: list[PartFile], rows_per_part: int) -> Iterator[Part]:
    """Group the rows no finished part covers into parts of at most ``rows_per_part`` consecutive rows."""
    current: list[InputRow] = []
    k = 0
    for row in rows:
        while k < len(done) and done[k].end <= row.row:
            k += 1
        covered = k < len(done) and done[k].first <= row.row
        if current and (covered or len(current) == rows_per_part):
            yield Part(current[0].row, current)
            current = []
        if not covered:
            current.append(row)
    if current:
        yield Part(current[0].row, current)


def retry_parts(rows: Iterable[InputRow], with_errors: list[PartFile]) -> list[Part]:
    """One :class:`Part` per finished part in ``with_errors``: its error rows, read again from the input."""
    wanted = {p: {int(r["row"]) for r in read_part(p) if r["status"] == ERROR} for p in with_errors}
    found: dict[PartFile, list[InputRow]] = {p: [] for p in with_errors}
    owners = {row: p for p, numbers in wanted.items() for row in numbers}
    for row in rows:
        if row.row in owners:
            found[owners[row.row]].append(row)
    return [Part(found[p][0].row, found[p], retry=p) for p in with_errors if found[p]]


def run_batch(
    input_path: Path, out_dir: Path, spec: ScorerSpec, rows: RowSpec = RowSpec(), input_format: str | None = None,
    output_format: str = "parquet", rows_per_part: int = 1000, engine: Engine = local_engine, progress: bool = True,
    retry_errors: bool = False,
) -> BatchSummary:
    """Score every row of ``input_path`` into parts under ``out_dir``; rerun the same call to resume.

    Args:
        input_path: JSONL, CSV or Parquet file with one article per row.
        out_dir: directory of ``part-*`` files (created; a finished job also gets ``_SUCCESS``).
        spec: the model and how to run it.
        rows: which columns hold text, id and language, and the text size limit.
        input_format: ``jsonl``/``csv``/``parquet``; from the suffix when ``None``.
        output_format: ``parquet``, ``jsonl`` or ``csv``.
        rows_per_part: rows per output part: the unit of atomic writes and of work lost to a crash.
        engine: :func:`local_engine` or :func:`slant.batch.ray_engine.ray_engine`.
        progress: show a progress bar with rows/s and sentences/s.
        retry_errors: score the error rows of finished parts again (after a failure that was not the
            input's: memory, a missing extra, a fixed bug); each part is rewritten atomically.

    Returns:
        A :class:`BatchSummary`; every input row has exactly one record in the parts.

    Raises:
        InputFormatError: the input cannot be read as a whole, or ``out_dir`` is a file.
        JobMismatchError: ``out_dir`` holds another job. OSError: ``out_dir`` cannot be created or written.
    """
    started = time.perf_counter()
    fmt = detect_format(input_path, input_format)
    check_input(input_path)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputFormatError(f"{out_dir}: exists and is not a directory; give an output directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    with exclusive(out_dir):
        check_manifest(out_dir, job_description(input_path, fmt, spec, rows, output_format))
        return _run(input_path, out_dir, spec, rows, fmt, output_format, rows_per_part, engine, progress, started,
                    retry_errors)


def _run(input_path: Path, out_dir: Path, spec: ScorerSpec, rows: RowSpec, fmt: str, output_format: str,
         rows_per_part: int, engine: Engine, progress: bool, started: float, retry_errors: bool) -> BatchSummary:
    """The body of :func:`run_batch`, under its lock and after its manifest check."""
    (out_dir / DONE).unlink(missing_ok=True)
    done = verified_parts(out_dir, output_format)
    errors_in = {p: count_errors(p) for p in done}
    retries = retry_parts(iter_rows(input_path, rows, fmt), [p for p in done if errors_in[p]]) if retry_errors else []
    summary = BatchSummary(skipped=sum(p.end - p.first for p in done) - sum(len(p.rows) for p in retries),
                           parts=len(done) - len(retries), errors=sum(errors_in.values()))
    labels = model_labels(Path(spec.model_dir))
    bar = tqdm(total=count_rows(input_path, fmt), initial=summary.skipped, unit="row", disable=not progress,
               desc=f"slant batch {input_path.name}")
    todo = chain(retries, pending_parts(iter_rows(input_path, rows, fmt), done, rows_per_part))
    for part, records in engine(todo, spec):
        if len(records) != len(part.rows) or [r["row"] for r in records] != [r.row for r in part.rows]:
            raise RuntimeError(f"engine returned {len(records)} records for rows {part.first}-{part.end - 1}")
        if part.retry:
            summary.errors -= len(part.rows)
            rescored = {r["row"]: r for r in records}
            write_part(out_dir, part.retry.first, [rescored.get(int(r["row"]), r) for r in read_part(part.retry)],
                       labels, output_format)
        else:
            write_part(out_dir, part.first, records, labels, output_format)
        errors = [r["error"] for r in records if r["status"] == ERROR]
        summary.errors += len(errors)
        summary.error_examples += errors[: max(0, 20 - len(summary.error_examples))]
        summary.scored_now += len(records)
        summary.sentences_now += sum(r["n_content"] or 0 for r in records)
        summary.parts += 1
        bar.update(len(records))
        bar.set_postfix(errors=summary.errors, sent_per_s=f"{summary.sentences_now / bar.format_dict['elapsed']:.0f}"
                        if bar.format_dict["elapsed"] else "-", refresh=False)
    bar.close()
    summary.rows = summary.skipped + summary.scored_now
    summary.seconds = time.perf_counter() - started
    finish(out_dir, summary, output_format)
    return summary


def job_description(input_path: Path, fmt: str, spec: ScorerSpec, rows: RowSpec, output_format: str) -> dict[str, Any]:
    """What must stay the same for a restart to continue a job (the manifest): the input's and the
    model's content, not only their paths. The part size may change between runs (pending rows are
    cut around finished parts); two runs at once are prevented by :func:`exclusive`."""
    model = Path(spec.model_dir)
    model_files = sorted(p for p in model.iterdir() if p.suffix in (".json", ".safetensors")) if model.is_dir() else []
    return {"input": str(input_path.resolve()), "input_bytes": input_path.stat().st_size,
            "input_sha256": file_digest([input_path]), "input_format": fmt, "output_format": output_format,
            "model": str(model.resolve()), "model_sha256": file_digest(model_files),
            "labels": list(model_labels(model)), "precision": spec.precision, "with_sentences": spec.with_sentences,
            "lang": spec.lang, "targets": spec.targets, **asdict(rows)}


def file_digest(paths: list[Path]) -> str:
    """SHA-256 over the bytes of ``paths`` (streamed), with their names."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


@contextmanager
def exclusive(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` so two jobs can never write into it at once.

    Raises:
        JobMismatchError: another process holds it.
    """
    with (out_dir / LOCK).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JobMismatchError(f"{out_dir} is in use by another slant batch job; wait for it or use another "
                                   "output directory") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def finish(out_dir: Path, summary: BatchSummary, output_format: str) -> None:
    """Mark the job complete (after checking the parts tile the input with no gap or overlap)."""
    expected = 0
    for part in finished_parts(out_dir, output_format):
        if part.first != expected:
            raise RuntimeError(f"{out_dir}: rows {expected}-{part.first - 1} have no part (or parts overlap)")
        expected = part.end
    if expected != summary.rows:
        raise RuntimeError(f"{out_dir}: parts cover {expected} rows, the input has {summary.rows}")
    (out_dir / DONE).write_text(f"rows={summary.rows} errors={summary.errors}\n", encoding="utf-8")
    sync_dir(out_dir)

