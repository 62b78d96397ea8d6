"""slant: find how news articles frame what they report.

Importing slant registers its model with the ``transformers`` Auto classes (:mod:`slant.modeling`),
so a saved slant model loads with ``AutoModel.from_pretrained``. ``import slant`` itself stays cheap:
the registration runs as soon as ``transformers`` is imported (at once if it already is), and the
rest loads on first use. Hydra is only ever imported by ``train.py`` and ``evaluate.py``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["ArticleScore", "EvidenceSpan", "LabelSet", "Predictor", "SentencePrediction", "SlantConfig", "SlantModel",
           "__version__"]

_LAZY = {
    "Predictor": "slant.inference.predictor",
    "SentencePrediction": "slant.inference.results",
    "ArticleScore": "slant.inference.results",
    "EvidenceSpan": "slant.inference.evidence",
    "LabelSet": "slant.labels",
    "SlantConfig": "slant.modeling",
    "SlantModel": "slant.modeling",
}

if TYPE_CHECKING:
    from slant.inference.evidence import EvidenceSpan
    from slant.inference.predictor import Predictor
    from slant.inference.results import ArticleScore, SentencePrediction
    from slant.labels import LabelSet


def _register() -> None:
    importlib.import_module("slant.modeling")  # registers SlantConfig / SlantModel with the Auto classes


class _RegisterAfterTransformers(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Runs :func:`_register` right after ``transformers`` is first imported, wherever from."""

    def find_spec(self, name, path, target=None):  # noqa: D102
        if name != "transformers":
            return None
        sys.meta_path.remove(self)  # find the real spec, once
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            self._loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec):  # noqa: D102
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:  # noqa: D102
        self._loader.exec_module(module)
        _register()


if "transformers" in sys.modules:
    _register()
elif not any(isinstance(finder, _RegisterAfterTransformers) for finder in sys.meta_path):
    sys.meta_path.insert(0, _RegisterAfterTransformers())


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'slant' has no attribute {name!r}")
