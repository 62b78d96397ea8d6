"""Compare rules that decide the voice (quoted / authorial) of loaded terms, on annotated spans.

    python bench/voice.py outputs/quickstart/model --data data/realnews/annotations --format realnews --split validation

Every gold ``loaded`` span with a voice is judged by each rule, whether or not the model flags the
sentence, so the rules are compared on the same spans in one forward pass: the learned quoted-voice
channel alone (mean token probability >= 0.5, slant's rule until round 5), quotation marks alone,
marks first with the channel deciding unmarked spans at several bars, and slant's own rule
(:func:`slant.inference.evidence.term_voice`: scare quotes go to the channel at 0.5) at the same bars
(the model's ``voice_threshold``). Pick on rows the model never trained on (validation, or a fresh annotation
round before it joins the training data); report on test.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

import numpy as np

from slant.config import DataConfig, SourceConfig
from slant.data.loading import load_splits
from slant.data.records import quotation_kind
from slant.inference.evidence import term_voice, widen_to_words
from slant.inference.predictor import Predictor
from slant.labels import LabelSet

BARS = (0.5, 0.6, 0.7, 0.8, 0.9)


def main() -> None:
    """Print the accuracy of each rule over the gold loaded spans of one split."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--data", default="data/realnews/annotations")
    parser.add_argument("--format", default="realnews")
    parser.add_argument("--split", default="validation")
    args = parser.parse_args()
    predictor = Predictor.from_pretrained(args.model_dir, device="cpu")
    source = SourceConfig(format=args.format, path=args.data)
    split = load_splits(DataConfig(sources={"data": source}), LabelSet.of(predictor.labels)).splits[args.split]
    _, tokens = predictor.token_scores(split["text"])
    shift = len(predictor.config.text_prefix)
    spans = []  # (text, start, end, mean quoted-voice probability, gold voice)
    for text, row, (token_probs, offsets) in zip(split["text"], split["spans"], tokens):
        for span in json.loads(row):
            if span["label"] != "loaded" or not span.get("voice"):
                continue
            mine = [t for t, (s, e) in enumerate(offsets)
                    if e > shift and s - shift < span["end"] and e - shift > span["start"]]
            channel = float(np.mean(token_probs[mine, -1])) if mine else 0.0
            # Decoded spans never carry their own quotation marks: judge the words as the predictor sees them.
            start, end = widen_to_words(text, span["start"], span["end"])
            spans.append((text, start, end, channel, span["voice"]))
    if not spans:
        raise SystemExit(f"no loaded span with a voice in the {args.split} split of {args.data}")
    kinds = [quotation_kind(text, start, end) for text, start, end, _, _ in spans]
    print(f"{len(spans)} gold loaded spans ({sum(k is not None for k in kinds)} inside quotation marks, "
          f"{kinds.count('scare')} of them scare quotes; {sum(v == 'quoted' for *_, v in spans)} "
          f"quoted) in the {args.split} split of {args.data}\n")
    Rule = Callable[[str, int, int, float], bool]  # (text, start, end, channel) -> quoted?
    rules: dict[str, Rule] = {"channel >= 0.5 (no marks)": lambda t, s, e, c: c >= 0.5,
                              "quotation marks only": lambda t, s, e, c: quotation_kind(t, s, e) is not None}
    rules |= {f"marks, else channel >= {bar}": (lambda t, s, e, c, bar=bar: quotation_kind(t, s, e) is not None
                                                or c >= bar) for bar in BARS}
    rules |= {f"slant's rule (scare quotes: channel >= 0.5), voice_threshold {bar}":
              (lambda t, s, e, c, bar=bar: term_voice(t, s, e, c, bar) == "quoted") for bar in BARS}
    print("| rule | voice accuracy |\n|---|---|")
    for title, quoted in rules.items():
        accuracy = np.mean([("quoted" if quoted(t, s, e, c) else "authorial") == gold for t, s, e, c, gold in spans])
        print(f"| {title} | {accuracy:.3f} |")


if __name__ == "__main__":
    main()
