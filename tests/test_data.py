import json
import logging
from pathlib import Path

import pytest

from slant.config import DataConfig, SourceConfig
from slant.data.loading import apply_weight, fingerprint_sources, hash_split, load_splits
from slant.data.readers import DataError, get_reader, read_slant_jsonl
from slant.labels import LabelSet

LABELS = LabelSet.of(["attribution", "hedging", "loaded"])


def write(tmp_path: Path, lines: list[str], name: str = "x.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def row(**fields) -> str:
    base = {"text": "The minister said so.", "attribution": 1, "hedging": 0, "loaded": 0}
    return json.dumps({**base, **fields}, ensure_ascii=False)


def test_reads_rows_labels_spans_and_unknowns(tmp_path):
    path = write(tmp_path, [row(spans=[{"label": "attribution", "start": 13, "end": 17, "text": "said"}]),
                            row(text="Prices may rise.", attribution=None, hedging=1, loaded=None)])
    first, second = list(read_slant_jsonl(path, LABELS))
    assert first.labels == {"attribution": 1, "hedging": 0, "loaded": 0}
    assert first.spans[0].start == 13 and first.spans[0].label == "attribution"
    assert second.labels == {"attribution": None, "hedging": 1, "loaded": None}


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('{"text": "unterminated', "<json>"),
        ("[1, 2]", "<row>"),
        (row(text=""), "text"),
        (row(text="   "), "text"),
        (row(text=None), "text"),
        (row(text="x" * 6000), "text"),
        (row(hedging=2), "hedging"),
        (row(loaded="yes"), "loaded"),
        (row(split="dev"), "split"),
        (row(spans=[{"label": "attribution", "start": 0, "end": 99}]), "spans[0]"),
        (row(spans=[{"label": "attribution", "start": 0, "end": 3, "text": "said"}]), "spans[0]"),
        (row(spans=[{"label": "loaded", "start": 0, "end": 3, "voice": "loud"}]), "spans[0].voice"),
        (row(spans=[{"label": "attribution", "start": 13, "end": 17},
                    {"label": "atribution", "start": 13, "end": 17}]), "spans[1].label"),
        (row(lang="xx"), "lang"),
        (row(lang="english"), "lang"),
        (row(lang=" "), "lang"),
        (row(lang=7), "lang"),
    ],
)
def test_malformed_rows_name_file_line_and_field(tmp_path, line, field):
    path = write(tmp_path, [row(), line])
    with pytest.raises(DataError) as info:
        list(read_slant_jsonl(path, LABELS))
    assert info.value.line == 2 and info.value.field == field and info.value.path == str(path)
    assert f"{path}:2: field '{field}'" in str(info.value)


def test_language_codes_are_normalised_and_absent_means_und(tmp_path):
    path = write(tmp_path, [row(lang="de-DE"), row(lang="EN"), row(lang="deu"), row(), row(lang=None)])
    assert [ex.lang for ex in read_slant_jsonl(path, LABELS)] == ["de", "en", "de", "und", "und"]


def test_span_of_a_label_left_out_of_labels_is_refused(tmp_path):
    path = write(tmp_path, [row(spans=[{"label": "loaded", "start": 4, "end": 12}])])
    with pytest.raises(DataError, match=r"x.jsonl:1: field 'spans\[0\].label': 'loaded' is not one of the configured"):
        list(read_slant_jsonl(path, LabelSet.of(["attribution", "hedging"])))


def test_invalid_utf8_is_located(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(row().encode() + b"\n" + b'{"text": "caf\xe9"}\n')
    with pytest.raises(DataError, match=r"bad.jsonl:2: field '<bytes>': not valid UTF-8"):
        list(read_slant_jsonl(path, LABELS))


def test_missing_path_and_unknown_format_are_clear(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        list(read_slant_jsonl(tmp_path / "nope.jsonl", LABELS))
    with pytest.raises(ValueError, match="unknown data format 'csvx'"):
        get_reader("csvx")


def test_hash_split_is_deterministic_and_roughly_proportional():
    texts = [f"sentence number {i}" for i in range(5000)]
    splits = [hash_split(t, 0.1, 0.1) for t in texts]
    assert splits == [hash_split(t, 0.1, 0.1) for t in texts]
    assert 0.08 < splits.count("test") / 5000 < 0.12
    assert 0.08 < splits.count("validation") / 5000 < 0.12


def test_weight_repeats_and_subsamples_training_rows():
    rows = list(range(10))
    assert len(apply_weight(rows, 1.0, 0)) == 10
    assert len(apply_weight(rows, 2.5, 0)) == 25
    assert len(apply_weight(rows, 0.3, 0)) == 3


def test_load_splits_mixes_sources_and_keeps_eval_unweighted(corpus_dir, tmp_path):
    other = write(tmp_path, [row(text=f"Officials said item {i} arrived.", split="train") for i in range(5)]
                  + [row(text="Officials said it held.", split="test")])
    cfg = DataConfig(sources={"tiny": SourceConfig(path=str(corpus_dir)),
                              "extra": SourceConfig(path=str(other), weight=2.0)})
    data = load_splits(cfg, LABELS)
    assert set(data.splits) == {"train", "validation", "test"}
    sources = data.splits["train"]["source"]
    assert sources.count("extra") == 10
    assert data.splits["test"]["source"].count("extra") == 1
    assert len(data.fingerprint) == 64


def test_language_filter_and_source_without_labels(corpus_dir, tmp_path):
    cfg = DataConfig(sources={"tiny": SourceConfig(path=str(corpus_dir), languages=["de"])})
    assert set(load_splits(cfg, LABELS).splits["train"]["lang"]) == {"de"}
    bare = write(tmp_path, [json.dumps({"text": "No labels here."})])
    with pytest.raises(DataError, match="has no row with any of"):
        load_splits(DataConfig(sources={"bare": SourceConfig(path=str(bare))}), LABELS)


def test_language_filter_is_logged_and_a_filter_that_matches_nothing_is_refused(corpus_dir, caplog):
    def load(*languages: str):
        return load_splits(DataConfig(sources={"tiny": SourceConfig(path=str(corpus_dir), languages=list(languages))}),
                           LABELS)

    with caplog.at_level(logging.INFO, logger="slant.data.loading"):
        assert set(load("DE", "sv").splits["train"]["lang"]) == {"de"}  # codes are normalised like rows'
    assert "kept 30 rows in ['de', 'sv'], left out 30 in other languages {'en': 30}" in caplog.text
    assert "no row in configured language(s) ['sv']" in caplog.text
    with pytest.raises(DataError, match=r"field 'data.sources.tiny.languages': no row is in \['sv'\]"):
        load("sv")
    with pytest.raises(DataError, match=r"field 'data.sources.tiny.languages': 'english' is not an ISO 639-1"):
        load("en", "english")


def test_fingerprint_changes_with_file_bytes(tmp_path):
    path = write(tmp_path, [row()])
    cfg = DataConfig(sources={"s": SourceConfig(path=str(path))})
    before = fingerprint_sources(cfg)
    write(tmp_path, [row(hedging=1)])
    assert fingerprint_sources(cfg) != before


def test_a_text_in_two_sources_splits_is_dropped_from_train_and_kept_in_test(tmp_path, caplog):
    shared = "Officials said the bridge would reopen."
    a = write(tmp_path, [row(text=shared, split="train"), row(text="Prices may rise.", split="train"),
                         row(text="Police reportedly arrested two men.", split="test")], "a.jsonl")
    b = write(tmp_path, [row(text="officials SAID the bridge would reopen!", split="test"),  # same text, other source
                         row(text="The council approved the budget.", split="validation")], "b.jsonl")
    cfg = DataConfig(sources={"a": SourceConfig(path=str(a)), "b": SourceConfig(path=str(b))})
    with caplog.at_level(logging.WARNING, logger="slant.data.loading"):
        splits = load_splits(cfg, LABELS).splits
    assert shared not in splits["train"]["text"] and splits["train"]["text"] == ["Prices may rise."]
    assert "officials SAID the bridge would reopen!" in splits["test"]["text"]
    assert "dropped 1 train rows whose text also occurs in a held-out split" in caplog.text


def test_fingerprint_changes_with_the_split_fractions(tmp_path):
    cfg = DataConfig(sources={"s": SourceConfig(path=str(write(tmp_path, [row()])))})
    assert fingerprint_sources(cfg) != fingerprint_sources(DataConfig(sources=cfg.sources, test_fraction=0.3))
    assert fingerprint_sources(cfg) != fingerprint_sources(DataConfig(sources=cfg.sources, validation_fraction=0.3))


def test_training_data_scoring_and_batch_share_one_text_rule(tmp_path):
    """One NUL rule and one sentence length: a sentence the scorer would cut is refused in training data."""
    from slant.batch.rows import RowSpec, row_text_problem as batch_text
    from slant.inference.inputs import MAX_SENTENCE_CHARS, text_problem
    from slant.inference.predictor import check_article
    from slant.inference.segmentation import split_sentences

    nul = "The minister\x00 said so."
    problem = text_problem(nul)
    assert problem and "NUL" in problem
    with pytest.raises(DataError, match="NUL") as info:
        list(read_slant_jsonl(write(tmp_path, [row(text=nul)]), LABELS))
    assert problem in str(info.value)
    assert problem in batch_text(nul, "in.jsonl:1", RowSpec())
    with pytest.raises(ValueError, match="NUL"):
        check_article(nul, "article 0")
    too_long = "word " * (MAX_SENTENCE_CHARS // 5) + "end."  # just over the limit, far below the old 5,000
    assert len(too_long) > MAX_SENTENCE_CHARS
    assert max(len(s.text) for s in split_sentences(too_long)) <= MAX_SENTENCE_CHARS  # what scoring cuts
    with pytest.raises(DataError, match=f"a sentence is at most {MAX_SENTENCE_CHARS}"):
        list(read_slant_jsonl(write(tmp_path, [row(text=too_long)], "long.jsonl"), LABELS))
