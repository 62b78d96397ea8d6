"""Turn annotators' stance rows into the standoff rows of ``data/realnews/stance``.

    python data/realnews/stance_standoff.py /tmp/stance/fr.jsonl data/realnews/stance/fr.jsonl
    python data/realnews/stance_standoff.py /tmp/stance2/fr.jsonl data/realnews/stance_enrichment/fr.jsonl \
        --first-id 1001

An annotator's row is ``{"id": <sentence id in data/realnews/annotations>, "targets": [{"text": mention,
"nth": 1, "stance": "negative|neutral|positive", "voice": "authorial|reported|none", "note": ...}]}``.
Each target becomes one row (``rn-<lang>-s0001``...) holding the sentence's corpus, document, offsets,
hash and split from the shipped annotation (so a stance test sentence is a test sentence everywhere),
the target's offsets inside the sentence (computed here from ``text`` and ``nth``), the stance, the
voice (null when neutral) and the note. Every row is checked as the loader checks it; the output is
written only when no row has a problem.

A sentence id of the enrichment set (``rn-<lang>-e...``, in ``enrichment/`` or ``enrichment_candidates/``)
gives training-only stance rows (its split is train); ``--first-id`` starts their numbering after the
ids of ``stance/`` so that no id repeats.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from slant.data.corpora.realnews import corpora_root, resolve
from slant.data.corpora.stance import STANCE_KEYS, STANCE_LABELS, check_stance_row
from slant.data.readers import DataError

HERE = Path(__file__).parent
SENTENCE_FOLDERS = ("annotations", "enrichment", "enrichment_candidates")


def shipped_sentences(lang: str) -> dict[str, tuple[dict, Path]]:
    """``{id: (row, file)}`` of every shipped sentence row of ``lang``."""
    found = {}
    for folder in SENTENCE_FOLDERS:
        path = HERE / folder / f"{lang}.jsonl"
        if path.exists():
            found.update({row["id"]: (row, path) for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())})
    return found


def locate(sentence: str, mention: str, nth: int) -> tuple[int, int]:
    """Offsets of the ``nth`` whole-word occurrence of ``mention`` in ``sentence`` (so "os juízes" is
    not found inside "dos juízes")."""
    start, found = -1, 0
    while found < nth:
        start = sentence.find(mention, start + 1)
        if start < 0:
            raise ValueError(f"target {mention!r} (whole-word occurrence {nth}) is not in the sentence")
        end = start + len(mention)
        found += not (start > 0 and sentence[start - 1].isalnum() or end < len(sentence) and sentence[end].isalnum())
    return start, start + len(mention)


def main() -> int:
    """Convert one language's file; exit 1 listing every bad row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--first-id", type=int, default=1, help="number of the first stance id written")
    args = parser.parse_args()
    root, rows, problems = corpora_root(), [], []
    sentences: dict[str, tuple[dict, Path]] = {}
    for line, raw in enumerate(args.source.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        annotated = json.loads(raw)
        lang = annotated["id"].split("-")[1]
        sentences = sentences or shipped_sentences(lang)
        if annotated["id"] not in sentences:
            problems.append(f"{args.source}:{line}: sentence id {annotated['id']!r} is in no shipped folder")
            continue
        base, path = sentences[annotated["id"]]
        text = resolve(root, base, path, 0)
        for target in annotated["targets"]:
            try:
                start, end = locate(text, target["text"], int(target.get("nth", 1)))
                row = {**{k: base[k] for k in ("lang", "corpus", "doc", "start", "end", "sha1", "split")},
                       "id": f"rn-{lang}-s{args.first_id + len(rows):04d}", "target": [start, end], "stance": target["stance"],
                       "voice": None if target["voice"] == "none" else target["voice"], "note": target.get("note", "")}
                row = {key: row[key] for key in STANCE_KEYS}
                check_stance_row(row, text, args.target, len(rows) + 1, STANCE_LABELS)
            except (DataError, ValueError, KeyError) as error:
                problems.append(f"{args.source}:{line}: {error}")
                continue
            rows.append(row)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    args.target.parent.mkdir(parents=True, exist_ok=True)
    args.target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{args.target}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
