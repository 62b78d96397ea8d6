"""Compare rules that decide the voice (quoted / authorial) of loaded terms, on annotated spans.

    python bench/voice.py outputs/quickstart/model --data data/realnews/annotations --format realnews --split validation

Every gold ``loaded`` span with a voice is judged by each rule, whether or not the model flags the
sentence, so the rules are compared on the same spans in one forward pass: the learned quoted-voice
channel alone (mean token probability >= 0.5, slant's rule until round 5), quotation marks alone,
and marks first with the channel deciding unmarked spans at several bars (slant now: the model's
``voice_threshold``). Pick on rows the model never trained on (validation, or a fresh annotation
round before it joins the training data); report on test.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from slant.config import DataConfig, SourceConfig
from slant.data.loading import load_splits
from slant.data.records import inside_quotes, scare_quoted
from slant.inference.evidence import widen_to_words
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
    spans = []  # (inside marks, scare quotes, mean quoted-voice probability, gold voice)
    for text, row, (token_probs, offsets) in zip(split["text"], split["spans"], tokens):
        for span in json.loads(row):
            if span["label"] != "loaded" or not span.get("voice"):
                continue
            mine = [t for t, (s, e) in enumerate(offsets)
                    if e > shift and s - shift < span["end"] and e - shift > span["start"]]
            channel = float(np.mean(token_probs[mine, -1])) if mine else 0.0
            # Decoded spans never carry their own quotation marks: judge the words as the predictor sees them.
            start, end = widen_to_words(text, span["start"], span["end"])
            spans.append((inside_quotes(text, start, end), scare_quoted(text, start, end), channel, span["voice"]))
    if not spans:
        raise SystemExit(f"no loaded span with a voice in the {args.split} split of {args.data}")
    print(f"{len(spans)} gold loaded spans ({sum(m for m, *_ in spans)} inside quotation marks, "
          f"{sum(s for _, s, *_ in spans)} of them scare quotes; {sum(v == 'quoted' for *_, v in spans)} "
          f"quoted) in the {args.split} split of {args.data}\n")
    rules = {"channel >= 0.5 (no marks)": lambda m, s, c: c >= 0.5, "quotation marks only": lambda m, s, c: m}
    rules |= {f"marks, else channel >= {bar}": (lambda m, s, c, bar=bar: m or c >= bar) for bar in BARS}
    rules |= {f"marks (scare quotes: channel >= 0.5), else channel >= {bar}":
              (lambda m, s, c, bar=bar: c >= 0.5 if s else m or c >= bar) for bar in BARS}
    print("| rule | voice accuracy |\n|---|---|")
    for title, quoted in rules.items():
        accuracy = np.mean([("quoted" if quoted(m, s, c) else "authorial") == gold for m, s, c, gold in spans])
        print(f"| {title} | {accuracy:.3f} |")


if __name__ == "__main__":
    main()
