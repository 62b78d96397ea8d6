"""Target-dependent stance corpora: (sentence, target mention, negative | neutral | positive).

- ``newsmtsc``: NewsMTSC (Hamborg & Donnay, EACL 2021), English US news, ``*.jsonl`` with
  ``sentence_normalized`` and ``targets[{from, to, polarity 2/4/6}]``. ``train.jsonl`` rows get
  train/validation by hash (:func:`train_or_validation`); ``devtest_rw.jsonl`` (real-world distribution) and ``devtest_mt.jsonl``
  (sentences with several targets) are test. Point a source at one file to read only that file.
- ``gerntsa``: GerNTSA, German/Austrian/Swiss news (CC BY 4.0), ``GerNTSA.json`` with
  ``opinion_snippet, target_anchor{from, to}, sentiment.polarity``; no official split, so rows are
  split by a hash of the sentence (every target of a sentence lands in the same split).
- ``rusentne``: RuSentNE-2023, Russian news (MIT), TSV ``sentence, entity, entity_pos_start_rel,
  entity_pos_end_rel, label`` (-1/0/1); ``train_data.csv`` is train/validation by hash and
  ``validation_data_labeled.csv`` (the shared task's labelled development set) is test.

GerNTSA and RuSentNE are read from their ``.tar.xz`` in the shared ``realnews/`` folder or from an
extracted folder. Sentence labels stay unknown on every row: these corpora teach stance only.
"""

from __future__ import annotations

import csv
import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from slant.config import DEFAULT_LABELS
from slant.data.corpora.realnews import checked_rows, corpora_root, resolve
from slant.data.loading import hash_split
from slant.data.readers import check_text, files_under, json_rows, register_reader
from slant.data.records import STANCES, DataError, Example
from slant.data.starter import CorpusReport, checksum_problems
from slant.labels import LabelSet

NEWSMTSC_POLARITY = {2.0: "negative", 4.0: "neutral", 6.0: "positive"}
GERNTSA_POLARITY = {name: name for name in STANCES}
RUSENTNE_POLARITY = {"-1": "negative", "0": "neutral", "1": "positive"}
NEWSMTSC_TEST = ("devtest_rw", "devtest_mt")
RUSENTNE_TEST = "validation_data_labeled"
STANCE_LABELS = LabelSet.of(DEFAULT_LABELS)  # unknown on stance rows; needed to build them
VALIDATION_FRACTION = 0.1  # of a training file's sentences, held out for early stopping and calibration
# Sentences are read at any length (check_text's max_chars=None): stance inputs are cut to a window
# around their target, so a long "sentence" (NewsMTSC has a 2,814-character one in a test file) is kept.


def train_or_validation(text: str) -> str:
    """The split of a row from a corpus' training file: validation for a fixed hash share of sentences
    (all targets of a sentence together), never test, which the corpus' own test file provides."""
    return hash_split(text, VALIDATION_FRACTION, 0.0)


def stance_example(text: str, start: object, end: object, stance: str, labels: LabelSet, *, lang: str, id: str,
                   split: str | None, path: Path, line: int) -> Example:
    """A stance row, its target offsets checked against its sentence."""
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise DataError(path, line, "target", f"offsets {start}..{end} outside the {len(text)}-character sentence")
    if not text[start:end].strip():
        raise DataError(path, line, "target", f"target {start}..{end} is blank")
    return Example(text=text, labels=dict.fromkeys(labels.names), lang=lang, id=id, split=split,
                   target=(start, end), stance=stance)


def archive_file(path: Path, name: str) -> tuple[Path, bytes]:
    """The bytes of the member ending in ``name`` of the ``.tar.xz`` at ``path``, or of ``path/**/name``."""
    if path.is_file() and path.name.endswith(".tar.xz"):
        with tarfile.open(path, "r:xz") as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.endswith("/" + name):
                    return path / member.name, tar.extractfile(member).read()
        raise DataError(path, None, "path", f"archive holds no {name}")
    found = [p for p in files_under(path, Path(name).suffix) if p.name == name]
    if not found:
        raise DataError(path, None, "path", f"no {name} under this path")
    return found[0], found[0].read_bytes()


@register_reader("newsmtsc")
def read_newsmtsc(path: Path, labels: LabelSet) -> Iterator[Example]:
    """One row per (sentence, target) of NewsMTSC's JSONL files."""
    for file, line, row in json_rows(path):
        test = file.stem in NEWSMTSC_TEST
        try:
            text, targets = row["sentence_normalized"], row["targets"]
        except (KeyError, TypeError) as error:
            raise DataError(file, line, "<row>", f"not a NewsMTSC row ({error})") from None
        text = check_text(text, file, line, "sentence_normalized", max_chars=None)
        for k, target in enumerate(targets):
            if target.get("polarity") not in NEWSMTSC_POLARITY:
                raise DataError(file, line, f"targets[{k}].polarity", f"expected 2, 4 or 6, got {target.get('polarity')!r}")
            yield stance_example(text, target.get("from"), target.get("to"), NEWSMTSC_POLARITY[target["polarity"]],
                                 labels, lang="en", id=f"newsmtsc:{file.stem}:{line}:{k}",
                                 split="test" if test else train_or_validation(text),
                                 path=file, line=line)


@register_reader("gerntsa")
def read_gerntsa(path: Path, labels: LabelSet) -> Iterator[Example]:
    """One row per GerNTSA record (a record is one sentence-target pair)."""
    file, data = archive_file(path, "GerNTSA.json")
    try:
        rows = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(file, None, "<json>", str(error)) from None
    for index, row in enumerate(rows):
        where = index + 1  # record number: the file is one JSON array
        try:
            text, anchor, polarity = row["opinion_snippet"], row["target_anchor"], row["sentiment"]["polarity"]
        except (KeyError, TypeError) as error:
            raise DataError(file, where, "<record>", f"not a GerNTSA record ({error})") from None
        if polarity not in GERNTSA_POLARITY:
            raise DataError(file, where, "sentiment.polarity", f"expected one of {STANCES}, got {polarity!r}")
        yield stance_example(check_text(text, file, where, "opinion_snippet", max_chars=None), anchor.get("from"),
                             anchor.get("to"), polarity, labels, lang="de", id=f"gerntsa:{row.get('id', where)}", split=None,
                             path=file, line=where)


@register_reader("rusentne")
def read_rusentne(path: Path, labels: LabelSet) -> Iterator[Example]:
    """One row per (sentence, entity) of RuSentNE's training file and labelled development file."""
    for name in ("train_data.csv", f"{RUSENTNE_TEST}.csv"):
        file, data = archive_file(path, name)
        rows = csv.DictReader(io.StringIO(data.decode("utf-8")), delimiter="\t", quoting=csv.QUOTE_NONE)
        test = name.startswith(RUSENTNE_TEST)
        for index, row in enumerate(rows):
            line = index + 2  # after the header
            if row.get("label") not in RUSENTNE_POLARITY:
                raise DataError(file, line, "label", f"expected -1, 0 or 1, got {row.get('label')!r}")
            try:
                start, end = int(row["entity_pos_start_rel"]), int(row["entity_pos_end_rel"])
            except (KeyError, TypeError, ValueError):
                raise DataError(file, line, "entity_pos_start_rel", "entity offsets must be integers") from None
            yield stance_example(check_text(row.get("sentence"), file, line, "sentence", max_chars=None), start, end,
                                 RUSENTNE_POLARITY[row["label"]], labels, lang="ru",
                                 id=f"rusentne:{Path(name).stem}:{line}", path=file, line=line,
                                 split="test" if test else train_or_validation(row["sentence"]))


STANCE_KEYS = ("id", "lang", "corpus", "doc", "start", "end", "sha1", "split", "target", "stance", "voice", "note")
STANCE_VOICES = ("authorial", "reported")


def check_stance_row(row: dict, text: str, path: Path, line: int, labels: LabelSet) -> Example:
    """Schema of one team stance annotation: a target inside its sentence, a stance, and a voice that
    is ``authorial`` or ``reported`` exactly when the stance is not neutral."""
    if list(row) != list(STANCE_KEYS):
        raise DataError(path, line, "<keys>", f"expected keys {list(STANCE_KEYS)}, got {list(row)}")
    if not str(row["id"]).startswith(f"rn-{row['lang']}-s") or row["split"] not in ("train", "validation", "test"):
        raise DataError(path, line, "id/split", f"id {row['id']!r} must start rn-{row['lang']}-s; split a known split")
    if row["stance"] not in STANCES:
        raise DataError(path, line, "stance", f"expected one of {STANCES}, got {row['stance']!r}")
    if (row["voice"] in STANCE_VOICES) != (row["stance"] != "neutral") or row["voice"] not in (*STANCE_VOICES, None):
        raise DataError(path, line, "voice", f"{row['voice']!r}: authorial|reported for a stance, null when neutral")
    target = row["target"] if isinstance(row["target"], list) and len(row["target"]) == 2 else [None, None]
    example = stance_example(text, target[0], target[1], row["stance"], labels, lang=row["lang"], id=row["id"],
                             split=row["split"], path=path, line=line)
    return replace(example, stance_voice=row["voice"])


def validate_stance(root: Path, corpora: Path | None = None) -> CorpusReport:
    """Check every stance annotation file under ``root`` against the archives; collect (not raise)
    problems: the row schema, unique ids, one split per sentence, and the ``SHA256SUMS``."""
    report = CorpusReport()
    sentence_split: dict[tuple, str] = {}

    def check(row: dict, text: str, path: Path, line: int) -> Example:
        return check_stance_row(row, text, path, line, STANCE_LABELS)

    for path, line, row, example in checked_rows(root, check, report, corpora):
        key = (row["corpus"], row["doc"], row["start"], row["end"])
        if sentence_split.setdefault(key, example.split) != example.split:
            report.errors.append(f"{path}:{line}: field 'split': the sentence is in two splits")
        report.count(example)
    report.errors += checksum_problems(root)
    return report


@register_reader("realnews_stance")
def read_realnews_stance(path: Path, labels: LabelSet, corpora: Path | None = None) -> Iterator[Example]:
    """The team's stance annotations (``data/realnews/stance``): standoff rows joined with the real-news
    archives like :func:`slant.data.corpora.realnews.read_realnews`; splits are the sentence's split in
    ``data/realnews/annotations``, so a stance test sentence is a test sentence for every task."""
    root = corpora or corpora_root()
    for file, line, row in json_rows(path):
        yield check_stance_row(row, resolve(root, row, file, line), file, line, labels)
