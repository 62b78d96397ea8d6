"""A saved slant model is a Hugging Face model: Auto classes, pipeline, config, card, old format."""

import json
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification, AutoTokenizer, pipeline

import slant  # noqa: F401  registers the Auto classes
from slant.inference.predictor import Predictor
from slant.modeling import SlantConfig, SlantModel
from slant.modeling.checkpoint import load_model

TEXTS = ["The army called the rebels terrorists.", "Police reportedly arrested two men on Friday."]


def test_auto_model_gives_slant_model_with_its_trained_heads(trained_model_dir):
    model = AutoModel.from_pretrained(trained_model_dir, local_files_only=True)
    reference, _ = load_model(trained_model_dir)
    assert isinstance(model, SlantModel)
    torch.testing.assert_close(model.classifier.weight, reference.classifier.weight)
    torch.testing.assert_close(model.evidence.proj.bias, reference.evidence.proj.bias)
    assert isinstance(AutoConfig.from_pretrained(trained_model_dir), SlantConfig)


def test_pipeline_gives_the_predictors_calibrated_scores(trained_model_dir):
    predictor = Predictor.from_pretrained(trained_model_dir, device="cpu")
    classifier = AutoModelForSequenceClassification.from_pretrained(trained_model_dir, local_files_only=True)
    assert isinstance(classifier, SlantModel)
    scorer = pipeline("text-classification", model=classifier,
                      tokenizer=AutoTokenizer.from_pretrained(trained_model_dir), device="cpu", top_k=None)
    prefix = predictor.config.text_prefix
    assert prefix, "the fixture model has a text prefix, which the pipeline does not add"
    for text, expected in zip(TEXTS, predictor.predict_proba(TEXTS)):
        rows = scorer([prefix + text])[0]
        got = {row["label"]: row["score"] for row in rows}
        np.testing.assert_allclose([got[n] for n in predictor.labels], expected, atol=1e-5)


def test_temperatures_in_the_config_scale_the_logits(trained_model_dir):
    model, tokenizer = load_model(trained_model_dir)
    batch = tokenizer(TEXTS, return_tensors="pt", padding=True)
    model.set_temperatures({n: 1.0 for n in model.config.labels})
    raw = model.eval()(**batch).logits
    model.set_temperatures({"hedging": 4.0})
    scaled = model(**batch).logits
    torch.testing.assert_close(scaled[:, 1], raw[:, 1] / 4.0)
    torch.testing.assert_close(scaled[:, [0, 2]], raw[:, [0, 2]])


def test_loading_refuses_what_is_not_a_slant_model(trained_model_dir, tiny_encoder_dir, tmp_path):
    with pytest.raises(ValueError, match="'bert' checkpoint, not a slant model"):
        Predictor.from_pretrained(tiny_encoder_dir)
    with pytest.raises(FileNotFoundError, match="no config.json"):
        Predictor.from_pretrained(tmp_path)
    pickled = shutil.copytree(trained_model_dir, tmp_path / "pickled")
    (pickled / "model.safetensors").rename(pickled / "pytorch_model.bin")
    with pytest.raises(FileNotFoundError, match="safetensors only"):
        Predictor.from_pretrained(pickled)


def test_auto_map_in_a_model_directory_never_runs_its_code(trained_model_dir, tmp_path):
    model = shutil.copytree(trained_model_dir, tmp_path / "remote")
    marker = tmp_path / "ran"
    (model / "evil.py").write_text(f"open({str(marker)!r}, 'w').close()\n"
                                   "from transformers import PreTrainedTokenizerFast as EvilTokenizer\n"
                                   "from slant.modeling import SlantConfig as EvilConfig, SlantModel as EvilModel\n")
    for name, auto_map in (("config.json", {"AutoConfig": "evil.EvilConfig", "AutoModel": "evil.EvilModel"}),
                           ("tokenizer_config.json", {"AutoTokenizer": [None, "evil.EvilTokenizer"]})):
        settings = json.loads((model / name).read_text(encoding="utf-8"))
        (model / name).write_text(json.dumps({**settings, "auto_map": auto_map}), encoding="utf-8")
    try:
        Predictor.from_pretrained(model, device="cpu").predict_proba(TEXTS)
    except (OSError, ValueError):
        pass  # refusing is fine too; running evil.py is not
    assert not marker.exists()


def test_model_type_slant_names_slant_when_transformers_does_not_know_it(trained_model_dir):
    import subprocess
    import sys

    code = ("from transformers import AutoModel\n"
            f"AutoModel.from_pretrained({str(trained_model_dir)!r}, local_files_only=True)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "slant" in out.stderr


def test_old_four_file_directories_still_load_and_convert(trained_model_dir, tmp_path):
    """slant 0.1 saved encoder config.json + model.safetensors, slant_heads.safetensors and slant.json."""
    model, tokenizer = load_model(trained_model_dir)
    old = tmp_path / "old"
    model.encoder.save_pretrained(old)
    tokenizer.save_pretrained(old)
    heads = {k: v.contiguous() for k, v in model.state_dict().items() if not k.startswith("encoder.")}
    save_file(heads, str(old / "slant_heads.safetensors"))
    config = model.config
    (old / "slant.json").write_text(json.dumps({
        "labels": config.labels, "thresholds": config.thresholds, "temperatures": config.temperatures,
        "max_length": config.max_seq_length, "text_prefix": config.text_prefix, "format_version": 1}))
    reference = Predictor.from_pretrained(trained_model_dir, device="cpu")
    legacy = Predictor.from_pretrained(old, device="cpu")
    np.testing.assert_allclose(legacy.predict_proba(TEXTS), reference.predict_proba(TEXTS), atol=1e-6)
    legacy.save_pretrained(tmp_path / "new")
    assert json.loads((tmp_path / "new" / "config.json").read_text())["model_type"] == "slant"
    (old / "slant.json").write_text("{not json")
    with pytest.raises(ValueError, match="slant.json"):
        Predictor.from_pretrained(old)
    for field, value in (("thresholds", {"hedging": "high"}), ("max_length", "abc")):
        (old / "slant.json").write_text(json.dumps({"labels": config.labels, field: value}))
        with pytest.raises(ValueError, match=r"slant\.json"):
            Predictor.from_pretrained(old)


def test_model_card_reports_provenance_data_labels_and_metrics(trained_model_dir):
    card = (trained_model_dir / "README.md").read_text()
    metrics = json.loads((trained_model_dir / "metrics.json").read_text())
    header = card.split("---")[1]
    assert "library_name: slant" in header and "pipeline_tag: text-classification" in header
    assert "- de" in header and "- en" in header
    for needle in ("## Base model", "## Training data", "| tiny | slant |", "## Labels and decisions",
                   "| loaded | term |", "## Intended use", "## Limitations", f"{metrics['test']['f1_macro']:.3f}"):
        assert needle in card


def test_max_pool_reads_only_the_tokens_the_mask_keeps():
    from slant.modeling.heads import max_pool

    hidden = torch.tensor([[[1.0, -5.0], [3.0, -2.0], [9.0, 9.0]]])  # the last token is padding
    mask = torch.tensor([[1, 1, 0]])
    assert torch.equal(max_pool(hidden, mask), torch.tensor([[3.0, -2.0]]))


def test_unknown_pooling_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="mean_max"):
        SlantConfig(pooling="attention")
