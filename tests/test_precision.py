"""Inference precision modes: which modes a device accepts, int8 matmuls, and compiled scoring."""

import numpy as np
import pytest
import torch
from torch import nn

from slant.modeling.precision import Int8Linear, quantize_int8, resolve_precision
from slant.inference.predictor import Predictor

CPU, GPU = torch.device("cpu"), torch.device("cuda")
TEXTS = ["The minister said the plan would cut costs.", "Prices may rise.", "Thugs smashed the windows."]


def test_auto_is_fp32_on_cpu_and_impossible_modes_are_refused():
    assert resolve_precision("auto", CPU) == "fp32"
    with pytest.raises(ValueError, match="CPU mode"):
        resolve_precision("int8", GPU)
    with pytest.raises(ValueError, match="needs a GPU"):
        resolve_precision("fp16", CPU)
    with pytest.raises(ValueError, match="precision must be one of"):
        resolve_precision("fp8", CPU)


def test_int8_linear_tracks_the_float_layer_per_token():
    linear = nn.Linear(64, 48)
    x = torch.randn(2, 5, 64)
    x[0, 0] *= 50  # one loud token: per-token scales keep it from coarsening the others
    exact, approx = linear(x), Int8Linear(linear)(x)
    assert approx.shape == exact.shape and approx.dtype == torch.float32
    relative = (approx - exact).norm(dim=-1) / exact.norm(dim=-1)
    assert relative.max() < 0.02, relative


def test_quantize_int8_swaps_encoder_linears_only_and_leaves_the_original(trained_model_dir):
    model = Predictor.from_pretrained(trained_model_dir, device="cpu", precision="fp32").model
    quantized = quantize_int8(model)
    assert not any(isinstance(m, nn.Linear) for m in quantized.encoder.modules())
    assert isinstance(quantized.classifier, nn.Linear)  # heads stay fp32
    assert any(isinstance(m, nn.Linear) for m in model.encoder.modules())  # a copy, not in place


def test_int8_predictor_stays_close_to_fp32_and_cannot_be_saved(trained_model_dir, tmp_path):
    fp32 = Predictor.from_pretrained(trained_model_dir, device="cpu", precision="fp32")
    int8 = Predictor.from_pretrained(trained_model_dir, device="cpu", precision="int8")
    assert int8.precision == "int8"
    np.testing.assert_allclose(int8.predict_proba(TEXTS), fp32.predict_proba(TEXTS), atol=0.02)
    with pytest.raises(ValueError, match="run-time mode"):
        int8.save_pretrained(tmp_path / "int8")


@pytest.mark.slow
def test_compiled_predictor_matches_eager_and_saves_the_plain_model(trained_model_dir, tmp_path):
    eager = Predictor.from_pretrained(trained_model_dir, device="cpu")
    compiled = Predictor.from_pretrained(trained_model_dir, device="cpu", compile=True)
    np.testing.assert_allclose(compiled.predict_proba(TEXTS), eager.predict_proba(TEXTS), atol=1e-4)
    assert [p.labels for p in compiled(TEXTS)] == [p.labels for p in eager(TEXTS)]
    compiled.save_pretrained(tmp_path / "copy")
    again = Predictor.from_pretrained(tmp_path / "copy", device="cpu")
    np.testing.assert_allclose(again.predict_proba(TEXTS), eager.predict_proba(TEXTS), atol=1e-6)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_auto_precision_is_half_and_close_to_cpu_fp32(trained_model_dir):
    on_gpu = Predictor.from_pretrained(trained_model_dir, device="cuda")
    assert on_gpu.precision in ("bf16", "fp16")
    cpu = Predictor.from_pretrained(trained_model_dir, device="cpu")
    np.testing.assert_allclose(on_gpu.predict_proba(TEXTS), cpu.predict_proba(TEXTS), atol=0.02)


def test_int8_scores_of_a_text_do_not_depend_on_its_batch(trained_model_dir):
    """A sentence's encoder states are bit-identical alone or batched beside longer sentences (in
    int8 any last-bit difference can flip a rounding and grow layer by layer)."""
    predictor = Predictor.from_pretrained(trained_model_dir, device="cpu", precision="int8", batch_size=64)
    seen: list[torch.Tensor] = []
    predictor.model.encoder.register_forward_hook(lambda module, args, out: seen.append(out[0][0].clone()))
    text = TEXTS[1]
    longer = [text, *(f"{t} {t} {t} {t}" for t in TEXTS)]
    alone = predictor.predict_proba([text])
    n_tokens = seen[0].shape[0]
    with_others = predictor.predict_proba(longer)
    assert torch.equal(seen[0], seen[1][:n_tokens]), (seen[0] - seen[1][:n_tokens]).abs().max()
    np.testing.assert_allclose(with_others[0], alone[0], atol=1e-6)
    grouped = {}
    for size in (1, 20, 50):
        predictor.batch_size = size
        grouped[size] = predictor.predict_proba(longer * 10)
    for size in (1, 20):
        np.testing.assert_allclose(grouped[size], grouped[50], atol=1e-6)
