"""Turn annotators' rows (sentence text, labels, span strings) into the standoff rows this folder ships.

    python data/realnews/standoff.py /tmp/annotated/de.jsonl data/realnews/enrichment/de.jsonl

An annotator's row is a row of ``sample.py``'s output (it holds ``text``) plus the three labels, a
``note`` and ``spans`` given as strings: ``{"label": "loaded", "text": "Terroristen", "voice": "quoted"}``,
with ``"nth": 2`` for the second occurrence of that string in the sentence. Offsets are computed here,
so annotators never count characters. Every row is then checked against the corpus text exactly as
the loader checks it (:func:`slant.data.corpora.realnews.check_row`); the first problem of each row
is printed with its line and the output is written only when no row has one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from slant.data.corpora.realnews import KEYS, check_row, corpora_root, resolve
from slant.data.readers import DataError

LABELS = ("attribution", "hedging", "loaded")


def locate(sentence: str, span: dict) -> tuple[int, int]:
    """Offsets of the ``nth`` (default first) occurrence of ``span["text"]`` in ``sentence``."""
    needle, start = span["text"], -1
    for _ in range(int(span.get("nth", 1))):
        start = sentence.find(needle, start + 1)
        if start < 0:
            raise ValueError(f"span text {needle!r} (occurrence {span.get('nth', 1)}) is not in the sentence")
    return start, start + len(needle)


def to_standoff(row: dict) -> dict:
    """The shipped row (``KEYS`` order, no text) of one annotator's row."""
    spans = []
    for span in row.get("spans", []):
        start, end = locate(row["text"], span)
        spans.append({"label": span["label"], "start": start, "end": end,
                      **({"voice": span["voice"]} if span.get("voice") else {})})
    labels = {name: int(row.get(name, 0)) for name in LABELS}
    out = {**{key: row[key] for key in KEYS[:8]}, **labels, "spans": sorted(spans, key=lambda s: s["start"]),
           "note": row.get("note", "")}
    return {key: out[key] for key in KEYS}


def main() -> int:
    """Convert one file; exit 1 listing every bad row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    args = parser.parse_args()
    rows, problems = [], []
    root = corpora_root()
    for line, raw in enumerate(args.source.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = to_standoff(json.loads(raw))
            check_row(row, resolve(root, row, args.source, line), args.source, line)
            rows.append(row)
        except (ValueError, KeyError, DataError) as error:
            problems.append(f"{args.source}:{line}: {error}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    args.target.parent.mkdir(parents=True, exist_ok=True)
    args.target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{args.target}: {len(rows)} rows", {name: sum(r[name] for r in rows) for name in LABELS})
    return 0


if __name__ == "__main__":
    sys.exit(main())
