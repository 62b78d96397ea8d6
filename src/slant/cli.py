"""The ``slant`` command line. No Hydra here: a model directory carries its own settings."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path


def read_articles(source: str) -> Iterator[tuple[str, str]]:
    """Yield ``(name, text)`` from a text file, every ``*.txt`` in a directory, or ``-`` (stdin)."""
    if source == "-":
        yield "-", sys.stdin.read()
        return
    path = Path(source)
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    for file in files:
        try:
            yield str(file), file.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise SystemExit(f"slant: {file}: not valid UTF-8 at byte {err.start}") from None
        except OSError as err:
            raise SystemExit(f"slant: {file}: {err.strerror}") from None


def score(args: argparse.Namespace) -> int:
    """Score articles and print one JSON object per article."""
    from slant.predictor import Predictor

    predictor = Predictor.from_pretrained(args.model, device=args.device)
    for name, text in read_articles(args.input):
        result = predictor.score_article(text, lang=args.lang).to_dict()
        print(json.dumps({"source": name, **result}, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(prog="slant", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    scorer = commands.add_parser("score", help="score articles sentence by sentence (JSONL to stdout)")
    scorer.add_argument("input", help="a .txt file, a directory of .txt files, or - for stdin")
    scorer.add_argument("--model", required=True, help="model directory written by train.py")
    scorer.add_argument("--lang", default="en", help="language code for sentence splitting")
    scorer.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 ...")
    scorer.set_defaults(run=score)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``slant`` console script."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
