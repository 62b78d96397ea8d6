"""Output records of a batch job: one per input row, scored or carrying its error.

A record is a flat dict (row, id, status, error, lang, per-label counts and rates, loaded-voice
counts) plus, unless turned off, the nested list of sentences with scores and evidence. The
Parquet schema is fixed from the label set, so every part of a job has the same columns whether
it holds scored rows, error rows or both.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slant.batch.rows import InputRow
from slant.data.records import STANCES
from slant.inference.stance import parse_targets

if TYPE_CHECKING:
    import pyarrow as pa

    from slant.inference.predictor import Predictor
    from slant.inference.results import ArticleScore

log = logging.getLogger(__name__)

OK, ERROR = "ok", "error"
VOICES = ("quoted", "authorial")


def summary_fields(labels: Sequence[str]) -> list[str]:
    """Flat columns of a record, in order (the nested ``sentences`` column comes last)."""
    return ["row", "id", "status", "error", "lang", "n_sentences", "n_content",
            *(f"count_{n}" for n in labels), *(f"rate_{n}" for n in labels), *(f"loaded_{v}" for v in VOICES)]


def error_record(row: InputRow, labels: Sequence[str], reason: str | None = None) -> dict[str, Any]:
    """The record of a row that could not be scored: every score column is null."""
    record = dict.fromkeys(summary_fields(labels))
    record.update(row=row.row, id=row.id, status=ERROR, error=reason or row.error, targets=None, sentences=None)
    return record


def article_record(row: InputRow, article: ArticleScore, with_sentences: bool) -> dict[str, Any]:
    """The record of a scored row."""
    record: dict[str, Any] = {"row": row.row, "id": row.id, "status": OK, "error": None, "lang": article.lang,
                              "n_sentences": len(article.sentences), "n_content": article.n_content}
    record.update({f"count_{n}": c for n, c in article.counts.items()})
    record.update({f"rate_{n}": r for n, r in article.rates.items()})
    record.update({f"loaded_{v}": article.loaded_voice.get(v, 0) for v in VOICES})
    record["targets"] = [
        {"target": t.target, "stance": t.stance, "n_mentions": len(t.mentions),
         **{f"count_{c}": n for c, n in t.counts.items()}, **{f"mean_{c}": p for c, p in t.mean_scores.items()},
         "mentions": [{"start": m.start, "end": m.end, "text": m.text, "stance": m.stance, "voice": m.voice,
                       **{f"score_{c}": p for c, p in m.scores.items()}} for m in t.mentions]}
        for t in article.targets
    ] or None
    record["sentences"] = [
        {"start": s.start, "end": s.end, "kind": s.kind, "text": s.text, "labels": list(s.labels),
         "scores": s.scores or None,
         "evidence": [{"label": e.label, "start": e.start, "end": e.end, "text": e.text, "voice": e.voice}
                      for e in s.evidence]}
        for s in article.sentences
    ] if with_sentences else None
    return record


def record_schema(labels: Sequence[str]) -> pa.Schema:
    """The Arrow schema of records for ``labels`` (Parquet output)."""
    import pyarrow as pa

    evidence = pa.struct([("label", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
                          ("text", pa.string()), ("voice", pa.string())])
    sentence = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("kind", pa.string()), ("text", pa.string()),
                          ("labels", pa.list_(pa.string())), ("scores", pa.struct([(n, pa.float64()) for n in labels])),
                          ("evidence", pa.list_(evidence))])
    types = {"row": pa.int64(), "id": pa.string(), "status": pa.string(), "error": pa.string(), "lang": pa.string(),
             "n_sentences": pa.int64(), "n_content": pa.int64()}
    fields = [(f, types.get(f, pa.float64() if f.startswith("rate_") else pa.int64())) for f in summary_fields(labels)]
    mention = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()), ("stance", pa.string()),
                         ("voice", pa.string()), *((f"score_{c}", pa.float64()) for c in STANCES)])
    target = pa.struct([("target", pa.string()), ("stance", pa.string()), ("n_mentions", pa.int64()),
                        *((f"count_{c}", pa.int64()) for c in STANCES), *((f"mean_{c}", pa.float64()) for c in STANCES),
                        ("mentions", pa.list_(mention))])
    return pa.schema([*fields, ("targets", pa.list_(target)), ("sentences", pa.list_(sentence))])


class RowScorer:
    """Turn input rows into records with one predictor: the scoring step shared by every engine.

    The rows' articles are scored together (:meth:`Predictor.score_batch`), so short articles
    share batches. If that fails, the rows are retried one by one and a row that still fails gets
    an error record: one bad article never loses its neighbours.
    """

    def __init__(self, predictor: Predictor, lang: str | None = None, with_sentences: bool = True,
                 articles_per_batch: int = 64, targets: str | None = None) -> None:
        self.predictor = predictor
        self.lang = lang
        self.targets = targets  # stance targets of rows without their own
        self.with_sentences = with_sentences
        self.articles_per_batch = articles_per_batch

    def __call__(self, rows: Sequence[InputRow]) -> list[dict[str, Any]]:
        """One record per row, in the same order."""
        labels = self.predictor.labels
        records: dict[int, dict[str, Any]] = {r.row: error_record(r, labels) for r in rows if r.error}
        valid = [r for r in rows if not r.error]
        for start in range(0, len(valid), self.articles_per_batch):
            group = valid[start : start + self.articles_per_batch]
            for row, record in zip(group, self._score(group)):
                records[row.row] = record
        return [records[r.row] for r in rows]

    def _score(self, rows: Sequence[InputRow]) -> list[dict[str, Any]]:
        try:
            targets = [parse_targets(r.targets or self.targets) for r in rows]
            articles = self.predictor.score_batch([r.text for r in rows], [r.lang or self.lang for r in rows],
                                                  targets if any(targets) else None)
        except Exception as err:  # noqa: BLE001 - find the failing row instead of losing the group
            if len(rows) > 1:
                return [record for r in rows for record in self._score([r])]
            log.warning("row %d: scoring failed: %s", rows[0].row, err)
            reason = f"row {rows[0].row}: scoring failed: {type(err).__name__}: {err}"
            return [error_record(rows[0], self.predictor.labels, reason)]
        return [article_record(r, a, self.with_sentences) for r, a in zip(rows, articles)]


@dataclass(frozen=True)
class ScorerSpec:
    """How to build a :class:`RowScorer`; small and picklable, so each distributed worker builds its own."""

    model_dir: str
    device: str = "auto"
    precision: str = "auto"
    batch_size: int = 32
    lang: str | None = None
    with_sentences: bool = True
    threads: int | None = None  # torch intra-op threads; None keeps torch's default (all cores)
    compile: bool = False  # torch.compile: a one-off compilation per worker, then faster batches
    targets: str | None = None  # stance targets for every row ("A|variant,B"); a row's own column wins

    def build(self) -> RowScorer:
        """Load the predictor and wrap it."""
        import torch

        from slant.inference.predictor import Predictor

        if self.threads:
            torch.set_num_threads(self.threads)
        predictor = Predictor.from_pretrained(self.model_dir, self.device, self.batch_size, self.precision, self.compile)
        return RowScorer(predictor, self.lang, self.with_sentences, targets=self.targets)
