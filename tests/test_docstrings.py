"""The examples in docstrings run and hold: documentation that cannot drift from the code."""

import doctest
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
WITH_EXAMPLES = sorted(".".join(p.relative_to(SRC).with_suffix("").parts) for p in (SRC / "slant").rglob("*.py")
                       if ">>>" in p.read_text(encoding="utf-8"))


def test_modules_with_examples_are_found():
    assert {"slant.data.records", "slant.data.adoption", "slant.inference.furniture"} <= set(WITH_EXAMPLES)


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples_pass(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (see output above)"
