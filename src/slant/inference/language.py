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

# Every ISO 639-1 code: what a language field of training data may say (after normalise_language).
ISO_639_1 = frozenset(
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee "
    "el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it "
    "iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my "
    "na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn "
    "so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
    .split()
)


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


def detect_language(text: str, sample_chars: int = 5000, slices: int = 5) -> str:
    """ISO 639-1 code of the dominant language of ``text`` (``und`` when it has too few letters to tell).

    A long text is read in ``slices`` evenly spaced pieces of ``sample_chars`` in all, so that a long
    header of another language (navigation, a cookie banner) cannot decide alone.

    >>> detect_language("Der Minister sagte, der Plan sei falsch.")
    'de'
    """
    if len(text) <= sample_chars:
        sample = text
    else:
        width, step = sample_chars // slices, (len(text) - sample_chars // slices) // (slices - 1)
        sample = "\n".join(text[k * step : k * step + width] for k in range(slices))
    if sum(ch.isalpha() for ch in sample) < MIN_DETECT_CHARS:
        return UNKNOWN
    return _identifier().classify(sample)[0]
