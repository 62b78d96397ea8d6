"""train.py / evaluate.py through Hydra, as a user runs them (tiny model, a few CPU steps)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, *overrides: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / script), *overrides], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def tiny_overrides(tiny_encoder_dir, corpus_dir):
    return ["model=hub", f"model.name_or_path={tiny_encoder_dir}", "model.max_length=32",
            "data=starter", f"data.sources.starter.path={corpus_dir}", "trainer.max_steps=3", "trainer.optim=adamw_torch"]


@pytest.mark.slow  # subprocesses
def test_train_then_evaluate(tiny_encoder_dir, corpus_dir, tmp_path):
    done = run("train.py", *tiny_overrides(tiny_encoder_dir, corpus_dir), "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "f1/attribution" in (tmp_path / "run/model/metrics.json").read_text()
    log = (tmp_path / "run/train.log").read_text()  # Hydra job log: per-label table
    assert "hedging" in log and "F1=" in log and "macro-F1" in done.stdout
    done = run("evaluate.py", "model_dir=run/model", "data=starter", f"data.sources.starter.path={corpus_dir}",
               "hydra.run.dir=eval", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads((tmp_path / "eval/metrics.json").read_text())
    assert set(metrics["by_language"]) == {"en", "de"}
    assert "| slant |" in (tmp_path / "eval/report.md").read_text()


@pytest.mark.slow  # subprocesses
def test_multirun_sweeps_learning_rates(tiny_encoder_dir, corpus_dir, tmp_path):
    done = run("train.py", "-m", "trainer.learning_rate=1e-5,3e-5", *tiny_overrides(tiny_encoder_dir, corpus_dir),
               "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    for job in ("0", "1"):
        assert (tmp_path / "sweep" / job / "model" / "model.safetensors").is_file()


def test_unknown_key_fails_before_training(tmp_path):
    done = run("train.py", "trainer.lernrate=1", cwd=tmp_path)
    assert done.returncode != 0
    assert "Could not override 'trainer.lernrate'" in done.stderr
