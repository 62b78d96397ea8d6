"""How shipped rows label a speaker's own belief frame ("I think", "creo que"): a guide-consistency audit.

    python data/realnews/belief_frames.py annotations enrichment enrichment_candidates

The guide's rule for these frames (GUIDELINES.md, "A speaker's own belief") came after rows in several
languages had followed different precedents. For each folder, language and split this prints how many
rows hold such a frame and on how many a hedging span covers it. Test rows are left out: the audit
informs the guide and future rounds, and nothing is relabelled from it.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from slant.data.corpora.realnews import check_row, checked_rows
from slant.data.starter import CorpusReport

HERE = Path(__file__).parent

# First-person belief verbs that introduce a clause, per language (the forms the annotators met).
FRAMES = {
    "en": r"\bI (?:think|believe|guess|suppose)\b",
    "de": r"\b[Ii]ch (?:glaube|denke|vermute|meine)\b",
    "es": r"\b(?:[Cc]reo|[Pp]ienso|[Ss]upongo) que\b",
    "pt": r"\b(?:[Aa]cho|[Pp]enso|[Aa]credito|[Cc]reio|[Ss]uponho) que\b",
    "fr": r"\b(?:[Jj]e (?:pense|crois|suppose)|[Jj]'imagine)\b",
    "it": r"\b(?:[Cc]redo|[Pp]enso|[Rr]itengo) che\b",
    "ru": r"(?:\b[Яя] (?:думаю|считаю|полагаю)\b|\b[Дд]умаю,|\b[Пп]олагаю,)",
    "uk": r"(?:\b[Яя] (?:думаю|вважаю)\b|\b[Дд]умаю,|\b[Вв]важаю,)",
}


def frame_counts(folder: Path) -> tuple[Counter, Counter]:
    """Rows holding a belief frame, and those whose frame a hedging span covers, by (language, split)."""
    rows, hedged, report = Counter(), Counter(), CorpusReport()
    for _, _, _, example in checked_rows(folder, check_row, report):
        if example.split == "test":
            continue
        match = re.search(FRAMES.get(example.lang, r"(?!)"), example.text)
        if match is None:
            continue
        key = (example.lang, example.split)
        rows[key] += 1
        hedged[key] += any(s.label == "hedging" and s.start <= match.start() < s.end for s in example.spans)
    if report.errors:  # a refused row would silently shrink the counts
        raise SystemExit("\n".join(report.errors))
    return rows, hedged


def main() -> None:
    """Print a Markdown table per folder given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", help="folders under data/realnews")
    args = parser.parse_args()
    print("| folder | lang | split | rows with a frame | frame spanned as hedging |\n|---|---|---|---|---|")
    for name in args.folders:
        rows, hedged = frame_counts(HERE / name)
        for lang, split in sorted(rows):
            print(f"| {name} | {lang} | {split} | {rows[lang, split]} | {hedged[lang, split]} |")


if __name__ == "__main__":
    main()
