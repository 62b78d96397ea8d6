"""Real news annotated by the slant team, shipped as standoff annotations over public corpora.

The sentences come from the archives in ``realnews/`` of the shared corpora folder (WMT21 news
sources, the Spanish Fake News Corpus' real articles, MasakhaNEWS French, NewsSD-Ita, Fake.br's real
articles, ner-uk's «Наші гроші» articles) and, for the enrichment set only, from the Spanish corpus'
fake-labelled articles, the training files of CheckThat! 2025's subjectivity task beside it (corpus
``checkthat``) and the manual article bodies of the article-extraction benchmark's pages (corpus ``aeb``). Their licences do not all allow redistribution, so
``data/realnews/*.jsonl`` holds only ids, character offsets, labels and spans; this reader joins
them with the archives at load time and checks each sentence against a stored hash.

Each annotation row: ``id, lang, corpus, doc, start, end, sha1`` (first 10 hex digits of the
sentence's SHA-1), the three labels, ``spans`` (offsets relative to the sentence, ``voice`` on
loaded spans), ``split`` (assigned per document, so no article straddles two splits) and ``note``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import cache
from pathlib import Path

from slant.config import DEFAULT_LABELS
from slant.data.corpora.checkthat import LANGUAGES as CHECKTHAT_LANGUAGES
from slant.data.corpora.checkthat import unquote
from slant.data.readers import check_lang, check_span_label, files_under, json_rows, read_lines, register_reader
from slant.data.records import SPLITS, DataError, Example, MissingCorpusError, Span, normalise
from slant.data.starter import CorpusReport, checksum_problems
from slant.labels import LabelSet

ARCHIVES = {
    "wmt21_news": "wmt21_news.tar.xz",
    "es_FakeNewsCorpusSpanish": "es_FakeNewsCorpusSpanish.tar.xz",
    # The same corpus' articles labelled fake: real-world text from disreputable sites, used only as
    # training material (enrichment), never sampled for validation or test.
    "es_FakeNewsCorpusSpanish_fake": "es_FakeNewsCorpusSpanish.tar.xz",
    "fr_MasakhaNEWS": "fr_MasakhaNEWS.tar.xz",
    "it_NewsSD": "it_NewsSD.tar.xz",
    "pt_FakeBr": "pt_FakeBr.tar.xz",
    "uk_ner-uk_ng": "uk_ner-uk_ng.tar.xz",
    "de_GerNTSA": "de_GerNTSA.tar.xz",
    "ru_RuSentNE": "ru_RuSentNE.tar.xz",
}
# Corpora that may only teach: enrichment (training) rows, never a measured split.
# The benchmark pages' article bodies: whole recent articles (mostly US and UK outlets), outside the
# measured sample.
TRAINING_ONLY = frozenset({"es_FakeNewsCorpusSpanish_fake", "aeb"})
# Corpora read from a folder beside realnews/ rather than from an archive inside it.
FOLDERS = {"checkthat": "CheckThat2025_Task1_subjectivity/task1/data",
           "aeb": "pages/scrapinghub_aeb/ground-truth.json"}
WMT_DOCS = {"de": "newstest2021.de-fr.src-docs.tsv", "fr": "newstest2021.fr-de.src-docs.tsv",
            "ru": "newstest2021.ru-en.src-docs.tsv"}
WMT_LINES = {"en": "newstest2021.en-de.src.en"}


def fingerprint(text: str) -> str:
    """The hash an annotation stores to prove it still points at the same sentence."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def archive_members(root: Path, corpus: str) -> dict[str, bytes]:
    """Every regular file of one corpus archive, by its path inside the archive."""
    return _members(str(root / ARCHIVES[corpus]))


@cache
def _members(archive: str) -> dict[str, bytes]:
    if not Path(archive).is_file():
        raise MissingCorpusError(archive, None, "corpus", "archive not found; set SLANT_CORPORA to the folder "
                                                          "holding realnews/ (see data/realnews/README.md)")
    with tarfile.open(archive, "r:xz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


@cache
def documents(root: Path, corpus: str, lang: str | None = None) -> dict[str, str]:
    """``{doc id: text}`` of one corpus; for WMT, ``lang`` picks the source file.

    Sentence-level corpora (NewsSD) give one document per sentence; WMT documents are their segments
    joined by newlines; the English WMT source has no document ids, so each line is a document.
    """
    if corpus == "checkthat":
        return checkthat_sentences(root, lang)
    if corpus == "aeb":
        return benchmark_articles(root, lang)
    files = archive_members(root, corpus)

    def text(name: str) -> str:
        return files[name].decode("utf-8", errors="replace")

    if corpus == "wmt21_news":
        if lang in WMT_LINES:
            name = WMT_LINES[lang]
            lines = text(f"wmt21_news/txt/sources/{name}").splitlines()
            return {f"{name}:{k + 1}": line for k, line in enumerate(lines)}
        name = WMT_DOCS[lang]
        segments: dict[str, list[str]] = {}
        for row in csv.reader(io.StringIO(text(f"wmt21_news/txt/sources/{name}")), delimiter="\t",
                              quoting=csv.QUOTE_NONE):
            if len(row) >= 4 and row[1] == lang:
                segments.setdefault(f"{name}:{row[0]}", []).append(row[3])
        return {doc: "\n".join(parts) for doc, parts in segments.items()}
    if corpus.startswith("es_FakeNewsCorpusSpanish"):
        real, docs = corpus == "es_FakeNewsCorpusSpanish", {}
        for split in ("train", "development", "test"):
            for k, line in enumerate(text(f"es_FakeNewsCorpusSpanish/{split}.jsonl").splitlines()):
                row = {key.lower(): value for key, value in json.loads(line).items()}
                if (str(row.get("category")).lower() in {"true", "1"}) == real:
                    docs[f"{split}:{row.get('id', k)}"] = row["text"]
        return docs
    if corpus == "fr_MasakhaNEWS":
        rows = csv.DictReader(io.StringIO(text("fr_MasakhaNEWS/dev.tsv")), delimiter="\t")
        return {f"dev:{k}": row["text"] for k, row in enumerate(rows)}
    if corpus == "it_NewsSD":
        docs = {}
        for split in ("train", "val", "test"):
            rows = csv.DictReader(io.StringIO(text(f"it_NewsSD/italian/{split}.csv")))
            docs.update({f"{split}:{k}": row["Sentence"].strip() for k, row in enumerate(rows)})
        return docs
    if corpus == "de_GerNTSA":  # one row per (sentence, target): a sentence is a document, once
        rows = json.loads(text("de_GerNTSA/GerNTSA.json"))
        return {doc: snippet for snippet, doc in {row["opinion_snippet"]: row["id"] for row in reversed(rows)}.items()}
    if corpus == "ru_RuSentNE":  # one row per (sentence, entity): the first row of a sentence names it
        rows = csv.DictReader(io.StringIO(text("ru_RuSentNE/train_data.csv")), delimiter="\t", quoting=csv.QUOTE_NONE)
        return {f"train:{k}": sentence for sentence, k in
                {row["sentence"]: k for k, row in reversed(list(enumerate(rows)))}.items()}
    folder = {"pt_FakeBr": "pt_FakeBr/true/", "uk_ner-uk_ng": "uk_ner-uk_ng/"}[corpus]
    return {name[len(folder):-4]: text(name) for name in files
            if name.startswith(folder) and name.endswith(".txt") and "/" not in name[len(folder):]}


def checkthat_sentences(root: Path, lang: str | None) -> dict[str, str]:
    """``{"train:<sentence_id>": sentence}`` of CheckThat!'s training file for ``lang`` (train only:
    its dev and test files are that benchmark's measurement)."""
    folder = {code: name for name, code in CHECKTHAT_LANGUAGES.items()}.get(lang or "")
    files = sorted((root.parent / FOLDERS["checkthat"] / str(folder)).glob("train_*.tsv")) if folder else []
    if not files:
        raise MissingCorpusError(root.parent / FOLDERS["checkthat"], None, "corpus",
                                 f"no CheckThat! training file for language {lang!r}")
    rows = csv.DictReader(io.StringIO(files[0].read_text(encoding="utf-8")), delimiter="\t", quoting=csv.QUOTE_NONE)
    return {f"train:{row['sentence_id']}": unquote(row["sentence"]) for row in rows}


def benchmark_articles(root: Path, lang: str | None) -> dict[str, str]:
    """``{page id: manual article body}`` of the article-extraction benchmark, only the pages whose
    body is in ``lang`` (detected: the benchmark names no language) when ``lang`` is given."""
    from slant.inference.language import detect_language  # deferred: loads a model

    path = root.parent / FOLDERS["aeb"]
    if not path.is_file():
        raise MissingCorpusError(path, None, "corpus", "article-extraction benchmark ground truth not found")
    pages = json.loads(path.read_text(encoding="utf-8"))
    return {page: entry["articleBody"] for page, entry in pages.items()
            if lang is None or detect_language(entry["articleBody"]) == lang}


def resolve(root: Path, row: dict, path: Path, line: int) -> str:
    """The sentence an annotation row points at, checked against its stored hash."""
    corpus, doc = row.get("corpus"), row.get("doc")
    if corpus not in ARCHIVES and corpus not in FOLDERS:
        raise DataError(path, line, "corpus", f"unknown corpus {corpus!r}; known: {sorted({**ARCHIVES, **FOLDERS})}")
    docs = documents(root, corpus, row.get("lang"))
    if doc not in docs:
        raise DataError(path, line, "doc", f"document {doc!r} not in {corpus}")
    sentence = docs[doc][row["start"]:row["end"]]
    if fingerprint(sentence) != row.get("sha1"):
        raise DataError(path, line, "sha1", f"{corpus}:{doc}[{row['start']}:{row['end']}] no longer matches "
                                            "the annotated sentence (a different corpus version?)")
    return sentence


KEYS = ("lang", "corpus", "doc", "start", "end", "sha1", "split", "id", *DEFAULT_LABELS, "spans", "note")


def corpora_root() -> Path:
    """Where the realnews archives are: ``$SLANT_CORPORA/realnews``, else ``../shared/corpora/realnews``."""
    return Path(os.environ.get("SLANT_CORPORA", "../shared/corpora")) / "realnews"


def check_row(row: dict, text: str, path: Path, line: int) -> Example:
    """Schema, labels, spans inside the sentence and on its words, label/span agreement, voices."""
    if list(row) != list(KEYS):
        raise DataError(path, line, "<keys>", f"expected keys {list(KEYS)}, got {list(row)}")
    if not str(row["id"]).startswith(f"rn-{row['lang']}-") or row["split"] not in SPLITS:
        raise DataError(path, line, "id/split", f"id {row['id']!r} must start rn-{row['lang']}-; split in {SPLITS}")
    enrichment = str(row["id"]).startswith(f"rn-{row['lang']}-e")
    if enrichment and row["split"] != "train":
        # Enrichment rows were picked for their labels, not sampled: their base rates would bias any measurement.
        raise DataError(path, line, "split", f"enrichment row {row['id']} (ids rn-<lang>-e...) must be train")
    if row["corpus"] in TRAINING_ONLY and not enrichment:
        raise DataError(path, line, "corpus", f"{row['corpus']} is training material only: "
                                              "use an enrichment id (rn-<lang>-e...)")
    spans = []
    for i, span in enumerate(row["spans"]):
        start, end = span.get("start"), span.get("end")
        if span.get("label") not in DEFAULT_LABELS or not (isinstance(start, int) and isinstance(end, int)
                                                           and 0 <= start < end <= len(text)):
            raise DataError(path, line, f"spans[{i}]", f"bad span {span} for a {len(text)}-character sentence")
        if (span.get("voice") in ("quoted", "authorial")) != (span["label"] == "loaded"):
            raise DataError(path, line, f"spans[{i}].voice", "loaded spans need quoted|authorial, others none")
        spans.append(Span(span["label"], start, end, span.get("voice")))
    for name in DEFAULT_LABELS:
        has_span = any(s.label == name for s in spans)
        if row[name] not in (0, 1) or bool(row[name]) != has_span:
            raise DataError(path, line, name, f"is {row[name]!r} but has {'a' if has_span else 'no'} {name} span")
    return Example(text=text, lang=check_lang(row["lang"], path, line), source="realnews", id=row["id"],
                   split=row["split"], spans=tuple(spans), labels={name: row[name] for name in DEFAULT_LABELS})


def checked_rows(root: Path, check: Callable[[dict, str, Path, int], Example], report: CorpusReport,
                 corpora: Path | None = None) -> Iterator[tuple[Path, int, dict, Example]]:
    """``(file, line, row, example)`` of every standoff row under ``root`` that ``check`` accepts against its
    sentence in the archives; a row it refuses (bad JSON, schema, hash) and a repeated id go to
    ``report.errors`` with file and line, and the other rows are still read."""
    archives = corpora or corpora_root()
    seen_ids: set[str] = set()
    for path in files_under(root, ".jsonl"):
        for line, raw in read_lines(path):
            try:
                row = json.loads(raw)
                example = check(row, resolve(archives, row, path, line), path, line)
            except json.JSONDecodeError as error:
                report.errors.append(f"{path}:{line}: field '<json>': {error.msg}")
                continue
            except DataError as error:
                report.errors.append(str(error))
                continue
            if example.id in seen_ids:
                report.errors.append(f"{path}:{line}: field 'id': {example.id} appears twice")
            seen_ids.add(example.id)
            yield path, line, row, example


def validate_realnews(root: Path, corpora: Path | None = None) -> CorpusReport:
    """Check every annotation file under ``root`` against the archives; collect (not raise) problems.

    Besides :func:`check_row` (through :func:`checked_rows`: ids unique): one split per document, no
    text in two splits, and the ``SHA256SUMS`` of the annotation files.
    """
    report = CorpusReport()
    doc_split: dict[tuple[str, str], str] = {}
    text_split: dict[str, tuple[str, str]] = {}
    for path, line, row, example in checked_rows(root, check_row, report, corpora):
        if doc_split.setdefault((row["corpus"], row["doc"]), example.split) != example.split:
            report.errors.append(f"{path}:{line}: field 'split': document {row['doc']} is in two splits")
        key = normalise(example.text)
        other = text_split.setdefault(key, (example.id, example.split))
        if other[1] != example.split:
            report.errors.append(f"split leakage: {example.id} ({example.split}) repeats {other[0]} ({other[1]})")
        report.count(example)
    report.errors += checksum_problems(root)
    return report


@register_reader("realnews")
def read_realnews(path: Path, labels: LabelSet, corpora: Path | None = None) -> Iterator[Example]:
    """Join the standoff annotations under ``path`` with the archives in ``corpora`` (default
    :func:`corpora_root`); a row that breaks :func:`check_row` raises :class:`DataError`."""
    root = corpora or corpora_root()
    for file, line, row in json_rows(path):
        example = check_row(row, resolve(root, row, file, line), file, line)
        for index, span in enumerate(example.spans):
            check_span_label(span.label, labels, file, line, index)
        yield replace(example, labels={name: example.labels.get(name) for name in labels.names})
