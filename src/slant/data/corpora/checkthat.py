"""CLEF CheckThat! 2025 Task 1: sentence subjectivity in news, in several languages.

TSV files with a header (``sentence_id``, ``sentence``, ``label`` = SUBJ/OBJ; column order varies).
``label`` maps to an optional ``subjective`` label, so add ``subjective`` to ``labels`` to use it.
The split comes from the file name: ``train_*`` train, ``dev_*`` and ``dev_test_*`` validation,
``test_*_labeled`` test; unlabelled test files are skipped. The language comes from the folder name.
Licence: CC BY-NC-SA 4.0.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from slant.data.readers import check_text, files_under, read_table, register_reader
from slant.data.records import DataError, Example
from slant.labels import LabelSet

SUBJECTIVE = {"SUBJ": 1, "OBJ": 0, "Uncertain": None}  # a few Greek test rows are "Uncertain"
LANGUAGES = {"arabic": "ar", "bulgarian": "bg", "english": "en", "german": "de", "greek": "el", "italian": "it",
             "polish": "pl", "romanian": "ro", "ukrainian": "uk"}


def split_of(file: Path) -> str | None:
    """The split a CheckThat! file name stands for; ``None`` for files without labels."""
    name = file.name
    if "unlabeled" in name:
        return None
    if name.startswith("train_"):
        return "train"
    if name.startswith("dev_"):
        return "validation"
    if name.startswith("test_") and "labeled" in name:
        return "test"
    raise DataError(file, None, "<file name>", "expected train_*, dev_*, dev_test_* or test_*_labeled")


def unquote(field: str) -> str:
    """Undo CSV-style quoting that some files apply (``"a ""b"" c"`` -> ``a "b" c``); others use none."""
    field = field.strip()
    if len(field) > 1 and field[0] == field[-1] == '"' and '""' in field:
        return field[1:-1].replace('""', '"')
    return field


@register_reader("checkthat")
def read_checkthat(path: Path, labels: LabelSet) -> Iterator[Example]:
    """Read every per-language ``*.tsv`` below ``path`` (the ``multilingual`` folder repeats them and is skipped)."""
    for file in files_under(path, ".tsv"):
        split, lang = split_of(file), LANGUAGES.get(file.parent.name)
        if split is None or file.parent.name == "multilingual":
            continue
        if lang is None:
            raise DataError(file, None, "<folder>", f"unknown language folder; expected one of {sorted(LANGUAGES)}")
        for line, row in read_table(file, "\t", ["sentence", "label"], quoting=csv.QUOTE_NONE):
            if row["label"].strip() not in SUBJECTIVE:
                raise DataError(file, line, "label", f"expected SUBJ, OBJ or Uncertain, got {row['label']!r}")
            yield Example(
                text=check_text(unquote(row["sentence"]), file, line, "sentence"), lang=lang, split=split,
                id=f"checkthat:{row.get('sentence_id') or line}",
                labels={name: SUBJECTIVE[row["label"].strip()] if name == "subjective" else None
                        for name in labels.names},
            )
