"""Score batch-job parts on Ray Data: an actor pool with one predictor per worker, GPUs when present.

The job loop stays the same as the local engine (reading, resume, atomic parts); only scoring moves
to Ray. Parts are sent in windows: each window is one Ray dataset whose blocks are parts, mapped by
``map_batches`` over a pool of :class:`PartScorer` actors. Scores are identical to the local engine
because each actor runs the same :class:`~slant.batch.records.RowScorer` on the same rows.
"""

from __future__ import annotations

import bisect
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from slant.batch.job import Engine, Part
from slant.batch.output import ScorerSpec
from slant.batch.rows import InputRow

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger(__name__)

ROW_FIELDS = ("row", "text", "id", "lang", "error", "targets")


@dataclass(frozen=True)
class RayOptions:
    """Actor pool shape and where the cluster is.

    Attributes:
        workers: model replicas; default one per GPU in the cluster, else 1.
        cpus_per_worker: CPUs Ray reserves per replica (also its torch thread count, rounded up).
        gpus_per_worker: default 1 when the cluster has GPUs, else 0.
        address: ``ray.init`` address; ``None`` uses ``RAY_ADDRESS`` or starts a local Ray.
        parts_per_window: parts per Ray dataset; actors load the model once per window.
    """

    workers: int | None = None
    cpus_per_worker: float = 1.0
    gpus_per_worker: float | None = None
    address: str | None = None
    parts_per_window: int = 64


class PartScorer:
    """Ray actor: builds one :class:`RowScorer` and maps a block of input rows to ``(row, record JSON)``."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.scorer = ScorerSpec(**spec).build()

    def __call__(self, block: pa.Table) -> pa.Table:
        """``block``: columns :data:`ROW_FIELDS`; returns ``row`` and each record as JSON (exact floats)."""
        import pyarrow as pa

        rows = [InputRow(**r) for r in block.select(list(ROW_FIELDS)).to_pylist()]
        records = self.scorer(rows)
        return pa.table({"row": [r["row"] for r in records],
                         "record": [json.dumps(r, ensure_ascii=False) for r in records]})


def ray_engine(options: RayOptions = RayOptions()) -> Engine:
    """An engine for :func:`slant.batch.run_batch` that scores on Ray Data."""

    def engine(parts: Iterable[Part], spec: ScorerSpec) -> Iterator[tuple[Part, list[dict[str, Any]]]]:
        import ray

        if not ray.is_initialized():
            ray.init(address=options.address, include_dashboard=False, log_to_driver=False)
        cluster_gpus = ray.cluster_resources().get("GPU", 0)
        gpus = options.gpus_per_worker if options.gpus_per_worker is not None else (1.0 if cluster_gpus else 0.0)
        workers = options.workers or (max(1, int(cluster_gpus // gpus)) if gpus else 1)
        threads = max(1, int(-(-options.cpus_per_worker // 1)))
        worker_spec = asdict(spec) | {"threads": spec.threads or threads, "device": "cuda" if gpus else spec.device}
        log.info("ray: %d workers, %.1f CPU and %.1f GPU each", workers, options.cpus_per_worker, gpus)
        window: list[Part] = []
        for part in parts:
            window.append(part)
            if len(window) == options.parts_per_window:
                yield from score_window(window, worker_spec, workers, options.cpus_per_worker, gpus)
                window = []
        if window:
            yield from score_window(window, worker_spec, workers, options.cpus_per_worker, gpus)

    return engine


def score_window(
    window: list[Part], spec: dict[str, Any], workers: int, cpus: float, gpus: float,
) -> Iterator[tuple[Part, list[dict[str, Any]]]]:
    """Score a window of parts on Ray; yield each part as soon as all its rows are back."""
    import pyarrow as pa
    import ray

    blocks = [pa.table({f: [getattr(r, f) for r in part.rows] for f in ROW_FIELDS},
                       schema=pa.schema([("row", pa.int64())] + [(f, pa.string()) for f in ROW_FIELDS[1:]]))
              for part in window]
    scored = ray.data.from_arrow(blocks).map_batches(
        PartScorer, fn_constructor_kwargs={"spec": spec}, batch_size=None, batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=cpus, num_gpus=gpus,
    )
    firsts = [part.first for part in window]
    received: dict[int, dict[int, dict[str, Any]]] = {part.first: {} for part in window}
    for batch in scored.iter_batches(batch_size=None, batch_format="pyarrow"):
        for row, record in zip(batch.column("row").to_pylist(), batch.column("record").to_pylist()):
            part = window[bisect.bisect_right(firsts, row) - 1]
            received[part.first][row] = json.loads(record)
            if len(received[part.first]) == len(part.rows):
                done = received.pop(part.first)
                yield part, [done[r.row] for r in part.rows]
    if received:
        raise RuntimeError(f"ray returned no records for the parts starting at rows {sorted(received)}")
