"""Real news pages from ``../shared/corpora/pages`` as the two texts batch users have, with line labels.

Two sources, neither written by the team:
- ``scrapinghub_aeb``: 181 article pages with their full manual article body (everything else on
  the page is furniture, except the headline, which is left unlabelled);
- ``trafilatura_eval``: 205 news pages with ``with`` snippets (main text) and ``without`` snippets
  (furniture); lines touching neither are unlabelled.

Each page is read as HTML through slant's trafilatura path and as the text a naive scraper gets
(every visible text node on its own line). Lines are matched to the gold text with whitespace
removed, so line breaks the scraper put inside a sentence do not matter. Pages are split into
train and held-out by a hash of the page id; tuning never reads the held-out part.
Nothing here is written into the repository: pages are read from the shared corpus at run time.
The team's own line labels of the *train* pages' naive text (``data/pages/lines.jsonl``: line-number
ranges, no text) fill the lines the corpus leaves unlabelled, for training only (:func:`team_labels`).
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import json
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html

from slant.inference.language import detect_language
from slant.inference.segmentation import NON_CONTENT, Sentence

HELD_OUT_PERCENT = 30
TEAM_LINES = Path(__file__).resolve().parents[1] / "data" / "pages" / "lines.jsonl"
INVISIBLE = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "–": "-", "—": "-"})
MIN_KEPT_SHARE = 0.9  # a gold sentence counts as kept when 90% of its characters are in content sentences
CONTENT, FURNITURE = "content", "furniture"
UTF8 = lxml.html.HTMLParser(encoding="utf-8")


@dataclass
class Page:
    """One page: its HTML, the text that must survive (``gold``) and, where given, what must not."""

    id: str
    source: str
    lang: str
    html: str
    gold: list[str]
    without: list[str] = field(default_factory=list)
    full_gold: bool = False  # True: everything outside ``gold`` (but the headline) is furniture

    @property
    def held_out(self) -> bool:
        """Fixed hash split: about ``HELD_OUT_PERCENT``% of pages, never used for training or tuning."""
        return int(hashlib.sha1(self.id.encode()).hexdigest()[:8], 16) % 100 < HELD_OUT_PERCENT


def load_pages(root: Path) -> list[Page]:
    """Both page sets under ``root`` (``.../corpora/pages``)."""
    pages = []
    aeb = root / "scrapinghub_aeb"
    truth = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id, item in sorted(truth.items()):
        html = gzip.decompress((aeb / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8", "replace")
        body = item["articleBody"]
        paragraphs = [p for p in body.split("\n") if p.strip()]
        pages.append(Page(f"aeb:{page_id}", "aeb", detect_language(body), html, paragraphs, full_gold=True))
    evaluation = root / "trafilatura_eval"
    meta = json.loads((evaluation / "evaldata.json").read_text(encoding="utf-8"))
    with tarfile.open(evaluation / "eval.tar.xz") as tar:
        files = {m.name.rsplit("/", 1)[-1]: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    for url, item in sorted(meta.items()):
        html = files[item["file"]].decode("utf-8", "replace")
        pages.append(Page(f"traf:{url}", "trafilatura", item.get("lang") or "und", html,
                          list(item["with"]), list(item["without"])))
    return pages


def visible_text_nodes(html: str) -> Iterator[str]:
    """Every visible text node of a page, stripped, in document order."""
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8"), parser=UTF8)
    except (ValueError, lxml.etree.ParserError):
        return
    hidden = 0  # depth inside invisible elements
    for event, node in lxml.etree.iterwalk(root, events=("start", "end")):
        invisible = not isinstance(node.tag, str) or node.tag.lower() in INVISIBLE
        if event == "start":
            hidden += invisible
            if not hidden and node.text and node.text.strip():
                yield node.text.strip()
        else:
            hidden -= invisible
            if not hidden and node is not root and node.tail and node.tail.strip():
                yield node.tail.strip()


def naive_text(html: str) -> str:
    """What a naive scraper gets: all visible text nodes, one per line."""
    return "\n".join(visible_text_nodes(html))


def squash(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace, lowercased, quotes unified; and each kept character's offset."""
    chars, offsets = [], []
    for i, c in enumerate(text):
        if not c.isspace():
            low = c.lower()
            chars.append((low if len(low) == 1 else c).translate(QUOTES))
            offsets.append(i)
    return "".join(chars), offsets


def find_in_order(haystack: str, needles: list[str]) -> Iterator[tuple[int, int]]:
    """Squashed ``(start, end)`` of each needle found, in order where possible (first match after the last)."""
    position = 0
    for needle in needles:
        key = squash(needle)[0]
        if len(key) < 3:
            continue
        at = haystack.find(key, position)
        at = at if at >= 0 else haystack.find(key)
        if at >= 0:
            position = at + len(key)
            yield at, position


def find_spans(haystack: str, needles: list[str]) -> list[tuple[int, int]]:
    """All spans :func:`find_in_order` finds."""
    return list(find_in_order(haystack, needles))


def line_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each non-blank line."""
    return [(m.start(), m.end()) for m in re.finditer(r"[^\r\n]*\S[^\r\n]*", text)]


def line_labels(text: str, page: Page) -> list[tuple[int, int, str | None]]:
    """Each line with ``content``, ``furniture`` or ``None`` (unknown, or the headline of an AEB page)."""
    squashed, offsets = squash(text)
    gold = find_spans(squashed, page.gold)
    if page.full_gold:  # paragraphs that are not found verbatim still count sentence by sentence
        gold += find_spans(squashed, [s for p in page.gold for s in re.split(r"(?<=[.!?])\s+", p)])
    bad = find_spans(squashed, page.without)
    out = []
    for start, end in line_spans(text):
        a, b = _squashed_range(offsets, start, end)
        touches = lambda spans: any(s < b and a < e for s, e in spans)  # noqa: E731
        if touches(gold):
            label = CONTENT
        elif page.full_gold:
            label = None if headline_like(text[start:end], page) else FURNITURE
        else:
            label = FURNITURE if touches(bad) else None
        out.append((start, end, label))
    return out


def _squashed_range(offsets: list[int], start: int, end: int) -> tuple[int, int]:
    """Squashed index range of the characters in ``[start, end)`` of the original text."""
    return bisect.bisect_left(offsets, start), bisect.bisect_left(offsets, end)


def headline_like(line: str, page: Page) -> bool:
    """Whether an AEB line is the page's headline (in ``<title>``, so neither content nor furniture)."""
    match = re.search(r"<title[^>]*>(.*?)</title>", page.html, re.I | re.S)
    key = squash(line)[0]
    return bool(match) and len(key) >= 15 and key in squash(lxml.html.fromstring(match.group(1) or "x").text_content())[0]


def content_mask(text: str, sentences: list[Sentence]) -> list[bool | None]:
    """Per character: ``True`` inside a content sentence, ``False`` inside furniture, ``None`` outside any."""
    mask: list[bool | None] = [None] * len(text)
    for s in sentences:
        mask[s.start : s.end] = [s.kind != NON_CONTENT] * (s.end - s.start)
    return mask


def line_predicted_furniture(mask: list[bool | None], start: int, end: int, text: str) -> bool:
    """A line is predicted furniture when most of its non-space characters are in non-content sentences."""
    votes = [m for m, c in zip(mask[start:end], text[start:end]) if not c.isspace() and m is not None]
    return bool(votes) and sum(not v for v in votes) * 2 > len(votes)


def gold_kept(text: str, mask: list[bool | None], page: Page) -> tuple[int, int, int]:
    """``(gold sentences, found in the text, kept as content)``; a sentence is kept at ``MIN_KEPT_SHARE``."""
    squashed, offsets = squash(text)
    pieces = ([s for p in page.gold for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý\"'“])", p) if s.strip()]
              if page.full_gold else page.gold)
    found = kept = 0
    for at, end in find_in_order(squashed, pieces):
        found += 1
        flags = [mask[offsets[k]] for k in range(at, end)]
        kept += sum(bool(f) for f in flags) >= MIN_KEPT_SHARE * len(flags)
    return len(pieces), found, kept


def page_texts(pages: list[Page], cache: Path) -> dict[str, dict[str, str]]:
    """Per page id, ``{"naive": ..., "html": ...}``; cached in ``cache`` (outside the repository)."""
    from slant.inference.inputs import html_to_text

    store = json.loads(cache.read_text(encoding="utf-8")) if cache.is_file() else {}
    missing = [p for p in pages if p.id not in store]
    for page in missing:
        store[page.id] = {"naive": naive_text(page.html), "html": html_to_text(page.html, page.id)}
    if missing:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(store), encoding="utf-8")
    return store


def text_sha1(text: str) -> str:
    """The short fingerprint a team line label keeps of the text it numbers the lines of."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def team_labels(path: Path = TEAM_LINES) -> dict[str, dict]:
    """The team's line labels per page id: ``{"sha1", "lines", "content" (inclusive ranges), "headline"}``."""
    rows = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if raw.strip():
            row = json.loads(raw)
            if row["page"] in rows:
                raise ValueError(f"{path}:{number}: page {row['page']!r} is labelled twice")
            rows[row["page"]] = row
    return rows


def with_team_labels(text: str, labels: list[tuple[int, int, str | None]], row: dict,
                     where: str) -> list[tuple[int, int, str | None]]:
    """``labels`` with each unlabelled line filled from a team row: content inside its ranges, the
    headline left unlabelled, furniture elsewhere. The corpus's own labels win where both exist."""
    if row["sha1"] != text_sha1(text) or row["lines"] != len(labels):
        raise ValueError(f"{where}: page {row['page']!r}: the labels number {row['lines']} lines of text "
                         f"{row['sha1']}, the text here has {len(labels)} lines ({text_sha1(text)}): "
                         "was the naive scrape changed?")
    content = {k for a, b in row["content"] for k in range(a, b + 1)}
    headline = set(row.get("headline", []))
    filled = []
    for k, (start, end, label) in enumerate(labels):
        if label is None and k not in headline:
            label = CONTENT if k in content else FURNITURE
        filled.append((start, end, label))
    return filled
