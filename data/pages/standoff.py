"""Turn annotators' page-line labels into the rows ``lines.jsonl`` ships (line numbers, no text).

    python data/pages/standoff.py /tmp/pages/out/*.jsonl --out data/pages/lines.jsonl

An annotator's row is ``{"page", "content": [[first, last], ...], "headline": [...]}`` over the
numbered non-blank lines of a train page's naive-scraper text (``bench/page_corpus.py``). The shipped
row adds the text's fingerprint and line count, so a changed scrape fails loudly instead of shifting
every label, and drops the annotator's note (notes quote page text). Held-out pages are refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from page_corpus import line_spans, load_pages, page_texts, text_sha1  # noqa: E402


def main() -> None:
    """Convert, check and write the rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pages", type=Path, default=Path("../shared/corpora/pages"))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "slant-bench" / "page_texts.json")
    args = parser.parse_args()
    pages = {p.id: p for p in load_pages(args.pages)}
    rows = [json.loads(line) for source in args.sources for line in source.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    texts = page_texts([pages[r["page"]] for r in rows], args.cache)
    out = []
    for row in rows:
        if pages[row["page"]].held_out:
            raise SystemExit(f"{row['page']}: a held-out page must never be labelled for training")
        text = texts[row["page"]]["naive"]
        n = len(line_spans(text))
        ranges = sorted([int(a), int(b)] for a, b in row["content"])
        if any(not 0 <= a <= b < n for a, b in ranges) or any(not 0 <= k < n for k in row.get("headline", [])):
            raise SystemExit(f"{row['page']}: a line number is outside the page's {n} lines")
        out.append({"page": row["page"], "sha1": text_sha1(text), "lines": n, "content": ranges,
                    "headline": sorted(row.get("headline", []))})
    out.sort(key=lambda r: r["page"])
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")
    print(f"{args.out}: {len(out)} pages, {sum(b - a + 1 for r in out for a, b in r['content'])} content lines")


if __name__ == "__main__":
    main()
