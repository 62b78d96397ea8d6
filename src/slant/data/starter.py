"""The shipped starter corpus: strict validation, stratified split assignment, counts and checksum.

The corpus is one ``<lang>.jsonl`` file per language in the slant schema, every row fully labelled,
with a fixed ``split``. ``slant data validate`` runs :func:`validate_corpus`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from slant.config import DEFAULT_LABELS
from slant.data.readers import check_label, files_under, parse_slant_row, read_lines
from slant.data.records import DataError, Example, normalise
from slant.labels import LabelSet

LABELS = LabelSet.of(DEFAULT_LABELS)
KEYS = ("id", "lang", "text", *DEFAULT_LABELS, "spans", "topic", "outlet", "note")
TOPICS = {"politics", "war", "migration", "economy", "courts", "health", "science", "sport", "culture",
          "technology", "local"}
OUTLETS = {"wire", "broadcaster", "partisan", "tabloid", "opinion", "local"}
CHECKSUM_FILE = "SHA256SUMS"
SPLIT_BY_POSITION = {0: "test", 5: "validation"}  # of every ten rows; the other eight train


@dataclass
class CorpusReport:
    """Counts per language and label, and every problem found."""

    rows: dict[str, int] = field(default_factory=Counter)
    positives: dict[tuple[str, str], int] = field(default_factory=Counter)
    splits: dict[tuple[str, str], int] = field(default_factory=Counter)
    voices: dict[tuple[str, str], int] = field(default_factory=Counter)
    stances: dict[tuple[str, str], int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def count(self, example: Example) -> None:
        """Add one row to the counts."""
        self.rows[example.lang] += 1
        if example.stance:
            self.stances[example.lang, example.stance] += 1
        self.splits[example.lang, example.split or "none"] += 1
        for name, value in example.labels.items():
            self.positives[example.lang, name] += int(value or 0)
        for span in example.spans:
            if span.voice:
                self.voices[example.lang, span.voice] += 1

    def table(self) -> str:
        """Markdown table per language: rows, label positives (share), loaded spans by voice, split sizes."""
        if self.stances:
            return self.stance_table()
        head = ("| lang | rows | " + " | ".join(DEFAULT_LABELS)
                + " | loaded spans quoted / authorial | train | validation | test |")
        lines = [head, "|" + "---|" * (head.count("|") - 1)]
        for lang in sorted(self.rows) + ["all"]:
            n = sum(self.rows.values()) if lang == "all" else self.rows[lang]
            pos = [sum(v for (lg, lb), v in self.positives.items() if lb == name and lang in (lg, "all"))
                   for name in DEFAULT_LABELS]
            splits = [sum(v for (lg, sp), v in self.splits.items() if sp == s and lang in (lg, "all"))
                      for s in ("train", "validation", "test")]
            voices = [sum(v for (lg, vc), v in self.voices.items() if vc == voice and lang in (lg, "all"))
                      for voice in ("quoted", "authorial")]
            cells = " | ".join(f"{p} ({p / max(n, 1):.0%})" for p in pos)  # n is 0 when no row passed
            lines.append(f"| {lang} | {n} | {cells} | {voices[0]} / {voices[1]} | " + " | ".join(map(str, splits)) + " |")
        return "\n".join(lines)

    def stance_table(self) -> str:
        """Markdown table per language of (sentence, target) rows: stances and split sizes."""
        classes = sorted({stance for _, stance in self.stances})
        lines = ["| lang | pairs | " + " | ".join(classes) + " | train | validation | test |",
                 "|---|---|" + "---|" * (len(classes) + 3)]
        for lang in sorted(self.rows) + ["all"]:
            n = sum(self.rows.values()) if lang == "all" else self.rows[lang]
            per = [sum(v for (lg, st), v in self.stances.items() if st == c and lang in (lg, "all")) for c in classes]
            splits = [sum(v for (lg, sp), v in self.splits.items() if sp == s and lang in (lg, "all"))
                      for s in ("train", "validation", "test")]
            lines.append(f"| {lang} | {n} | " + " | ".join(f"{p} ({p / n:.0%})" for p in per) + " | "
                         + " | ".join(map(str, splits)) + " |")
        return "\n".join(lines)


def check_row(row: dict, path: Path, line: int) -> Example:
    """Starter-corpus rules on top of the general schema: full labels, evidence for each positive."""
    if list(row) != list(KEYS) and list(row) != [*KEYS, "split"]:
        raise DataError(path, line, "<keys>", f"expected keys {list(KEYS)} (+ split), got {list(row)}")
    example = parse_slant_row(row, LABELS, path, line)
    if row["lang"] != path.stem or not str(row["id"]).startswith(f"{path.stem}-"):
        raise DataError(path, line, "lang", f"row {row['id']!r} ({row['lang']!r}) does not belong in {path.name}")
    if row["topic"] not in TOPICS or row["outlet"] not in OUTLETS:
        raise DataError(path, line, "topic/outlet", f"unknown topic {row['topic']!r} or outlet {row['outlet']!r}")
    for name in DEFAULT_LABELS:
        value = check_label(row[name], path, line, name)
        has_span = any(s.label == name for s in example.spans)
        if value is None or bool(value) != has_span:
            raise DataError(path, line, name, f"is {value!r} but has {'a' if has_span else 'no'} {name} span")
    for i, span in enumerate(example.spans):
        if (span.voice is not None) != (span.label == "loaded"):
            raise DataError(path, line, f"spans[{i}].voice", "loaded spans need a voice, other spans have none")
    return example


def read_corpus(root: Path, report: CorpusReport) -> list[Example]:
    """Read every language file, collecting (not raising) row errors into ``report``."""
    examples = []
    for path in files_under(root, ".jsonl"):
        try:
            for line, raw in read_lines(path):
                try:
                    examples.append(check_row(json.loads(raw), path, line))
                except json.JSONDecodeError as err:
                    report.errors.append(f"{path}:{line}: field '<json>': {err.msg}")
                except DataError as err:
                    report.errors.append(str(err))
        except DataError as err:
            report.errors.append(str(err))
    return examples


def validate_corpus(root: Path, min_rows: int = 300, min_positive: float = 0.2) -> CorpusReport:
    """Check schema, offsets, label/span agreement, duplicates, split leakage, balance and checksum."""
    report = CorpusReport()
    examples = read_corpus(root, report)
    seen: dict[str, Example] = {}
    for ex in examples:
        report.count(ex)
        key = normalise(ex.text)
        if key in seen:
            other = seen[key]
            kind = "split leakage" if other.split != ex.split else "duplicate"
            report.errors.append(f"{kind}: {ex.id} ({ex.split}) repeats {other.id} ({other.split})")
        seen[key] = ex
        if ex.split is None:
            report.errors.append(f"{ex.id}: no split assigned (run `slant data split`)")
    for lang, n in report.rows.items():
        if n < min_rows:
            report.errors.append(f"{lang}: {n} rows, need at least {min_rows}")
        for name in DEFAULT_LABELS:
            if report.positives[lang, name] < min_positive * n:
                report.errors.append(f"{lang}: {name} positive in {report.positives[lang, name]}/{n} rows, "
                                     f"need {min_positive:.0%}")
    report.errors += checksum_problems(root)
    return report


def assign_splits(examples: list[dict]) -> list[dict]:
    """Fixed 80/10/10 splits per language, stratified by label combination.

    Rows of a language are ordered by label combination, then by a hash of their id, and every
    tenth row goes to test, the one five later to validation: systematic sampling over a
    stratified order gives exact proportions in every language and every label combination.
    """
    by_lang: dict[str, list[dict]] = defaultdict(list)
    for row in examples:
        by_lang[row["lang"]].append(row)
    for rows in by_lang.values():
        rows = sorted(rows, key=lambda r: ([r[n] for n in DEFAULT_LABELS], hashlib.sha1(r["id"].encode()).hexdigest()))
        for i, row in enumerate(rows):
            row["split"] = SPLIT_BY_POSITION.get(i % 10, "train")
    return examples


def write_splits(root: Path) -> None:
    """Rewrite every language file with its ``split`` field, then refresh ``SHA256SUMS``."""
    for path in files_under(root, ".jsonl"):
        rows = [json.loads(raw) for _, raw in read_lines(path) if raw.strip()]
        rows = [{k: v for k, v in row.items() if k != "split"} for row in rows]
        assign_splits(rows)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    write_checksums(root)


def file_digests(root: Path) -> dict[str, str]:
    """SHA-256 of each language file, by file name."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files_under(root, ".jsonl")}


def write_checksums(root: Path) -> None:
    """Record the current digests in ``SHA256SUMS`` (``sha256sum -c`` format)."""
    lines = [f"{digest}  {name}\n" for name, digest in sorted(file_digests(root).items())]
    (root / CHECKSUM_FILE).write_text("".join(lines), encoding="utf-8")


def checksum_problems(root: Path) -> list[str]:
    """Files whose bytes no longer match ``SHA256SUMS``."""
    path = root / CHECKSUM_FILE
    if not path.is_file():
        return [f"{path}: missing (run `slant data split` or `slant data checksum`)"]
    recorded = dict(reversed(line.split()) for line in path.read_text().splitlines() if line.strip())
    actual = file_digests(root)
    return [f"{root / name}: checksum differs from {CHECKSUM_FILE}" for name in sorted(set(recorded) | set(actual))
            if recorded.get(name) != actual.get(name)]
