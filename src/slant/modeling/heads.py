"""The two heads slant puts on an encoder: a sentence classifier on pooled states, and a token
evidence head that says which words triggered each label and whether a term is quoted."""

from __future__ import annotations

import math

import torch
from torch import nn

EVIDENCE_PRIOR = 0.02  # share of tokens that are evidence in the starter corpus, roughly


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average of the token vectors that the attention mask keeps: ``(batch, seq, h) -> (batch, h)``."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


def max_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per-dimension maximum over the tokens that the attention mask keeps: ``(batch, seq, h) -> (batch, h)``."""
    fill = torch.finfo(hidden.dtype).min
    return hidden.masked_fill(~mask.bool().unsqueeze(-1), fill).amax(1)


class EvidenceHead(nn.Module):
    """``(batch, seq, hidden) -> (batch, seq, n_labels + 1)`` token logits; the last channel is voice
    ("this term is quoted"). Tokens the data says nothing about are masked out of its loss."""

    def __init__(self, hidden_size: int, num_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.num_labels = num_labels
        self.dropout = nn.Dropout(dropout)
        self.proj = nn.Linear(hidden_size, num_labels + 1)
        self.reset_prior()

    @torch.no_grad()
    def reset_prior(self, prior: float = EVIDENCE_PRIOR) -> None:
        """Start the label channels at their prior, not at 0.5: evidence tokens are rare, and a 0.5
        start would make the first steps push every token representation towards "no evidence"."""
        self.proj.bias.zero_()
        self.proj.bias[: self.num_labels] = math.log(prior / (1 - prior))

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:  # noqa: D102
        return self.proj(self.dropout(hidden_states))
