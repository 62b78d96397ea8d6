"""Converters for public corpora, on small fixture files written here in each corpus's format."""

from pathlib import Path

import pytest

from slant.data.readers import DataError, get_reader
from slant.labels import LabelSet

LABELS = LabelSet.of(["attribution", "hedging", "loaded", "subjective"])
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def read(fmt: str, path: Path) -> list:
    return list(get_reader(fmt)(path, LABELS))


BABE_HEADER = "text;news_link;outlet;topic;type;label_bias;label_opinion;biased_words\n"


def test_babe_maps_bias_to_loaded_with_word_spans(tmp_path):
    path = tmp_path / "final_labels_SG2.csv"
    path.write_text(
        "\ufeff" + BABE_HEADER
        + '"The radical mob stormed in, the ""report"" said.";u;o;t;left;Biased;Expresses opinion;[\'radical\', \'mob\']\n'
        + "Taxes rose by 2% in May.;u;o;t;right;Non-biased;Entirely factual;[]\n"
        + "Unclear case.;u;o;t;center;No agreement;x;[]\n",
        encoding="utf-8",
    )
    biased, neutral, unsure = read("babe", path)
    assert biased.labels == {"attribution": None, "hedging": None, "loaded": 1, "subjective": None}
    assert [biased.text[s.start:s.end] for s in biased.spans] == ["radical", "mob"]
    assert biased.text.endswith('the "report" said.')
    assert neutral.labels["loaded"] == 0 and unsure.labels["loaded"] is None


@pytest.mark.parametrize(("row", "field"), [("x;u;o;t;l;Maybe;o;[]", "label_bias"),
                                            ("x;u;o;t;l;Biased;o;[unclosed", "biased_words"),
                                            ("x;u;o", "<row>")])
def test_babe_errors_name_line_and_field(tmp_path, row, field):
    path = tmp_path / "b.csv"
    path.write_text(BABE_HEADER + "fine;u;o;t;l;Biased;o;[]\n" + row + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read("babe", path)
    assert (info.value.line, info.value.field) == (3, field)


def test_babe_missing_column_is_named(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("text;label\nx;Biased\n", encoding="utf-8")
    with pytest.raises(DataError, match="field 'label_bias': missing column"):
        read("babe", path)


def test_conll2010_maps_uncertain_to_hedging(tmp_path):
    path = tmp_path / "uncertainty.csv"
    path.write_text('\ufeff"-1","Some experts believe it may help."\n"1","It opened in 1990."\n', encoding="utf-8")
    hedged, certain = read("conll2010", tmp_path)
    assert hedged.labels["hedging"] == 1 and certain.labels["hedging"] == 0
    assert hedged.labels["loaded"] is None
    path.write_text('"0","bad label"\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"uncertainty.csv:1: field 'label'"):
        read("conll2010", tmp_path)


def make_checkthat(root: Path) -> Path:
    (root / "task1/data/german").mkdir(parents=True)
    (root / "task1/data/multilingual").mkdir(parents=True)
    (root / "task1/data/german/train_de.tsv").write_text(
        'sentence_id\tsentence\tlabel\na1\tDas ist ein Skandal!\tSUBJ\na2\t- "Wir wissen es nicht", so Kurz.\tOBJ\n',
        encoding="utf-8")
    (root / "task1/data/german/dev_de.tsv").write_text("sentence_id\tsentence\tlabel\nb1\tDie Sitzung endete.\tOBJ\n")
    (root / "task1/data/german/test_de_unlabeled.tsv").write_text("sentence_id\tsentence\nc1\tOhne Label.\n")
    (root / "task1/data/multilingual/train_multi.tsv").write_text("sentence_id\tsentence\tlabel\nz\tdup\tOBJ\n")
    gold = root / "test_gold/data/german"
    gold.mkdir(parents=True)
    (gold / "test_de_labeled.tsv").write_text('label\tsentence_id\tsentence\nSUBJ\td1\t"Ein ""echter"" Held."\n')
    return root


def test_checkthat_splits_languages_and_column_order(tmp_path):
    rows = read("checkthat", make_checkthat(tmp_path))
    by_id = {r.id: r for r in rows}
    assert set(by_id) == {"checkthat:a1", "checkthat:a2", "checkthat:b1", "checkthat:d1"}
    assert by_id["checkthat:a1"].labels["subjective"] == 1 and by_id["checkthat:a1"].split == "train"
    assert by_id["checkthat:a2"].text == '- "Wir wissen es nicht", so Kurz.'  # quotes are text, not CSV quoting
    assert by_id["checkthat:b1"].split == "validation" and by_id["checkthat:d1"].split == "test"
    assert by_id["checkthat:d1"].text == 'Ein "echter" Held.' and by_id["checkthat:d1"].lang == "de"


def test_checkthat_bad_label_is_located(tmp_path):
    root = make_checkthat(tmp_path)
    with (root / "task1/data/german/dev_de.tsv").open("a") as handle:
        handle.write("b2\tNoch ein Satz.\tMAYBE\n")
    with pytest.raises(DataError, match=r"dev_de.tsv:3: field 'label'"):
        read("checkthat", root)


def make_polnear(root: Path) -> Path:
    text = "Senator Vale said the bill was dead. Markets fell.\nOfficials argued it could recover."
    for folder in ("train/text", "train/attributions"):
        (root / folder).mkdir(parents=True)
    (root / "train/text/wire_2016_bill.txt").write_text(text, encoding="utf-8")
    s1, s2 = text.index("said"), text.index("argued")
    ann = (f"T1\tSource 0 12\tSenator Vale\nT2\tCue {s1} {s1 + 4}\tsaid\nT3\tContent 18 35\tthe bill\n"
           f"wrapped span text\nT4\tCue {s2} {s2 + 6}\targued\n"
           "E1\tAttribution:T2 Source:T1 Cue:T2 Content:T3\nE2\tAttribution-no-source:T4 Cue:T4\n")
    (root / "train/attributions/wire_2016_bill_4b22.ann").write_text(ann, encoding="utf-8")
    (root / "train/attributions/wire_2016_bill_zz99.ann").write_text("", encoding="utf-8")  # a second annotator
    return root


def test_polnear_labels_sentences_by_cues(tmp_path):
    rows = read("polnear", make_polnear(tmp_path))
    assert [r.text for r in rows] == ["Senator Vale said the bill was dead.", "Markets fell.",
                                      "Officials argued it could recover."]
    assert [r.labels["attribution"] for r in rows] == [1, 0, 1]
    assert [r.text[s.start:s.end] for r in rows for s in r.spans] == ["said", "argued"]
    assert rows[0].labels["hedging"] is None and rows[0].split == "train"


def test_polnear_dangling_cue_and_missing_text(tmp_path):
    root = make_polnear(tmp_path)
    ann = root / "train/attributions/wire_2016_bill_4b22.ann"
    ann.write_text("E1\tAttribution:T9 Cue:T9\n")
    with pytest.raises(DataError, match="undefined text-bound ids"):
        read("polnear", root)
    (root / "train/text/wire_2016_bill.txt").unlink()
    with pytest.raises(DataError, match="no article text"):
        read("polnear", root)


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora not present")
@pytest.mark.parametrize(("fmt", "rel", "label", "at_least"), [
    ("babe", "BABE/data/final_labels_SG2.csv", "loaded", 3600),
    ("conll2010", "CoNLL2010_wiki_uncertainty_subset", "hedging", 3000),
    ("checkthat", "CheckThat2025_Task1_subjectivity", "subjective", 10000),
    ("polnear", "PolNeAR/data", "attribution", 30000),
])
def test_real_corpora_convert_without_errors(fmt, rel, label, at_least):
    rows = read(fmt, CORPORA / rel)
    known = [r for r in rows if r.labels[label] is not None]
    assert len(known) >= at_least
    assert 0.2 < sum(r.labels[label] for r in known) / len(known) < 0.8
