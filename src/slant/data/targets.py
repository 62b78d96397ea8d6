"""Per-token training targets of the evidence head, from a sentence's labels and evidence spans."""

from __future__ import annotations

import math
from collections.abc import Sequence

from slant.data.records import Span


def token_targets(
    offsets: Sequence[tuple[int, int]], spans: Sequence[Span], labels: Sequence[float], names: Sequence[str],
    shift: int = 0,
) -> list[list[float]]:
    """Per-token targets ``(seq, len(names) + 1)`` for one sentence.

    A label's column is known (0/1) only when the sentence label is known and either negative (all
    tokens 0, even where a corpus lists spans) or backed by at least one span of that label; otherwise NaN. The voice column is 1/0 on tokens of
    loaded spans with a voice, NaN elsewhere. Special and prefix tokens are NaN.

    Args:
        offsets: ``(start, end)`` per token in the tokenised string; ``(0, 0)`` for special tokens.
        spans: evidence spans with offsets into the sentence.
        labels: sentence targets in ``names`` order (NaN = unknown).
        shift: characters added before the sentence (the model's text prefix).
    """
    rows = [[math.nan] * (len(names) + 1) for _ in offsets]
    real = [(t, s - shift, e - shift) for t, (s, e) in enumerate(offsets) if e > s and e > shift]
    for j, name in enumerate(names):
        own = [sp for sp in spans if sp.label == name]
        if math.isnan(labels[j]) or (labels[j] == 1 and not own):
            continue
        for t, start, end in real:
            # A negative sentence has no evidence, whatever spans a corpus lists for it (BABE lists
            # "biased words" on rows its annotators judged non-biased).
            rows[t][j] = float(labels[j] == 1 and any(start < sp.end and sp.start < end for sp in own))
    for sp in spans:
        if sp.voice is not None:
            for t, start, end in real:
                if start < sp.end and sp.start < end:
                    rows[t][-1] = float(sp.voice == "quoted")
    return rows
