"""BABE (Spinde et al., 2021): expert-labelled English news sentences, bias by word choice.

``label_bias`` Biased/Non-biased maps to ``loaded`` (1/0; "No agreement" stays unknown) and each
entry of ``biased_words`` becomes a ``loaded`` evidence span. Licence: AGPL-3.0 (the dataset's own).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from slant.data.readers import check_text, files_under, read_table, register_reader
from slant.data.records import DataError, Example, Span, inside_quotes
from slant.labels import LabelSet

BIAS = {"Biased": 1, "Non-biased": 0, "No agreement": None}


def biased_word_spans(text: str, raw: str, path: Path, line: int) -> tuple[Span, ...]:
    """Locate each listed word (whole word, case-insensitive) in ``text``.

    BABE has no voice: a word between quotation marks gets a silver ``quoted``, any other stays
    unknown (it may still be reported speech).
    """
    try:
        words = ast.literal_eval(raw or "[]")  # a Python list literal; literal_eval evaluates no code
    except (ValueError, SyntaxError):
        raise DataError(path, line, "biased_words", f"not a list literal: {raw[:60]!r}") from None
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise DataError(path, line, "biased_words", "must be a list of strings")
    spans = []
    for word in words:
        match = re.search(rf"(?<!\w){re.escape(word.strip())}(?!\w)", text, flags=re.IGNORECASE)
        if match and word.strip():
            voice = "quoted" if inside_quotes(text, match.start(), match.end()) else None
            spans.append(Span("loaded", match.start(), match.end(), voice))
    return tuple(spans)


@register_reader("babe")
def read_babe(path: Path, labels: LabelSet) -> Iterator[Example]:
    """Read ``final_labels_SG2.csv`` (or SG1/MBIC, same columns; ``;``-separated)."""
    for file in files_under(path, ".csv"):
        for line, row in read_table(file, ";", ["text", "label_bias", "biased_words"]):
            if row["label_bias"] not in BIAS:
                raise DataError(file, line, "label_bias", f"expected one of {list(BIAS)}, got {row['label_bias']!r}")
            text = check_text(row["text"], file, line)
            yield Example(
                text=text, lang="en", id=f"babe:{file.stem}:{line}",
                labels={name: BIAS[row["label_bias"]] if name == "loaded" else None for name in labels.names},
                spans=biased_word_spans(text, row["biased_words"], file, line),
            )
