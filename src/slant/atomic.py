"""Atomic file writes: a reader never sees half a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text through a temporary file and a rename."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write pretty UTF-8 JSON atomically."""
    write_text(path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
