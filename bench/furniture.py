"""Measure page-furniture detection on real pages, per language, as HTML and as naive-scraper text.

    python bench/furniture.py --pages ../shared/corpora/pages            # held-out pages (the report)
    python bench/furniture.py --split train --errors 40                  # train pages, for error analysis

Per language and input: line-level precision and recall of ``non_content`` (a line is predicted
furniture when most of its characters are in non-content sentences; only labelled lines count),
and the share of gold main-text sentences found in the input that are kept as content. Prints a
Markdown table for ``docs/results.md``.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from slant.inference.segmentation import split_sentences

sys.path.insert(0, str(Path(__file__).parent))
from page_corpus import (  # noqa: E402
    CONTENT, FURNITURE, content_mask, gold_kept, line_labels, line_predicted_furniture, load_pages, page_texts,
)

KINDS = ("html", "naive")


def ratio(num: int, den: int) -> str:
    """``num/den`` to three decimals, or ``n/a``."""
    return f"{num / den:.3f}" if den else "n/a"


def measure(pages, texts, errors: int) -> dict:
    """Counts per ``(lang, kind)``: pages, tp, fp, fn, gold, found, kept; prints up to ``errors`` mistakes."""
    stats: dict = defaultdict(lambda: defaultdict(int))
    shown = 0
    for page in pages:
        for kind in KINDS:
            text = texts[page.id][kind]
            sentences = split_sentences(text, page.lang if page.lang != "und" else "en")
            mask = content_mask(text, sentences)
            row = stats[(page.lang, kind)]
            row["pages"] += 1
            for start, end, label in line_labels(text, page):
                if label is None:
                    continue
                predicted = line_predicted_furniture(mask, start, end, text)
                row["tp"] += predicted and label == FURNITURE
                row["fp"] += predicted and label == CONTENT
                row["fn"] += not predicted and label == FURNITURE
                if predicted != (label == FURNITURE) and shown < errors:
                    shown += 1
                    print(f"{page.lang} {kind} {'FP' if predicted else 'FN'}: {text[start:end][:110]!r}", file=sys.stderr)
            gold, found, kept = gold_kept(text, mask, page)
            row["gold"] += gold
            row["found"] += found
            row["kept"] += kept
    return stats


def table(stats: dict) -> str:
    """Markdown table, languages by page count, plus an all-languages row per input."""
    totals: dict = defaultdict(lambda: defaultdict(int))
    for (lang, kind), row in stats.items():
        for key, value in row.items():
            totals[("all", kind)][key] += value
    out = ["| language | input | pages | furniture lines | non_content precision | non_content recall "
           "| gold sentences found | kept as content |", "|---|---|---|---|---|---|---|---|"]
    order = sorted(stats, key=lambda k: (-stats[k]["pages"], k))
    for key in order + sorted(totals):
        row = (stats | totals)[key]
        out.append(f"| {key[0]} | {key[1]} | {row['pages']} | {row['tp'] + row['fn']} "
                   f"| {ratio(row['tp'], row['tp'] + row['fp'])} | {ratio(row['tp'], row['tp'] + row['fn'])} "
                   f"| {row['found']}/{row['gold']} | {ratio(row['kept'], row['found'])} |")
    return "\n".join(out)


def main() -> None:
    """Load pages, pick the split, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=Path("../shared/corpora/pages"))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "slant-bench" / "page_texts.json")
    parser.add_argument("--split", choices=("held_out", "train"), default="held_out")
    parser.add_argument("--errors", type=int, default=0, help="print this many misclassified lines (stderr)")
    args = parser.parse_args()
    pages = [p for p in load_pages(args.pages) if p.held_out == (args.split == "held_out")]
    print(table(measure(pages, page_texts(pages, args.cache), args.errors)))


if __name__ == "__main__":
    main()
