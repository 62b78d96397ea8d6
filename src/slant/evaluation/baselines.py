"""Reference systems scored in the same run as the model: majority class, cue lexicon, TF-IDF + LR.

Each ``fit_*`` takes training texts and targets ``(n, n_labels)`` (NaN = unknown) and returns a
function from texts (and languages) to probabilities ``(n, n_labels)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

Scorer = Callable[[Sequence[str], Sequence[str]], np.ndarray]


def fit_majority(y_train: np.ndarray) -> Scorer:
    """Predict each label's most frequent training value for every sentence."""
    rates = np.nanmean(y_train, axis=0)
    return lambda texts, langs: np.tile((rates > 0.5).astype(float), (len(texts), 1))


@lru_cache(maxsize=1)
def load_lexicon() -> dict[str, dict[str, list[str]]]:
    """The packaged cue lists: ``{label: {lang: [cue, ...]}}`` (see ``resources/lexicon.json``)."""
    text = resources.files("slant.resources").joinpath("lexicon.json").read_text(encoding="utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


def cue_pattern(cues: Sequence[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex matching any cue as a whole word or phrase."""
    if not cues:
        return None
    alternatives = "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def fit_lexicon(names: Sequence[str]) -> Scorer:
    """Label a sentence when any cue of its language matches; labels without a list predict 0."""
    lexicon = load_lexicon()
    patterns = {(name, lang): cue_pattern(cues) for name in names for lang, cues in lexicon.get(name, {}).items()}

    def score(texts: Sequence[str], langs: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(names)))
        for i, (text, lang) in enumerate(zip(texts, langs)):
            for j, name in enumerate(names):
                pattern = patterns.get((name, lang))
                out[i, j] = float(bool(pattern and pattern.search(text)))
        return out

    return score


def fit_tfidf_lr(texts: Sequence[str], y_train: np.ndarray, seed: int = 0) -> Scorer:
    """Character 2-5-gram TF-IDF and one logistic regression per label, on that label's known rows.

    Character n-grams handle eight languages without tokenisers or stemmers.
    """
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=200_000)
    features = vectorizer.fit_transform(texts)
    models: list[LogisticRegression | float] = []
    for j in range(y_train.shape[1]):
        known = ~np.isnan(y_train[:, j])
        y = y_train[known, j]
        if known.sum() == 0 or y.min() == y.max():
            models.append(float(np.nan_to_num(y.mean() if y.size else 0.0)))  # constant: nothing to learn
            continue
        models.append(LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced", random_state=seed)
                      .fit(features[np.flatnonzero(known)], y.astype(int)))

    def score(new_texts: Sequence[str], langs: Sequence[str]) -> np.ndarray:
        x = vectorizer.transform(new_texts)
        return np.column_stack([
            m.predict_proba(x)[:, 1] if isinstance(m, LogisticRegression) else np.full(len(new_texts), m)
            for m in models
        ])

    return score
