"""train.py scales out: two CPU processes (gloo) under torchrun and under accelerate launch.

The first two fail if the launch silently falls back to processes that each train alone on all the
data (what transformers does on CPU unless told ``use_cpu``): rank 0 must log ``world_size=2
(distributed)``, both ranks must write their RNG state into one shared checkpoint, and an epoch must
take half the steps.
"""

import pytest
import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PER_DEVICE_BATCH = 8


def tiny_overrides(tiny_encoder_dir: Path, corpus_dir: Path) -> list[str]:
    return ["model=hub", f"model.name_or_path={tiny_encoder_dir}", "model.max_length=32",
            "data=starter", f"data.sources.starter.path={corpus_dir}", "trainer.max_steps=3", "trainer.optim=adamw_torch",
            f"trainer.per_device_train_batch_size={PER_DEVICE_BATCH}",
            "hydra.run.dir=run"]  # explicit: the default run dir is a per-second timestamp


def cpu_env(tmp_path: Path) -> dict[str, str]:
    """Offline, CPU only, one thread per process (the machine is shared), no user accelerate config."""
    return {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "HF_HOME": str(tmp_path / "hf_home")}


def launch(launcher: list[str], overrides: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *launcher, str(ROOT / "train.py"), *overrides], cwd=cwd,
                          env=cpu_env(cwd), capture_output=True, text=True, timeout=120)


def assert_trained_by_two_processes(done: subprocess.CompletedProcess, run: Path, corpus_dir: Path) -> None:
    assert done.returncode == 0, done.stderr[-3000:]
    log = (run / "train.log").read_text()
    assert "world_size=2 (distributed): global batch 16" in log, log[-3000:]
    # Only rank 0 saves: one model directory, one Hydra run directory, one "saved" line.
    assert [p.parent for p in run.parent.rglob("metrics.json")] == [run / "model"]
    assert [p.parent for p in run.parent.rglob(".hydra")] == [run]
    assert log.count("saved model to") == 1 and (run / "model" / "metrics.json").is_file()
    # Both ranks wrote into the one checkpoint rank 0 saved (a lone process writes rng_state.pth).
    # Each process reads half of the training rows per epoch, so an epoch takes half the steps.
    rows = [json.loads(line) for line in (corpus_dir / "tiny.jsonl").read_text().splitlines()]
    steps_per_epoch = math.ceil(math.ceil(sum(r["split"] == "train" for r in rows) / PER_DEVICE_BATCH) / 2)
    checkpoints = sorted((run / "checkpoints").glob("checkpoint-*"))
    assert checkpoints
    for checkpoint in checkpoints:
        assert {"rng_state_0.pth", "rng_state_1.pth"} <= {p.name for p in checkpoint.iterdir()}
        state = json.loads((checkpoint / "trainer_state.json").read_text())
        assert state["epoch"] == state["global_step"] / steps_per_epoch


@pytest.mark.slow  # subprocesses
def test_torchrun_two_cpu_processes(tiny_encoder_dir, corpus_dir, tmp_path):
    done = launch(["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"],
                  tiny_overrides(tiny_encoder_dir, corpus_dir), tmp_path)
    assert_trained_by_two_processes(done, tmp_path / "run", corpus_dir)


@pytest.mark.slow  # subprocesses
def test_accelerate_launch_two_cpu_processes(tiny_encoder_dir, corpus_dir, tmp_path):
    # --multi_gpu picks accelerate's torchrun launcher, which runs on CPU when no GPU is visible;
    # `--cpu --num_processes 2` would start a single process (accelerate needs mpirun for multi-CPU).
    done = launch(["-m", "accelerate.commands.accelerate_cli", "launch", "--multi_gpu", "--num_processes", "2",
                   "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
                   "--main_process_port", "0"],  # 0: a free port, not the fixed default 29500
                  tiny_overrides(tiny_encoder_dir, corpus_dir), tmp_path)
    assert_trained_by_two_processes(done, tmp_path / "run", corpus_dir)


@pytest.mark.slow  # subprocesses
def test_ranks_started_with_different_run_dirs_write_under_rank_zeros(tiny_encoder_dir, corpus_dir, tmp_path):
    # What Hydra's timestamped default does when ranks start in different seconds, forced here.
    overrides = [*tiny_overrides(tiny_encoder_dir, corpus_dir)[:-1], "hydra.run.dir=run_${oc.env:RANK}"]
    done = launch(["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"], overrides, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert [p.parent for p in tmp_path.rglob("metrics.json")] == [tmp_path / "run_0" / "model"]
    checkpoints = list((tmp_path / "run_0" / "checkpoints").glob("checkpoint-*/rng_state_1.pth"))
    assert checkpoints and not (tmp_path / "run_1" / "checkpoints").exists()
    assert "writing under rank 0's output_dir" in (tmp_path / "run_1" / "train.log").read_text()
