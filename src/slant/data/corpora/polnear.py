"""PolNeAR (Newell et al., 2018): attribution relations in political news, brat standoff format.

Each article's ``.txt`` is split into sentences; a sentence is ``attribution=1`` when an attribution
cue (``Attribution`` or ``Attribution-no-source`` relation) starts inside it, and those cues become
evidence spans. ``hedging`` and ``loaded`` stay unknown. Of several annotators' files for one
article the first by name is used. Splits follow the ``train``/``dev``/``test`` folders.
Licence: none stated by the authors; use for research.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from slant.data.readers import read_lines, register_reader
from slant.data.records import DataError, Example, Span
from slant.labels import LabelSet
from slant.inference.segmentation import split_sentences

SPLITS = {"train": "train", "dev": "validation", "test": "test"}


TEXT_BOUND = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t")
EVENT = re.compile(r"^E\d+\t(Attribution\S*):\S+((?: \S+:\S+)*)")


def cue_offsets(ann: Path) -> list[tuple[int, int]]:
    """Character spans of the cues of every attribution relation in a brat ``.ann`` file.

    Lines that are neither text-bound (``T``) nor event (``E``) annotations are continuations of a
    span text that contains a newline, and are skipped.
    """
    spans: dict[str, list[tuple[int, int]]] = {}
    cue_ids: list[str] = []
    for line, raw in read_lines(ann):
        if match := TEXT_BOUND.match(raw):
            spans[match[1]] = [tuple(map(int, part.split())) for part in match[3].split(";")]
        elif match := EVENT.match(raw):
            cue_ids += [arg.split(":", 1)[1] for arg in match[2].split() if arg.startswith("Cue:")]
        elif raw.startswith(("T", "E")) and re.match(r"^[TE]\d+\t", raw):
            raise DataError(ann, line, "<annotation>", f"cannot parse {raw.strip()[:80]!r}")
    missing = [c for c in cue_ids if c not in spans]
    if missing:
        raise DataError(ann, None, "Cue", f"relations point at undefined text-bound ids {missing[:3]}")
    return sorted(fragment for cue in cue_ids for fragment in spans[cue])


def article_examples(text_file: Path, ann: Path, split: str, labels: LabelSet) -> Iterator[Example]:
    """One example per sentence of an article, labelled by the cues that start inside it."""
    text = text_file.read_text(encoding="utf-8")
    cues = cue_offsets(ann)
    for k, sentence in enumerate(split_sentences(text, "en")):
        inside = [(s, e) for s, e in cues if sentence.start <= s < sentence.end]
        yield Example(
            text=sentence.text, lang="en", split=split, id=f"polnear:{text_file.stem}:{k}",
            labels={name: int(bool(inside)) if name == "attribution" else None for name in labels.names},
            spans=tuple(Span("attribution", s - sentence.start, min(e, sentence.end) - sentence.start)
                        for s, e in inside),
        )


@register_reader("polnear")
def read_polnear(path: Path, labels: LabelSet) -> Iterator[Example]:
    """Read ``<path>/{train,dev,test}/{text,attributions}`` (``path`` is PolNeAR's ``data`` folder)."""
    found = False
    for folder, split in SPLITS.items():
        annotations: dict[str, Path] = {}
        for ann in sorted((path / folder / "attributions").glob("*.ann")):
            annotations.setdefault(ann.stem.rsplit("_", 1)[0], ann)  # strip the annotator suffix
        for article, ann in sorted(annotations.items()):
            text_file = path / folder / "text" / f"{article}.txt"
            if not text_file.is_file():
                raise DataError(ann, None, "<text>", f"no article text {text_file}")
            found = True
            yield from article_examples(text_file, ann, split, labels)
    if not found:
        raise DataError(path, None, "path", "expected train/, dev/ or test/ with text/ and attributions/ inside")
