"""Fine-tune a slant model: ``python train.py [overrides]`` (see configs/train.yaml)."""

import logging
import os

import hydra
from omegaconf import DictConfig, OmegaConf

from slant.config import TrainConfig, register_configs

register_configs()


@hydra.main(version_base="1.3", config_path="configs", config_name="train")
def main(cfg: DictConfig) -> float:
    """Compose, validate, train; return validation macro-F1 for sweepers."""
    from slant.training import train  # heavy imports after Hydra has validated the config

    if int(os.environ.get("RANK", "0")) != 0:
        logging.getLogger().setLevel(logging.WARNING)  # torchrun / accelerate launch: one readable log, rank 0's
    config: TrainConfig = OmegaConf.to_object(cfg)
    logging.getLogger(__name__).info("config:\n%s", OmegaConf.to_yaml(cfg))
    result = train(config)
    return result.metrics.get("validation", {}).get("f1_macro", float("nan"))  # only rank 0 scores


if __name__ == "__main__":
    main()
