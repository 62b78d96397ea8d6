import json
import math

import numpy as np
import pytest
import torch
from transformers import AutoModel

from slant.model_dir import load_model
from slant.training import masked_bce_with_logits, precision_flags, train


def test_masked_loss_equals_bce_over_known_cells():
    logits = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
    targets = torch.tensor([[1.0, math.nan, 0.0], [0.0, 1.0, math.nan]])
    known = ~torch.isnan(targets)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits[known], targets[known])
    assert masked_bce_with_logits(logits, targets).item() == pytest.approx(expected.item())


def test_missing_label_contributes_zero_gradient_to_its_logit():
    logits = torch.tensor([[0.3, -0.2, 1.1], [0.7, 0.4, -0.9]], requires_grad=True)
    targets = torch.tensor([[1.0, math.nan, 0.0], [0.0, 1.0, math.nan]])
    masked_bce_with_logits(logits, targets).backward()
    assert logits.grad[0, 1] == 0 and logits.grad[1, 2] == 0
    assert (logits.grad[~torch.isnan(targets)] != 0).all()


def test_all_unknown_batch_gives_zero_loss_not_nan():
    logits = torch.zeros(2, 3, requires_grad=True)
    loss = masked_bce_with_logits(logits, torch.full((2, 3), math.nan))
    loss.backward()
    assert loss.item() == 0 and (logits.grad == 0).all()


def test_precision_flags():
    assert precision_flags("fp32") == {"bf16": False, "fp16": False}
    assert precision_flags("bf16") == {"bf16": True, "fp16": False}
    if not torch.cuda.is_available():
        assert precision_flags("auto") == {"bf16": False, "fp16": False}
    with pytest.raises(ValueError, match="precision"):
        precision_flags("int4")


def test_train_saves_a_reloadable_model_dir(train_cfg):
    result = train(train_cfg)
    files = {p.name for p in result.model_dir.iterdir()}
    assert {"config.json", "model.safetensors", "slant_heads.safetensors", "tokenizer.json", "slant.json",
            "metrics.json"} <= files
    assert not any(name.endswith((".bin", ".pt", ".pkl")) for name in files)
    settings = json.loads((result.model_dir / "slant.json").read_text())
    assert settings["labels"] == ["attribution", "hedging", "loaded"]
    assert set(settings["thresholds"]) == set(settings["labels"])
    assert len(settings["data_fingerprint"]) == 64 and settings["format_version"] == 1
    encoder = AutoModel.from_pretrained(result.model_dir, local_files_only=True)  # plain transformers
    assert encoder.config.id2label == {0: "attribution", 1: "hedging", 2: "loaded"}
    model = load_model(result.model_dir)
    assert model.classifier.out_features == 3 and model.evidence.proj.out_features == 4
    metrics = json.loads((result.model_dir / "metrics.json").read_text())
    assert {"validation", "test"} <= set(metrics) and "f1/hedging" in metrics["validation"]


def test_frozen_embeddings_do_not_move(train_cfg):
    from slant.labels import LabelSet
    from slant.model import build_model

    before, _ = build_model(train_cfg.model, LabelSet.of(train_cfg.labels))
    after = load_model(train(train_cfg).model_dir)
    embeddings = before.encoder.get_input_embeddings().weight
    assert torch.equal(embeddings, after.encoder.get_input_embeddings().weight)
    assert not torch.equal(before.classifier.weight, after.classifier.weight)


def test_resume_from_checkpoint(train_cfg):
    first = train(train_cfg)
    checkpoints = sorted((first.model_dir.parent / "checkpoints").glob("checkpoint-*"))
    assert checkpoints, "training with eval_strategy=steps must leave a checkpoint"
    train_cfg.trainer.max_steps = 6
    train_cfg.trainer.resume_from_checkpoint = str(checkpoints[-1])
    resumed = train(train_cfg)
    assert np.isfinite(resumed.metrics["validation"]["f1_macro"])


def test_token_targets_collator_pads_with_nan(train_cfg):
    from slant.labels import LabelSet
    from slant.model import build_model
    from slant.training import TokenTargetCollator

    _, tokenizer = build_model(train_cfg.model, LabelSet.of(train_cfg.labels))
    rows = [{"input_ids": [2, 7, 3], "labels": [1.0, 0.0, 0.0], "token_labels": [[0.0] * 4] * 3},
            {"input_ids": [2, 3], "labels": [0.0, 0.0, 0.0], "token_labels": [[1.0] * 4] * 2}]
    batch = TokenTargetCollator(tokenizer)(rows)
    assert batch["token_labels"].shape == (2, 3, 4) and batch["input_ids"].shape == (2, 3)
    assert torch.isnan(batch["token_labels"][1, 2]).all() and batch["token_labels"][1, 1, 0] == 1


def test_evidence_metrics_reported_during_evaluation(train_cfg):
    metrics = json.loads((train(train_cfg).model_dir / "metrics.json").read_text())
    assert "f1/loaded" in metrics["validation"] and metrics["validation"]["ece"] >= 0


def test_heads_get_a_larger_learning_rate(train_cfg):
    from slant.labels import LabelSet
    from slant.model import build_model
    from slant.training import MaskedLossTrainer, training_arguments

    model, _ = build_model(train_cfg.model, LabelSet.of(train_cfg.labels))
    args = training_arguments(train_cfg.trainer, train_cfg.output_dir, 0)
    args.eval_strategy = "no"
    optimizer = MaskedLossTrainer(model=model, args=args, evidence_lr_scale=10.0).create_optimizer()
    head = {id(p) for name, p in model.named_parameters() if not name.startswith("encoder.")}
    for group in optimizer.param_groups:
        is_head = {id(p) in head for p in group["params"]}
        assert len(is_head) == 1
        assert group["lr"] == pytest.approx(args.learning_rate * (10.0 if is_head.pop() else 1.0))
