"""The label set: the only place that decides label order."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class LabelSet:
    """An ordered set of binary sentence labels (multi-label, one sigmoid each).

    Args:
        names: label names in model output order; lowercase identifiers, unique.

    >>> labels = LabelSet(("attribution", "hedging", "loaded"))
    >>> labels.to_multi_hot({"attribution": 1, "loaded": None})
    [1.0, nan, nan]
    """

    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.names:
            raise ValueError("a label set needs at least one label")
        bad = [n for n in self.names if not isinstance(n, str) or not _NAME.match(n)]
        if bad:
            raise ValueError(f"label names must be lowercase identifiers, got {bad}")
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"duplicate label names in {list(self.names)}")

    @classmethod
    def of(cls, names: Sequence[str]) -> LabelSet:
        """Build a label set from any sequence of names."""
        return cls(tuple(names))

    def __len__(self) -> int:
        return len(self.names)

    @property
    def id2label(self) -> dict[int, str]:
        """Index to name, as stored in a Hugging Face ``config.json``."""
        return dict(enumerate(self.names))

    @property
    def label2id(self) -> dict[str, int]:
        """Name to index."""
        return {name: i for i, name in enumerate(self.names)}

    def to_multi_hot(self, values: Mapping[str, int | None]) -> list[float]:
        """Turn ``{label: 0 | 1 | None}`` into BCE targets; unknown (None or absent) becomes NaN.

        NaN marks a label the row says nothing about; the loss and the metrics mask it out.
        """
        return [float(values[n]) if values.get(n) is not None else math.nan for n in self.names]
