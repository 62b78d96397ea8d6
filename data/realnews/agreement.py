"""Inter-annotator agreement on the blind cross-check sample (80 sentences per language).

    python data/realnews/agreement.py            # prints a Markdown table
    python data/realnews/agreement.py --annotations enrichment --crosscheck crosscheck_enrichment

Each sentence of ``crosscheck/<lang>.jsonl`` was annotated a second time, blind, by the annotator of
another language (``crosscheck_enrichment/`` does the same for 40 rows per language of the
training-only enrichment set). Reports per language and label: Cohen's kappa and raw agreement on the sentence
label, character-overlap F1 of the evidence spans (on sentences both marked positive), and voice
agreement of loaded spans that overlap.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

HERE = Path(__file__).parent
LABELS = ("attribution", "hedging", "loaded")


def read(path: Path) -> dict[str, dict]:
    """Annotation rows by id."""
    return {row["id"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def chars(row: dict, label: str) -> set[int]:
    """Character positions covered by ``label``'s spans."""
    return {i for s in row["spans"] if s["label"] == label for i in range(s["start"], s["end"])}


def span_f1(pairs: list[tuple[dict, dict]], label: str) -> float | None:
    """Character-overlap F1 of two annotators' spans over sentences both marked positive."""
    both = [(a, b) for a, b in pairs if a[label] == 1 and b[label] == 1]
    overlap = sum(len(chars(a, label) & chars(b, label)) for a, b in both)
    total = sum(len(chars(a, label)) + len(chars(b, label)) for a, b in both)
    return 2 * overlap / total if total else None


def voice_agreement(pairs: list[tuple[dict, dict]]) -> tuple[int, int]:
    """(agreeing, compared) voices of loaded spans that overlap between the annotators."""
    agree = compared = 0
    for a, b in pairs:
        for sa in (s for s in a["spans"] if s["label"] == "loaded"):
            for sb in (s for s in b["spans"] if s["label"] == "loaded"):
                if sa["start"] < sb["end"] and sb["start"] < sa["end"]:
                    compared += 1
                    agree += sa.get("voice") == sb.get("voice")
    return agree, compared


def main() -> None:
    """Print the agreement table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", default="annotations", help="folder of first annotations, under this one")
    parser.add_argument("--crosscheck", default="crosscheck", help="folder of blind second annotations")
    args = parser.parse_args()
    print("| lang | n | " + " | ".join(f"{n} kappa / agree / span F1" for n in LABELS) + " | loaded voice |")
    print("|---|---|" + "---|" * (len(LABELS) + 1))
    files = sorted((HERE / args.crosscheck).glob("*.jsonl"))
    if not files:
        parser.error(f"no <lang>.jsonl files in {HERE / args.crosscheck} (folders are relative to {HERE})")
    pooled: list[tuple[dict, dict]] = []
    for path in files:
        first, second = read(HERE / args.annotations / path.name), read(path)
        pairs = [(first[i], second[i]) for i in second if i in first]
        pooled += pairs
        print(row(path.stem, pairs))
    print(row("all", pooled))


def row(name: str, pairs: list[tuple[dict, dict]]) -> str:
    """One table row."""
    cells = []
    for label in LABELS:
        a, b = [p[0][label] for p in pairs], [p[1][label] for p in pairs]
        kappa = cohen_kappa_score(a, b) if len(set(a) | set(b)) > 1 else float("nan")
        agree = sum(x == y for x, y in zip(a, b)) / len(pairs)
        f1 = span_f1(pairs, label)
        cells.append(f"{kappa:.2f} / {agree:.2f} / {'-' if f1 is None else f'{f1:.2f}'}")
    agree, compared = voice_agreement(pairs)
    return f"| {name} | {len(pairs)} | " + " | ".join(cells) + f" | {agree}/{compared} |"


if __name__ == "__main__":
    main()
