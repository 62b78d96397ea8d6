"""Numeric precision for inference: fp32, bf16/fp16 where the hardware has them, or int8 on CPU.

``auto`` picks what is fast and safe on the device: bf16 (or fp16) on a GPU, fp32 on a CPU. The
faster CPU modes change the scores a little, so they are opt-in; ``bench/throughput.py`` measures
their speed and their drift from fp32 on the same model. :func:`compile_for_inference` is a further
opt-in that trades a one-off compilation for faster batches in any precision.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

log = logging.getLogger(__name__)

PRECISIONS = ("auto", "fp32", "bf16", "fp16", "int8")


def cpu_supports_bf16() -> bool:
    """True when this CPU has native bf16 matrix instructions (AVX512-BF16 or AMX); else bf16 is emulated and slow."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(precision: str, device: torch.device) -> str:
    """Turn ``auto`` into a concrete mode and refuse modes the device cannot run well.

    Args:
        precision: one of :data:`PRECISIONS`.
        device: where the model runs.

    Returns:
        ``"fp32"``, ``"bf16"``, ``"fp16"`` or ``"int8"``.

    Raises:
        ValueError: unknown mode, int8 on a GPU, fp16 on a CPU, or bf16 on a CPU without bf16 instructions.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    on_gpu = device.type == "cuda"
    if precision == "auto":
        if not on_gpu:
            return "fp32"
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if precision == "int8" and on_gpu:
        raise ValueError("precision=int8 is a CPU mode (dynamic int8 matmuls); on a GPU use bf16 or fp16")
    if precision == "fp16" and not on_gpu:
        raise ValueError("precision=fp16 needs a GPU; on a CPU use bf16 (if supported) or int8")
    if precision == "bf16" and not on_gpu and not cpu_supports_bf16():
        raise ValueError("this CPU has no bf16 instructions (AVX512-BF16/AMX): bf16 would be slower than fp32; "
                         "use precision=int8 or fp32")
    return precision


class Int8Linear(nn.Module):
    """``nn.Linear`` as an int8 x int8 -> int32 matmul with a scale per weight row and per token.

    Why not ``torch.ao`` dynamic quantization: it scales activations per tensor, so one token with
    large activations coarsens every other token in the batch. On the default model that moved
    probabilities by up to 0.70 and flipped 1.7% of label decisions; per-token scales cut both
    (numbers in docs/performance.md). A token's result depends on its own activations only, and
    the predictor pads each sentence to a width of its own (``predictor.padded_widths``), so scores
    are the same whichever sentences share the batch.
    """

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        scale = weight.abs().amax(dim=1).clamp(min=1e-8) / 127
        quantized = (weight / scale[:, None]).round().clamp(-127, 127).to(torch.int8)
        self.register_buffer("weight_t", quantized.t().contiguous())  # (in, out): the layout _int_mm wants
        self.register_buffer("weight_scale", scale)
        bias = linear.bias.detach().float().clone() if linear.bias is not None else torch.zeros_like(scale)
        self.register_buffer("bias", bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(..., in) -> (..., out)`` in float32."""
        flat = x.reshape(-1, x.shape[-1]).float()
        token_scale = flat.abs().amax(dim=1, keepdim=True).clamp(min=1e-8) / 127
        quantized = (flat / token_scale).round_().to(torch.int8)
        out = torch._int_mm(quantized, self.weight_t).float().mul_(token_scale).mul_(self.weight_scale).add_(self.bias)
        return out.reshape(*x.shape[:-1], out.shape[-1])


def quantize_int8(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose encoder ``nn.Linear`` layers are :class:`Int8Linear`.

    The sentence and evidence heads stay fp32: they are tiny and their outputs are what users read.
    """
    if not hasattr(torch, "_int_mm"):
        raise ValueError(f"precision=int8 needs torch._int_mm (torch >= 2.2); this is torch {torch.__version__}")
    model = copy.deepcopy(model)
    for module in list(model.encoder.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, nn.Linear):
                setattr(module, name, Int8Linear(child))
    return model


def apply_precision(model: nn.Module, precision: str) -> nn.Module:
    """Cast or quantize ``model`` (already on its device) for a concrete precision from :func:`resolve_precision`."""
    if precision == "int8":
        return quantize_int8(model)
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    return model.to(dtype)


def compile_for_inference(model: nn.Module) -> Callable[..., Any]:
    """``torch.compile`` for scoring: dynamic shapes (every batch has its own length), frozen float weights.

    Freezing lets Inductor fold the weights into the graph and pre-pack them for the CPU's matmul
    kernels, which is most of the gain in fp32. Dynamo reads Inductor's global ``freezing`` flag when
    it traces, so the flag is switched on around each call (tracing happens inside calls) rather than
    for the whole process. An int8 model is compiled without freezing: freezing rewrites
    :class:`Int8Linear` into oneDNN quantized linears, and that compilation did not finish in 8
    minutes here; unfrozen, Inductor still fuses the per-token quantization around ``_int_mm``.
    The first batches pay the compilation (about a minute on 2 CPU cores, cached on disk by
    Inductor for later runs). ``model`` itself is unchanged.

    Returns:
        A callable with ``model``'s forward signature.
    """
    import torch._inductor.config as inductor_config

    compiled = torch.compile(model, dynamic=True)
    freeze = not any(isinstance(m, Int8Linear) for m in model.modules())

    def forward(*args: Any, **kwargs: Any) -> Any:
        with inductor_config.patch(freezing=freeze):
            return compiled(*args, **kwargs)

    return forward
