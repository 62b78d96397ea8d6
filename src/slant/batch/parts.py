"""The output directory of a batch job: atomic part files, what they cover, and the job manifest.

A part ``part-<first>-<end>.<ext>`` holds the records of input rows ``first`` to ``end - 1``,
in row order. It is written to a temporary name, flushed to disk and renamed, so after a crash
(even ``kill -9``) every part on disk is complete; a restart deletes the temporaries and scores
only the rows no part covers. ``_slant_batch.json`` records what the job is, so a restart with a
different input, model or output format is refused instead of mixing results.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slant.batch.output import ERROR, record_schema, summary_fields

log = logging.getLogger(__name__)

OUTPUT_FORMATS = ("parquet", "jsonl", "csv")
MANIFEST = "_slant_batch.json"
PART = re.compile(r"^part-(\d{9,})-(\d{9,})\.(parquet|jsonl|csv)$")


class JobMismatchError(ValueError):
    """The output directory holds parts of a different job."""


@dataclass(frozen=True)
class PartFile:
    """A finished part: the half-open input row range ``[first, end)`` it covers."""

    path: Path
    first: int
    end: int


def part_name(first: int, end: int, fmt: str) -> str:
    """File name of the part covering rows ``[first, end)``; zero-padded so names sort by row."""
    return f"part-{first:09d}-{end:09d}.{fmt}"


def finished_parts(out_dir: Path, fmt: str) -> list[PartFile]:
    """The complete parts in ``out_dir``, sorted by first row; leftover temporaries are deleted."""
    parts = []
    for path in out_dir.iterdir() if out_dir.is_dir() else ():
        if path.name.startswith(".part-") and path.name.endswith(".tmp"):
            path.unlink()  # a write cut short by a crash: its rows are scored again
        elif (match := PART.match(path.name)) and match.group(3) == fmt:
            parts.append(PartFile(path, int(match.group(1)), int(match.group(2))))
    return sorted(parts, key=lambda p: p.first)


def count_records(part: PartFile) -> int | None:
    """Records in a part (Parquet: from its footer), or ``None`` when the file cannot be read."""
    try:
        if part.path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(part.path).metadata.num_rows
        return len(read_part(part))
    except Exception:  # noqa: BLE001 - any unreadable part (truncated, corrupt, empty) is redone, never trusted
        return None


def verified_parts(out_dir: Path, fmt: str) -> list[PartFile]:
    """The finished parts whose record count matches the rows their name covers.

    A part that fails (truncated or emptied by a disk or copy problem, edited by hand) is deleted,
    so its rows are scored again instead of being trusted or crashing every rerun.
    """
    kept = []
    for part in finished_parts(out_dir, fmt):
        found = count_records(part)
        if found == part.end - part.first:
            kept.append(part)
            continue
        log.warning("%s: %s records for %d rows; deleting it, its rows are scored again", part.path,
                    "unreadable" if found is None else found, part.end - part.first)
        part.path.unlink()
    return kept


def encode_part(records: Sequence[dict[str, Any]], labels: Sequence[str], fmt: str) -> bytes:
    """Serialise records: Parquet with the fixed schema, JSONL one object per line, CSV with nested columns as JSON."""
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        sink = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(list(records), schema=record_schema(labels)), sink)
        return sink.getvalue()
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    text = io.StringIO()
    nested = ("targets", "sentences")
    writer = csv.DictWriter(text, fieldnames=[*summary_fields(labels), *nested])
    writer.writeheader()
    # Records read back from a CSV part (rewritten by a retry) already hold nested columns as JSON text.
    writer.writerows({**r, **{key: as_json(r.get(key)) for key in nested}} for r in records)
    return text.getvalue().encode("utf-8")


def as_json(value: Any) -> str:
    """A nested column in a CSV cell: JSON text (kept as is when it already is text), empty for null."""
    if value is None or value == "":
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def write_part(out_dir: Path, first: int, records: Sequence[dict[str, Any]], labels: Sequence[str], fmt: str) -> PartFile:
    """Write the records of rows ``[first, first + len(records))`` atomically."""
    final = out_dir / part_name(first, first + len(records), fmt)
    temporary = out_dir / f".{final.name}.tmp"
    with temporary.open("wb") as handle:
        handle.write(encode_part(records, labels, fmt))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, final)  # atomic on POSIX: readers see the whole part or none of it
    sync_dir(out_dir)
    return PartFile(final, first, first + len(records))


def sync_dir(path: Path) -> None:
    """Flush a directory entry (the rename) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_part(part: PartFile) -> list[dict[str, Any]]:
    """The records of a part, as dicts (nested columns decoded for CSV)."""
    suffix = part.path.suffix
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(part.path).to_pylist()
    if suffix == ".jsonl":
        with part.path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines]
    with part.path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def count_errors(part: PartFile) -> int:
    """Error records in a finished part (reads only the status column of Parquet)."""
    if part.path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(part.path, columns=["status"]).column("status").to_pylist().count(ERROR)
    return sum(r["status"] == ERROR for r in read_part(part))


def check_manifest(out_dir: Path, job: dict[str, Any]) -> None:
    """Write the job description on a first run; on a restart refuse a different job.

    Raises:
        JobMismatchError: ``out_dir`` holds parts of another input, model, label set or format.
    """
    path = out_dir / MANIFEST
    if not path.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        temporary = out_dir / f".{MANIFEST}.tmp"
        temporary.write_text(json.dumps(job, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)
        return
    previous = json.loads(path.read_text(encoding="utf-8"))
    changed = [k for k in job if previous.get(k) != job[k]]
    if changed:
        detail = "; ".join(f"{k}: was {previous.get(k)!r}, now {job[k]!r}" for k in changed)
        raise JobMismatchError(f"{out_dir} holds another job's output ({detail}); "
                               "use a new output directory or delete this one")
