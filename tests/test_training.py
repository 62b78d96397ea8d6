import json
import math

import pytest
import torch
from slant.modeling.checkpoint import build_model, encoder_blocks, load_model
from slant.training import masked_bce_with_logits, precision_flags, train, training_arguments, warn_if_collapsed


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


def test_train_saves_one_hugging_face_model_with_a_card(train_cfg):
    result = train(train_cfg)
    files = {p.name for p in result.model_dir.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "metrics.json", "README.md"} <= files
    assert not files & {"slant.json", "slant_heads.safetensors"}
    assert not any(name.endswith((".bin", ".pt", ".pkl")) for name in files)
    config = json.loads((result.model_dir / "config.json").read_text())
    assert config["model_type"] == "slant" and config["labels"] == ["attribution", "hedging", "loaded"]
    assert set(config["thresholds"]) == set(config["temperatures"]) == set(config["labels"])
    assert len(config["training"]["data_fingerprint"]) == 64 and config["training"]["sources"]["tiny"]["format"] == "slant"
    model, _ = load_model(result.model_dir)
    assert model.classifier.out_features == 3 and model.evidence.proj.out_features == 4
    metrics = json.loads((result.model_dir / "metrics.json").read_text())
    assert {"validation", "test"} <= set(metrics) and "f1/hedging" in metrics["validation"]
    card = (result.model_dir / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: slant") and f"{metrics['test']['f1_macro']:.3f}" in card


def test_mean_max_pooling_trains_saves_and_reloads_with_the_same_scores(train_cfg):
    train_cfg.model.pooling = "mean_max"
    model_dir = train(train_cfg).model_dir
    assert json.loads((model_dir / "config.json").read_text())["pooling"] == "mean_max"
    model, tokenizer = load_model(model_dir)
    assert model.classifier.in_features == 2 * model.config.hidden_size
    batch = tokenizer(["the army called them terrorists", "police arrested two men"], padding=True,
                      return_tensors="pt")
    model.eval()
    with torch.no_grad():
        logits = model(**batch).logits
    again, _ = load_model(model_dir)
    again.eval()
    with torch.no_grad():
        assert torch.allclose(logits, again(**batch).logits)


def test_frozen_embeddings_do_not_move(train_cfg):
    before, _ = build_model(train_cfg.model, tuple(train_cfg.labels))
    after, _ = load_model(train(train_cfg).model_dir)
    embeddings = before.encoder.get_input_embeddings().weight
    assert torch.equal(embeddings, after.encoder.get_input_embeddings().weight)
    assert not torch.equal(before.classifier.weight, after.classifier.weight)


def test_frozen_layers_stay_fixed_and_the_blocks_above_them_learn(train_cfg):
    train_cfg.model.freeze_layers = 1
    before, _ = build_model(train_cfg.model, tuple(train_cfg.labels))
    after, _ = load_model(train(train_cfg).model_dir)
    old, new = encoder_blocks(before.encoder), encoder_blocks(after.encoder)
    assert len(old) == 2
    assert all(torch.equal(a, b) for a, b in zip(old[0].parameters(), new[0].parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(old[1].parameters(), new[1].parameters()))
    positions = before.encoder.embeddings.position_embeddings.weight
    assert torch.equal(positions, after.encoder.embeddings.position_embeddings.weight)


def test_freezing_every_block_is_refused_with_the_block_count(train_cfg):
    train_cfg.model.freeze_layers = 2
    with pytest.raises(ValueError, match="has 2 blocks"):
        build_model(train_cfg.model, tuple(train_cfg.labels))


def test_resume_from_checkpoint_continues_the_same_run(train_cfg, tmp_path):
    # A constant rate: a linear schedule would be built for 4 steps in the first run and for 6 in the other.
    train_cfg.trainer.update(max_steps=6, load_best_model_at_end=False, save_total_limit=None, lr_scheduler_type="constant")
    straight, _ = load_model(train(train_cfg).model_dir)
    train_cfg.trainer["max_steps"] = 4
    train_cfg.output_dir = str(tmp_path / "first")
    first = train(train_cfg)
    checkpoint = first.model_dir.parent / "checkpoints" / "checkpoint-4"
    assert checkpoint.is_dir(), "training with eval_strategy=steps must leave a checkpoint"
    train_cfg.trainer.update(max_steps=6, resume_from_checkpoint=str(checkpoint))
    train_cfg.output_dir = str(tmp_path / "resumed")
    resumed, _ = load_model(train(train_cfg).model_dir)
    stopped, _ = load_model(first.model_dir)
    # Resuming restores weights, optimizer, scheduler and data order: the same weights as one 6-step run.
    torch.testing.assert_close(resumed.classifier.weight, straight.classifier.weight, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(stopped.classifier.weight, straight.classifier.weight)


def test_unknown_trainer_key_fails_with_the_closest_names(train_cfg):
    train_cfg.trainer["lerning_rate"] = 1e-3
    with pytest.raises(ValueError, match="lerning_rate.*learning_rate"):
        train(train_cfg)


def test_any_training_arguments_field_passes_through(train_cfg):
    train_cfg.trainer.update(report_to="tensorboard", gradient_checkpointing=True, adam_beta2=0.98)
    args = training_arguments(train_cfg.trainer, train_cfg.output_dir, 0)
    assert args.report_to == ["tensorboard"] and args.gradient_checkpointing and args.adam_beta2 == 0.98
    assert args.save_strategy == "steps" and args.metric_for_best_model == "f1_macro"  # slant's defaults stay


def test_token_targets_collator_pads_with_nan(train_cfg):
    from slant.training import TokenTargetCollator

    _, tokenizer = build_model(train_cfg.model, tuple(train_cfg.labels))
    rows = [{"input_ids": [2, 7, 3], "labels": [1.0, 0.0, 0.0], "token_labels": [[0.0] * 4] * 3},
            {"input_ids": [2, 3], "labels": [0.0, 0.0, 0.0], "token_labels": [[1.0] * 4] * 2}]
    batch = TokenTargetCollator(tokenizer)(rows)
    assert batch["token_labels"].shape == (2, 3, 4) and batch["input_ids"].shape == (2, 3)
    assert torch.isnan(batch["token_labels"][1, 2]).all() and batch["token_labels"][1, 1, 0] == 1


def test_evidence_head_is_scored_during_training_and_on_test(train_cfg):
    result = train(train_cfg)
    state = json.loads((result.model_dir.parent / "checkpoints" / "checkpoint-4" / "trainer_state.json").read_text())
    evals = [entry for entry in state["log_history"] if "eval_f1_macro" in entry]
    assert evals and 0 <= evals[-1]["eval_evidence_f1/attribution"] <= 1 and "eval_evidence_f1/voice_quoted" in evals[-1]
    evidence = result.metrics["evidence"]["test"]
    assert {"evidence_f1/attribution", "voice_accuracy"} <= set(evidence)


def test_heads_get_a_larger_learning_rate(train_cfg):
    from slant.training import MaskedLossTrainer

    model, _ = build_model(train_cfg.model, tuple(train_cfg.labels))
    args = training_arguments(train_cfg.trainer, train_cfg.output_dir, 0)
    args.eval_strategy = "no"
    optimizer = MaskedLossTrainer(model=model, args=args, evidence_lr_scale=10.0).create_optimizer()
    head = {id(p) for name, p in model.named_parameters() if not name.startswith("encoder.")}
    for group in optimizer.param_groups:
        is_head = {id(p) in head for p in group["params"]}
        assert len(is_head) == 1
        assert group["lr"] == pytest.approx(args.learning_rate * (10.0 if is_head.pop() else 1.0))


def test_collapse_is_reported_only_when_no_evaluation_flagged_anything(caplog):
    collapsed = [{"loss": 0.55}, {"eval_f1_macro": 0.0}, {"loss": 0.56}, {"eval_f1_macro": 0.0}]
    assert warn_if_collapsed(collapsed)
    assert "training collapsed" in caplog.text and "learning_rate" in caplog.text
    caplog.clear()
    assert not warn_if_collapsed([{"eval_f1_macro": 0.0}, {"eval_f1_macro": 0.41}])  # recovered in epoch 2
    assert not warn_if_collapsed([{"loss": 0.5}])                                      # no evaluation at all
    assert "training collapsed" not in caplog.text


def test_bf16_mixed_precision_trains_on_cpu_and_saves_fp32_weights(train_cfg):
    # trainer.precision=bf16 autocasts the CPU forward pass; the weights and the saved file stay fp32
    train_cfg.trainer["precision"] = "bf16"
    result = train(train_cfg)
    model, _ = load_model(result.model_dir)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    metrics = json.loads((result.model_dir / "metrics.json").read_text())
    assert math.isfinite(metrics["validation"]["f1_macro"])
