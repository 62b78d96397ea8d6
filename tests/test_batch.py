"""`slant batch`: every input row gets exactly one record, errors are located, jobs resume after kill -9."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from slant.batch import JobMismatchError, RowSpec, ScorerSpec, iter_rows, local_engine, read_part, run_batch
from slant.batch.parts import finished_parts
from slant.cli import main

SENTENCES = ["The minister said the plan had failed.", "Prices may rise next year, analysts believe.",
             "Thugs smashed the windows of the shop.", "Die Brücke wurde am Montag geöffnet."]


def article(i: int) -> str:
    return f"{SENTENCES[i % 4]} Report number {i} was filed."


def all_records(out_dir: Path, fmt: str = "parquet") -> list[dict]:
    return [r for part in finished_parts(out_dir, fmt) for r in read_part(part)]


def write_jsonl(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def test_every_jsonl_row_gets_one_record_with_located_errors(trained_model_dir, tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", [
        json.dumps({"id": "a", "text": article(0)}).encode(),
        b'{"id": "b", "text": "unterminated',                     # malformed JSON
        b"",                                                      # blank line: not a record
        json.dumps({"id": "c", "body": "no text field"}).encode(),
        b'{"id": "d", "text": "caf\xe9"}',                        # latin-1 byte, not UTF-8
        json.dumps({"id": "e", "text": "   "}).encode(),
        b"[1, 2]",
        json.dumps({"id": 7, "text": article(1)}).encode(),
    ])
    code = main(["batch", str(src), str(tmp_path / "out"), "--model", str(trained_model_dir), "--id-column", "id",
                 "--lang", "en", "--quiet", "--rows-per-part", "3"])
    assert code == 1  # some rows are error rows
    records = all_records(tmp_path / "out")
    assert [r["row"] for r in records] == list(range(7))
    assert [r["status"] for r in records] == ["ok", "error", "error", "error", "error", "error", "ok"]
    errors = [r["error"] for r in records]
    assert "in.jsonl:2: malformed JSON" in errors[1]
    assert "in.jsonl:4: field 'text' is missing" in errors[2]
    assert "in.jsonl:5: undecodable bytes" in errors[3]
    assert "in.jsonl:6: field 'text' is empty" in errors[4]
    assert "in.jsonl:7: expected a JSON object" in errors[5]
    assert records[6]["id"] == "7" and records[0]["n_content"] == 2
    assert records[0]["sentences"][0]["text"] == SENTENCES[0]
    assert set(records[0]["sentences"][0]["scores"]) == {"attribution", "hedging", "loaded"}
    assert (tmp_path / "out" / "_SUCCESS").is_file()
    assert "malformed JSON" in capsys.readouterr().err


def test_csv_rows_and_header_errors(trained_model_dir, tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_bytes(b'id,text\n1,"' + article(0).encode() + b'"\n2,too,many\n3,caf\xe9\n4,"multi\nline text."\n')
    out = tmp_path / "out"
    assert main(["batch", str(src), str(out), "--model", str(trained_model_dir), "--id-column", "id",
                 "--output-format", "csv", "--lang", "en", "--quiet"]) == 1
    records = all_records(out, "csv")
    assert [r["id"] for r in records] == ["1", "", "3", "4"]
    assert "in.csv:3: malformed CSV row: 3 fields, the header has 2" in records[1]["error"]
    assert "in.csv:4: field 'text' is not valid Unicode (undecodable bytes" in records[2]["error"]
    assert records[3]["status"] == "ok" and json.loads(records[3]["sentences"])[0]["start"] == 0

    (tmp_path / "nocol.csv").write_text("id,body\n1,hello\n", encoding="utf-8")
    assert main(["batch", str(tmp_path / "nocol.csv"), str(tmp_path / "o2"), "--model", str(trained_model_dir),
                 "--quiet"]) == 2
    assert "nocol.csv: line 1 (header): no 'text' column (columns: id, body); check --text-column" in capsys.readouterr().err


def test_parquet_in_jsonl_out_keeps_ids_and_limits_length(trained_model_dir, tmp_path):
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"doc": ["x1", "x2", "x3"], "body": [article(2), None, "a" * 500]}), src)
    summary = run_batch(src, tmp_path / "out", ScorerSpec(str(trained_model_dir), device="cpu", lang="en"),
                        RowSpec(text_column="body", id_column="doc", max_chars=400), output_format="jsonl",
                        progress=False)
    assert (summary.rows, summary.errors, summary.exit_code) == (3, 2, 1)
    records = all_records(tmp_path / "out", "jsonl")
    assert [r["id"] for r in records] == ["x1", "x2", "x3"]
    assert "row 1: field 'body' is missing or null" in records[1]["error"]
    assert "500 characters, more than max_chars=400" in records[2]["error"]


def failing_after(n_parts: int):
    """An engine that dies (like a killed process) after writing ``n_parts`` parts."""
    def engine(parts, spec):
        for i, scored in enumerate(local_engine(parts, spec)):
            if i == n_parts:
                raise KeyboardInterrupt
            yield scored
    return engine


def test_restart_scores_only_missing_rows_and_refuses_another_job(trained_model_dir, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [json.dumps({"text": article(i)}).encode() for i in range(25)])
    spec = ScorerSpec(str(trained_model_dir), device="cpu", lang="en")
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_batch(src, out, spec, rows_per_part=4, engine=failing_after(2), progress=False)
    (out / ".part-000000008-000000012.parquet.tmp").write_bytes(b"half a part")  # a write cut short
    assert not (out / "_SUCCESS").exists()
    summary = run_batch(src, out, spec, rows_per_part=10, progress=False)  # a different part size is fine
    assert (summary.skipped, summary.scored_now, summary.rows) == (8, 17, 25)
    assert [r["row"] for r in all_records(out)] == list(range(25))
    assert not list(out.glob(".*.tmp"))
    again = run_batch(src, out, spec, progress=False)
    assert (again.scored_now, again.rows, again.exit_code) == (0, 25, 0)
    with pytest.raises(JobMismatchError, match="output_format"):
        run_batch(src, out, spec, output_format="jsonl", progress=False)


# Forks `slant batch` jobs from a process that has already imported torch and slant, so a job is
# killed while it loads the model, resumes and scores, not while Python imports (4 s each).
LAUNCHER = """
import json, os, sys
import slant.batch, slant.cli, slant.inference.predictor
for request in sys.stdin:
    pid = os.fork()
    if pid == 0:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stdout is the reply channel
        code = 3
        try:
            code = slant.cli.main(json.loads(request))
        finally:
            sys.stderr.flush()
            os._exit(code)
    print(pid, flush=True)
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


@pytest.mark.slow  # subprocesses
def test_kill_9_at_20_random_moments_never_loses_or_duplicates_a_row(trained_model_dir, tmp_path):
    rows = 2000
    src = write_jsonl(tmp_path / "in.jsonl",
                      [json.dumps({"id": f"doc-{i}", "text": article(i)}).encode() for i in range(rows)])
    out = tmp_path / "out"
    options = ["--model", str(trained_model_dir), "--id-column", "id", "--lang", "en", "--device", "cpu",
               "--no-sentences", "--quiet", "--threads", "1"]
    command = ["batch", str(src), str(out), "--rows-per-part", "10", *options]
    with (tmp_path / "stderr").open("w") as stderr:
        launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=stderr, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})

    def start(argv: list[str]) -> int:
        launcher.stdin.write(json.dumps(argv) + "\n")
        launcher.stdin.flush()
        return int(launcher.stdout.readline())

    def exit_code() -> int:
        return int(launcher.stdout.readline())

    try:
        chance = random.Random(20)
        progress = []
        for _ in range(20):
            # A random moment: mostly while parts are being scored and written (a random delay after the
            # job's first new part), sometimes while it loads the model, takes the lock and verifies parts.
            scoring, delay = chance.random() < 0.75, chance.uniform(0.0, 0.15)
            before = len(list(out.glob("part-*")))
            pid = start(command)
            deadline = time.monotonic() + (60 if scoring else chance.uniform(0.05, 0.6))
            while scoring and len(list(out.glob("part-*"))) == before and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(delay if scoring else max(0.0, deadline - time.monotonic()))
            os.kill(pid, signal.SIGKILL)
            assert exit_code() == -signal.SIGKILL, "the job ended before it was killed"
            progress.append(len(list(out.glob("part-*"))))
        assert not (out / "_SUCCESS").exists(), f"the job finished before the last kill ({progress} parts)"
        assert sum(b > a for a, b in zip([0, *progress], progress)) >= 10, progress  # most kills landed mid-job
        assert (start(command), exit_code())[1] == 0, (tmp_path / "stderr").read_text()[-2000:]
        records = all_records(out)
        assert [r["row"] for r in records] == list(range(rows))
        start(["batch", str(src), str(tmp_path / "clean"), "--rows-per-part", "1000", *options])
        assert exit_code() == 0
        assert records == all_records(tmp_path / "clean")
    finally:
        launcher.stdin.close()
        launcher.wait(timeout=60)


@pytest.mark.slow  # subprocesses
def test_ray_engine_gives_identical_records(trained_model_dir, tmp_path):
    pytest.importorskip("ray.data")
    import ray

    from slant.batch.ray_engine import RayOptions, ray_engine

    src = write_jsonl(tmp_path / "in.jsonl", [json.dumps({"text": article(i)}).encode() for i in range(30)]
                      + [b"{broken"])
    spec = ScorerSpec(str(trained_model_dir), device="cpu", lang="en", threads=1)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        run_batch(src, tmp_path / "ray", spec, rows_per_part=8, progress=False,
                  engine=ray_engine(RayOptions(workers=2, parts_per_window=2)))
    finally:
        ray.shutdown()
    run_batch(src, tmp_path / "local", spec, rows_per_part=8, progress=False)
    local, on_ray = all_records(tmp_path / "local"), all_records(tmp_path / "ray")
    assert len(local) == 31 and local[-1]["status"] == "error"
    assert on_ray == local


def test_rows_reader_streams_without_reading_everything(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [json.dumps({"text": "x"}).encode()] * 3 + [b"{"])
    rows = iter_rows(src, RowSpec())
    assert next(rows).row == 0  # a generator: nothing beyond the first line is parsed yet
    assert [r.error is None for r in rows] == [True, True, False]


def test_resume_refuses_an_edited_input_or_model_and_a_concurrent_job(trained_model_dir, tmp_path):
    import fcntl
    import shutil

    lines = [json.dumps({"text": article(i)}).encode() for i in range(6)]
    src = write_jsonl(tmp_path / "in.jsonl", lines)
    model = shutil.copytree(trained_model_dir, tmp_path / "model")
    spec = ScorerSpec(str(model), device="cpu", lang="en")
    out = tmp_path / "out"
    run_batch(src, out, spec, rows_per_part=3, progress=False)
    write_jsonl(src, [lines[1], lines[0], *lines[2:]])  # same size, two rows swapped
    with pytest.raises(JobMismatchError, match="input_sha256"):
        run_batch(src, out, spec, progress=False)
    write_jsonl(src, lines)
    config = json.loads((model / "config.json").read_text())
    config["thresholds"]["loaded"] = 0.01  # another model's decisions must not join these parts
    (model / "config.json").write_text(json.dumps(config))
    with pytest.raises(JobMismatchError, match="model_sha256"):
        run_batch(src, out, spec, progress=False)
    with (out / ".slant_batch.lock").open("a") as handle:  # another job holds the directory
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(JobMismatchError, match="in use"):
            run_batch(src, tmp_path / "out", spec, progress=False)


def test_csv_quote_that_never_closes_is_refused_not_swallowing_rows(trained_model_dir, tmp_path, capsys):
    lines = ["id,text"] + [f"{i},Report number {i} was filed." for i in range(10)]
    lines[4] = '3,"The minister said so.'  # the quote never closes
    (tmp_path / "in.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["batch", str(tmp_path / "in.csv"), str(tmp_path / "out"), "--model", str(trained_model_dir),
                 "--lang", "en", "--quiet"])
    assert code == 2 and "in.csv:5: a quoted field opened on this line never closes" in capsys.readouterr().err
    assert not (tmp_path / "out" / "_SUCCESS").exists()


def test_ids_that_cannot_be_utf8_become_error_rows_and_the_job_finishes(trained_model_dir, tmp_path):
    lines = [json.dumps({"id": "a", "text": article(0)}).encode(),
             b'{"id": "\\ud800", "text": "The minister said so."}',  # a lone surrogate, legal in JSON
             json.dumps({"id": "c", "text": "The army said \ud800 so."}).encode()]
    src = write_jsonl(tmp_path / "in.jsonl", lines)
    (tmp_path / "in.csv").write_bytes(b"id,text\nok,The minister said so.\n\xe9t\xe9,The army said so.\n")
    for source in (src, tmp_path / "in.csv"):
        out = tmp_path / f"out-{source.suffix}"
        summary = run_batch(source, out, ScorerSpec(str(trained_model_dir), device="cpu", lang="en"),
                            RowSpec(id_column="id"), progress=False)
        records = all_records(out)
        assert (out / "_SUCCESS").exists() and [r["row"] for r in records] == list(range(summary.rows))
        assert records[0]["status"] == "ok" and records[1]["status"] == "error" and "'id'" in records[1]["error"]
    assert "not valid Unicode" in all_records(tmp_path / "out-.jsonl")[2]["error"]


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "csv"])
def test_parts_that_fail_verification_are_redone(trained_model_dir, tmp_path, fmt):
    src = write_jsonl(tmp_path / "in.jsonl", [json.dumps({"text": article(i)}).encode() for i in range(12)])
    spec = ScorerSpec(str(trained_model_dir), device="cpu", lang="en")
    out = tmp_path / "out"
    run_batch(src, out, spec, output_format=fmt, rows_per_part=4, progress=False)
    expected = all_records(out, fmt)
    parts = sorted(out.glob("part-*"))
    parts[0].write_bytes(parts[0].read_bytes()[: len(parts[0].read_bytes()) * 2 // 3])  # truncated
    parts[1].write_bytes(b"")                                                          # zero bytes
    summary = run_batch(src, out, spec, output_format=fmt, rows_per_part=4, progress=False)
    assert (summary.skipped, summary.scored_now, summary.exit_code) == (4, 8, 0)
    assert all_records(out, fmt) == expected


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_retry_errors_rescores_only_error_rows_in_place(trained_model_dir, tmp_path, monkeypatch, fmt):
    from slant.inference.predictor import Predictor

    lines = [json.dumps({"id": str(i), "text": article(i) + (" FLAKY" if i % 5 == 2 else "")}).encode()
             for i in range(12)]
    src = write_jsonl(tmp_path / "in.jsonl", [*lines[:6], b"{not json", *lines[6:]])
    spec = ScorerSpec(str(trained_model_dir), device="cpu", lang="en")
    score_batch = Predictor.score_batch

    def flaky(self, texts, lang=None, targets=None):
        if any("FLAKY" in t for t in texts):
            raise MemoryError("out of memory")
        return score_batch(self, texts, lang, targets)

    monkeypatch.setattr(Predictor, "score_batch", flaky)
    out, clean = tmp_path / "out", tmp_path / "clean"
    first = run_batch(src, out, spec, RowSpec(id_column="id"), output_format=fmt, rows_per_part=4, progress=False)
    assert first.errors == 3  # two flaky rows and the malformed line
    assert run_batch(src, out, spec, RowSpec(id_column="id"), output_format=fmt, progress=False).scored_now == 0
    monkeypatch.setattr(Predictor, "score_batch", score_batch)  # the transient failure is gone
    parts_before = sorted(p.name for p in out.glob("part-*"))
    again = run_batch(src, out, spec, RowSpec(id_column="id"), output_format=fmt, progress=False, retry_errors=True)
    assert (again.scored_now, again.skipped, again.rows, again.errors) == (3, 10, 13, 1)
    assert sorted(p.name for p in out.glob("part-*")) == parts_before and (out / "_SUCCESS").exists()
    run_batch(src, clean, spec, RowSpec(id_column="id"), output_format=fmt, rows_per_part=4, progress=False)
    assert all_records(out, fmt) == all_records(clean, fmt)
    assert [str(r["row"]) for r in all_records(out, fmt)] == [str(i) for i in range(13)]
