"""CoNLL-2010 shared task, Wikipedia uncertainty ("weasel") sentences (Farkas et al., 2010).

CSV rows ``label,sentence`` without a header: ``-1`` = uncertain maps to ``hedging=1``, ``1`` = certain
to ``hedging=0``. Licence: research and personal use only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from slant.data.readers import check_text, files_under, read_table, register_reader
from slant.data.records import DataError, Example
from slant.labels import LabelSet

HEDGED = {"-1": 1, "1": 0}


@register_reader("conll2010")
def read_conll2010(path: Path, labels: LabelSet) -> Iterator[Example]:
    """Read every ``*.csv`` under ``path``."""
    for file in files_under(path, ".csv"):
        for line, row in read_table(file, ",", ["label", "sentence"], fieldnames=["label", "sentence"]):
            if row["label"].strip() not in HEDGED:
                raise DataError(file, line, "label", f"expected -1 or 1, got {row['label']!r}")
            yield Example(
                text=check_text(row["sentence"], file, line, "sentence"), lang="en", id=f"conll2010:{line}",
                labels={name: HEDGED[row["label"].strip()] if name == "hedging" else None for name in labels.names},
            )
