"""slant: find how news articles frame what they report.

``from slant import Predictor`` stays cheap: torch and transformers load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["ArticleScore", "EvidenceSpan", "LabelSet", "Predictor", "SentencePrediction", "__version__"]

_LAZY = {
    "Predictor": "slant.predictor",
    "SentencePrediction": "slant.results",
    "ArticleScore": "slant.results",
    "EvidenceSpan": "slant.evidence",
    "LabelSet": "slant.labels",
}

if TYPE_CHECKING:
    from slant.evidence import EvidenceSpan
    from slant.labels import LabelSet
    from slant.predictor import Predictor
    from slant.results import ArticleScore, SentencePrediction


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'slant' has no attribute {name!r}")
