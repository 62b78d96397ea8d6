"""Reading labelled sentences from corpora into training-ready datasets."""

from slant.data.records import DataError, Example, Span

__all__ = ["DataError", "Example", "Span"]
