"""Offline language identification (py3langid's bundled model), loaded on first use."""

from __future__ import annotations

from functools import lru_cache

UNKNOWN = "und"


@lru_cache(maxsize=1)
def _identifier():
    import py3langid  # deferred: loading its model takes about a second

    return py3langid


def detect_language(text: str, sample_chars: int = 5000) -> str:
    """ISO 639-1 code of the dominant language of ``text`` (``und`` for text without letters).

    >>> detect_language("Der Minister sagte, der Plan sei falsch.")
    'de'
    """
    sample = text[:sample_chars]
    if not any(ch.isalpha() for ch in sample):
        return UNKNOWN
    return _identifier().classify(sample)[0]
