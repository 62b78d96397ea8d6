import csv
import io
import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from slant.cli import main


def test_score_jsonl_one_record_per_article(trained_model_dir, tmp_path, capsys):
    (tmp_path / "a.txt").write_text("The minister said so. Prices may rise.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Die Brücke wurde geöffnet.", encoding="utf-8")
    assert main(["score", str(tmp_path), "--model", str(trained_model_dir), "--device", "cpu"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [r["source"].rsplit("/", 1)[-1] for r in records] == ["a.txt", "b.txt"]
    assert len(records[0]["sentences"]) == 2 and records[1]["lang"] == "de"


def test_unreadable_files_get_error_records_and_exit_code_1(trained_model_dir, tmp_path, capsys):
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 au lait")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "good.txt").write_text("The minister said so.", encoding="utf-8")
    assert main(["score", str(tmp_path), "--model", str(trained_model_dir), "--lang", "en"]) == 1
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.strip().splitlines()]
    assert len(records) == 3  # no input dropped
    errors = {r["source"].rsplit("/", 1)[-1]: r["error"] for r in records if "error" in r}
    assert "line 1: not valid UTF-8 at byte 3" in errors["bad.txt"] and "binary" in errors["bin.txt"]
    assert "bad.txt" in captured.err


def test_a_crash_on_one_input_leaves_the_others_scored_and_exits_3(trained_model_dir, tmp_path, capsys,
                                                                  monkeypatch):
    from slant.inference.predictor import Predictor

    real = Predictor.score_article

    def flaky(self, text, *args, **kwargs):
        if "boom" in text:
            raise IndexError("simulated decoder bug")
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(Predictor, "score_article", flaky)
    for name, text in [("a.txt", "The minister said so."), ("b.txt", "boom"), ("c.txt", "Prices may rise.")]:
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert main(["score", str(tmp_path), "--model", str(trained_model_dir), "--lang", "en"]) == 3
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.strip().splitlines()]
    assert [r["source"].rsplit("/", 1)[-1] for r in records] == ["a.txt", "b.txt", "c.txt"]
    assert "sentences" in records[0] and "sentences" in records[2]
    assert "internal error while scoring (IndexError: simulated decoder bug)" in records[1]["error"]
    assert "Traceback" in captured.err


def test_csv_has_one_row_per_sentence(trained_model_dir, tmp_path, capsys):
    (tmp_path / "a.txt").write_text("The minister said so. Prices may rise.\nRead more", encoding="utf-8")
    assert main(["score", str(tmp_path / "a.txt"), "--model", str(trained_model_dir), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["kind"] for r in rows] == ["content", "content", "non_content"]
    assert {"score_attribution", "score_hedging", "score_loaded", "evidence"} <= set(rows[0])


def test_text_format_lists_every_sentence(trained_model_dir, tmp_path, capsys):
    (tmp_path / "a.txt").write_text("The minister said so. Prices may rise.", encoding="utf-8")
    main(["score", str(tmp_path / "a.txt"), "--model", str(trained_model_dir), "--format", "text"])
    out = capsys.readouterr().out
    assert "The minister said so." in out and "Prices may rise." in out and "2 content sentences" in out


def test_html_input_is_reduced_to_main_text(trained_model_dir, tmp_path, capsys):
    page = ("<html><head><title>t</title></head><body><nav>Home | World | Sport</nav><article>"
            "<h1>Border town shelled</h1><p>Local officials said six people were killed on Tuesday in the town."
            "</p><p>The claim could not be independently verified by reporters on the ground.</p></article>"
            "<footer>Subscribe to our newsletter</footer></body></html>")
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    assert main(["score", str(tmp_path / "page.html"), "--model", str(trained_model_dir), "--lang", "en"]) == 0
    texts = [s["text"] for s in json.loads(capsys.readouterr().out)["sentences"]]
    assert any("officials said six people" in t for t in texts) and not any("Home | World" in t for t in texts)


def test_report_writes_self_contained_html(trained_model_dir, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text('The army called the rebels "terrorists". <script>alert(1)</script>\nRead more',
                       encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["report", str(article), "-o", str(out), "--model", str(trained_model_dir), "--lang", "en"]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<script>" not in page and "&lt;script&gt;" in page
    assert "http" not in page  # no external resources
    assert 'class="s non_content' in page and "<th>label</th>" in page


def test_missing_input_is_a_clear_error(trained_model_dir, tmp_path, capsys):
    assert main(["score", str(tmp_path / "nope.txt"), "--model", str(trained_model_dir)]) == 2
    assert "no such file" in capsys.readouterr().err


def test_exit_codes_version_and_model_errors(trained_model_dir, tmp_path, capsys):
    import pytest

    from slant import __version__

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and __version__ in capsys.readouterr().out
    article = tmp_path / "a.txt"
    article.write_text("The minister said so.", encoding="utf-8")
    assert main(["score", str(article), "--model", str(tmp_path / "no-model")]) == 2
    assert "cannot load model" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nope.txt"), "--model", str(trained_model_dir)]) == 2
    assert main(["report", str(tmp_path), "--model", str(trained_model_dir)]) == 2
    assert "is a directory" in capsys.readouterr().err
    # The input is checked before the model loads: a missing input with a missing model is about the input.
    assert main(["score", str(tmp_path / "nope.txt"), "--model", str(tmp_path / "no-model")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_invalid_batch_options_are_refused_before_any_work(tmp_path, capsys):
    import pytest

    for option in (["--batch-size", "0"], ["--threads", "-1"], ["--rows-per-part", "0"], ["--batch-size", "x"]):
        with pytest.raises(SystemExit) as done:
            main(["batch", str(tmp_path / "in.jsonl"), str(tmp_path / "out"), *option])
        assert done.value.code == 2
        assert option[0] in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_label_names_and_language_are_escaped_in_the_html_report(trained_model_dir, tmp_path):
    from slant.inference.article_page import render_report
    from slant.inference.predictor import Predictor

    predictor = Predictor.from_pretrained(trained_model_dir, device="cpu")
    article = predictor.score_article("The army called the rebels terrorists.", lang="<img src=x onerror=alert(1)>")
    evil = "<img src=x onerror=alert(1)>"
    page = render_report([("a.txt", "The army called the rebels terrorists.", article)])
    assert evil not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_label_names_from_a_model_directory_are_escaped_in_the_html_report():
    from slant.inference.article_page import render_report
    from slant.inference.evidence import EvidenceSpan
    from slant.inference.results import SentencePrediction, profile

    evil = '<img src=x onerror=alert(1)>'
    text = "The army called the rebels terrorists."
    sentence = SentencePrediction(text, 0, len(text), {evil: 0.9}, (evil,),
                                  (EvidenceSpan(evil, 27, 37, "terrorists", 0.9, "authorial"),))
    page = render_report([("a.txt", text, profile([sentence], [evil], "en"))])
    assert evil not in page and "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_nul_byte_anywhere_in_a_file_is_an_error_record_not_a_crash(trained_model_dir, tmp_path, capsys):
    (tmp_path / "late_nul.txt").write_bytes(b"The minister said so. " * 500 + b"\x00 tail")
    (tmp_path / "good.txt").write_text("The minister said so.", encoding="utf-8")
    assert main(["score", str(tmp_path), "--model", str(trained_model_dir), "--lang", "en"]) == 1
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == 2
    bad = next(r for r in records if r["source"].endswith("late_nul.txt"))
    assert "NUL" in bad["error"] and "line 1" in bad["error"]


def last_line(capsys) -> str:
    """The one stderr line a failed command ends with (no traceback before it)."""
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return err.strip().splitlines()[-1]


def test_report_reads_stdin_and_writes_into_a_folder(trained_model_dir, tmp_path, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO("The minister said so.".encode())))
    assert main(["report", "-", "-o", str(tmp_path), "--model", str(trained_model_dir), "--lang", "en"]) == 0
    assert (tmp_path / "stdin.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    article = tmp_path / "a.txt"
    article.write_text("Prices may rise.", encoding="utf-8")
    assert main(["report", str(article), "-o", str(tmp_path), "--model", str(trained_model_dir)]) == 0
    assert (tmp_path / "a.html").is_file()


def test_fifo_and_oversized_files_are_refused_before_reading(trained_model_dir, tmp_path, capsys, monkeypatch):
    os.mkfifo(tmp_path / "pipe.txt")  # reading it would block forever: nobody writes to it
    assert main(["score", str(tmp_path / "pipe.txt"), "--model", str(trained_model_dir)]) == 1
    assert "not a regular file" in capsys.readouterr().err
    monkeypatch.setattr("slant.inference.inputs.MAX_ARTICLE_BYTES", 100)
    (tmp_path / "big.txt").write_text("The minister said so. " * 10, encoding="utf-8")
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read before the size check"))
    assert main(["report", str(tmp_path / "big.txt"), "--model", str(trained_model_dir)]) == 2
    assert "220 bytes, more than the 100" in last_line(capsys)


def test_crashes_have_distinct_exit_codes_and_one_line_naming_the_path(trained_model_dir, tmp_path, capsys, monkeypatch):
    model = ["--model", str(trained_model_dir), "--quiet"]
    assert main(["batch", str(tmp_path / "missing.jsonl"), str(tmp_path / "out"), *model]) == 2
    assert "missing.jsonl: no such file" in last_line(capsys)
    good = tmp_path / "in.parquet"
    pq.write_table(pa.table({"text": ["The minister said so."] * 50}), good)
    truncated = tmp_path / "cut.parquet"
    truncated.write_bytes(good.read_bytes()[:-30])
    assert main(["batch", str(truncated), str(tmp_path / "out2"), *model]) == 2
    assert "cut.parquet: not a readable Parquet file" in last_line(capsys)
    (tmp_path / "file").write_text("x")
    assert main(["batch", str(good), str(tmp_path / "file"), *model]) == 2
    assert "file: exists and is not a directory" in last_line(capsys)
    assert main(["batch", str(good), str(tmp_path / "file" / "sub"), *model]) == 2
    assert "Not a directory" in last_line(capsys)  # an OSError: one line naming the path
    monkeypatch.setattr("slant.batch.job.write_part", lambda *a, **k: 1 / 0)
    assert main(["batch", str(good), str(tmp_path / "out3"), *model]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().endswith("internal error: ZeroDivisionError: division by zero")
    for command in ("score", "report", "batch"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "2 usage, input, output or model error" in " ".join(capsys.readouterr().out.split())


def test_mistyped_columns_and_broken_model_dirs_are_named(trained_model_dir, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "The minister said so.", "doc_id": 1}\n', encoding="utf-8")
    base = ["--model", str(trained_model_dir), "--quiet"]
    assert main(["batch", str(src), str(tmp_path / "o1"), "--id-column", "id", *base]) == 2
    assert "in.jsonl:1 (first record): no 'id' column (columns: text, doc_id); check --id-column" in last_line(capsys)
    csv_src = tmp_path / "in.csv"
    csv_src.write_text("text,language\nThe minister said so.,en\n", encoding="utf-8")
    assert main(["batch", str(csv_src), str(tmp_path / "o2"), "--lang-column", "lang", *base]) == 2
    assert "no 'lang' column (columns: text, language); check --lang-column" in last_line(capsys)
    assert not list((tmp_path / "o2").glob("part-*"))
    for broken, problem in ((lambda d: (d / "config.json").write_text('{"labels": '), "config.json: not valid JSON"),
                            (lambda d: (d / "tokenizer.json").unlink(), "no tokenizer.json"),
                            (set_config_value("max_seq_length", "abc"), "config.json: max_seq_length must be"),
                            (set_config_value("voice_threshold", 1.5), "config.json: voice_threshold must be"),
                            (set_config_value("thresholds", {"hedging": "high"}), "config.json: thresholds['hedging']")):
        model = tmp_path / f"model-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(trained_model_dir, model)
        broken(model)
        assert main(["batch", str(src), str(tmp_path / "o3"), "--model", str(model), "--quiet"]) == 2
        assert problem in last_line(capsys)
        assert main(["score", str(src), "--model", str(model)]) == 2
        assert problem in last_line(capsys)


def set_config_value(key: str, value):
    def edit(model: Path) -> None:
        config = json.loads((model / "config.json").read_text(encoding="utf-8"))
        (model / "config.json").write_text(json.dumps({**config, key: value}), encoding="utf-8")
    return edit


HOSTILE_FILES = {  # name: (bytes, line of the error or None when it must be scored)
    "a_valid.txt": ("The minister said the plan had failed. Prices may rise.".encode(), None),
    "b_empty.txt": (b"", None),
    "c_nul.txt": (b"The minister said so.\nSecond \x00 line.", 2),
    "d_latin1.txt": (b"Fine line.\ncaf\xe9 au lait", 2),
    "e_emoji.txt": ("😡👍🏽🔥".encode(), None),
    "f_word.txt": (b"a" * 1_000_000, None),
    "g_surrogate.txt": ("said \ud800 so".encode("utf-8", "surrogatepass"), 1),  # CESU bytes: not UTF-8
    "h_bidi.txt": ("\u202eevil\u202c The minister said so. \u2067שלום\u2069".encode(), None),
    "i_valid.html": (b"<html><body><p>The minister said so.</p></body></html>", None),
}
HOSTILE_ROWS = [  # (JSONL line, field named by its error or None when it must be scored)
    (json.dumps({"id": "valid", "text": "The minister said so."}).encode(), None),
    (b'{"id": "nul", "text": "a\\u0000b"}', "text"),
    (json.dumps({"id": "emoji", "text": "😡👍🏽🔥"}, ensure_ascii=False).encode(), None),
    (json.dumps({"id": "word", "text": "a" * 1_000_000}).encode(), None),
    (b'{"id": "surrogate", "text": "said \\ud800 so"}', "text"),
    (b'{"id": "surrogate-id\\udc00", "text": "The minister said so."}', "id"),
    (json.dumps({"id": "bidi", "text": "\u202eevil\u202c The minister said so."}, ensure_ascii=False).encode(), None),
    (json.dumps({"id": "number", "text": 42}).encode(), "text"),
    (json.dumps({"id": "object", "text": {"body": "x"}}).encode(), "text"),
    (b'{"id": "latin1", "text": "caf\xe9"}', "<bytes>"),  # the whole line is undecodable: no field to name
    (json.dumps({"id": "valid-2", "text": "Prices may rise next year."}).encode(), None),
]


def test_hostile_inputs_each_get_one_record_scored_or_located(trained_model_dir, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, (raw, _) in HOSTILE_FILES.items():
        (folder / name).write_bytes(raw)
    model = ["--model", str(trained_model_dir), "--lang", "en"]
    assert main(["score", str(folder), *model]) == 1
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["source"] for r in records] == [str(folder / name) for name in HOSTILE_FILES]
    for record, (name, (raw, line)) in zip(records, HOSTILE_FILES.items()):
        if line is None:
            assert "error" not in record and bool(record["sentences"]) == bool(raw.strip()), record  # empty: no sentence
        else:
            assert record["error"].startswith(f"{folder / name}: line {line}: "), record

    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(line + b"\n" for line, _ in HOSTILE_ROWS))
    assert main(["batch", str(src), str(tmp_path / "out"), *model, "--id-column", "id", "--quiet"]) == 1
    from slant.batch import read_part
    from slant.batch.parts import finished_parts

    rows = [r for part in finished_parts(tmp_path / "out", "parquet") for r in read_part(part)]
    assert [r["row"] for r in rows] == list(range(len(HOSTILE_ROWS)))
    for number, (record, (line, field)) in enumerate(zip(rows, HOSTILE_ROWS), start=1):
        if field is None:
            assert record["status"] == "ok" and record["n_content"] >= 1, record
        else:
            located = f"{src}:{number}: " + ("undecodable bytes" if field == "<bytes>" else f"field '{field}'")
            assert record["status"] == "error" and record["error"].startswith(located), record
