"""Batch scoring of article files: streaming readers, resumable atomic parts, local and Ray engines."""

from slant.batch.job import BatchSummary, Part, local_engine, run_batch
from slant.batch.parts import JobMismatchError, read_part
from slant.batch.output import RowScorer, ScorerSpec
from slant.batch.rows import InputFormatError, InputRow, RowSpec, iter_rows

__all__ = ["BatchSummary", "InputFormatError", "InputRow", "JobMismatchError", "Part", "RowScorer", "RowSpec",
           "ScorerSpec", "iter_rows", "local_engine", "read_part", "run_batch"]
