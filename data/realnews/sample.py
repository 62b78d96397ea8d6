"""Draw the real-news sentences the team annotates: whole articles, not sentences filtered for cues.

    python data/realnews/sample.py --out /tmp/candidates --per-lang 800
    python data/realnews/sample.py --out /tmp/enrich --per-lang 2500 --enrich


Documents of each language are shuffled with a fixed seed and taken whole (content sentences only,
at most ``--per-doc`` from one article so that one long article cannot fill a language) until the
language has ``--per-lang`` sentences. Writes ``<lang>.jsonl`` with the text for annotators (a
scratch folder, never the repository) and the standoff fields the shipped annotations keep. The
split is drawn per document: 50% train, 15% validation, 35% test.

``--enrich`` draws the pool for the training-only enrichment set instead: sentences of train-split
documents that no shipped annotation uses (annotators pick the sentences they label from it, so its
base rates are not the news'; it never feeds validation or test). Ids continue after the shipped
enrichment rows, so a second round never reuses one. ``--exclude`` leaves out the sentences of earlier
pools (annotators already read them). ``--rest-of-documents`` also offers the sentences that no row
uses of train documents that rows already use (the whole-article sample took at most ``--per-doc`` of
each): where a language's unused documents have run out (French, Portuguese, Ukrainian).

``--validation`` grows the validation split: whole validation-split documents that no shipped row
uses, with ids after the shipped annotations'. The test split is never grown or redrawn.

``--rank-with MODEL_DIR --take N`` keeps N sentences per language for annotators to label in full
(uncertainty sampling): a third with the model's highest ``loaded`` score, a third with the highest
``hedging`` score (mostly false alarms of the current model and rare positives) and a third at random,
so the labels teach precision where the model errs and keep ordinary sentences in view.

``--cue REGEX --cue-take N`` adds N more pool sentences (at random) that match a pattern, for hard
cases the ranking under-draws: round 7 asked for Spanish obligation, ability and plan modals, which
the model had started to take for hedges.

    python data/realnews/sample.py --out /tmp/round2 --per-lang 3000 --enrich \
        --exclude /tmp/enrich --rank-with outputs/quickstart/model --take 360
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
from pathlib import Path

from slant.data.corpora.realnews import documents, fingerprint
from slant.data.records import normalise
from slant.inference.segmentation import CONTENT, split_sentences

SOURCES = {
    "de": [("wmt21_news", 1.0)], "fr": [("wmt21_news", 0.5), ("fr_MasakhaNEWS", 0.5)],
    "ru": [("wmt21_news", 1.0)], "en": [("wmt21_news", 1.0)], "es": [("es_FakeNewsCorpusSpanish", 1.0)],
    "pt": [("pt_FakeBr", 1.0)], "uk": [("uk_ner-uk_ng", 1.0)], "it": [("it_NewsSD", 1.0)],
}
# The enrichment pool: wider sentence-level corpora where the annotated documents used up WMT's
# (German, Russian), and CheckThat!'s training sentences (English, German, Italian), half of them
# subjective, where loaded terms are frequent.
# Round 6 adds the Spanish corpus' fake-labelled articles, whose tabloid register holds the authorial
# loaded terms that Spanish outlets' own copy rarely has (its real train documents are used up).
# Round 10 adds the article bodies of the extraction benchmark's pages (recent English-language
# outlets, opinion and features among them) where WMT's English lines are used up, and its few
# Portuguese and Italian pages.
ENRICH_SOURCES = {**SOURCES, "de": [("de_GerNTSA", 1.0), ("checkthat", 1.0)], "ru": [("ru_RuSentNE", 1.0)],
                  "es": [("es_FakeNewsCorpusSpanish", 1.0), ("es_FakeNewsCorpusSpanish_fake", 1.0)],
                  "en": [("checkthat", 1.0), ("aeb", 1.0)], "pt": [("pt_FakeBr", 1.0), ("aeb", 1.0)],
                  "it": [("it_NewsSD", 1.0), ("checkthat", 1.0), ("aeb", 1.0)]}
# Corpora the whole-article sample draws from: only their train-split documents may enrich. The
# others never enter validation or test, so every sentence of theirs is training material.
SAMPLED = {corpus for sources in SOURCES.values() for corpus, _ in sources}
ENGLISH_BLOCK = 20  # the English WMT source has no document ids: contiguous blocks of lines stand in
# Every folder of shipped rows; a pool never offers their documents or texts again. Candidate rounds
# (not in the default mix until a model trained with them passes the adoption rule) count as enrichment,
# and so do queued rounds (annotated while a judgement of the candidates runs; they join the
# candidates when it ends, so the rows a judgement trains on stay fixed).
SHIPPED = ("annotations", "enrichment", "enrichment_candidates", "enrichment_queue")


def split_of(corpus: str, doc: str) -> str:
    """Train/validation/test by a hash of the document, so an article never straddles splits."""
    bucket = int(hashlib.sha1(f"{corpus}:{doc}".encode()).hexdigest(), 16) % 100
    return "train" if bucket < 50 else "validation" if bucket < 65 else "test"


def candidates(root: Path, lang: str, corpus: str, quota: int, per_doc: int, seed: int,
               skip_docs: frozenset[str] = frozenset(), only_split: str | None = None,
               skip_texts: frozenset[str] = frozenset()) -> list[dict]:
    """Up to ``quota`` content sentences of whole documents of one corpus, leaving out the documents
    in ``skip_docs``, with ``only_split`` those of other splits, and sentences whose normalised text
    is in ``skip_texts`` (they do not count towards ``per_doc``)."""
    docs = documents(root, corpus, lang)
    names = sorted(docs)
    if corpus == "wmt21_news" and lang == "en":  # group consecutive lines into pseudo-documents
        groups = [names[k:k + ENGLISH_BLOCK] for k in range(0, len(names), ENGLISH_BLOCK)]
    else:
        groups = [[name] for name in names]
    random.Random(f"{seed}:{lang}:{corpus}").shuffle(groups)
    rows: list[dict] = []
    for group in groups:
        split = split_of(corpus, group[0]) if corpus in SAMPLED else "train"
        if (only_split and split != only_split) or skip_docs.intersection(group):
            continue
        taken = 0
        for doc in group:
            for sentence in split_sentences(docs[doc], lang):
                if (sentence.kind != CONTENT or len(sentence.text) < 3 or taken >= per_doc
                        or normalise(sentence.text) in skip_texts):
                    continue
                rows.append({"lang": lang, "corpus": corpus, "doc": doc, "start": sentence.start,
                             "end": sentence.end, "sha1": fingerprint(sentence.text), "split": split,
                             "text": sentence.text})
                taken += 1
        if len(rows) >= quota:
            break
    return rows


def annotated_docs(lang: str, corpus: str) -> frozenset[str]:
    """Documents of ``corpus`` that the shipped annotations of ``lang`` already use."""
    docs = set()
    for folder in SHIPPED:
        path = Path(__file__).parent / folder / f"{lang}.jsonl"
        if path.exists():
            rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
            docs.update(row["doc"] for row in rows if row["corpus"] == corpus)
    return frozenset(docs)


def annotated_texts(root: Path, lang: str) -> set[str]:
    """Normalised texts of the shipped rows of ``lang``: a pool never offers them again, even from
    another corpus (CheckThat!'s Italian repeats NewsSD sentences, some of them in validation or test)."""
    texts = set()
    for folder in SHIPPED:
        path = Path(__file__).parent / folder / f"{lang}.jsonl"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
        texts.update(normalise(documents(root, row["corpus"], lang)[row["doc"]][row["start"]:row["end"]])
                     for row in rows)
    return texts


def next_id(lang: str, folder: str) -> int:
    """The first id number of ``lang`` that no shipped row of ``folder`` (annotations, or enrichment with
    its candidates and queue) uses."""
    paths = [Path(__file__).parent / name / f"{lang}.jsonl" for name in SHIPPED if name.startswith(folder)]
    ids = [json.loads(line)["id"] for path in paths if path.exists()
           for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return 1 + max((int(i.rsplit("-", 1)[1].lstrip("e")) for i in ids), default=0)


def seen_sentences(folder: Path | None, lang: str) -> set[tuple[str, str, int]]:
    """(corpus, doc, start) of the sentences in an earlier pool of ``lang``."""
    path = folder / f"{lang}.jsonl" if folder else None
    if not path or not path.exists():
        return set()
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {(row["corpus"], row["doc"], row["start"]) for row in rows}


def rank(rows: list[dict], model_dir: Path, take: int, seed: int) -> list[dict]:
    """Uncertainty sampling: the top ``loaded`` and ``hedging`` scores of the model, then random rows."""
    from slant.inference.predictor import Predictor

    if len(rows) <= take:
        return rows
    predictor = Predictor.from_pretrained(model_dir)
    probs = predictor.predict_proba([row["text"] for row in rows])
    chosen: dict[int, None] = {}
    for label in ("loaded", "hedging"):
        column = probs[:, predictor.labels.index(label)]
        for k in sorted(range(len(rows)), key=lambda k: -column[k]):
            if len(chosen) >= take * (1 + ("loaded", "hedging").index(label)) // 3:
                break
            chosen.setdefault(k)
    rest = [k for k in range(len(rows)) if k not in chosen]
    random.Random(seed).shuffle(rest)
    chosen.update(dict.fromkeys(rest[: take - len(chosen)]))
    return [rows[k] for k in sorted(chosen)]


def with_cue(pool: list[dict], chosen: list[dict], pattern: str, take: int, seed: int) -> list[dict]:
    """``chosen`` plus up to ``take`` random rows of ``pool`` outside it whose text matches ``pattern``."""
    taken = {(row["corpus"], row["doc"], row["start"]) for row in chosen}
    matching = [row for row in pool if (row["corpus"], row["doc"], row["start"]) not in taken
                and re.search(pattern, row["text"])]
    random.Random(f"cue:{seed}").shuffle(matching)
    return chosen + matching[:take]


def main() -> None:
    """Write the candidate files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path,
                        default=Path(os.environ.get("SLANT_CORPORA", "../shared/corpora")) / "realnews")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-lang", type=int, default=800)
    parser.add_argument("--per-doc", type=int, default=30)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--enrich", action="store_true", help="train-split documents no annotation uses")
    parser.add_argument("--validation", action="store_true",
                        help="validation-split documents no annotation uses (grows validation, never test)")
    parser.add_argument("--rest-of-documents", action="store_true",
                        help="with --enrich: also the sentences no row uses of train documents that rows use")
    parser.add_argument("--langs", nargs="+", help="only these languages (default: all)")
    parser.add_argument("--exclude", type=Path, help="folder of an earlier pool whose sentences to leave out")
    parser.add_argument("--rank-with", type=Path, help="model directory for uncertainty sampling")
    parser.add_argument("--take", type=int, default=360, help="sentences per language kept by --rank-with")
    parser.add_argument("--cue", help="regular expression: also keep --cue-take pool sentences that match it")
    parser.add_argument("--cue-take", type=int, default=0, help="sentences per language added by --cue")
    args = parser.parse_args()
    if (args.exclude or args.rank_with or args.cue or args.rest_of_documents) and not args.enrich:
        parser.error("--exclude, --rank-with, --cue and --rest-of-documents only apply to --enrich pools")
    if args.enrich and args.validation:
        parser.error("--enrich and --validation draw different pools: choose one")
    pool_split = "train" if args.enrich else "validation" if args.validation else None  # None: a fresh sample
    args.out.mkdir(parents=True, exist_ok=True)
    for lang, sources in (ENRICH_SOURCES if args.enrich else SOURCES).items():
        if args.langs and lang not in args.langs:
            continue
        rows = []
        known = frozenset(annotated_texts(args.corpora, lang)) if pool_split else frozenset()
        for corpus, share in sources:
            extra = {"skip_docs": annotated_docs(lang, corpus), "only_split": pool_split} if pool_split else {}
            if args.rest_of_documents:  # annotated documents stay in the pool; their annotated sentences do not
                extra.update(skip_docs=frozenset(), skip_texts=known)
            rows += candidates(args.corpora, lang, corpus, round(args.per_lang * share), args.per_doc, args.seed,
                               **extra)
        seen = seen_sentences(args.exclude, lang)
        rows = [row for row in rows if (row["corpus"], row["doc"], row["start"]) not in seen
                and normalise(row["text"]) not in known]
        pool = rows
        if args.rank_with and rows:
            rows = rank(rows, args.rank_with, args.take, args.seed)
        if args.cue and args.cue_take:
            rows = with_cue(pool, rows, args.cue, args.cue_take, args.seed)
        first = next_id(lang, "enrichment" if args.enrich else "annotations") if pool_split else 1
        for k, row in enumerate(rows, start=first):
            row["id"] = f"rn-{lang}-{'e' if args.enrich else ''}{k:04d}"
        with (args.out / f"{lang}.jsonl").open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        print(lang, len(rows), {s: sum(r["split"] == s for r in rows) for s in ("train", "validation", "test")})


if __name__ == "__main__":
    main()
