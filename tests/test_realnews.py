"""The real-news standoff annotations: joining with archives, checks, optional sources, stats."""

import argparse
import csv
import importlib.util
import io
import json
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest

from slant.cli import main
from slant.config import DataConfig, SourceConfig
from slant.data.corpora.realnews import documents, fingerprint, read_realnews, validate_realnews
from slant.data.loading import load_splits
from slant.data.records import DataError, MissingCorpusError, normalise
from slant.data.adoption import adopt
from slant.data.starter import checksum_problems, write_checksums
from slant.labels import LabelSet

LABELS = LabelSet.of(["attribution", "hedging", "loaded"])
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
ARTICLE = "Il ministro ha detto che i «banditi» sarebbero fuggiti. Il ponte è stato riaperto lunedì."


def add(tar: tarfile.TarFile, name: str, text: str) -> None:
    data = text.encode("utf-8")
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


@pytest.fixture
def archives(tmp_path: Path) -> Path:
    """A miniature realnews folder: one Fake.br article and a NewsSD csv."""
    root = tmp_path / "corpora" / "realnews"
    root.mkdir(parents=True)
    with tarfile.open(root / "pt_FakeBr.tar.xz", "w:xz") as tar:
        add(tar, "pt_FakeBr/true/7.txt", ARTICLE)
    out = io.StringIO()
    csv.writer(out).writerows([["Sentence", "Label"], ["Una frase 😀 di prova.", "OBJ"]])
    with tarfile.open(root / "it_NewsSD.tar.xz", "w:xz") as tar:
        for split in ("train", "val", "test"):
            add(tar, f"it_NewsSD/italian/{split}.csv", out.getvalue() if split == "test" else "Sentence,Label\n")
    return root


def row(corpus: str, doc: str, text: str, start: int, end: int, rid: str, **labels) -> dict:
    spans = labels.pop("spans", [])
    values = {"attribution": 0, "hedging": 0, "loaded": 0, **labels}
    return {"lang": "it", "corpus": corpus, "doc": doc, "start": start, "end": end, "sha1": fingerprint(text[start:end]),
            "split": "test", "id": rid, **values, "spans": spans, "note": ""}


def span(label: str, word: str, voice: str | None) -> dict:
    start = ARTICLE.index(word)
    return {"label": label, "start": start, "end": start + len(word), **({"voice": voice} if voice else {})}


@pytest.fixture
def annotations(tmp_path: Path) -> Path:
    first = ARTICLE.index(".") + 1
    rows = [
        row("pt_FakeBr", "7", ARTICLE, 0, first, "rn-it-0001", attribution=1, hedging=1, loaded=1,
            spans=[span(label, word, voice) for label, word, voice in
                   [("attribution", "ha detto", None), ("loaded", "banditi", "quoted"), ("hedging", "sarebbero", None)]]),
        row("it_NewsSD", "test:0", "Una frase 😀 di prova.", 0, 21, "rn-it-0002"),
    ]
    folder = tmp_path / "annotations"
    folder.mkdir()
    (folder / "it.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    write_checksums(folder)
    return folder


def test_rows_are_joined_with_the_archive_text(archives, annotations):
    first, second = read_realnews(annotations, LABELS, archives)
    assert first.text == "Il ministro ha detto che i «banditi» sarebbero fuggiti."
    assert [first.text[s.start:s.end] for s in first.spans] == ["ha detto", "banditi", "sarebbero"]
    assert second.text == "Una frase 😀 di prova." and second.labels == {"attribution": 0, "hedging": 0, "loaded": 0}
    assert validate_realnews(annotations, archives).errors == []


def test_a_changed_archive_or_bad_row_is_located(archives, annotations):
    rows = [json.loads(line) for line in (annotations / "it.jsonl").read_text().splitlines()]
    rows[1]["sha1"] = "0000000000"
    rows[0]["spans"][1].pop("voice")
    (annotations / "it.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(DataError, match=r"it.jsonl:1: field 'spans\[1\].voice'"):
        list(read_realnews(annotations, LABELS, archives))
    errors = validate_realnews(annotations, archives).errors
    assert any("it.jsonl:2: field 'sha1'" in e for e in errors) and any("checksum differs" in e for e in errors)


def test_missing_archives_skip_an_optional_source_and_fail_a_required_one(annotations, tmp_path, monkeypatch):
    monkeypatch.setenv("SLANT_CORPORA", str(tmp_path / "nowhere"))
    with pytest.raises(MissingCorpusError, match="archive not found"):
        list(read_realnews(annotations, LABELS))
    starter = Path(__file__).resolve().parents[1] / "data" / "starter"
    cfg = DataConfig(sources={"starter": SourceConfig(path=str(starter)),
                              "realnews": SourceConfig(format="realnews", path=str(annotations), optional=True)})
    loaded = load_splits(cfg, LABELS)
    assert loaded.skipped == ("realnews",) and set(loaded.splits["train"]["source"]) == {"starter"}


def test_stats_json_counts_per_language_label_and_split(archives, annotations, monkeypatch, capsys):
    monkeypatch.setenv("SLANT_CORPORA", str(archives.parent))
    assert main(["data", "stats", str(annotations), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert next(iter(stats.values()))["it"]["test"] == {"sentences": 2, "attribution": 1, "hedging": 1, "loaded": 1}


def test_enrichment_rows_must_be_train(archives, annotations):
    rows = [json.loads(line) for line in (annotations / "it.jsonl").read_text().splitlines()]
    rows[1]["id"] = "rn-it-e0001"  # picked for its labels, yet in the test split
    (annotations / "it.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(DataError, match=r"it.jsonl:2: field 'split': enrichment row rn-it-e0001"):
        list(read_realnews(annotations, LABELS, archives))


def test_checkthat_training_sentences_join_from_the_folder_beside_the_archives(archives, tmp_path):
    english = archives.parent / "CheckThat2025_Task1_subjectivity" / "task1" / "data" / "english"
    english.mkdir(parents=True)
    (english / "train_en.tsv").write_text('sentence_id\tsentence\tlabel\n'
                                          'a1\t"They called it a ""witch hunt"" again."\tSUBJ\n'
                                          'b2\tShares rose 3% on Monday.\tOBJ\n', encoding="utf-8")
    (english / "dev_en.tsv").write_text("sentence_id\tsentence\tlabel\nc3\tA dev sentence.\tOBJ\n")
    text = 'They called it a "witch hunt" again.'
    assert documents(archives, "checkthat", "en") == {"train:a1": text, "train:b2": "Shares rose 3% on Monday."}
    start = text.index("witch hunt")
    enriched = row("checkthat", "train:a1", text, 0, len(text), "rn-en-e0001", loaded=1,
                   spans=[{"label": "loaded", "start": start, "end": start + 10, "voice": "quoted"}])
    folder = tmp_path / "enrichment"
    folder.mkdir()
    (folder / "en.jsonl").write_text(json.dumps({**enriched, "lang": "en", "split": "train"}) + "\n")
    (example,) = read_realnews(folder, LABELS, archives)
    assert example.text == text and example.lang == "en" and example.labels["loaded"] == 1
    with pytest.raises(MissingCorpusError, match="no CheckThat! training file for language 'pt'"):
        documents(archives, "checkthat", "pt")


def read_training_only(enriched: dict, folder: Path, corpora: Path):
    """Read one enrichment row of a training-only corpus, and check the same row under a sampled id is refused."""
    folder.mkdir()
    path = folder / f"{enriched['lang']}.jsonl"
    path.write_text(json.dumps(enriched, ensure_ascii=False) + "\n")
    (example,) = read_realnews(folder, LABELS, corpora)
    path.write_text(json.dumps({**enriched, "id": f"rn-{enriched['lang']}-0001"}) + "\n")  # a sampled id
    with pytest.raises(DataError, match=rf"{path.name}:1: field 'corpus': {enriched['corpus']} is training material"):
        list(read_realnews(folder, LABELS, corpora))
    return example


def test_fake_labelled_spanish_articles_are_a_separate_training_only_corpus(tmp_path):
    root = tmp_path / "es" / "realnews"
    root.mkdir(parents=True)
    articles = {"train": [{"Id": 1, "Category": "True", "Text": "El ministro dijo que sí."},
                          {"Id": 2, "Category": "Fake", "Text": "Los «burócratas» nos roban otra vez."}],
                "development": [{"Id": 3, "Category": "Fake", "Text": "Otra mentira."}],
                "test": [{"ID": 4, "CATEGORY": 1, "TEXT": "La presa abrió el lunes."}]}
    with tarfile.open(root / "es_FakeNewsCorpusSpanish.tar.xz", "w:xz") as tar:
        for split, rows in articles.items():
            add(tar, f"es_FakeNewsCorpusSpanish/{split}.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    assert documents(root, "es_FakeNewsCorpusSpanish") == {"train:1": "El ministro dijo que sí.",
                                                           "test:4": "La presa abrió el lunes."}
    fake = documents(root, "es_FakeNewsCorpusSpanish_fake")
    assert fake == {"train:2": "Los «burócratas» nos roban otra vez.", "development:3": "Otra mentira."}
    text = fake["train:2"]
    start = text.index("burócratas")
    enriched = {**row("es_FakeNewsCorpusSpanish_fake", "train:2", text, 0, len(text), "rn-es-e0001", loaded=1,
                      spans=[{"label": "loaded", "start": start, "end": start + 10, "voice": "authorial"}]),
                "lang": "es", "split": "train"}
    example = read_training_only(enriched, tmp_path / "enrichment", root)
    assert example.labels["loaded"] == 1 and example.spans[0].voice == "authorial"


def test_benchmark_article_bodies_are_a_training_only_corpus_picked_by_language(archives, tmp_path):
    truth = archives.parent / "pages" / "scrapinghub_aeb" / "ground-truth.json"
    truth.parent.mkdir(parents=True)
    english = "The senator said the bill was a “disgrace”.\n\nIt passed on Tuesday by a narrow margin of votes."
    portuguese = "O ministro disse que a reforma será votada na próxima semana pelo Congresso Nacional."
    truth.write_text(json.dumps({"p1": {"articleBody": english, "url": "https://example.com/a"},
                                 "p2": {"articleBody": portuguese, "url": "https://example.com.br/b"}}))
    assert documents(archives, "aeb", "en") == {"p1": english}
    assert documents(archives, "aeb", "pt") == {"p2": portuguese}
    sentence = english[:english.index("\n")]
    start = sentence.index("disgrace")
    enriched = {**row("aeb", "p1", english, 0, len(sentence), "rn-en-e0001", loaded=1,
                      spans=[{"label": "loaded", "start": start, "end": start + 8, "voice": "quoted"}]),
                "lang": "en", "split": "train"}
    example = read_training_only(enriched, tmp_path / "enrichment", archives)
    assert example.text == sentence and example.spans[0].voice == "quoted"


@pytest.mark.skipif(not (SHARED / "realnews").is_dir(), reason="needs ../shared/corpora/realnews")
def test_sentence_corpora_give_each_sentence_once_under_a_stable_id():
    german = documents(SHARED / "realnews", "de_GerNTSA")
    russian = documents(SHARED / "realnews", "ru_RuSentNE")
    for docs in (german, russian):
        assert len(set(docs.values())) == len(docs) > 1000
    assert documents(SHARED / "realnews", "ru_RuSentNE") == russian


@pytest.mark.skipif(not (SHARED / "realnews").is_dir(), reason="needs ../shared/corpora/realnews")
def test_shipped_annotations_validate_against_the_real_archives():
    root = Path(__file__).resolve().parents[1] / "data" / "realnews" / "annotations"
    report = validate_realnews(root, SHARED / "realnews")
    assert report.errors == [] and sum(report.rows.values()) >= 6000 and len(report.rows) >= 8
    assert all(n >= 400 for n in report.rows.values())


def test_annotators_span_strings_become_checked_offsets(archives, tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("standoff", Path(__file__).parents[1] / "data/realnews/standoff.py")
    standoff = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(standoff)
    sentence = "Il ministro ha detto che i «banditi» sarebbero fuggiti."
    picked = {**row("pt_FakeBr", "7", ARTICLE, 0, len(sentence), "rn-it-e0001"), "split": "train", "text": sentence,
              "attribution": 1, "loaded": 1, "spans": [{"label": "loaded", "text": "banditi", "voice": "quoted"},
                                                        {"label": "attribution", "text": "ha detto"}]}
    assert standoff.to_standoff(picked)["spans"] == [span("attribution", "ha detto", None),
                                                     span("loaded", "banditi", "quoted")]
    with pytest.raises(ValueError, match="occurrence 2"):
        standoff.locate(sentence, {"text": "banditi", "nth": 2})
    source, target = tmp_path / "picked.jsonl", tmp_path / "out" / "it.jsonl"
    source.write_text(json.dumps(picked, ensure_ascii=False) + "\n" + json.dumps({**picked, "hedging": 1}) + "\n")
    monkeypatch.setenv("SLANT_CORPORA", str(archives.parent))
    monkeypatch.setattr("sys.argv", ["standoff.py", str(source), str(target)])
    assert standoff.main() == 1 and not target.exists()  # row 2 claims hedging without a span
    source.write_text(json.dumps(picked, ensure_ascii=False) + "\n")
    assert standoff.main() == 0 and list(read_realnews(target.parent, LABELS, archives))[0].labels["loaded"] == 1


@pytest.mark.skipif(not (SHARED / "realnews").is_dir(), reason="needs ../shared/corpora/realnews")
@pytest.mark.parametrize(("folder", "at_least"), [("enrichment", 13000), ("enrichment_candidates", 8900)])
def test_shipped_enrichment_validates_and_is_train_only(folder, at_least):
    root = Path(__file__).resolve().parents[1] / "data" / "realnews" / folder
    report = validate_realnews(root, SHARED / "realnews")
    assert report.errors == [] and sum(report.rows.values()) >= at_least
    assert {split for (_, split), n in report.splits.items() if n} == {"train"}


def load_script(name: str):
    """``data/realnews/<name>.py`` as a module (the data scripts are not part of the package)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / f"data/realnews/{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("lang", "frame", "other"), [
    ("en", "I think he has already left.", "They think he has already left."),
    ("es", "Creo que ya se fue.", "Creen que ya se fue."),
    ("pt", "Eu acho que ele já saiu.", "Eles acham que ele já saiu."),
    ("fr", "Je pense qu'il est parti.", "Ils pensent qu'il est parti."),
    ("de", "Ich glaube, er ist schon weg.", "Sie glauben, er ist schon weg."),
    ("ru", "Я думаю, он уже ушёл.", "Они думают, он уже ушёл."),
    ("uk", "Я вважаю, що він пішов.", "Вони вважають, що він пішов."),
])
def test_belief_frame_audit_finds_first_person_frames_only(lang, frame, other):
    frames = load_script("belief_frames").FRAMES
    assert re.search(frames[lang], frame) and not re.search(frames[lang], other)


def test_audit_disputes_confident_disagreements_and_changes_only_unanimous_readings(tmp_path):
    audit = load_script("audit")
    labels = np.array([1, 1, 1, 0, 0, 0, 0])
    probs = np.array([0.9, 0.8, 0.05, 0.1, 0.2, 0.85, 0.3])
    # Positive threshold: mean p of the 1s = 0.583; negative: mean 1-p of the 0s = 0.6375.
    assert audit.suspects(labels, probs).tolist() == [2, 5]
    assert audit.suspects(np.zeros(3, dtype=int), np.array([0.9, 0.1, 0.5])).tolist() == []
    sentence = "Il ministro ha detto che i banditi forse sarebbero fuggiti."
    base = {"lang": "it", "corpus": "c", "doc": "1", "start": 0, "end": len(sentence), "sha1": "x", "split": "train"}
    said = {"label": "attribution", "start": 12, "end": 20}
    rows = [{**base, "id": "rn-it-e0001", "attribution": 1, "hedging": 0, "loaded": 0, "spans": [said], "note": ""},
            {**base, "id": "rn-it-e0002", "attribution": 1, "hedging": 1, "loaded": 0,
             "spans": [said, {"label": "hedging", "start": 35, "end": 40}], "note": "forse"}]
    folder = tmp_path / "enrichment"
    folder.mkdir()
    (folder / "it.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    loaded = {"label": "loaded", "text": "banditi", "voice": "quoted"}
    reading = {"attribution": 1, "hedging": 1, "loaded": 1, "note": "",
               "spans": [{"label": "attribution", "text": "ha detto"}, {"label": "hedging", "text": "forse"}, loaded]}
    first = [{**base, "id": i, "text": sentence, **reading} for i in ("rn-it-e0001", "rn-it-e0002")]
    second = [{**first[0]}, {**first[1], "hedging": 0, "spans": [s for s in reading["spans"] if s["label"] != "hedging"]}]
    paths = []
    for name, part in (("a", first), ("b", second)):
        paths.append(tmp_path / f"{name}.jsonl")
        paths[-1].write_text("".join(json.dumps(r) + "\n" for r in part))
    suspects = tmp_path / "suspects.jsonl"
    suspects.write_text(json.dumps({"id": "rn-it-e0001", "label": "loaded", "old": 0, "p": 0.9}) + "\n"
                        + json.dumps({"id": "rn-it-e0002", "label": "hedging", "old": 1, "p": 0.1}) + "\n")
    audit.apply(argparse.Namespace(folders=[folder], suspects=suspects, readings=paths))
    changed, kept = [json.loads(line) for line in (folder / "it.jsonl").read_text().splitlines()]
    assert changed["loaded"] == 1 and changed["hedging"] == 0 and changed["note"] == "audit: loaded 0->1 (two blind readings)"
    assert changed["spans"] == [said, {"label": "loaded", "start": 27, "end": 34, "voice": "quoted"}]
    assert kept == rows[1]  # the second reading kept the hedge: no majority against the first annotation
    assert checksum_problems(folder) == []  # the rewritten file's digest is recorded, as adopt does


def test_cue_sampling_adds_only_unchosen_matching_rows():
    sample = load_script("sample")
    texts = ["El Gobierno debe pagar.", "Hay que esperar.", "Podría llover.", "Llueve.", "Debe de estar cerca."]
    pool = [{"corpus": "c", "doc": str(k), "start": 0, "text": text} for k, text in enumerate(texts)]
    chosen = [pool[0]]
    extra = sample.with_cue(pool, chosen, r"\b([Dd]ebe|[Hh]ay que)\b", take=5, seed=1)
    assert extra[0] is pool[0] and sorted(r["text"] for r in extra[1:]) == ["Debe de estar cerca.", "Hay que esperar."]
    assert len(sample.with_cue(pool, chosen, r"\b([Dd]ebe|[Hh]ay que)\b", take=1, seed=1)) == 2
    assert sample.with_cue(pool, chosen, "x{9}", take=5, seed=1) == chosen


def test_rest_of_documents_skips_annotated_sentences_without_counting_them(monkeypatch):
    sample = load_script("sample")
    article = "O ministro falou ontem. A oposição reagiu. O mercado caiu. Os juros subiram."
    monkeypatch.setattr(sample, "documents", lambda root, corpus, lang: {"a1": article})
    fresh = sample.candidates(Path("."), "pt", "pt_FakeBr", quota=10, per_doc=2, seed=1)
    assert [row["text"] for row in fresh] == ["O ministro falou ontem.", "A oposição reagiu."]
    rest = sample.candidates(Path("."), "pt", "pt_FakeBr", quota=10, per_doc=2, seed=1,
                             skip_texts=frozenset(normalise(row["text"]) for row in fresh))
    assert [row["text"] for row in rest] == ["O mercado caiu.", "Os juros subiram."]
    assert all(article[row["start"]:row["end"]] == row["text"] for row in rest)


def standoff_folder(root: Path, rows: dict[str, list[str]]) -> Path:
    """A folder of ``<lang>.jsonl`` files holding rows with the given ids, and its ``SHA256SUMS``."""
    root.mkdir(parents=True)
    for lang, ids in rows.items():
        (root / f"{lang}.jsonl").write_text("".join(json.dumps({"id": i, "lang": lang}) + "\n" for i in ids))
    write_checksums(root)
    return root


def ids_in(root: Path) -> dict[str, list[str]]:
    return {p.stem: [json.loads(line)["id"] for line in p.read_text().splitlines()] for p in sorted(root.glob("*.jsonl"))}


def test_adopt_moves_id_ranges_and_their_crosschecks_and_records_checksums(tmp_path, capsys):
    cand = standoff_folder(tmp_path / "cand", {"es": ["rn-es-e0998", "rn-es-e0999", "rn-es-e1000", "rn-es-e1500"],
                                                "fr": ["rn-fr-e0010", "rn-fr-e0011"]})
    ship = standoff_folder(tmp_path / "ship", {"es": ["rn-es-e0001"]})
    xcand = standoff_folder(tmp_path / "xcand", {"es": ["rn-es-e0999", "rn-es-e1500"], "fr": ["rn-fr-e0011"]})
    xship = tmp_path / "xship"  # a shipped folder that does not exist yet
    args = ["--ids", "rn-es-e0999..rn-es-e1000", "rn-fr-e0010..rn-fr-e0011", "--crosschecks", str(xcand), str(xship)]
    assert main(["data", "adopt", str(cand), str(ship), *args, "--dry-run"]) == 0
    assert "would adopt 4 rows" in capsys.readouterr().err and len(ids_in(cand)) == 2 and not xship.exists()
    code = main(["data", "adopt", str(cand), str(ship), *args])
    assert code == 1  # validation runs on the grown folders; these toy rows are no standoff rows
    assert ids_in(ship) == {"es": ["rn-es-e0001", "rn-es-e0999", "rn-es-e1000"], "fr": ["rn-fr-e0010", "rn-fr-e0011"]}
    assert ids_in(cand) == {"es": ["rn-es-e0998", "rn-es-e1500"]} and not (cand / "fr.jsonl").exists()
    assert ids_in(xship) == {"es": ["rn-es-e0999"], "fr": ["rn-fr-e0011"]} and ids_in(xcand) == {"es": ["rn-es-e1500"]}
    assert not any(checksum_problems(folder) for folder in (cand, ship, xcand, xship))
    assert "adopted 4 rows" in capsys.readouterr().err


def test_adopt_every_row_empties_the_candidates(tmp_path):
    cand = standoff_folder(tmp_path / "cand", {"pt": ["rn-pt-e0001", "rn-pt-e0002"]})
    rows, checks = adopt(cand, tmp_path / "ship")
    assert len(rows) == 2 and checks is None and ids_in(tmp_path / "ship") == {"pt": ["rn-pt-e0001", "rn-pt-e0002"]}
    assert not list(cand.iterdir())


@pytest.mark.parametrize(("setup", "args", "message"), [
    (None, ["--ids", "rn-es-e2000..rn-es-e2999"], "no candidate row in rn-es-e2000..rn-es-e2999"),
    ("shipped", [], "rn-es-e0001 is already in"),
    ("stale", [], "checksum differs"),
    (None, ["--ids", "rn-es-e9..rn-pt-e10"], "want FIRST..LAST"),
])
def test_adopt_refuses_before_moving_anything(tmp_path, capsys, setup, args, message):
    cand = standoff_folder(tmp_path / "cand", {"es": ["rn-es-e0001", "rn-es-e0002"]})
    ship = standoff_folder(tmp_path / "ship", {"es": ["rn-es-e0001" if setup == "shipped" else "rn-es-e0000"]})
    xcand = standoff_folder(tmp_path / "xcand", {"es": ["rn-es-e0002"]})
    if setup == "stale":
        with (xcand / "es.jsonl").open("a") as handle:
            handle.write(json.dumps({"id": "rn-es-e0003"}) + "\n")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert main(["data", "adopt", str(cand), str(ship), *args, "--crosschecks", str(xcand), str(tmp_path / "x")]) == 2
    assert message in capsys.readouterr().err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before and not (tmp_path / "x").exists()
