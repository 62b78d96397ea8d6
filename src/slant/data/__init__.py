"""Labelled sentences: the record types, readers for the slant schema and public corpora, loading
and splitting into training-ready datasets, the starter corpus' checks, and per-token evidence targets."""

from slant.data.records import DataError, Example, Span

__all__ = ["DataError", "Example", "Span"]
