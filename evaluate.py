"""Evaluate a saved slant model: ``python evaluate.py model_dir=DIR [overrides]`` (see configs/evaluate.yaml)."""

import hydra
from omegaconf import DictConfig, OmegaConf

from slant.config import EvalConfig, register_configs

register_configs()


@hydra.main(version_base="1.3", config_path="configs", config_name="evaluate")
def main(cfg: DictConfig) -> float:
    """Compose, validate, evaluate; return the sentence macro-F1 at the model's thresholds (the stance
    macro-F1 when the data holds only stance rows), the value a Hydra sweep optimises."""
    from slant.evaluation.run import evaluate

    config: EvalConfig = OmegaConf.to_object(cfg)
    metrics = evaluate(config)
    return (metrics.get("overall") or metrics["stance"]["overall"])["f1_macro"]


if __name__ == "__main__":
    main()
