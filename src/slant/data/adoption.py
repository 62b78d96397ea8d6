"""Adopting candidate annotations: move rows, by id, from a candidate folder into a shipped one.

Candidate rounds wait in their own folder until a model trained with them passes the written adoption
rule (``docs/results.md``); adopting them is then a move of whole JSONL lines, never an edit. The move is
all or nothing: every problem is found before the first byte is written, and both folders' ``SHA256SUMS``
are rewritten after it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from slant.atomic import write_text
from slant.data.readers import files_under, read_lines
from slant.data.records import DataError
from slant.data.starter import checksum_problems, write_checksums

_NUMBERED = re.compile(r"^(.*?)(\d+)$")


@dataclass(frozen=True)
class IdRange:
    """Ids from ``first`` to ``last`` that share a prefix and differ in their trailing number.

    >>> "rn-es-e4700" in IdRange.parse("rn-es-e4650..rn-es-e5549")
    True
    >>> "rn-es-e0700" in IdRange.parse("rn-es-e4650..rn-es-e5549"), "rn-pt-e4700" in IdRange.parse("rn-es-e4650")
    (False, False)
    """

    prefix: str
    first: int
    last: int
    text: str = field(default="", compare=False)  # as the user wrote it, zero padding and all

    @classmethod
    def parse(cls, text: str) -> "IdRange":
        """``FIRST..LAST`` (both ends included) or one id; the two ends must share everything but the number."""
        first, _, last = text.partition("..")
        ends = [_NUMBERED.match(end.strip()) for end in (first, last or first)]
        if not all(ends) or ends[0].group(1) != ends[1].group(1) or int(ends[0].group(2)) > int(ends[1].group(2)):
            raise ValueError(f"id range {text!r}: want FIRST..LAST with one prefix and FIRST <= LAST "
                             "(e.g. rn-es-e4650..rn-es-e5549)")
        return cls(ends[0].group(1), int(ends[0].group(2)), int(ends[1].group(2)), text.strip())

    def __contains__(self, row_id: object) -> bool:
        found = _NUMBERED.match(row_id) if isinstance(row_id, str) else None
        return bool(found) and found.group(1) == self.prefix and self.first <= int(found.group(2)) <= self.last


@dataclass
class Move:
    """A planned move of rows between two standoff folders: the ids, and per file name the raw lines that
    go to the target and those that stay in the source."""

    source: Path
    target: Path
    ids: set[str] = field(default_factory=set)
    going: dict[str, list[str]] = field(default_factory=dict)
    staying: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def per_file(self) -> dict[str, int]:
        """Rows moving, per file name."""
        return {name: len(raws) for name, raws in self.going.items()}


def _rows(root: Path) -> dict[str, list[tuple[int, str, str]]]:
    """``file name -> [(line, id, raw line)]`` of a standoff folder (no folder: no rows)."""
    if not root.is_dir():
        return {}
    found: dict[str, list[tuple[int, str, str]]] = {}
    for path in files_under(root, ".jsonl"):
        rows = found.setdefault(path.name, [])
        for line, raw in read_lines(path):
            if not raw.strip():
                continue
            try:
                row_id = json.loads(raw).get("id")
            except (json.JSONDecodeError, AttributeError):
                raise DataError(path, line, "<json>", "not a JSON object") from None
            if not isinstance(row_id, str) or not row_id:
                raise DataError(path, line, "id", "must be a non-empty string")
            rows.append((line, row_id, raw.rstrip("\r\n")))
    return found


def plan_move(source: Path, target: Path, select: Callable[[str], bool]) -> Move:
    """Plan moving every row of ``source`` whose id ``select`` accepts into the same-named file of
    ``target``; reads only. Refused (``DataError``) when either folder's ``SHA256SUMS`` is stale (an
    unrecorded edit would be blessed) or a moving id is already in ``target``."""
    for folder in (source, target):
        if folder.is_dir() and (stale := checksum_problems(folder)):
            raise DataError(folder, None, "SHA256SUMS", "; ".join(stale) + " (adopt only from recorded files)")
    present = {row_id for rows in _rows(target).values() for _, row_id, _ in rows}
    move = Move(source, target)
    for name, rows in _rows(source).items():
        for line, row_id, raw in rows:
            if not select(row_id):
                move.staying.setdefault(name, []).append(raw)
                continue
            if row_id in present or row_id in move.ids:
                raise DataError(source / name, line, "id", f"{row_id} is already in {target}")
            move.ids.add(row_id)
            move.going.setdefault(name, []).append(raw)
    return move


def apply_move(move: Move) -> None:
    """Carry out a planned move: append rows to the target in their order, rewrite or delete (when left
    empty) each source file, and record both folders' ``SHA256SUMS``."""
    move.target.mkdir(parents=True, exist_ok=True)
    for name, raws in move.going.items():
        path = move.target / name
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        write_text(path, old + ("\n" if old and not old.endswith("\n") else "") + "".join(r + "\n" for r in raws))
        if name in move.staying:
            write_text(move.source / name, "".join(r + "\n" for r in move.staying[name]))
        else:
            (move.source / name).unlink()
    for folder in (move.source, move.target):
        if any(folder.glob("*.jsonl")):
            write_checksums(folder)
        elif (folder / "SHA256SUMS").is_file():
            (folder / "SHA256SUMS").unlink()  # nothing left to record


def adopt(candidates: Path, shipped: Path, ranges: Sequence[IdRange] = (),
          crosschecks: tuple[Path, Path] | None = None, dry_run: bool = False) -> tuple[Move, Move | None]:
    """Adopt candidate rows: those in ``ranges`` (every row when none are given), and with them their
    blind cross-check rows (``crosschecks`` = candidate folder, shipped folder), matched by id.

    Both moves are planned before either is applied, so a refusal (a range that matches no candidate row,
    a typo or a round adopted already; a stale checksum; an id already shipped) leaves every file as it was.
    ``dry_run`` plans and checks only.
    """
    rows = plan_move(candidates, shipped, lambda row_id: not ranges or any(row_id in r for r in ranges))
    for id_range in ranges:  # every candidate row in a range is in the plan, so an empty range shows here
        if not any(row_id in id_range for row_id in rows.ids):
            raise DataError(candidates, None, "id", f"no candidate row in {id_range.text}")
    checks = plan_move(*crosschecks, rows.ids.__contains__) if crosschecks else None
    for move in (rows, checks):
        if move is not None and move.ids and not dry_run:  # an empty move writes nothing, not even a folder
            apply_move(move)
    return rows, checks
