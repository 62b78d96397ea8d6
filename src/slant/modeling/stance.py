"""How a (sentence, target) pair becomes model input, the same way in training and at inference.

The sentence (with the model's text prefix) is the first segment and the target's mention the second,
so every layer can attend to what the question is about; ``target_mask`` marks the mention's own
tokens inside the sentence, which the stance head pools next to the whole input. A sentence too long
for the model is cut to a window around its target (whole words), so the target is always read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from transformers import PreTrainedTokenizerBase

CHARS_PER_TOKEN = 3  # a window of 3 characters per token fits nearly every sentence-piece text


def target_window(text: str, start: int, end: int, chars: int) -> int:
    """Where a window of about ``chars`` characters around ``text[start:end]`` begins (at a word
    boundary, 0 when the text fits)."""
    if len(text) <= chars:
        return 0
    begin = max(0, min(start - (chars - (end - start)) // 2, len(text) - chars))
    space = text.find(" ", begin, start)
    return space + 1 if begin > 0 and space >= 0 else begin


def encode_stance(
    tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], targets: Sequence[tuple[int, int]],
    prefix: str = "", max_length: int = 128,
) -> dict[str, list[Any]]:
    """Tokenise each sentence with its target as a text pair and mark the target's tokens.

    Args:
        texts: sentences.
        targets: per sentence, the character span ``(start, end)`` of the target mention.
        prefix: the model's text prefix (``config.text_prefix``).
        max_length: the model's window in tokens.

    Returns:
        The tokenizer's fields (``input_ids``, ``attention_mask``, ...) plus ``target_mask`` (1 on the
        tokens of the mention inside the sentence) and ``window_start`` (character where the
        encoded part of each sentence begins).
    """
    rows = [encode_one(tokenizer, text, target, prefix, max_length) for text, target in zip(texts, targets)]
    return {key: [row[key] for row in rows] for key in rows[0]} if rows else {}


def encode_one(tokenizer: PreTrainedTokenizerBase, text: str, target: tuple[int, int], prefix: str,
               max_length: int) -> dict[str, Any]:
    """:func:`encode_stance` for one pair; a window that still cuts the target is halved until it fits."""
    start, end = target
    chars = CHARS_PER_TOKEN * max_length
    while True:
        window = target_window(text, start, end, chars)
        enc = tokenizer(prefix + text[window:window + chars], text[start:end], truncation="only_first",
                        max_length=max_length, return_offsets_mapping=True)
        lo, hi = start - window + len(prefix), end - window + len(prefix)
        inside = [seq == 0 and b > a for seq, (a, b) in zip(enc.sequence_ids(), enc["offset_mapping"])]
        mask = [int(ok and a < hi and b > lo) for ok, (a, b) in zip(inside, enc["offset_mapping"])]
        read_to = max((b for ok, (_, b) in zip(inside, enc["offset_mapping"]) if ok), default=0)
        if read_to >= hi or chars <= end - start:
            enc.pop("offset_mapping")
            return {**enc, "target_mask": mask, "window_start": window}
        chars = max(end - start, chars // 2)
