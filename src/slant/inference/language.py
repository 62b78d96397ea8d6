"""Offline language identification (py3langid's bundled model), loaded on first use."""

from __future__ import annotations

from functools import lru_cache

UNKNOWN = "und"
MIN_DETECT_CHARS = 20  # below this, identification is a guess ("OK." -> Afrikaans): say unknown
# ISO 639-2/3 codes of the languages slant is trained and segmented for, and their 639-1 form.
THREE_LETTER = {"deu": "de", "ger": "de", "eng": "en", "fra": "fr", "fre": "fr", "spa": "es", "ita": "it",
                "por": "pt", "rus": "ru", "ukr": "uk", "pol": "pl", "nld": "nl", "dut": "nl", "ces": "cs",
                "cze": "cs", "ara": "ar", "bul": "bg", "ell": "el", "gre": "el", "ron": "ro", "rum": "ro",
                "tur": "tr", "swe": "sv", "dan": "da", "nor": "no", "fin": "fi", "hun": "hu", "zho": "zh",
                "chi": "zh", "jpn": "ja", "kor": "ko", "heb": "he", "fas": "fa", "per": "fa", "hin": "hi"}


def normalise_language(code: str | None) -> str | None:
    """A user's language code as ISO 639-1: ``de-DE``, ``de_AT``, ``DE``, ``deu`` -> ``de``.

    ``None`` and ``""`` stay ``None`` (detect); an unknown three-letter code is kept as given.

    >>> [normalise_language(c) for c in ("de-DE", "DE", "deu", "pt_BR", None)]
    ['de', 'de', 'de', 'pt', None]
    """
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return THREE_LETTER.get(base, base)


@lru_cache(maxsize=1)
def _identifier():
    import py3langid  # deferred: loading its model takes about a second

    return py3langid


def detect_language(text: str, sample_chars: int = 5000) -> str:
    """ISO 639-1 code of the dominant language of ``text`` (``und`` when it has too few letters to tell).

    >>> detect_language("Der Minister sagte, der Plan sei falsch.")
    'de'
    """
    sample = text[:sample_chars]
    if sum(ch.isalpha() for ch in sample) < MIN_DETECT_CHARS:
        return UNKNOWN
    return _identifier().classify(sample)[0]
