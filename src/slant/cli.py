"""The ``slant`` command line. No Hydra here: a model directory carries its own settings."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slant.predictor import ArticleScore


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


def format_text(name: str, article: "ArticleScore") -> str:
    """A human-readable view: one line per sentence with its labels, then the label rates."""
    lines = [f"== {name}"]
    for s in article.sentences:
        tags = ",".join(s.labels) or "-"
        lines.append(f"[{s.start:>5}-{s.end:<5}] {tags:<28} {s.text}")
    rates = "  ".join(f"{label}={rate:.0%}" for label, rate in article.rates.items())
    lines.append(f"   {len(article.sentences)} sentences: {rates}")
    return "\n".join(lines)


def score(args: argparse.Namespace) -> int:
    """Score articles and print one JSON object (or a text block) per article."""
    from slant.predictor import Predictor

    predictor = Predictor.from_pretrained(args.model, device=args.device)
    for name, text in read_articles(args.input):
        article = predictor.score_article(text, lang=args.lang)
        if args.format == "text":
            print(format_text(name, article))
        else:
            print(json.dumps({"source": name, **article.to_dict()}, ensure_ascii=False))
    return 0


def data_validate(args: argparse.Namespace) -> int:
    """Validate the starter corpus; print the counts table and every problem."""
    from slant.data.starter import validate_corpus

    report = validate_corpus(Path(args.dir))
    print(report.table())
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    print(f"{len(report.errors)} problems in {sum(report.rows.values())} rows", file=sys.stderr)
    return 1 if report.errors else 0


def data_split(args: argparse.Namespace) -> int:
    """Assign the fixed stratified splits in place and refresh the checksum file."""
    from slant.data.starter import write_splits

    write_splits(Path(args.dir))
    return data_validate(args)


def build_parser() -> argparse.ArgumentParser:
    """Argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(prog="slant", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    scorer = commands.add_parser("score", help="score articles sentence by sentence (JSONL to stdout)")
    scorer.add_argument("input", help="a .txt file, a directory of .txt files, or - for stdin")
    scorer.add_argument("--model", required=True, help="model directory written by train.py")
    scorer.add_argument("--lang", default="en", help="language code for sentence splitting")
    scorer.add_argument("--format", choices=["jsonl", "text"], default="jsonl", help="output format")
    scorer.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 ...")
    scorer.set_defaults(run=score)

    data = commands.add_parser("data", help="starter-corpus tools").add_subparsers(dest="data_command", required=True)
    for name, run, help_ in [("validate", data_validate, "check schema, spans, duplicates, leakage, checksum"),
                             ("split", data_split, "assign fixed stratified splits and write SHA256SUMS")]:
        sub = data.add_parser(name, help=help_)
        sub.add_argument("dir", nargs="?", default="data/starter", help="corpus directory")
        sub.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``slant`` console script."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
