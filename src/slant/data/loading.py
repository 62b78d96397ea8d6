"""Read the configured sources, assign splits, mix them by weight, and build ``datasets`` splits."""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict

from slant.config import DataConfig, SourceConfig
from slant.data.records import SPLITS, STANCES, DataError, Example, MissingCorpusError
from slant.data.readers import check_lang, get_reader
from slant.labels import LabelSet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedData:
    """Splits ready for tokenisation plus a fingerprint of exactly what was read."""

    splits: DatasetDict
    fingerprint: str
    skipped: tuple[str, ...] = ()
    source_fingerprints: dict[str, str] = field(default_factory=dict)
    train_fingerprints: dict[str, str] = field(default_factory=dict)


def hash_split(key: str, validation_fraction: float, test_fraction: float) -> str:
    """Deterministic split for rows that carry none: the same text always lands in the same split."""
    bucket = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    if bucket < test_fraction:
        return "test"
    return "validation" if bucket < test_fraction + validation_fraction else "train"


def read_source(name: str, source: SourceConfig, labels: LabelSet, cfg: DataConfig) -> list[Example]:
    """Read one source, keep the configured languages, tag rows with source name and split."""
    try:
        if not Path(source.path).exists():
            raise MissingCorpusError(source.path, None, "path", "no such file or directory")
        examples = list(get_reader(source.format)(Path(source.path), labels))
    except MissingCorpusError as error:
        if not source.optional:
            raise
        log.warning("skipping optional source %s: %s", name, error)
        return []
    examples = keep_languages(name, source, examples)
    if examples and not any(ex.stance is not None or any(v is not None for v in ex.labels.values())
                            for ex in examples):
        raise DataError(source.path, None, "labels", f"source {name!r} has no row with any of {list(labels.names)} "
                                                     "and no stance row")
    return [
        replace(ex, source=name, split=ex.split or hash_split(ex.text, cfg.validation_fraction, cfg.test_fraction))
        for ex in examples
    ]


def keep_languages(name: str, source: SourceConfig, examples: list[Example]) -> list[Example]:
    """The rows of ``source`` whose language is one of its ``languages`` (every row when none are set).

    Leaving rows out is the point of the setting, so it is logged per language, not refused; but a
    configured code that is no language, or a list that keeps no row at all, raises: a typo must
    not quietly train on nothing or on the wrong rows.
    """
    if not source.languages:
        return examples
    field = f"data.sources.{name}.languages"
    wanted = {check_lang(code, source.path, None, field) for code in source.languages}
    found = Counter(ex.lang for ex in examples)
    kept = [ex for ex in examples if ex.lang in wanted]
    if examples and not kept:
        raise DataError(source.path, None, field, f"no row is in {sorted(wanted)}; rows per language: {dict(found)}")
    if absent := sorted(wanted - set(found)):
        log.warning("source %s: no row in configured language(s) %s", name, absent)
    left_out = {lang: count for lang, count in sorted(found.items()) if lang not in wanted}
    if left_out:
        log.info("source %s: kept %d rows in %s, left out %d in other languages %s",
                 name, len(kept), sorted(wanted), len(examples) - len(kept), left_out)
    return kept


def apply_weight(examples: list[Example], weight: float, seed: int) -> list[Example]:
    """Up- or down-sample training rows: weight 2.5 = every row twice plus half of them once more."""
    whole, fraction = int(weight), weight - int(weight)
    extra = random.Random(seed).sample(examples, round(fraction * len(examples)))
    return examples * whole + extra


def to_dataset(examples: list[Example], labels: LabelSet) -> Dataset:
    """Columns: ``id, text, lang, source, labels`` (float list in label order, NaN = unknown), ``spans``
    (JSON), ``target`` (``[start, end]``, ``[-1, -1]`` on sentence rows), ``stance`` (index into
    :data:`~slant.data.records.STANCES`, -1 on sentence rows) and ``stance_voice`` ("" when not annotated)."""
    return Dataset.from_dict(
        {
            "id": [ex.id for ex in examples],
            "text": [ex.text for ex in examples],
            "lang": [ex.lang for ex in examples],
            "source": [ex.source for ex in examples],
            "labels": [labels.to_multi_hot(ex.labels) for ex in examples],
            "spans": [json.dumps([s.__dict__ for s in ex.spans], ensure_ascii=False) for ex in examples],
            "target": [list(ex.target) if ex.target else [-1, -1] for ex in examples],
            "stance": [STANCES.index(ex.stance) if ex.stance else -1 for ex in examples],
            "stance_voice": [ex.stance_voice or "" for ex in examples],
        }
    )


def sentence_rows(dataset: Dataset) -> Dataset:
    """The rows that carry sentence labels (stance rows left out)."""
    return dataset.filter(lambda stance: stance < 0, input_columns="stance")


def stance_rows(dataset: Dataset) -> Dataset:
    """The (sentence, target, stance) rows."""
    return dataset.filter(lambda stance: stance >= 0, input_columns="stance")


def fingerprint_sources(cfg: DataConfig) -> str:
    """SHA-256 over each source's settings and the bytes of every file under its path."""
    digest = hashlib.sha256()
    digest.update(json.dumps([cfg.validation_fraction, cfg.test_fraction, cfg.max_train_samples]).encode())
    for name, source in sorted(cfg.sources.items()):
        digest.update(json.dumps([name, source.format, source.weight, sorted(source.languages)]).encode())
        hash_files(digest, Path(source.path))
    return digest.hexdigest()


def split_fingerprint(cfg: DataConfig, name: str) -> str:
    """SHA-256 of what decides which rows of source ``name`` land in which split: its files, format,
    languages and the split fractions. Equal at training and evaluation time means the evaluated
    split holds no training row of this source."""
    source = cfg.sources[name]
    digest = hashlib.sha256(json.dumps([cfg.validation_fraction, cfg.test_fraction, source.format,
                                        sorted(source.languages)]).encode())
    hash_files(digest, Path(source.path))
    return digest.hexdigest()


def train_fingerprint(examples: list[Example]) -> str:
    """SHA-256 of the texts of a source's train rows, order-free. Equal at training and evaluation time
    means no row the model trained on can be in another split (cross-split duplicates are dropped), even
    if rows were added to validation or test since."""
    digest = hashlib.sha256()
    for text in sorted(ex.text for ex in examples if ex.split == "train"):
        digest.update(hashlib.sha256(text.encode("utf-8")).digest())
    return digest.hexdigest()


def hash_files(digest: Any, root: Path) -> None:
    """Feed the relative name and bytes of ``root`` (a file) or of every file under it into ``digest``."""
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    for file in files:
        digest.update(str(file.relative_to(root) if file != root else file.name).encode())
        digest.update(file.read_bytes())


def load_splits(cfg: DataConfig, labels: LabelSet, seed: int = 42) -> LoadedData:
    """Read every source in ``cfg`` and return train/validation/test datasets.

    Validation and test rows are never re-weighted, so metrics stay comparable across mixes.
    """
    if not cfg.sources:
        raise ValueError("data.sources is empty: configure at least one corpus")
    by_split: dict[str, list[Example]] = {split: [] for split in SPLITS}
    skipped, trained = [], {}
    for name, source in sorted(cfg.sources.items()):
        rows = read_source(name, source, labels, cfg)
        if not rows and source.optional:
            skipped.append(name)
            continue
        counts = Counter(ex.split for ex in rows)
        trained[name] = train_fingerprint(rows)
        log.info("source %s (%s, %s): %s", name, source.format, source.path, dict(counts))
        for split in SPLITS:
            part = [ex for ex in rows if ex.split == split]
            by_split[split] += apply_weight(part, source.weight, seed) if split == "train" else part
    drop_cross_split_duplicates(by_split)
    train = by_split["train"]
    if cfg.max_train_samples is not None and len(train) > cfg.max_train_samples:
        by_split["train"] = random.Random(seed).sample(train, cfg.max_train_samples)
    splits = DatasetDict({s: to_dataset(rows, labels) for s, rows in by_split.items() if rows})
    used = {name: split_fingerprint(cfg, name) for name in sorted(cfg.sources) if name not in skipped}
    return LoadedData(splits=splits, fingerprint=fingerprint_sources(cfg), skipped=tuple(skipped),
                      source_fingerprints=used, train_fingerprints=trained)


def drop_cross_split_duplicates(by_split: dict[str, list[Example]]) -> None:
    """Remove from train (and validation) every text that also occurs in a later split.

    Corpora overlap (NewsSD and CheckThat! Italian, BABE and MBIC...), and a sentence seen in
    training must not be scored as unseen. Test keeps its rows; comparison ignores case, accents
    and punctuation.
    """
    held_out: set[str] = set()
    for split in ("test", "validation", "train"):
        rows = by_split[split]
        kept = [ex for ex in rows if ex.key not in held_out]
        if len(kept) < len(rows):
            log.warning("dropped %d %s rows whose text also occurs in a held-out split", len(rows) - len(kept), split)
        by_split[split] = kept
        held_out |= {ex.key for ex in kept}
