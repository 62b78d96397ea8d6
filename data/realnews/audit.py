"""Find training rows whose label the model confidently disputes, and settle them by blind readings.

    python data/realnews/audit.py find --model outputs/def_s44/model --out /tmp/audit \
        data/realnews/annotations data/realnews/enrichment
    python data/realnews/audit.py apply data/realnews/annotations data/realnews/enrichment \
        --suspects /tmp/audit/suspects.jsonl --readings /tmp/audit/reading_a.jsonl /tmp/audit/reading_b.jsonl

``find`` applies confident learning (Northcutt, Jiang and Chuang, JAIR 2021) to each audited binary
label: the confidence threshold of the positive class is the mean predicted probability over rows
labelled 1, that of the negative class the mean of ``1 - p`` over rows labelled 0. A row labelled 0
whose ``p`` reaches the positive threshold, or a row labelled 1 whose ``1 - p`` reaches the negative
one, is a suspect. Only train-split rows are audited: validation and test measure the model, and
auditing them where the model disagrees would bend the measurement towards it. It writes
``reading.jsonl`` (the suspects' standoff fields and sentence text, no labels, spans or notes, in a
shuffled order, so readers annotate blind by the guide) and ``suspects.jsonl`` (id, label, old value,
probability: kept from the readers). Sentence text goes to a scratch folder, never the repository.

``apply`` changes a suspect's audited label only where every blind reading gives the other value (the
first annotation and two readings: a majority of three). The label's spans come from the first
reading, other labels stay as they were, and the row's note records the change. Changed files are
rewritten in place (atomically) and their folder's ``SHA256SUMS`` is recorded again, as ``slant data
adopt`` does.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

from slant.atomic import write_text
from slant.data.corpora.realnews import KEYS, check_row, checked_rows
from slant.data.starter import CorpusReport, write_checksums

sys.path.insert(0, str(Path(__file__).parent))
from standoff import LABELS, to_standoff  # noqa: E402  (a sibling script, not a package)


def train_rows(folders: list[Path]) -> list[tuple[dict, str]]:
    """``(row, sentence)`` of every train-split row under ``folders``; any invalid row stops the audit."""
    rows, report = [], CorpusReport()
    for folder in folders:
        rows += [(row, example.text) for _, _, row, example in checked_rows(folder, check_row, report)
                 if row["split"] == "train"]
    if report.errors:
        raise SystemExit("\n".join(report.errors))
    return rows


def suspects(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Indices of rows whose 0/1 label confident learning disputes, for one label's ``p(1)``."""
    positive = labels == 1
    if not positive.any() or positive.all():
        return np.array([], dtype=int)
    t_pos, t_neg = probs[positive].mean(), (1 - probs[~positive]).mean()
    return np.flatnonzero((~positive & (probs >= t_pos)) | (positive & (1 - probs >= t_neg)))


def find(args: argparse.Namespace) -> int:
    """Score the train rows with the model and write the blind reading file and the suspect list."""
    from slant.inference.predictor import Predictor

    rows = train_rows(args.folders)
    predictor = Predictor.from_pretrained(args.model)
    probs = predictor.predict_proba([text for _, text in rows], progress=True)
    found, picked = [], set()
    for name in args.labels:
        column = probs[:, predictor.labels.index(name)]
        labels = np.array([row[name] for row, _ in rows])
        hits = suspects(labels, column)
        # The most confident disagreements first, so a cap keeps the likeliest errors.
        hits = sorted(hits, key=lambda i: -abs(column[i] - labels[i]))[:args.max_per_label]
        print(f"{name}: {len(hits)} suspects ({sum(labels[i] == 1 for i in hits)} labelled 1) of {len(rows)} rows")
        for i in hits:
            found.append({"id": rows[i][0]["id"], "label": name, "old": int(labels[i]), "p": round(float(column[i]), 4)})
            picked.add(i)
    order = sorted(picked)
    random.Random(args.seed).shuffle(order)
    args.out.mkdir(parents=True, exist_ok=True)
    reading = [{**{key: rows[i][0][key] for key in KEYS[:8]}, "text": rows[i][1]} for i in order]
    write_jsonl(args.out / "reading.jsonl", reading)
    write_jsonl(args.out / "suspects.jsonl", found)
    print(f"{args.out}: {len(reading)} rows to read blind, {len(found)} suspected labels")
    return 0


def apply(args: argparse.Namespace) -> int:
    """Change each suspected label that every blind reading disputes; rewrite the files in place."""
    readings = [{row["id"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}
                for path in args.readings]
    changes: dict[str, list[dict]] = {}
    for suspect in map(json.loads, args.suspects.read_text(encoding="utf-8").splitlines()):
        votes = [int(reading[suspect["id"]][suspect["label"]]) for reading in readings if suspect["id"] in reading]
        if len(votes) == len(readings) and all(v != suspect["old"] for v in votes):
            changes.setdefault(suspect["id"], []).append(suspect)
    changed = {name: [0, 0] for name in LABELS}  # [to 1, to 0]
    for folder in args.folders:
        touched = False
        for path in sorted(folder.glob("*.jsonl")):
            rows = [json.loads(raw) for raw in path.read_text(encoding="utf-8").splitlines()]
            if not any(row["id"] in changes for row in rows):
                continue
            for k, row in enumerate(rows):
                for suspect in changes.get(row["id"], []):
                    rows[k] = row = relabel(row, to_standoff(readings[0][row["id"]]), suspect["label"])
                    changed[suspect["label"]][suspect["old"]] += 1
            write_text(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
            touched = True
        if touched:
            write_checksums(folder)
    for name, (to_one, to_zero) in changed.items():
        print(f"{name}: {to_one} set to 1, {to_zero} set to 0")
    return 0


def relabel(row: dict, reading: dict, label: str) -> dict:
    """``row`` with ``label`` and its spans taken from ``reading``, and the change in its note."""
    spans = [s for s in row["spans"] if s["label"] != label] + [s for s in reading["spans"] if s["label"] == label]
    note = f"audit: {label} {row[label]}->{reading[label]} (two blind readings)"
    return {**row, label: reading[label], "spans": sorted(spans, key=lambda s: s["start"]),
            "note": f"{row['note']}; {note}" if row["note"] else note}


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """One JSON object per line, UTF-8."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main() -> int:
    """``find`` or ``apply``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    find_parser = commands.add_parser("find", help="score train rows and list the disputed labels")
    find_parser.add_argument("folders", nargs="+", type=Path)
    find_parser.add_argument("--model", required=True)
    find_parser.add_argument("--out", required=True, type=Path)
    find_parser.add_argument("--labels", nargs="+", default=["hedging", "loaded"], choices=LABELS)
    find_parser.add_argument("--max-per-label", type=int, default=400)
    find_parser.add_argument("--seed", type=int, default=0)
    apply_parser = commands.add_parser("apply", help="change the labels every blind reading disputes")
    apply_parser.add_argument("folders", nargs="+", type=Path)
    apply_parser.add_argument("--suspects", required=True, type=Path)
    apply_parser.add_argument("--readings", required=True, nargs="+", type=Path)
    args = parser.parse_args()
    return find(args) if args.command == "find" else apply(args)


if __name__ == "__main__":
    sys.exit(main())
