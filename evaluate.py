"""Evaluate a saved slant model: ``python evaluate.py model_dir=DIR [overrides]`` (see configs/evaluate.yaml)."""

import hydra
from omegaconf import DictConfig, OmegaConf

from slant.config import EvalConfig, register_configs

register_configs()


@hydra.main(version_base="1.3", config_path="configs", config_name="evaluate")
def main(cfg: DictConfig) -> float:
    """Compose, validate, evaluate; return macro-F1 at the model's thresholds."""
    from slant.evaluation.run import evaluate

    config: EvalConfig = OmegaConf.to_object(cfg)
    return evaluate(config)["overall"]["f1_macro"]


if __name__ == "__main__":
    main()
